"""Real-world sysctl files (corpus.json) against the real appliers of every suite.

Each file alone at its real path, all of them together as one tree, together
with the Alibaba Cloud /etc/sysctl.conf and its inline-comment variants, and
each image's own tree (Debian 11, 12 and 13 as installed), alone and with the
corpus on top. Provenance (package, version, sha256) is printed at the end.
"""

import base64
import os

import pytest

import _corpus
import _driver

ALIBABA = os.path.join(_driver.REPO, 'tests', 'containers', 'alibaba-sysctl.conf')
IDS = [ident for ident, dummy_package, dummy_item in _corpus.entries()]
UNCOMMENT_IDS = [ident for ident, dummy_package, item in _corpus.entries() if item.get('uncomment')]


@pytest.fixture(scope='session')
def corpus():
    files = _corpus.load()
    for ident in IDS:
        item = files[ident]
        record = dict((name, item[name]) for name in ('package', 'version', 'path', 'install_at', 'sha256', 'deb',
                                                      'deb_sha256'))
        if record not in _driver.PROVENANCE:
            _driver.PROVENANCE.append(record)
    return files


def _uncommented(item):
    entry = dict(item['entry'])
    entry['data'] = _corpus.uncomment(entry['data'])
    return entry


def _together(corpus, uncomment=False):
    tree = {}
    for ident in IDS:
        item = corpus[ident]
        tree[item['install_at']] = _uncommented(item) if uncomment and item['uncomment'] else item['entry']
    return tree


def _alibaba(variant):
    with open(ALIBABA, 'rb') as handle:
        lines = handle.read().decode('utf-8').split('\n')
    out = []
    for line in lines:
        is_assignment = '=' in line and not line.lstrip().startswith('#')
        if is_assignment and variant == 'comment_2sp':
            line += '  # Alibaba Cloud default'
        elif is_assignment and variant == 'comment_1sp':
            line += ' # x'
        elif is_assignment and variant == 'comment_tight':
            line += '#x'
        elif is_assignment and variant == 'semicolon':
            line += ' ; x'
        elif is_assignment and variant == 'tabs_crlf':
            key, dummy, value = line.partition('=')
            line = '%s\t=\t%s\r' % (key.strip(), value.strip())
        out.append(line)
    return {'path': '/etc/sysctl.conf', 'data': '\n'.join(out).encode('utf-8')}


def _run(runners, tree, title, links=()):
    files = list(tree.values()) if isinstance(tree, dict) else tree
    _driver.check(files, _driver.run_everywhere(runners, files, links=list(links)), title=title)


@pytest.mark.parametrize('ident', IDS)
def test_corpus_file_alone(runners, corpus, ident):
    _run(runners, [corpus[ident]['entry']], 'corpus file alone: %s' % ident)


@pytest.mark.parametrize('ident', UNCOMMENT_IDS)
def test_corpus_file_uncommented(runners, corpus, ident):
    _run(runners, [_uncommented(corpus[ident])], 'corpus file with its commented-out assignments uncommented: %s'
         % ident)


@pytest.mark.parametrize('uncomment', [False, True], ids=['as shipped', 'uncommented'])
def test_corpus_together(runners, corpus, uncomment):
    _run(runners, _together(corpus, uncomment), 'every corpus file at its path', links=['eth0.100'])


@pytest.mark.parametrize('variant', ['plain', 'comment_2sp', 'comment_1sp', 'comment_tight', 'semicolon',
                                     'tabs_crlf'])
def test_corpus_with_alibaba_sysctl_conf(runners, corpus, variant):
    tree = _together(corpus)
    tree['/etc/sysctl.conf'] = _alibaba(variant)
    _run(runners, tree, 'every corpus file, Alibaba Cloud /etc/sysctl.conf (%s)' % variant)


@pytest.mark.parametrize('variant', ['plain', 'comment_2sp', 'comment_1sp', 'comment_tight', 'semicolon',
                                     'tabs_crlf'])
@pytest.mark.parametrize('link', [True, False], ids=['with 99-sysctl.conf', 'without 99-sysctl.conf'])
def test_alibaba_sysctl_conf_alone(runners, variant, link):
    files = [_alibaba(variant)]
    if link:
        files.append({'path': '/etc/sysctl.d/99-sysctl.conf', 'type': 'symlink', 'target': '../sysctl.conf'})
    _run(runners, files, 'Alibaba Cloud /etc/sysctl.conf (%s)' % variant)


def _image_tree(runners, suite):
    if suite not in runners:
        pytest.skip('no %s runner (KT_DIFF_SUITES)' % suite)
    tree = {}
    for item in runners[suite].hello['initial_tree']:
        entry = dict(item)
        if 'data_b64' in entry:
            entry['data'] = base64.b64decode(entry.pop('data_b64'))
        tree[entry['path']] = entry
    return tree


@pytest.mark.parametrize('suite', _driver.SUITES)
def test_image_tree(runners, suite):
    """The suite image's own files (a stock Debian host: systemd, procps, on trixie linux-sysctl-defaults)."""
    _run(runners, _image_tree(runners, suite), '%s image tree' % suite, links=['eth0.100'])


@pytest.mark.parametrize('suite', _driver.SUITES)
def test_image_tree_with_the_corpus(runners, corpus, suite):
    tree = _image_tree(runners, suite)
    tree.update(_together(corpus, uncomment=True))
    _run(runners, tree, '%s image tree and every corpus file (uncommented)' % suite, links=['eth0.100'])

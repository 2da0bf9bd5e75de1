"""The audit module's ``boot`` prediction against real boots of Debian 11, 12, 13 and 13 with its backports kernel.

One test per release and configuration (test_boot[bookworm-cmdline]); the
configurations of a stage share its boot (tests/boot/_boot.py). For every key
of the configuration whose prediction before the boot has ``boot`` set and is
not undecided, the value the boot left (read from /proc/sys once the boot has
finished) must equal ``boot``, whitespace aside; right after the boot, with
nothing changed, a second audit's ``boot`` must equal its ``live``. Keys
without a prediction (``boot`` null, undecided) are counted, not failed.
"""

import pytest

import _boot

RELEASES = _boot.selected_releases()
CONFIGS = _boot.config_ids()
CASES = [pytest.param(release, config, id='%s-%s' % (release, config), marks=pytest.mark.xdist_group(release))
         for release in RELEASES for config in CONFIGS]


def norm(value):
    return None if value is None else ' '.join(str(value).split())


def config_keys(result, config, probe):
    """The keys of ``config`` among those the probe found, with their sources."""
    sources = dict(result['configs'])[config]
    claimed = set()
    for dummy, other in result['configs']:
        if other is not None:
            claimed |= other
    keys = {}
    for key, where in probe['keys'].items():
        if (sources is None and not claimed & set(where)) or (sources is not None and sources & set(where)):
            keys[key] = where
    return keys


def unpredicted(entry):
    return entry is None or entry.get('boot') is None or bool(entry.get('undecided')) or \
        entry.get('status') == 'undecided'


def lines_setting(files, key):
    """'FILE:LINE: text' of every line of the VM's sysctl files that names the key."""
    out = []
    tail = key.split('.')[-1]
    for path, text in sorted(files.items()):
        for number, line in enumerate(text.splitlines(), 1):
            if tail in line and not line.lstrip().startswith(('#', ';')):
                out.append('%s:%d: %s' % (path, number, line.strip()))
    return out


def describe(problems, probe):
    text = []
    for key, predicted, real, entry, where in problems:
        text.append('%s: predicted %r from %s (status %s%s), real %r; set by %s'
                    % (key, predicted, entry.get('boot_source'), entry.get('status'),
                       ', reason: %s' % entry['reason'] if entry.get('reason') else '', real, ', '.join(where)))
        text += ['    ' + line for line in lines_setting(probe['files'], key)]
    text.append('the VM after the boot: kernel %s, command line %r' % (probe['kernel'], probe['cmdline']))
    text.append('its sysctl files: %s' % ', '.join(sorted(probe['files'])))
    for path, content in sorted(probe.get('tuned', {}).items()):
        if path.endswith(('tuned.conf', 'active_profile')) and 'kt-boot' in path + content:
            text.append('%s:\n%s' % (path, content.rstrip()))
    return '\n'.join(text)


@pytest.mark.parametrize('release,config', CASES)
def test_boot(release, config, boots, record_property):
    stage = _boot.stage_of(config)
    row = {'id': '%s-%s' % (release, config), 'order': (_boot.RELEASES.index(release), CONFIGS.index(config)),
           'kernel': '?', 'compared_before': 0, 'compared_after': 0, 'disagreements': 0, 'unpredicted': 0,
           'notes': []}
    record_property('boot', row)
    try:
        result = boots.stage(release, stage)
    except _boot.StageFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    before, after = result['before'], result['after']
    row['kernel'] = result['kernel']
    if config == _boot.stage_configs(stage, [[{'path': 'x'}]] * _boot.CORPUS_SAMPLES)[0][0]:
        row['stage_seconds'] = result['seconds']
        row['notes'].append('stage %s: %s' % (stage, ', '.join('%s %.0fs' % item for item in result['timings'])))
        row['notes'].append('slowest tasks: %s' % '; '.join('%s %ss' % item for item in result['slowest']))
    problems = []
    # 1. The prediction made before the boot against what the boot left.
    predicted = before['audit']['sysctl']
    real = after['probe']['live']
    for key, where in sorted(config_keys(result, config, before['probe']).items()):
        entry = predicted.get(key)
        if unpredicted(entry):
            row['unpredicted'] += 1
            row['notes'].append('not predicted: %s (boot %r, undecided %r)'
                                % (key, entry and entry.get('boot'), entry and entry.get('undecided')))
            continue
        row['compared_before'] += 1
        if norm(entry['boot']) != norm(real.get(key)):
            problems.append((key, entry['boot'], real.get(key), entry, where))
    # 2. Right after the boot, nothing changed: the next boot leaves what this one left.
    again = after['audit']['sysctl']
    problems_after = []
    for key, where in sorted(config_keys(result, config, after['probe']).items()):
        entry = again.get(key)
        if unpredicted(entry):
            continue
        row['compared_after'] += 1
        if norm(entry['boot']) != norm(entry.get('live')):
            problems_after.append((key, entry['boot'], entry.get('live'), entry, where))
    row['disagreements'] = len(problems) + len(problems_after)
    messages = []
    if problems:
        messages.append('%s: %d key(s) where the boot left another value than the audit predicted before it:\n%s'
                        % (row['id'], len(problems), describe(problems, after['probe'])))
    if problems_after:
        messages.append('%s: right after the boot, %d key(s) whose predicted next boot differs from the live value:'
                        '\n%s' % (row['id'], len(problems_after), describe(problems_after, after['probe'])))
    # 3. What the configuration itself promises.
    if config == 'buffers':
        statuses = dict((key, value['status']) for key, value in after['checks'][0]['sysctl'].items())
        row['notes'].append('audit net.core.[rw]mem_max >= 8388608 after the boot: %s' % statuses)
        if release == 'trixie-backports' and set(statuses.values()) != {'ok'}:
            messages.append('%s: the audit of the buffers drop-in is not ok: %s' % (row['id'], statuses))
    if config == 'alibaba-role':
        check = after['checks'][0]['sysctl']
        bad = dict((key, (value['status'], value.get('reason'))) for key, value in check.items()
                   if value['status'] != 'ok')
        row['notes'].append('after the role and a reboot: %d of %d profile keys ok'
                            % (len(check) - len(bad), len(check)))
        if bad:
            messages.append('%s: after the role and a reboot, keys not ok: %s' % (row['id'], bad))
    if messages:
        pytest.fail('\n\n'.join(messages), pytrace=False)

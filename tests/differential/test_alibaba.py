"""The Alibaba Cloud reproduction from the issue, against the real appliers of every suite.

/etc/sysctl.conf as on an ECS image, plus the two spellings from the issue
(``net..core.somaxconn = 128`` and ``/net/ipv4/tcp_max_tw_buckets = 5000``),
with and without Debian's 99-sysctl.conf link, and with a drop-in in
/etc/sysctl.d that raises the limits (procps applies /etc/sysctl.conf last,
so the drop-in loses; systemd-sysctl reads it in name order).
"""

import os

import pytest

import _driver

ALIBABA = os.path.join(_driver.REPO, 'tests', 'containers', 'alibaba-sysctl.conf')
ISSUE_LINES = 'net..core.somaxconn = 128\n/net/ipv4/tcp_max_tw_buckets = 5000\n'
DROP_IN = {'path': '/etc/sysctl.d/90-kerneltune.conf',
           'data': 'net.ipv4.tcp_max_tw_buckets = 262144\nnet.ipv4.tcp_max_syn_backlog = 8192\n'
                   'net.core.somaxconn = 8192\n'}
LINK = {'path': '/etc/sysctl.d/99-sysctl.conf', 'type': 'symlink', 'target': '../sysctl.conf'}


def _sysctl_conf(issue_first):
    with open(ALIBABA, 'rb') as handle:
        text = handle.read().decode('utf-8')
    text = ISSUE_LINES + text if issue_first else text + ISSUE_LINES
    return {'path': '/etc/sysctl.conf', 'data': text.encode('utf-8')}


@pytest.mark.parametrize('drop_in', [False, True], ids=['no drop-in', 'tuning drop-in'])
@pytest.mark.parametrize('link', [True, False], ids=['with 99-sysctl.conf', 'without 99-sysctl.conf'])
@pytest.mark.parametrize('issue_first', [False, True], ids=['issue lines last', 'issue lines first'])
def test_alibaba_issue(runners, drop_in, link, issue_first):
    files = [_sysctl_conf(issue_first)] + ([LINK] if link else []) + ([DROP_IN] if drop_in else [])
    answers = _driver.check(files, _driver.run_everywhere(runners, files), title='Alibaba issue')
    # What the real appliers did (checked here so a change of theirs is noticed, not only a model's error).
    for suite, answer in answers.items():
        procps = _driver.after_values(answer['appliers']['procps'])
        systemd = _driver.after_values(answer['appliers']['systemd'])
        default = answer['appliers']['systemd']['before']
        # procps applies /etc/sysctl.conf last: the drop-in loses; both issue spellings apply.
        assert (procps['net.ipv4.tcp_max_tw_buckets'], procps['net.core.somaxconn']) == ('5000', '128'), suite
        if link:  # 99-sysctl.conf sorts after 90-kerneltune.conf: sysctl.conf wins there too
            expected = ('5000', '128')
        elif drop_in:  # systemd-sysctl does not read /etc/sysctl.conf without the link
            expected = ('262144', '8192')
        else:
            expected = (default['net.ipv4.tcp_max_tw_buckets'], default['net.core.somaxconn'])
        assert (systemd['net.ipv4.tcp_max_tw_buckets'], systemd['net.core.somaxconn']) == expected, suite

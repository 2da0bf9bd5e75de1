"""The audit and tune playbooks, run as a user runs them, on target Pythons 3.6 to 3.13 (see conftest.CELLS).

Per cell, in order, on one fresh Alibaba-like container whose only Python is the cell's: the interpreter is the
one intended; the audit in check mode reports every key and writes the reports; tune in check mode changes
nothing; tune changes the live values and the files; a rerun changes nothing and the audit is then all ok.
And the boundary of the matrix: ansible-core 2.17 cannot run the modules on Python 3.6.
The expectations come from /proc/sys and the files of the container, never from the collection's own model.
"""

import csv
import json
import os
import re

import _cells
import _harness

# The high_connection profile (README "Profiles"): (kind, bound).
PROFILE = {
    'net.ipv4.tcp_max_tw_buckets': ('min', 262144),
    'net.ipv4.tcp_max_syn_backlog': ('min', 8192),
    'net.core.somaxconn': ('min', 8192),
    'net.ipv4.tcp_syncookies': ('exact', 1),
    'net.ipv4.tcp_fin_timeout': ('max', 30),
    'net.ipv4.tcp_tw_reuse': ('exact', 1),
}
# Lines of the Alibaba image's /etc/sysctl.conf (tests/containers/alibaba-sysctl.conf) that undo the tuning.
ALIBABA_LINES = {14: 'net.ipv4.tcp_max_tw_buckets = 5000', 16: 'net.ipv4.tcp_max_syn_backlog = 1024'}
DROP_IN = '/etc/sysctl.d/90-kerneltune.conf'

# Everything check mode must leave as it was: /etc (names, types, sizes, times, link targets), the contents of the
# sysctl files, and every readable net.* value of the container's namespace.
SNAPSHOT = r'''
find /etc -xdev -printf '%p %y %s %T@ %l\n' | LC_ALL=C sort
cat /etc/sysctl.conf /etc/sysctl.d/* 2>&1
sysctl -a 2>/dev/null | grep '^net\.'
'''


def recap(cell, stdout):
    """(changed, unreachable, failed) of the cell's host in a PLAY RECAP."""
    counters = _harness.recap(stdout, cell.name)
    return counters['changed'], counters['unreachable'], counters['failed']


def meets(value, rule):
    kind, bound = rule
    value = int(value)
    return {'min': value >= bound, 'max': value <= bound, 'exact': value == bound}[kind]


def tuned(before, rule):
    """The value tune must leave: a host already beyond a min/max keeps its own."""
    kind, bound = rule
    before = int(before)
    return str({'min': max(before, bound), 'max': min(before, bound), 'exact': bound}[kind])


def audit(cell, report_dir):
    """The audit playbook in check mode; return (report.json, rows of report.csv)."""
    stdout = cell.playbook('kerneltune.sysctl.audit', '--check', '-e', json.dumps({'sysctl_audit_report_dir': report_dir}))
    assert recap(cell, stdout) == (0, 0, 0), stdout[-3000:]
    with open(os.path.join(report_dir, 'report.json')) as handle:
        report = json.load(handle)
    with open(os.path.join(report_dir, 'report.csv')) as handle:
        rows = list(csv.DictReader(handle))
    with open(os.path.join(report_dir, 'report.html')) as handle:
        html = handle.read()
    assert not report['unreachable'], report['unreachable']
    assert not report['failed'], report['failed']
    # Every key of the profile has a result, in every report.
    assert sorted(report['hosts'][cell.name]['sysctl']) == sorted(PROFILE)
    assert sorted(row['key'] for row in rows if row['host'] == cell.name) == sorted(PROFILE)
    for key in list(PROFILE) + [cell.name]:
        assert key in html
    return report, rows


def test_interpreter(cell, step):
    """The container has no Python but the cell's, and modules run under that binary."""
    leftover = _harness.sh(cell.name, 'ls /usr/bin/python* /usr/local/bin/python* 2>/dev/null; '
                                      'command -v python python3 || true').stdout.split()
    assert not leftover, 'another Python is visible in the container: %s' % leftover
    play = [{
        'hosts': 'all', 'gather_facts': False,
        'tasks': [
            # The interpreter itself, without any module.
            {'name': 'version', 'ansible.builtin.raw': "{{ ansible_python_interpreter }} -c "
                                                       "'import sys; print(\"KT-VERSION \" + sys.version.split()[0])'",
             'register': 'kt_raw'},
            # A module's child process: its parent is the Python that runs the module.
            {'name': 'module', 'ansible.builtin.command': {'argv': ['/bin/sh', '-c',
                                                                    'echo "KT-MODULE-EXE $(readlink /proc/$PPID/exe)"']},
             'register': 'kt_module'},
            {'name': 'show', 'ansible.builtin.debug': {'msg': '{{ [kt_raw.stdout, kt_module.stdout] }}'}},
        ],
    }]
    path = os.path.join(cell.workdir, 'interpreter.yml')
    with open(path, 'w') as handle:
        json.dump(play, handle)
    stdout = cell.playbook(path)
    version = re.search(r'KT-VERSION (\S+?)(?:\\r|\\n|")', stdout)
    assert version and version.group(1) == os.path.basename(cell.pyenv_dir), stdout[-3000:]
    exe = re.search(r'KT-MODULE-EXE (\S+?)"', stdout)
    assert exe and exe.group(1) == os.path.realpath(cell.interpreter), stdout[-3000:]


def test_audit_check(cell, step):
    """Check-mode audit at the Alibaba defaults: drift on tcp_max_tw_buckets from /etc/sysctl.conf:14."""
    live = _harness.read_sysctl(cell.name, list(PROFILE))
    assert live['net.ipv4.tcp_max_tw_buckets'] == '5000' and live['net.ipv4.tcp_max_syn_backlog'] == '1024'
    report, rows = audit(cell, os.path.join(cell.workdir, 'audit-before'))
    assert report['host_status'] == {cell.name: 'drift'}
    result = report['hosts'][cell.name]['sysctl']
    assert dict((key, entry['live']) for key, entry in result.items()) == live
    for key, rule in PROFILE.items():
        assert result[key]['status'] == ('ok' if meets(live[key], rule) else 'drift'), (key, result[key])
    tw = result['net.ipv4.tcp_max_tw_buckets']
    assert (tw['status'], tw['boot'], tw['boot_source'], tw['at_baseline']) == \
        ('drift', '5000', '/etc/sysctl.conf:14', True)
    row = [row for row in rows if row['key'] == 'net.ipv4.tcp_max_tw_buckets'][0]
    assert (row['live'], row['status']) == ('5000', 'drift')


def test_tune_check(cell, step):
    """Tune in check mode with --diff reports the change and changes nothing in the container."""
    before = _harness.sh(cell.name, SNAPSHOT).stdout
    stdout = cell.playbook('kerneltune.sysctl.tune', '--check', '--diff')
    assert recap(cell, stdout) == (1, 0, 0), stdout[-3000:]
    assert '+net.ipv4.tcp_max_tw_buckets = 262144' in stdout
    assert '-net.ipv4.tcp_max_tw_buckets = 5000' in stdout
    after = _harness.sh(cell.name, SNAPSHOT).stdout
    assert after == before
    assert 'net.ipv4.tcp_max_tw_buckets = 5000' in after


def test_tune(cell, step):
    """Tune for real: the values are live, in the drop-in, and hold through the real appliers."""
    before = _harness.read_sysctl(cell.name, list(PROFILE))
    original = _harness.sh(cell.name, 'cat /etc/sysctl.conf').stdout
    stdout = cell.playbook('kerneltune.sysctl.tune')
    assert recap(cell, stdout) == (1, 0, 0), stdout[-3000:]
    want = dict((key, tuned(before[key], rule)) for key, rule in PROFILE.items())
    assert _harness.read_sysctl(cell.name, list(PROFILE)) == want

    drop_in = _harness.sh(cell.name, 'cat %s' % DROP_IN).stdout
    for key, value in want.items():
        assert '\n%s = %s\n' % (key, value) in '\n' + drop_in, (key, drop_in)
    conf = _harness.sh(cell.name, 'cat /etc/sysctl.conf').stdout.split('\n')
    for number, line in ALIBABA_LINES.items():
        assert original.split('\n')[number - 1] == line
        assert conf[number - 1].startswith('# ' + line), conf[number - 1]
    backups = _harness.sh(cell.name, 'for f in /etc/sysctl.conf.*~; do cat "$f"; done').stdout
    assert backups == original

    # What the next boot leaves: procps sysctl --system (applies /etc/sysctl.conf last), then systemd-sysctl.
    for applier in ('sysctl --system', '/lib/systemd/systemd-sysctl'):
        _harness.sh(cell.name, '%s >/dev/null 2>&1 || true' % applier)
        assert _harness.read_sysctl(cell.name, list(PROFILE)) == want, applier


def test_rerun(cell, step):
    """A second tune changes nothing; the audit is then all ok."""
    files = _harness.sh(cell.name, SNAPSHOT).stdout
    stdout = cell.playbook('kerneltune.sysctl.tune')
    assert recap(cell, stdout) == (0, 0, 0), stdout[-3000:]
    assert _harness.sh(cell.name, SNAPSHOT).stdout == files
    report, rows = audit(cell, os.path.join(cell.workdir, 'audit-after'))
    assert report['host_status'] == {cell.name: 'ok'}
    live = _harness.read_sysctl(cell.name, list(PROFILE))
    for key, entry in report['hosts'][cell.name]['sysctl'].items():
        assert (entry['status'], entry['live']) == ('ok', live[key]), (key, entry)
    assert set(row['status'] for row in rows) == {'ok'}


def test_core_2_17_cannot_manage_python_3_6(tmp_path):
    """What an Alibaba Cloud Linux 3 user meets with ansible-core >= 2.17 and /usr/bin/python3 (3.6): the module
    cannot run there (the README says to set ansible_python_interpreter=/usr/bin/python3.8); the fleet report
    names the host as failed instead of auditing it."""
    cell = _cells.Cell('3.6', _cells.pinned_core('2.17'), str(tmp_path), name='kt-py-36-core217')
    cell.start()
    try:
        report_dir = str(tmp_path / 'audit')
        stdout = cell.playbook('kerneltune.sysctl.audit', '--check',
                               '-e', json.dumps({'sysctl_audit_report_dir': report_dir}))
        with open(os.path.join(report_dir, 'report.json')) as handle:
            report = json.load(handle)
        assert report['host_status'] == {}, report['host_status']
        assert 'MODULE FAILURE' in report['failed'][cell.name], report['failed']
        assert 'failed: 1' in stdout
    finally:
        cell.remove()

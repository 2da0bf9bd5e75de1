"""The collection over SSH as a user with sudo, end to end, through ansible-playbook as a user runs it.

The steps build on each other, in file order, on two Alibaba-like hosts
(conftest.ssh_fleet): ``tuned`` goes from the Alibaba Cloud defaults to
tuned; ``alibaba`` stays at the defaults. Every outcome is read from the
containers themselves (podman exec, as root), never from what the
collection says it did.
"""

import json
import os
import re

import pytest

import _harness

PROFILE = {  # high_connection, as tune writes it from the Alibaba Cloud defaults
    'net.core.somaxconn': '8192',
    'net.ipv4.tcp_fin_timeout': '30',
    'net.ipv4.tcp_max_syn_backlog': '8192',
    'net.ipv4.tcp_max_tw_buckets': '262144',
    'net.ipv4.tcp_syncookies': '1',
    'net.ipv4.tcp_tw_reuse': '1',
}
ALIBABA = {'net.ipv4.tcp_max_tw_buckets': '5000', 'net.ipv4.tcp_max_syn_backlog': '1024'}
DROPIN = '/etc/sysctl.d/90-kerneltune.conf'
STATUSES = {'ok', 'drift', 'boot_drift', 'undecided', 'unreadable', 'missing'}
KERNEL_CHECK_WARNING = 'kernel check unavailable (cannot create a network namespace'

# Run inside a container as root: what a run might leave behind, as JSON. The sysctl files (type, mode, owner,
# size, mtime in ns, content hash or link target), every readable net.* value of the container's namespace, the
# entries under the remote tmp directories of kt and root and under /tmp and /var/tmp, and tune's lock file.
SNAPSHOT = r'''
import glob, hashlib, json, os, stat
def describe(path):
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        what = 'link:' + os.readlink(path)
    elif stat.S_ISREG(info.st_mode):
        with open(path, 'rb') as handle:
            what = hashlib.sha256(handle.read()).hexdigest()
    else:
        what = 'dir' if stat.S_ISDIR(info.st_mode) else 'other'
    return [what, oct(info.st_mode), info.st_uid, info.st_gid, info.st_size, info.st_mtime_ns]
files = {}
for path in glob.glob('/etc/sysctl.conf*') + ['/etc/sysctl.d'] + glob.glob('/etc/sysctl.d/*') + glob.glob('/etc/sysctl.d/.*'):
    files[path] = describe(path)
net = {}
for top, dirs, names in os.walk('/proc/sys/net'):
    for name in names:
        path = os.path.join(top, name)
        try:
            with open(path) as handle:
                net[path] = handle.read()
        except OSError:
            pass
temp = {}
for top in ('/home/kt/.ansible/tmp', '/root/.ansible/tmp', '/tmp', '/var/tmp'):
    found = []
    for where, dirs, names in os.walk(top):
        found += [os.path.join(where, name) for name in dirs + names]
    temp[top] = sorted(found)
print(json.dumps({'files': files, 'net': net, 'temp': temp,
                  'lock': os.path.exists('/run/kerneltune-sysctl.lock')}))
'''
# Counters that move by themselves (conntrack entries of the SSH connections): not settings.
VOLATILE = re.compile(r'/proc/sys/net/netfilter/nf_conntrack_count$')


def snapshot(host):
    state = json.loads(_harness.run('podman', 'exec', host, 'python3', '-c', SNAPSHOT).stdout)
    state['net'] = dict((path, value) for path, value in state['net'].items() if not VOLATILE.search(path))
    return state


def puts(output):
    """The files Ansible copied to the hosts (-vvv): AnsiballZ module payloads when pipelining is off."""
    return re.findall(r'\bPUT \S+ TO (\S+)', output)


def boot_values(host, keys):
    """What each appliers' run leaves, in a fresh network namespace of the container: the real next boot."""
    paths = ' '.join('/proc/sys/' + key.replace('.', '/') for key in keys)
    values = {}
    for applier in ('sysctl --system', '/lib/systemd/systemd-sysctl'):
        script = '%s >/dev/null 2>&1; for p in %s; do cat "$p"; done' % (applier, paths)
        out = _harness.run('podman', 'exec', host, 'unshare', '--net', '/bin/sh', '-c', script).stdout.split('\n')
        values[applier] = dict(zip(keys, out))
    return values


@pytest.fixture(scope='module')
def hosts(ssh_fleet):
    tuned, alibaba = sorted(ssh_fleet.hosts, key=lambda name: not name.endswith('-tuned'))
    return tuned, alibaba


def test_audit_without_become(ssh_fleet, hosts):
    """Read-only works as kt: every key gets a status, the kernel check falls back with its warning, report written."""
    report_dir = ssh_fleet.report_dir('no-become')
    rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.audit', extra_vars={'sysctl_audit_report_dir': report_dir})
    report = ssh_fleet.load_report(report_dir)
    assert sorted(report['hosts']) == sorted(hosts), report
    assert (report['unreachable'], report['failed']) == ({}, {})
    for host in hosts:
        keys = report['hosts'][host]['sysctl']
        assert sorted(keys) == sorted(PROFILE)
        assert set(entry['status'] for entry in keys.values()) <= STATUSES
        assert all(entry['checked_by'] != 'kernel' for entry in keys.values()), keys  # no netns without root
        # the defaults of the image: drift, at the baseline, from the line of /etc/sysctl.conf
        tw = keys['net.ipv4.tcp_max_tw_buckets']
        assert (tw['live'], tw['status'], tw['at_baseline'], tw['boot_source']) == (
            '5000', 'drift', True, '/etc/sysctl.conf:14')
        assert keys['net.ipv4.tcp_syncookies']['status'] == 'ok'
    assert KERNEL_CHECK_WARNING in out + err
    for name in ('report.json', 'report.csv', 'report.html'):
        with open('%s/%s' % (report_dir, name)) as handle:
            text = handle.read()
        assert all(host in text for host in hosts), name
    # it ran as kt: kt's remote tmp was used and root's never made
    state = snapshot(hosts[0])
    assert '/root/.ansible/tmp' in state['temp'] and state['temp']['/root/.ansible/tmp'] == []
    owner = _harness.run('podman', 'exec', hosts[0], 'stat', '-c', '%U', '/home/kt/.ansible/tmp').stdout.strip()
    assert owner == ssh_fleet.user
    assert _harness.run('podman', 'exec', hosts[0], 'test', '-e', '/root/.ansible', check=False).returncode != 0


def test_check_mode_through_sudo_leaves_no_trace(ssh_fleet, hosts):
    """audit --check and tune --check --diff with become: files, live values and temp directories as before."""
    before = dict((host, snapshot(host)) for host in hosts)
    assert not any(state['lock'] for state in before.values())
    rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.audit', check=True, verbose=True, extra_vars={
        'sysctl_audit_report_dir': ssh_fleet.report_dir('check'), 'sysctl_audit_become': True})
    assert 'BECOME-SUCCESS' in out  # through sudo
    assert KERNEL_CHECK_WARNING not in out + err  # as root the kernel check works
    report = ssh_fleet.load_report(ssh_fleet.report_dir('check'))
    assert all(entry['checked_by'] == 'kernel' for host in hosts
               for entry in report['hosts'][host]['sysctl'].values()), report['hosts']
    rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.tune', check=True, diff=True, verbose=True,
                                      extra_vars={'sysctl_tuning_become': True})
    assert 'BECOME-SUCCESS' in out
    for host in hosts:
        assert _harness.recap(out, host)['changed'] == 1  # it would change, and says what
    assert '+# net.ipv4.tcp_max_tw_buckets = 5000  # disabled by kerneltune.sysctl' in out
    assert '+net.ipv4.tcp_max_tw_buckets = 262144' in out
    for host in hosts:
        after = snapshot(host)
        assert after['files'] == before[host]['files'], host
        assert after['net'] == before[host]['net'], host
        assert len(after['net']) > 100  # the whole namespace was compared
        assert after['temp'] == before[host]['temp'], host
        assert after['temp']['/home/kt/.ansible/tmp'] == [] and after['temp']['/root/.ansible/tmp'] == []
        assert not after['lock'], host
    assert _harness.read_sysctl(hosts[0], ALIBABA) == ALIBABA


def test_tune_through_sudo_without_pipelining(ssh_fleet, hosts):
    """Values live and persisted (both real appliers agree), Alibaba's lines commented with a backup."""
    host = hosts[0]
    with open(os.path.join(_harness.CONTAINERS, 'alibaba-sysctl.conf'), 'rb') as handle:
        original = handle.read()
    assert boot_values(host, sorted(ALIBABA))['sysctl --system'] == ALIBABA  # the trap, before
    rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.tune', verbose=True, pipelining=False, extra_vars={
        'sysctl_tuning_become': True, 'sysctl_tuning_hosts': host})
    assert _harness.recap(out, host)['changed'] == 1 and _harness.recap(out, host)['failed'] == 0
    assert 'BECOME-SUCCESS' in out
    # without pipelining the module is copied into kt's remote tmp, then run by root through sudo
    assert any(path.startswith('/home/kt/.ansible/tmp/') and path.endswith('/AnsiballZ_tune.py')
               for path in puts(out)), puts(out)
    assert _harness.read_sysctl(host, PROFILE) == PROFILE
    for applier, values in boot_values(host, sorted(PROFILE)).items():
        assert values == PROFILE, applier
    dropin = _harness.run('podman', 'exec', host, 'stat', '-c', '%a %U %G', DROPIN).stdout.split()
    assert dropin == ['644', 'root', 'root']
    text = _harness.run('podman', 'exec', host, 'cat', DROPIN).stdout
    for key, value in PROFILE.items():
        assert '\n%s = %s\n' % (key, value) in text
    conf = _harness.run('podman', 'exec', host, 'cat', '/etc/sysctl.conf').stdout
    for key, value in ALIBABA.items():
        assert '\n# %s = %s  # disabled by kerneltune.sysctl, see %s\n' % (key, value, DROPIN) in conf
        assert '\n%s = %s\n' % (key, value) not in conf
    assert '\nnet.ipv4.tcp_syncookies = 1\n' in conf and 'vm.swappiness = 0\n' in conf  # the rest untouched
    backups = _harness.sh(host, 'ls /etc/sysctl.conf.*~').stdout.split()
    assert len(backups) == 1, backups
    backup = _harness.run('podman', 'exec', host, 'cat', backups[0]).stdout
    assert backup.encode() == original
    state = snapshot(host)
    assert state['temp']['/home/kt/.ansible/tmp'] == [] and state['temp']['/root/.ansible/tmp'] == []
    # the other host was not in the play
    assert _harness.read_sysctl(hosts[1], ALIBABA) == ALIBABA


def test_rerun_with_pipelining_changes_nothing(ssh_fleet, hosts):
    host = hosts[0]
    before = snapshot(host)
    rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.tune', verbose=True, pipelining=True, extra_vars={
        'sysctl_tuning_become': True, 'sysctl_tuning_hosts': host})
    assert _harness.recap(out, host)['changed'] == 0 and _harness.recap(out, host)['failed'] == 0
    assert 'BECOME-SUCCESS' in out
    assert puts(out) == []  # pipelined: the module goes through sudo's stdin, no file is copied
    after = snapshot(host)
    assert after['files'] == before['files']  # not even rewritten (same mtime)
    assert after['net'] == before['net']
    assert _harness.read_sysctl(host, PROFILE) == PROFILE


def test_audit_without_become_names_a_root_only_file(ssh_fleet, hosts):
    """A 0600 file in /etc/sysctl.d that sets a key back at boot: undecided without become (it was "ok"),
    boot_drift from that file with become."""
    host = hosts[0]
    secret = '/etc/sysctl.d/95-root-only.conf'
    _harness.sh(host, 'umask 077; echo "net.core.somaxconn = 4096" > %s' % secret)
    try:
        entries, outputs = {}, {}
        for become in (False, True):
            report_dir = ssh_fleet.report_dir('root-only-%s' % become)
            rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.audit', extra_vars={
                'sysctl_audit_report_dir': report_dir, 'sysctl_audit_hosts': host, 'sysctl_audit_become': become})
            entries[become] = ssh_fleet.load_report(report_dir)['hosts'][host]['sysctl']
            outputs[become] = out + err
        assert '%s:0: cannot read: Permission denied' % secret in outputs[False]
        for key, entry in entries[False].items():
            assert entry['status'] == 'undecided', (key, entry)
            assert secret in entry['reason'] and 'become' in entry['reason'], (key, entry)
        somaxconn = entries[True]['net.core.somaxconn']
        assert (somaxconn['status'], somaxconn['boot'], somaxconn['boot_source']) == (
            'boot_drift', '4096', secret + ':1'), somaxconn
    finally:
        _harness.sh(host, 'rm -f %s' % secret)


def test_drift_gate(ssh_fleet, hosts):
    """sysctl_audit_fail_on_drift: fails naming the host still at the Alibaba defaults; passes on the tuned one."""
    tuned, alibaba = hosts
    rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.audit', check=True, expect_rc=None, extra_vars={
        'sysctl_audit_report_dir': ssh_fleet.report_dir('gate-fleet'), 'sysctl_audit_fail_on_drift': True})
    assert rc != 0, out
    message = re.search(r'"msg": "hosts not ok: ([^"]*)"', out)
    assert message, out[-3000:]
    assert message.group(1).split(', ') == [alibaba]
    report = ssh_fleet.load_report(ssh_fleet.report_dir('gate-fleet'))
    assert report['host_status'] == {tuned: 'ok', alibaba: 'drift'}
    for become in (False, True):
        rc, out, err = ssh_fleet.playbook('kerneltune.sysctl.audit', check=True, extra_vars={
            'sysctl_audit_report_dir': ssh_fleet.report_dir('gate-tuned-%s' % become),
            'sysctl_audit_fail_on_drift': True, 'sysctl_audit_hosts': tuned, 'sysctl_audit_become': become})
        assert 'hosts not ok' not in out
        assert _harness.recap(out, tuned)['failed'] == 0

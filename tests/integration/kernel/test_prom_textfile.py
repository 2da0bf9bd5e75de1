"""Prometheus output on a real kernel: the audit playbook writes each host's node_exporter textfile, and report.prom.

One Alibaba-like container (tcp_max_tw_buckets = 5000). The file is read back
from the container and checked by real parsers (prometheus_client, promtool
check metrics) against the container's own /proc: the live value of the key,
and TCPTimeWaitOverflow of /proc/net/netstat after a burst of TIME_WAIT
sockets overflows a small table.
"""

import json
import os
import sys

import pytest

import _harness
from ansible_collections.kerneltune.sysctl.plugins.module_utils._pressure import parse_netstat
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_prom import write_prom

sys.path.insert(0, os.path.join(_harness.REPO, 'tests', 'tools'))
from prom_check import parse, promtool_check  # noqa: E402

TW = 'net.ipv4.tcp_max_tw_buckets'
TEXTFILE_DIR = '/var/lib/prometheus/node-exporter'
TEXTFILE = TEXTFILE_DIR + '/kerneltune_sysctl.prom'


@pytest.fixture(scope='module')
def host():
    name = _harness.start_container(_harness.suite_name('kt-prom-textfile'), 'alibaba')
    yield name
    _harness.remove_container(name)


def audit(host, reports, check=False):
    rc, out, err = _harness.playbook('kerneltune.sysctl.audit', _harness.inventory([host]), check=check, extra_vars={
        'sysctl_audit_report_dir': str(reports), 'sysctl_audit_textfile_dir': TEXTFILE_DIR})
    with open(os.path.join(str(reports), 'report.json')) as handle:
        return _harness.recap(out, host), json.load(handle)


def listing(host):
    return _harness.sh(host, 'ls -A %s' % TEXTFILE_DIR).stdout.split()


def textfile(host):
    """The file's text, and its mode, inode and mtime (as stat prints them)."""
    text = _harness.run('podman', 'exec', host, 'cat', TEXTFILE).stdout
    return text, _harness.sh(host, 'stat -c "%%a %%i %%Y" %s' % TEXTFILE).stdout.split()


def tw_overflows(host):
    return parse_netstat(_harness.run('podman', 'exec', host, 'cat', '/proc/net/netstat').stdout)['TcpExt'][
        'TCPTimeWaitOverflow']


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def test_audit_playbook_writes_the_textfile_of_each_host(host, tmp_path):
    # no such directory: the host is failed in the report, with the reason
    counts, report = audit(host, tmp_path / 'missing')
    assert host in report['failed'] and report['failed'][host].startswith('textfile_dir %s does not exist' % TEXTFILE_DIR)
    _harness.sh(host, 'mkdir -p %s' % TEXTFILE_DIR)

    # check mode: it would change, nothing is written
    counts, report = audit(host, tmp_path / 'check', check=True)
    assert counts['changed'] == 1 and listing(host) == []

    counts, report = audit(host, tmp_path / 'first')
    assert counts['changed'] == 1 and report['host_status'] == {host: 'drift'}
    assert listing(host) == ['kerneltune_sysctl.prom']  # no temporary file left
    text, (mode, inode, mtime) = textfile(host)
    assert mode == '644'
    samples, types = parse(text)
    assert value(samples, 'kerneltune_sysctl_live_value', key=TW) == int(_harness.read_sysctl(host, [TW])[TW]) == 5000
    assert value(samples, 'kerneltune_sysctl_key_status', key=TW, status='drift') == 1
    assert value(samples, 'kerneltune_sysctl_at_baseline', key=TW) == 1
    assert value(samples, 'kerneltune_sysctl_tcp_time_wait_overflow_total', key=TW) == tw_overflows(host)
    promtool_check(text)

    # the fleet file of the same run holds the same values, labelled with the host
    fleet = tmp_path / 'fleet.prom'
    with open(str(fleet), 'wb') as out:
        write_prom(report, out)
    fleet_samples, types = parse(fleet.read_text())
    assert value(fleet_samples, 'kerneltune_sysctl_live_value', host=host, key=TW) == 5000
    assert value(fleet_samples, 'kerneltune_sysctl_host_state', host=host, state='audited') == 1
    promtool_check(fleet.read_text())
    assert (tmp_path / 'first' / 'report.prom').read_text() == fleet.read_text()  # the one the playbook wrote

    # a rerun with equal values changes nothing: the file is not rewritten, only touched (the time of the last audit)
    counts, report = audit(host, tmp_path / 'again')
    assert counts['changed'] == 0
    again, (mode_again, inode_again, mtime_again) = textfile(host)
    assert (again, mode_again, inode_again) == (text, mode, inode) and float(mtime_again) >= float(mtime)

    # TIME_WAIT overflows a small table: the counter in the file is the kernel's
    _harness.write_sysctl(host, {TW: 100})
    _harness.run('podman', 'cp', os.path.join(os.path.dirname(__file__), 'burst.py'), host + ':/root/burst.py')
    _harness.run('podman', 'exec', host, 'python3', '/root/burst.py', '300')
    before = tw_overflows(host)
    assert before >= 150
    counts, report = audit(host, tmp_path / 'burst')
    assert counts['changed'] == 1 and tw_overflows(host) == before
    text, stat = textfile(host)
    samples, types = parse(text)
    assert value(samples, 'kerneltune_sysctl_tcp_time_wait_overflow_total', key=TW) == before
    assert value(samples, 'kerneltune_sysctl_live_value', key=TW) == 100
    assert value(samples, 'kerneltune_sysctl_pressure_verdict', key=TW, verdict='overflowed') == 1
    assert value(samples, 'kerneltune_sysctl_time_wait_sockets', key=TW) <= 100
    promtool_check(text)

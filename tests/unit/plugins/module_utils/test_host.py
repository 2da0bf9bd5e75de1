# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a host (a tree of plain files under a temporary root): predictions, read_host, appliers, pressure."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host, _host_files, _netns
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit_view, wanted
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Problem
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import (
    BLOCKS,
    appliers,
    host_appliers,
    predict,
    predict_host,
    read_files,
    read_host,
    read_pressure,
)


@pytest.fixture
def host(tmp_path, write_file):
    """A host under tmp_path: its sysctl.d directories and /etc/sysctl.conf, and a /proc/sys, for predict_host."""
    etc = tmp_path / 'etc' / 'sysctl.d'
    usr = tmp_path / 'usr' / 'lib' / 'sysctl.d'
    sysctl_conf = tmp_path / 'etc' / 'sysctl.conf'
    root = tmp_path / 'proc' / 'sys'
    for path, value in [('vm/swappiness', '60'), ('vm/dirty_ratio', '20'), ('kernel/pid_max', '4194304'),
                        ('net/ipv4/conf/all/rp_filter', '0'), ('net/ipv4/conf/lo/rp_filter', '0'),
                        ('net/ipv4/ip_local_port_range', '32768\t60999')]:
        write_file(root / path, value + '\n')
    write_file(usr / '50-default.conf', 'vm.swappiness = 60\nnet.ipv4.conf.*.rp_filter = 2\n')
    write_file(etc / '90-tuning.conf', 'vm.swappiness = 10\n-net.ipv4.conf.lo.rp_filter\nkernel.pid_max = x\n')
    write_file(sysctl_conf, 'vm.swappiness = 30\n')
    return str(tmp_path), str(etc / '90-tuning.conf'), str(usr / '50-default.conf'), str(sysctl_conf)


KEYS = ['vm.swappiness', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.lo.rp_filter', 'kernel.pid_max',
        'vm.dirty_ratio']


def _brief(prediction):
    return (prediction['boot'], prediction['boot_source'], prediction['reload'], prediction['reload_source'])


def test_predict_host_procps(host):
    root, tuning, default, sysctl_conf = host
    live = {'vm.swappiness': '10'}
    files, problems, predictions = predict_host('procps', KEYS, live, oracle=False, root=host[0])
    assert files == [default, tuning, sysctl_conf]
    assert problems == []
    assert sorted(predictions) == sorted(KEYS)
    assert _brief(predictions['vm.swappiness']) == ('30', sysctl_conf + ':1', '30', sysctl_conf + ':1')
    assert _brief(predictions['net.ipv4.conf.all.rp_filter']) == ('2', default + ':2', '2', default + ':2')
    # "-key" hides the key from the glob
    assert _brief(predictions['net.ipv4.conf.lo.rp_filter']) == (None, None, None, None)
    assert predictions['kernel.pid_max']['boot'] is None
    assert predictions['kernel.pid_max']['boot_rejected'] == [tuning + ":3: 'x': not an integer as the kernel reads it"]
    assert _brief(predictions['vm.dirty_ratio']) == (None, None, None, None)
    for prediction in predictions.values():
        assert prediction['checked_by'] == 'model'
        assert prediction['kernel_default'] is None
        assert prediction['boot_undecided'] is None and prediction['reload_undecided'] is None


def test_predict_host_systemd_reload_reads_sysctl_conf(host):
    root, tuning, default, sysctl_conf = host
    texts = {}
    files, problems, predictions = predict_host('systemd', ['vm.swappiness'], {'vm.swappiness': '10'}, oracle=False,
                                                texts=texts, root=host[0])
    assert files == [default, tuning]
    # systemd-sysctl does not read /etc/sysctl.conf; "sysctl --system" (procps) does, last
    assert _brief(predictions['vm.swappiness']) == ('10', tuning + ':1', '30', sysctl_conf + ':1')
    # every file read once, for both appliers
    assert sorted(texts) == sorted([default, tuning, sysctl_conf])
    assert texts[sysctl_conf] == ('vm.swappiness = 30\n', None)


def test_predict_host_uses_the_given_texts(host):
    root, tuning, default, sysctl_conf = host
    texts = {tuning: ('vm.swappiness = 5\n', None)}
    dummy, dummy2, predictions = predict_host('systemd', ['vm.swappiness'], {}, oracle=False, texts=texts, root=host[0])
    assert _brief(predictions['vm.swappiness']) == ('5', tuning + ':1', '30', sysctl_conf + ':1')


def test_predict_host_reports_problems(host, write_file):
    root, tuning, default, sysctl_conf = host
    write_file(Path(tuning), 'vm.swappiness = 10\ngarbage\n')
    files, problems, dummy = predict_host('systemd', ['vm.swappiness'], {}, oracle=False, root=host[0])
    assert problems == [Problem(tuning, 2, 'garbage', 'not an assignment (no "=")')]


def test_predict_host_blocked_by_a_fifo(host, no_block):
    root, tuning, default, sysctl_conf = host
    fifo = str(Path(tuning).parent / '95-pipe.conf')
    os.mkfifo(fifo)
    no_block()
    try:
        files, problems, predictions = predict_host('systemd', ['vm.swappiness'], {'vm.swappiness': '10'},
                                                    oracle=False, root=host[0])
    finally:
        signal.alarm(0)
    assert fifo in files
    assert Problem(fifo, 0, '', BLOCKS) in problems
    # the appliers hang on it: nothing is applied, at boot or by sysctl --system
    prediction = predictions['vm.swappiness']
    assert prediction['blocked'] == fifo
    assert (prediction['boot'], prediction['reload']) == (None, None)


def test_predict_host_not_blocked(host):
    dummy, dummy2, predictions = predict_host('systemd', ['vm.swappiness'], {}, oracle=False, root=host[0])
    assert predictions['vm.swappiness']['blocked'] is None


def test_predict_reads_the_live_values(host):
    predictions = predict('procps', ('vm.swappiness',), oracle=False, root=host[0])
    assert _brief(predictions['vm.swappiness'])[:2] == ('30', host[3] + ':1')


class FakeOracle(object):
    """_netns.replay: the kernel's answer, or no namespace."""

    def __init__(self, available=True):
        self.available = available
        self.calls = []

    def replay(self, keys, writes, initial=()):
        self.calls.append((list(keys), list(writes), list(initial)))
        if not self.available:
            raise _netns.OracleUnavailable('no privilege')
        final = dict((key, '1') for key in keys)
        changed_at = dict((key, len(writes) - 1) for key in keys) if writes else {}
        return dict((key, '0') for key in keys), [0] * len(writes), final, changed_at, []


def test_predict_host_without_a_namespace_falls_back_to_the_model(host, monkeypatch):
    oracle = FakeOracle(available=False)
    monkeypatch.setattr(_host._netns, 'replay', oracle.replay)
    dummy, dummy2, predictions = predict_host('procps', KEYS, {}, oracle=True, root=host[0])
    assert oracle.calls == [(['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.lo.rp_filter'],
                             [('net.ipv4.conf.all.rp_filter', '2', None)], [])]
    assert predictions['net.ipv4.conf.all.rp_filter']['checked_by'] == 'model'


def test_predict_host_asks_the_kernel_for_net_keys(host, monkeypatch):
    root, tuning, default, sysctl_conf = host
    oracle = FakeOracle()
    monkeypatch.setattr(_host._netns, 'replay', oracle.replay)
    dummy, dummy2, predictions = predict_host('systemd', KEYS, {'net.ipv4.conf.all.rp_filter': '2'}, oracle=True, root=host[0])
    net = ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.lo.rp_filter']
    assert oracle.calls == [
        (net, [('net.ipv4.conf.all.rp_filter', '2', None)], []),
        # the reload starts from the live values of the keys it writes
        (net, [('net.ipv4.conf.all.rp_filter', '2', None)], [('net.ipv4.conf.all.rp_filter', '2')]),
    ]
    assert predictions['net.ipv4.conf.all.rp_filter']['checked_by'] == 'kernel'
    assert predictions['net.ipv4.conf.all.rp_filter']['boot'] == '1'
    # the tree is a host (not a container): a new namespace copies conf.all from its initial one, so what it
    # reads there is not the kernel's default
    assert predictions['net.ipv4.conf.all.rp_filter']['kernel_default'] is None
    assert predictions['vm.swappiness']['checked_by'] == 'model'


def test_predict_host_oracle_only_for_net_keys(host, monkeypatch):
    root, tuning, default, sysctl_conf = host
    oracle = FakeOracle()
    monkeypatch.setattr(_host._netns, 'replay', oracle.replay)
    predict_host('procps', ['net.ipv4.conf.all.rp_filter'], {}, oracle=False, root=host[0])
    assert oracle.calls == []
    predict_host('procps', ['vm.swappiness'], {}, oracle=True, texts={default: ('vm.swappiness = 60\n', None)}, root=host[0])
    assert oracle.calls == []
    # the glob writes net.* keys: replayed for the boot and for the reload (from the live value)
    predict_host('procps', ['vm.swappiness'], {}, oracle=True, root=host[0])
    assert oracle.calls == [
        (['net.ipv4.conf.all.rp_filter'], [('net.ipv4.conf.all.rp_filter', '2', None)], []),
        (['net.ipv4.conf.all.rp_filter'], [('net.ipv4.conf.all.rp_filter', '2', None)], [('net.ipv4.conf.all.rp_filter', '0')]),
    ]


@pytest.mark.parametrize('text, expected', [
    ('NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
     {'NAME': 'CentOS Linux', 'ID': 'centos', 'ID_LIKE': 'rhel fedora', 'VERSION_ID': '7'}),
    ("ID=ubuntu\nVERSION_ID='22.04'\n# comment\n\n", {'ID': 'ubuntu', 'VERSION_ID': '22.04'}),
], ids=['double-quoted', 'unquoted-and-single-quoted'])
def test_os_release(tmp_path, text, expected, write_file):
    path = write_file(tmp_path / 'os-release', text)
    assert _host._os_release(str(path)) == expected


def test_os_release_missing(tmp_path):
    assert _host._os_release(str(tmp_path / 'os-release')) == {}


# (init comm or None when unreadable, systemd-sysctl present, os-release text or None, expected)
HOST_APPLIER_CASES = [
    ('systemd\n', True, 'ID=ubuntu\nVERSION_ID="22.04"\n', 'systemd245'),
    ('systemd\n', True, 'ID="centos"\nVERSION_ID="7"\n', 'systemd_rhel7'),
    ('systemd\n', True, 'ID="rhel"\nVERSION_ID="7.9"\n', 'systemd_rhel7'),
    ('systemd\n', True, 'ID="rhel"\nVERSION_ID="8.10"\n', 'systemd239'),
    ('systemd\n', True, 'ID="alinux"\nVERSION_ID="3"\n', 'systemd239'),
    ('systemd\n', True, None, 'systemd'),
    ('systemd\n', False, 'ID=debian\nVERSION_ID="12"\n', 'procps'),
    ('init\n', True, 'ID="centos"\nVERSION_ID="7"\n', 'procps3'),
    ('bash\n', False, 'ID=alpine\nVERSION_ID=3.19.1\n', 'procps'),
    ('bash\n', False, 'ID=ubuntu\nVERSION_ID="22.04"\n', 'procps3'),
    (None, True, 'ID=ubuntu\n', 'procps'),
]
HOST_APPLIER_IDS = [
    'ubuntu-systemd', 'centos7', 'rhel7', 'rhel8', 'alinux3', 'no-os-release', 'no-binary', 'sysv-init-centos7',
    'container', 'container-ubuntu22', 'proc-unreadable',
]


@pytest.mark.parametrize('comm, present, os_release, expected', HOST_APPLIER_CASES, ids=HOST_APPLIER_IDS)
def test_host_appliers_of_a_tree(tmp_path, comm, present, os_release, expected, write_file):
    if comm is not None:
        write_file(tmp_path / 'proc' / '1' / 'comm', comm)
    if os_release is not None:
        write_file(tmp_path / 'etc' / 'os-release', os_release)
    if present:
        write_file(tmp_path / 'lib' / 'systemd' / 'systemd-sysctl', '')
    assert host_appliers(str(tmp_path))[0] == expected
    assert appliers('auto', str(tmp_path)) == host_appliers(str(tmp_path))


def test_appliers_chosen():
    assert appliers('systemd') == ('systemd', 'procps')
    assert appliers('systemd_rhel7', '/nonexistent') == ('systemd_rhel7', 'procps3')


def test_read_host_reads_everything_once(host, monkeypatch):
    root, tuning, default, sysctl_conf = host
    opened = []
    real_open = os.open

    def counting_open(path, *args, **kwargs):
        opened.append(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(_host_files.os, 'open', counting_open)
    view = read_host(['vm.swappiness', 'vm.dirty_ratio', 'vm.nothing'], 'systemd', oracle=False, root=root)
    assert (view.applier, view.reload_applier) == ('systemd', 'procps')
    assert view.live == {'vm.swappiness': '60', 'vm.dirty_ratio': '20', 'vm.nothing': None}
    assert view.unreadable == {}
    assert sorted(view.unknown) == ['vm.nothing']
    assert str(view.unknown['vm.nothing']).startswith('unknown sysctl key vm.nothing: this kernel has no ')
    assert view.files == [default, tuning]
    assert view.problems == []
    assert view.notes == []
    # systemd-sysctl for the boot, procps for sysctl --system: each file read once for both (besides them: the
    # kernel command line and release, for the command line's writes)
    files = [path for path in opened if os.sep + 'proc' + os.sep not in path]
    assert sorted(files) == sorted([default, tuning, sysctl_conf])
    assert sorted(view.texts) == sorted(files)
    assert _brief(view.predictions['vm.swappiness']) == ('10', tuning + ':1', '30', sysctl_conf + ':1')


def test_read_host_with_live_values_given(host):
    root = host[0]
    view = read_host(['vm.swappiness'], 'procps', oracle=False, root=root, live=({'vm.swappiness': '7'}, {}))
    assert view.live == {'vm.swappiness': '7'}
    assert view.predictions['vm.swappiness']['boot'] == '30'


def test_read_host_raises_for_a_directory_named_as_a_key(host):
    with pytest.raises(SysctlError) as exc:
        read_host(['net.ipv4.conf'], 'procps', oracle=False, root=host[0])
    assert str(exc.value) == 'net.ipv4.conf is a directory of keys, not a key'


def test_read_files_with_a_planned_drop_in(host):
    root, tuning, default, sysctl_conf = host
    planned = os.path.join(os.path.dirname(tuning), '95-kerneltune.conf')
    texts = {}
    reading = read_files('procps', root, texts, planned=(planned, 'vm.swappiness = 1\n'))
    assert reading.files == [default, tuning, planned, sysctl_conf]
    assert [(item.source, item.value) for item in reading.assignments if item.key == 'vm.swappiness'] == [
        (default, '60'), (tuning, '10'), (planned, '1'), (sysctl_conf, '30')]
    # the cache holds the files as they are, never the planned text
    assert planned not in texts and not os.path.exists(planned)
    assert sorted(texts) == sorted([default, tuning, sysctl_conf])


def test_audit_view_of_a_host(host):
    root, tuning, default, sysctl_conf = host
    want = wanted(None, {'vm.swappiness': 30, 'vm.dirty_ratio': {'min': 10}, 'vm.swapiness': 1})
    view = read_host(want.expectations, 'procps', oracle=False, root=root)
    report = audit_view(want, view)
    results = report['sysctl']
    assert results['vm.swappiness']['status'] == 'drift'  # live 60, boot 30
    assert results['vm.dirty_ratio']['status'] == 'boot_drift'
    assert results['vm.dirty_ratio']['reason'] == 'nothing persists it'
    assert results['vm.swapiness']['status'] == 'missing'
    assert results['vm.swapiness']['reason'] == str(view.unknown['vm.swapiness'])
    assert results['vm.swapiness']['reason'].endswith('did you mean vm.swappiness?')
    assert report['summary']['missing'] == 1


def test_audit_view_checks_bounds(host):
    want = wanted(None, {'net.ipv4.ip_local_port_range': {'min': 1024}})
    view = read_host(want.expectations, 'procps', oracle=False, root=host[0])
    with pytest.raises(SysctlError) as exc:
        audit_view(want, view)
    assert 'apply only to keys holding one integer' in str(exc.value)


SOCKSTAT = 'sockets: used 10\nTCP: inuse 3 orphan 0 tw 4000 alloc 5 mem 1\n'
NETSTAT = ('TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeWaitOverflow TCPReqQFullDrop\n'
           'TcpExt: 0 0 0 7 0\n')


def test_read_pressure_of_a_tree(tmp_path, write_file):
    write_file(tmp_path / 'proc' / 'net' / 'sockstat', SOCKSTAT)
    write_file(tmp_path / 'proc' / 'net' / 'netstat', NETSTAT)
    write_file(tmp_path / 'proc' / 'sys' / 'net' / 'core' / 'somaxconn', '4096\n')
    write_file(tmp_path / 'proc' / 'sys' / 'net' / 'ipv4' / 'tcp_max_syn_backlog', '1024\n')
    result = read_pressure({'net.ipv4.tcp_max_tw_buckets': '5000'}, str(tmp_path))
    assert (result['time_wait'], result['tw_buckets'], result['tw_overflows']) == (4000, 5000, 7)
    assert (result['somaxconn'], result['tcp_max_syn_backlog']) == (4096, 1024)
    # no counters at all: None, never an error
    empty = read_pressure({'net.ipv4.tcp_max_tw_buckets': '5000', 'net.core.somaxconn': '1',
                           'net.ipv4.tcp_max_syn_backlog': '1'}, str(tmp_path / 'nothing'))
    assert empty['time_wait'] is None and empty['tw_overflows'] is None


def test_predict_of_a_tree(host):
    assert _brief(predict('procps', ['vm.swappiness'], oracle=False, root=host[0])['vm.swappiness'])[:2] == (
        '30', host[3] + ':1')

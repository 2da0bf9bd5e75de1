# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host, _netns
from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS, UnknownApplierError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write, write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Assignment, Problem, parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    InvalidKeyError,
    SysctlError,
    UnreadableKeyError,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import (
    BLOCKS,
    conf_files,
    expand,
    host_appliers,
    predict,
    predict_host,
    read_assignments,
    read_conf,
    read_live,
    read_text,
    read_texts,
    writable,
)


def _write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.fixture
def proc_sys(tmp_path):
    root = tmp_path / 'proc' / 'sys'
    _write(root / 'net' / 'core' / 'somaxconn', '4096\n')
    _write(root / 'net' / 'ipv4' / 'ip_local_port_range', '32768\t60999\n')
    _write(root / 'net' / 'ipv4' / 'conf' / 'eth0.100' / 'rp_filter', '2\n')
    _write(root / 'kernel' / 'pid_max', '4194304')
    _write(root / 'kernel' / 'domainname', '\n')
    _write(root / 'kernel' / 'hostname', b'caf\xe9\n')
    return str(root)


# (key, expected)
READ_LIVE_CASES = [
    ('net.core.somaxconn', '4096'),
    ('net/core/somaxconn', '4096'),
    ('net.ipv4.ip_local_port_range', '32768\t60999'),
    ('net.ipv4.conf.eth0/100.rp_filter', '2'),
    ('net/ipv4/conf/eth0.100/rp_filter', '2'),
    ('kernel.pid_max', '4194304'),
    ('kernel.domainname', ''),
    ('kernel.hostname', 'caf\ufffd'),
    ('net.core.no_such_key', None),
    ('net.nosuchdir.somaxconn', None),
    ('net.core.somaxconn.sub', None),
]
READ_LIVE_IDS = [
    'existing', 'slashed', 'only-newline-stripped', 'dot-in-component', 'dot-in-component-slashed',
    'no-trailing-newline', 'empty-value', 'not-utf8', 'missing-file', 'missing-directory', 'under-a-file',
]


@pytest.mark.parametrize('key, expected', READ_LIVE_CASES, ids=READ_LIVE_IDS)
def test_read_live(proc_sys, key, expected):
    assert read_live(key, proc_sys) == expected


@pytest.mark.parametrize('key', ['net.core', 'net/ipv4/conf/eth0.100'], ids=['dotted', 'slashed'])
def test_read_live_directory(proc_sys, key):
    with pytest.raises(SysctlError) as exc:
        read_live(key, proc_sys)
    assert exc.type is SysctlError
    assert str(exc.value) == '%s is a directory of keys, not a key' % key


# (errno of the open or read, the reason in the message): a write-only key (0200, even for root), an unset
# net.ipv6.conf.*.stable_secret (EIO), a key a security module refuses (EPERM).
UNREADABLE_CASES = [
    (errno.EACCES, 'Permission denied'),
    (errno.EIO, 'Input/output error'),
    (errno.EPERM, 'Operation not permitted'),
]


@pytest.mark.parametrize('code, reason', UNREADABLE_CASES, ids=['write-only', 'kernel-refuses-read', 'denied'])
def test_read_live_unreadable(proc_sys, monkeypatch, code, reason):
    path = os.path.join(proc_sys, 'vm', 'drop_caches')

    def refuse(name):
        assert name == path
        raise OSError(code, os.strerror(code), name)

    monkeypatch.setattr(_host, 'read_text', refuse)
    with pytest.raises(UnreadableKeyError) as exc:
        read_live('vm.drop_caches', proc_sys)
    assert isinstance(exc.value, SysctlError)
    assert str(exc.value) == 'cannot read vm.drop_caches from %s: %s' % (path, reason)
    assert (exc.value.key, exc.value.reason) == ('vm.drop_caches', reason)


@pytest.mark.parametrize('key, message', [
    ('net/../../../etc/passwd', 'sysctl key \'net/../../../etc/passwd\' has an empty, "." or ".." component'),
    ('/etc/passwd', "sysctl key '/etc/passwd' must not start with a separator (no absolute paths)"),
], ids=['dotdot', 'absolute'])
def test_read_live_invalid_key(proc_sys, key, message):
    with pytest.raises(InvalidKeyError) as exc:
        read_live(key, proc_sys)
    assert str(exc.value) == message


def test_read_text_lenient(tmp_path):
    path = _write(tmp_path / 'latin1.conf', b'kernel.domainname = caf\xe9\n')
    assert read_text(str(path)) == 'kernel.domainname = caf\ufffd\n'


@pytest.fixture
def tree(tmp_path):
    etc = tmp_path / 'etc' / 'sysctl.d'
    run = tmp_path / 'run' / 'sysctl.d'
    usr = tmp_path / 'usr' / 'lib' / 'sysctl.d'
    _write(etc / '90-tuning.conf', 'net.core.somaxconn = 8192\n')
    _write(etc / '50-default.conf', '# masks the vendor file\n')
    _write(etc / 'README', 'not a conf file\n')
    _write(run / '10-run.conf', 'vm.swappiness = 30\n')
    _write(usr / '50-default.conf', 'vm.swappiness = 60\n')
    _write(usr / '60-vendor.conf', 'net.ipv4.conf.*.rp_filter = 2\n')
    _write(usr / '60-vendor.conf.rpmnew', 'garbage\n')
    _write(tmp_path / 'not-a-dir', 'file\n')
    _write(tmp_path / 'etc' / 'sysctl.conf', 'net.core.somaxconn = 4096\n')
    dirs = [str(etc), str(run), str(tmp_path / 'usr' / 'local' / 'lib' / 'sysctl.d'), str(usr),
            str(tmp_path / 'not-a-dir')]
    return tmp_path, dirs, str(tmp_path / 'etc' / 'sysctl.conf')


def _expected_files(root):
    return [
        str(root / 'run' / 'sysctl.d' / '10-run.conf'),
        str(root / 'etc' / 'sysctl.d' / '50-default.conf'),
        str(root / 'usr' / 'lib' / 'sysctl.d' / '60-vendor.conf'),
        str(root / 'etc' / 'sysctl.d' / '90-tuning.conf'),
    ]


def _procps(key, value, source, line, ignore_failure=False, is_glob=False):
    """An assignment as procps reads it (its target is the /proc/sys path it opens)."""
    path = '/'.join(part.replace('/', '.') for part in key.split('.'))
    return Assignment(key, value, ignore_failure, is_glob, source, line, '/proc/sys/' + path)


def _systemd(key, value, source, line, ignore_failure=False, is_glob=False):
    """An assignment as systemd-sysctl reads it (its target is the normalised key)."""
    path = '/'.join(part.replace('/', '.') for part in key.split('.'))
    return Assignment(key, value, ignore_failure, is_glob, source, line, path)


@pytest.mark.parametrize('applier, with_sysctl_conf', [
    ('procps', True),
    ('procps3', True),
    ('systemd', False),
    ('systemd239', False),
    ('systemd_rhel7', True),
], ids=['procps', 'procps3', 'systemd', 'systemd239', 'systemd_rhel7'])
def test_conf_files(tree, applier, with_sysctl_conf):
    root, dirs, sysctl_conf = tree
    expected = _expected_files(root) + ([sysctl_conf] if with_sysctl_conf else [])
    assert conf_files(applier, dirs, sysctl_conf) == expected


@pytest.mark.parametrize('applier', APPLIERS)
def test_conf_files_without_sysctl_conf(tree, applier):
    root, dirs, sysctl_conf = tree
    os.unlink(sysctl_conf)
    assert conf_files(applier, dirs, sysctl_conf) == _expected_files(root)


@pytest.mark.parametrize('applier', APPLIERS)
def test_conf_files_sysctl_conf_not_a_file(tree, applier):
    root, dirs, sysctl_conf = tree
    os.unlink(sysctl_conf)
    os.mkdir(sysctl_conf)
    assert conf_files(applier, dirs, sysctl_conf) == _expected_files(root)


@pytest.mark.parametrize('applier, hidden', [('procps', True), ('procps3', True), ('systemd', False),
                                             ('systemd239', False), ('systemd_rhel7', False)])
def test_conf_files_hidden(tree, applier, hidden):
    root, dirs, sysctl_conf = tree
    _write(root / 'etc' / 'sysctl.d' / '.99-hidden.conf', 'vm.swappiness = 1\n')
    _write(root / 'usr' / 'lib' / 'sysctl.d' / '.conf', 'vm.swappiness = 2\n')
    files = conf_files(applier, dirs, str(root / 'no-sysctl.conf'))
    extra = [str(root / 'etc' / 'sysctl.d' / '.99-hidden.conf'), str(root / 'usr' / 'lib' / 'sysctl.d' / '.conf')]
    assert files == (extra if hidden else []) + _expected_files(root)


def test_conf_files_planned(tree):
    root, dirs, sysctl_conf = tree
    planned = os.path.join(dirs[0], '70-kerneltune.conf')
    files = conf_files('procps', dirs, sysctl_conf, planned=planned)
    assert files == _expected_files(root)[:3] + [planned] + _expected_files(root)[3:] + [sysctl_conf]
    assert not os.path.exists(planned)
    # a planned file of the same name as an existing one takes its place once
    again = conf_files('systemd', dirs, sysctl_conf, planned=os.path.join(dirs[0], '90-tuning.conf'))
    assert again == _expected_files(root)
    # a planned file outside the directories read is not read
    assert conf_files('systemd', dirs, sysctl_conf, planned=str(root / 'elsewhere.conf')) == _expected_files(root)


def test_conf_files_no_directories(tmp_path):
    assert conf_files('systemd', [str(tmp_path / 'missing')], str(tmp_path / 'sysctl.conf')) == []


def test_conf_files_unknown_applier(tree):
    dirs, sysctl_conf = tree[1:]
    with pytest.raises(UnknownApplierError) as exc:
        conf_files('auto', dirs, sysctl_conf)
    assert str(exc.value) == ("unknown applier 'auto', expected one of procps, procps3, systemd, systemd239, "
                              "systemd_rhel7")


def test_conf_files_dev_null_mask(tmp_path):
    etc = tmp_path / 'etc'
    usr = tmp_path / 'usr'
    _write(usr / '50-pid-max.conf', 'kernel.pid_max = 4194304\n')
    _write(usr / '60-other.conf', 'vm.swappiness = 10\n')
    etc.mkdir()
    os.symlink(os.devnull, str(etc / '50-pid-max.conf'))
    for applier in APPLIERS:
        files = conf_files(applier, [str(etc), str(usr)], str(tmp_path / 'sysctl.conf'))
        assert files == [str(etc / '50-pid-max.conf'), str(usr / '60-other.conf')]
    assignments, problems = read_assignments(files, 'systemd')
    assert assignments == [_systemd('vm.swappiness', '10', str(usr / '60-other.conf'), 1)]
    assert problems == []


def test_read_assignments(tree):
    root, dirs, sysctl_conf = tree
    bad = _write(root / 'bad.conf', 'vm.swappiness = 1\nthis is garbage\n')
    files = conf_files('procps', dirs, sysctl_conf) + [str(bad)]
    assignments, problems = read_assignments(files, 'procps')
    run, vendor, tuning = [_expected_files(root)[index] for index in (0, 2, 3)]
    assert assignments == [
        _procps('vm.swappiness', '30', run, 1),
        _procps('net.ipv4.conf.*.rp_filter', '2', vendor, 1, is_glob=True),
        _procps('net.core.somaxconn', '8192', tuning, 1),
        _procps('net.core.somaxconn', '4096', sysctl_conf, 1),
        _procps('vm.swappiness', '1', str(bad), 1),
    ]
    assert problems == [Problem(str(bad), 2, 'this is garbage', 'not an assignment (no "=")')]


def test_read_assignments_per_applier(tmp_path):
    path = _write(tmp_path / 'a.conf', b'- vm.swappiness = 1\rnet.ipv4.conf.*.rp_filter = 2\n\xe9\n')
    name = str(path)
    assert read_assignments([name], 'procps') == (
        [Assignment(' vm.swappiness', '1\rnet.ipv4.conf.*.rp_filter = 2', True, False, name, 1,
                    '/proc/sys/ vm/swappiness')], [])
    assert read_assignments([name], 'systemd') == (
        [_systemd('vm.swappiness', '1', name, 1, ignore_failure=True),
         _systemd('net.ipv4.conf.*.rp_filter', '2', name, 2, is_glob=True)],
        [Problem(name, 3, '\ufffd', 'not an assignment (no "=")')])
    assert read_assignments([name], 'systemd239') == (
        [Assignment('- vm.swappiness', '1', False, False, name, 1, '- vm/swappiness')],
        [Problem(name, 2, 'net.ipv4.conf.*.rp_filter = 2',
                 'this applier (systemd-sysctl 239 (RHEL 8, Alibaba Cloud Linux 3; modelled)) does not expand globs'),
         Problem(name, 3, '\ufffd', 'not an assignment (no "=")')])


def test_read_assignments_texts_instead_of_files(tmp_path):
    on_disk = _write(tmp_path / 'a.conf', 'vm.swappiness = 1\n')
    planned = str(tmp_path / 'b.conf')
    texts = {str(on_disk): ('vm.swappiness = 2\n', None), planned: ('vm.dirty_ratio = 5\n', 'a note')}
    assert read_assignments([str(on_disk), planned], 'procps', texts) == (
        [_procps('vm.swappiness', '2', str(on_disk), 1), _procps('vm.dirty_ratio', '5', planned, 1)],
        [Problem(planned, 0, '', 'a note')])


@pytest.mark.parametrize('kind, reason', [
    ('vanished', 'cannot read: No such file or directory'),
    ('fifo', BLOCKS),
], ids=['vanished', 'fifo'])
def test_read_assignments_unreadable(tmp_path, kind, reason):
    unreadable = tmp_path / 'unreadable.conf'
    if kind == 'fifo':
        os.mkfifo(str(unreadable))
    good = _write(tmp_path / 'good.conf', 'vm.swappiness = 10\n')
    assignments, problems = read_assignments([str(unreadable), str(good)], 'procps')
    assert assignments == [_procps('vm.swappiness', '10', str(good), 1)]
    assert problems == [Problem(str(unreadable), 0, '', reason)]


def test_read_assignments_directory_reads_as_empty(tmp_path):
    (tmp_path / 'dir.conf').mkdir()
    assert read_assignments([str(tmp_path / 'dir.conf')], 'systemd') == ([], [])


@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads files whatever their mode')
def test_read_assignments_permission_denied(tmp_path):
    path = _write(tmp_path / 'secret.conf', 'vm.swappiness = 10\n')
    path.chmod(0)
    try:
        assert read_assignments([str(path)], 'procps') == (
            [], [Problem(str(path), 0, '', 'cannot read: Permission denied')])
    finally:
        path.chmod(0o644)


def test_read_assignments_permission_denied_mocked(tmp_path, monkeypatch):
    path = str(tmp_path / 'secret.conf')
    real_open = os.open

    def refuse(name, *args, **kwargs):
        if name == path:
            raise PermissionError(errno.EACCES, 'Permission denied', name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(_host.os, 'open', refuse)
    assert read_assignments([path], 'procps') == ([], [Problem(path, 0, '', 'cannot read: Permission denied')])


def test_read_assignments_nothing():
    assert read_assignments([], 'procps') == ([], [])


def _no_block(seconds=5):
    """Fail the test rather than hang when a read blocks."""
    def alarm(signum, frame):
        raise AssertionError('read_conf blocked')
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)


READ_CONF_CASES = [
    ('file', ('kernel.domainname = caf\xe9\r\n\x00x\n', None)),
    ('utf8', ('kernel.domainname = caf\xc3\xa9\n', None)),
    ('empty', ('', None)),
    ('missing', ('', 'cannot read: No such file or directory')),
    ('directory', ('', None)),
    ('dev-null', ('', None)),
    ('dev-null-link', ('', None)),
    ('fifo', ('', BLOCKS)),
    ('fifo-with-a-writer', ('', BLOCKS)),
    ('dangling-link', ('', 'cannot read: No such file or directory')),
    ('big', ('vm.swappiness = 1\n' * 100000, None)),
]


@pytest.mark.parametrize('kind, expected', READ_CONF_CASES, ids=[case[0] for case in READ_CONF_CASES])
def test_read_conf(tmp_path, kind, expected):
    path = tmp_path / 'x.conf'
    writer = None
    if kind == 'file':
        path.write_bytes(b'kernel.domainname = caf\xe9\r\n\x00x\n')
    elif kind == 'utf8':
        path.write_bytes('kernel.domainname = caf\xe9\n'.encode('utf-8'))
    elif kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'directory':
        path.mkdir()
    elif kind == 'dev-null':
        path = Path(os.devnull)
    elif kind == 'dev-null-link':
        os.symlink(os.devnull, str(path))
    elif kind in ('fifo', 'fifo-with-a-writer'):
        os.mkfifo(str(path))
        if kind == 'fifo-with-a-writer':
            reader = os.open(str(path), os.O_RDONLY | os.O_NONBLOCK)
            writer = os.open(str(path), os.O_WRONLY)
            os.write(writer, b'vm.swappiness = 1\n')
            os.close(reader)
    elif kind == 'dangling-link':
        os.symlink(str(tmp_path / 'nowhere'), str(path))
    elif kind == 'big':
        path.write_bytes(b'vm.swappiness = 1\n' * 100000)
    _no_block()
    try:
        assert read_conf(str(path)) == expected
    finally:
        signal.alarm(0)
        if writer is not None:
            os.close(writer)


def test_read_texts(tmp_path):
    good = _write(tmp_path / 'a.conf', b'vm.swappiness = \xe9\n')
    missing = str(tmp_path / 'b.conf')
    assert read_texts([str(good), missing]) == {
        str(good): ('vm.swappiness = \xe9\n', None),
        missing: ('', 'cannot read: No such file or directory'),
    }
    assert read_texts([]) == {}


@pytest.fixture
def writable_tree(tmp_path):
    root = tmp_path / 'proc' / 'sys'
    for name in ('all', 'default', 'eth0', 'eth0.100', 'lo', 'docker0'):
        _write(root / 'net' / 'ipv4' / 'conf' / name / 'rp_filter', '0\n')
        _write(root / 'net' / 'ipv4' / 'conf' / name / 'arp_filter', '0\n')
    _write(root / 'net' / 'ipv4' / 'conf' / '.hidden' / 'rp_filter', '0\n')
    _write(root / 'net' / 'core' / 'somaxconn', '4096\n')
    _write(root / 'net' / 'core' / 'rmem_max', '212992\n')
    read_only = _write(root / 'net' / 'core' / 'read_only', '1\n')
    read_only.chmod(0o444)
    (root / 'net' / 'core' / 'subdir').mkdir()
    _write(root / 'vm' / 'swappiness', '60\n')
    return str(root)


# (pattern, expected (path, key) pairs)
EXPAND_CASES = [
    # a trailing slash (procps' "key." globs): nothing when the wildcard is in the last component (procps'
    # net.ipv4.tcp_*_timeout. = 20 sets nothing), the keys when it is literal (net.ipv4.conf.*.rp_filter. = 2 sets
    # them); both seen on the real procps 4.0.2 and 4.0.4
    ('net/core/somax*/', []),
    ('net/c*/somaxconn/', [('net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/ipv4/conf/*/rp_filter', [
        ('net/ipv4/conf/all/rp_filter', 'net.ipv4.conf.all.rp_filter'),
        ('net/ipv4/conf/default/rp_filter', 'net.ipv4.conf.default.rp_filter'),
        ('net/ipv4/conf/docker0/rp_filter', 'net.ipv4.conf.docker0.rp_filter'),
        ('net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
        ('net/ipv4/conf/eth0/rp_filter', 'net.ipv4.conf.eth0.rp_filter'),
        ('net/ipv4/conf/lo/rp_filter', 'net.ipv4.conf.lo.rp_filter'),
    ]),
    ('net/ipv4/conf/[^d]*/arp_filter', [
        ('net/ipv4/conf/all/arp_filter', 'net.ipv4.conf.all.arp_filter'),
        ('net/ipv4/conf/eth0.100/arp_filter', 'net.ipv4.conf.eth0/100.arp_filter'),
        ('net/ipv4/conf/eth0/arp_filter', 'net.ipv4.conf.eth0.arp_filter'),
        ('net/ipv4/conf/lo/arp_filter', 'net.ipv4.conf.lo.arp_filter'),
    ]),
    ('net/ipv4/conf/eth?/rp_filter', [('net/ipv4/conf/eth0/rp_filter', 'net.ipv4.conf.eth0.rp_filter')]),
    ('net/ipv4/conf/.*/rp_filter', [('net/ipv4/conf/.hidden/rp_filter', 'net.ipv4.conf./hidden.rp_filter')]),
    ('net/core/*', [('net/core/rmem_max', 'net.core.rmem_max'), ('net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/*', []),
    ('*/swappiness', [('vm/swappiness', 'vm.swappiness')]),
    ('net/ipv6/conf/*/rp_filter', []),
    # glob(3) prints the pattern's literal parts as written: a doubled or leading slash stays in the path (procps
    # compares these paths with those of its explicit lines as strings)
    ('net//core/soma*', [('net//core/somaxconn', 'net.core.somaxconn')]),
    ('/net/core/soma*', [('/net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/core/some*', []),
    ('net/core/somaxconn', [('net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/core/read_only', []),
    ('net/core/sub*', []),
]


@pytest.mark.parametrize('pattern, expected', EXPAND_CASES, ids=[case[0] for case in EXPAND_CASES])
def test_expand(writable_tree, pattern, expected):
    assert expand(pattern, writable_tree) == expected


# (key, writable)
WRITABLE_CASES = [
    ('net.core.somaxconn', True),
    ('net/core/somaxconn', True),
    ('net.ipv4.conf.eth0/100.rp_filter', True),
    ('net.core.read_only', False),
    ('net.core.subdir', False),
    ('net.core', False),
    ('net.core.missing', False),
    ('net.core.somaxconn.x', False),
    ('net/../../etc/passwd', False),
    ('net.core.some maxconn', False),
]


@pytest.mark.parametrize('key, expected', WRITABLE_CASES, ids=[case[0] for case in WRITABLE_CASES])
def test_writable(writable_tree, key, expected):
    assert writable(key, writable_tree) is expected


def test_writable_key_with_leading_space(writable_tree):
    # Regression (fixed in 061f471): writable() stripped the key, so " net.core.somaxconn" (procps reads
    # "- net.core.somaxconn = 1" so) counted as writable though procps opens "/proc/sys/ net/core/somaxconn", which
    # does not exist.
    assert writable(' net.core.somaxconn', writable_tree) is False


RP_FILTER = 'net.ipv4.conf.%s.rp_filter'
RP_FILTER_DEVICES = ['all', 'default', 'docker0', 'eth0/100', 'eth0', 'lo']  # as glob(3) sorts their paths


def test_expand_spells_a_leading_slash_as_written(writable_tree):
    assert expand('/net/ipv4/conf/*/rp_filter', writable_tree) == [
        ('/net/ipv4/conf/%s/rp_filter' % device.replace('/', '.'), RP_FILTER % device)
        for device in RP_FILTER_DEVICES]


# (applier, the writes of the two lines below)
LEADING_SLASH_GLOB = 'net.ipv4.conf.lo.rp_filter = 1\n/net/ipv4/conf/*/rp_filter = 2\n'
LEADING_SLASH_CASES = [
    # procps globs "/proc/sys//net/ipv4/conf/*/rp_filter": glob(3) prints "/proc/sys//net/ipv4/conf/lo/rp_filter",
    # which is not the string "/proc/sys/net/ipv4/conf/lo/rp_filter" of the explicit line, so the glob writes lo too,
    # after it (as real procps 4.0.2 and 4.0.4 do in the differential tests)
    ('procps', [Write(RP_FILTER % 'lo', '1', 'F:1', False)]
     + [Write(RP_FILTER % device, '2', 'F:2', False) for device in RP_FILTER_DEVICES]),
    # systemd-sysctl normalises the pattern (the leading slash goes) and skips the keys it has an entry for
    ('systemd', [Write(RP_FILTER % 'lo', '1', 'F:1', False)]
     + [Write(RP_FILTER % device, '2', 'F:2', False) for device in RP_FILTER_DEVICES if device != 'lo']),
]


@pytest.mark.parametrize('applier, expected', LEADING_SLASH_CASES, ids=[case[0] for case in LEADING_SLASH_CASES])
def test_write_sequence_of_a_glob_with_a_leading_slash(writable_tree, applier, expected):
    assignments, problems = parse_conf(LEADING_SLASH_GLOB, 'F', applier)
    assert problems == []
    assert write_sequence(assignments, applier, lambda pattern: expand(pattern, writable_tree),
                          lambda key: writable(key, writable_tree)) == expected


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A host: its sysctl.d directories and /etc/sysctl.conf, and a /proc/sys, for predict_host."""
    etc = tmp_path / 'etc' / 'sysctl.d'
    usr = tmp_path / 'usr' / 'lib' / 'sysctl.d'
    sysctl_conf = tmp_path / 'etc' / 'sysctl.conf'
    root = tmp_path / 'proc' / 'sys'
    for path, value in [('vm/swappiness', '60'), ('vm/dirty_ratio', '20'), ('kernel/pid_max', '4194304'),
                        ('net/ipv4/conf/all/rp_filter', '0'), ('net/ipv4/conf/lo/rp_filter', '0'),
                        ('net/ipv4/ip_local_port_range', '32768\t60999')]:
        _write(root / path, value + '\n')
    _write(usr / '50-default.conf', 'vm.swappiness = 60\nnet.ipv4.conf.*.rp_filter = 2\n')
    _write(etc / '90-tuning.conf', 'vm.swappiness = 10\n-net.ipv4.conf.lo.rp_filter\nkernel.pid_max = x\n')
    _write(sysctl_conf, 'vm.swappiness = 30\n')
    real_conf_files = _host.conf_files
    real_expand = _host.expand
    real_writable = _host.writable

    def fake_conf_files(applier, dirs=None, sysctl_conf_=None, planned=None):
        return real_conf_files(applier, [str(etc), str(usr)], str(sysctl_conf), planned)

    monkeypatch.setattr(_host, 'conf_files', fake_conf_files)
    monkeypatch.setattr(_host, 'expand', lambda pattern, dummy=None: real_expand(pattern, str(root)))
    monkeypatch.setattr(_host, 'writable', lambda key, dummy=None: real_writable(key, str(root)))
    monkeypatch.setattr(_host, '_live_or_none', lambda key, dummy=None: read_live(key, str(root)))
    return tmp_path, str(etc / '90-tuning.conf'), str(usr / '50-default.conf'), str(sysctl_conf)


KEYS = ['vm.swappiness', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.lo.rp_filter', 'kernel.pid_max',
        'vm.dirty_ratio']


def _brief(prediction):
    return (prediction['boot'], prediction['boot_source'], prediction['reload'], prediction['reload_source'])


def test_predict_host_procps(host):
    root, tuning, default, sysctl_conf = host
    live = {'vm.swappiness': '10'}
    files, problems, predictions = predict_host('procps', KEYS, live, oracle=False)
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
                                                texts=texts)
    assert files == [default, tuning]
    # systemd-sysctl does not read /etc/sysctl.conf; "sysctl --system" (procps) does, last
    assert _brief(predictions['vm.swappiness']) == ('10', tuning + ':1', '30', sysctl_conf + ':1')
    # every file read once, for both appliers
    assert sorted(texts) == sorted([default, tuning, sysctl_conf])
    assert texts[sysctl_conf] == ('vm.swappiness = 30\n', None)


def test_predict_host_uses_the_given_texts(host):
    root, tuning, default, sysctl_conf = host
    texts = {tuning: ('vm.swappiness = 5\n', None)}
    dummy, dummy2, predictions = predict_host('systemd', ['vm.swappiness'], {}, oracle=False, texts=texts)
    assert _brief(predictions['vm.swappiness']) == ('5', tuning + ':1', '30', sysctl_conf + ':1')


def test_predict_host_reports_problems(host):
    root, tuning, default, sysctl_conf = host
    _write(Path(tuning), 'vm.swappiness = 10\ngarbage\n')
    files, problems, dummy = predict_host('systemd', ['vm.swappiness'], {}, oracle=False)
    assert problems == [Problem(tuning, 2, 'garbage', 'not an assignment (no "=")')]


def test_predict_host_blocked_by_a_fifo(host):
    root, tuning, default, sysctl_conf = host
    fifo = str(Path(tuning).parent / '95-pipe.conf')
    os.mkfifo(fifo)
    _no_block()
    try:
        files, problems, predictions = predict_host('systemd', ['vm.swappiness'], {'vm.swappiness': '10'},
                                                    oracle=False)
    finally:
        signal.alarm(0)
    assert fifo in files
    assert Problem(fifo, 0, '', BLOCKS) in problems
    # the appliers hang on it: nothing is applied, at boot or by sysctl --system
    prediction = predictions['vm.swappiness']
    assert prediction['blocked'] == fifo
    assert (prediction['boot'], prediction['reload']) == (None, None)


def test_predict_host_not_blocked(host):
    dummy, dummy2, predictions = predict_host('systemd', ['vm.swappiness'], {}, oracle=False)
    assert predictions['vm.swappiness']['blocked'] is None


def test_predict_reads_the_live_values(host):
    predictions = predict('procps', ('vm.swappiness',), oracle=False)
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
        return dict((key, '0') for key in keys), [0] * len(writes), final, changed_at


def test_predict_host_without_a_namespace_falls_back_to_the_model(host, monkeypatch):
    oracle = FakeOracle(available=False)
    monkeypatch.setattr(_host._netns, 'replay', oracle.replay)
    dummy, dummy2, predictions = predict_host('procps', KEYS, {}, oracle=True)
    assert oracle.calls == [(['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.lo.rp_filter'],
                             [('net.ipv4.conf.all.rp_filter', '2')], [])]
    assert predictions['net.ipv4.conf.all.rp_filter']['checked_by'] == 'model'


def test_predict_host_asks_the_kernel_for_net_keys(host, monkeypatch):
    root, tuning, default, sysctl_conf = host
    oracle = FakeOracle()
    monkeypatch.setattr(_host._netns, 'replay', oracle.replay)
    dummy, dummy2, predictions = predict_host('systemd', KEYS, {'net.ipv4.conf.all.rp_filter': '2'}, oracle=True)
    net = ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.lo.rp_filter']
    assert oracle.calls == [
        (net, [('net.ipv4.conf.all.rp_filter', '2')], []),
        # the reload starts from the live values of the keys it writes
        (net, [('net.ipv4.conf.all.rp_filter', '2')], [('net.ipv4.conf.all.rp_filter', '2')]),
    ]
    assert predictions['net.ipv4.conf.all.rp_filter']['checked_by'] == 'kernel'
    assert predictions['net.ipv4.conf.all.rp_filter']['boot'] == '1'
    assert predictions['net.ipv4.conf.all.rp_filter']['kernel_default'] == '0'
    assert predictions['vm.swappiness']['checked_by'] == 'model'


def test_predict_host_oracle_only_for_net_keys(host, monkeypatch):
    root, tuning, default, sysctl_conf = host
    oracle = FakeOracle()
    monkeypatch.setattr(_host._netns, 'replay', oracle.replay)
    predict_host('procps', ['net.ipv4.conf.all.rp_filter'], {}, oracle=False)
    assert oracle.calls == []
    predict_host('procps', ['vm.swappiness'], {}, oracle=True, texts={default: ('vm.swappiness = 60\n', None)})
    assert oracle.calls == []
    # the glob writes net.* keys: replayed for the boot and for the reload (from the live value)
    predict_host('procps', ['vm.swappiness'], {}, oracle=True)
    assert oracle.calls == [
        (['net.ipv4.conf.all.rp_filter'], [('net.ipv4.conf.all.rp_filter', '2')], []),
        (['net.ipv4.conf.all.rp_filter'], [('net.ipv4.conf.all.rp_filter', '2')], [('net.ipv4.conf.all.rp_filter', '0')]),
    ]


@pytest.mark.parametrize('text, expected', [
    ('NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
     {'NAME': 'CentOS Linux', 'ID': 'centos', 'ID_LIKE': 'rhel fedora', 'VERSION_ID': '7'}),
    ("ID=ubuntu\nVERSION_ID='22.04'\n# comment\n\n", {'ID': 'ubuntu', 'VERSION_ID': '22.04'}),
], ids=['double-quoted', 'unquoted-and-single-quoted'])
def test_os_release(tmp_path, text, expected):
    path = _write(tmp_path / 'os-release', text)
    assert _host._os_release(str(path)) == expected


def test_os_release_missing(tmp_path):
    assert _host._os_release(str(tmp_path / 'os-release')) == {}


# (init comm or None when unreadable, systemd-sysctl present, os-release text or None, expected)
HOST_APPLIER_CASES = [
    ('systemd\n', True, 'ID=ubuntu\nVERSION_ID="22.04"\n', 'systemd'),
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
def test_host_applier(tmp_path, monkeypatch, comm, present, os_release, expected):
    files = {'/proc/1/comm': comm, '/etc/os-release': os_release}

    def fake_read_text(path):
        if files.get(path) is None:
            raise FileNotFoundError(errno.ENOENT, 'No such file or directory', path)
        return files[path]

    binary = tmp_path / 'systemd-sysctl'
    if present:
        _write(binary, '')
    monkeypatch.setattr(_host, 'read_text', fake_read_text)
    monkeypatch.setattr(_host, 'SYSTEMD_SYSCTL_BINARIES', (str(tmp_path / 'absent'), str(binary)))
    assert host_appliers()[0] == expected

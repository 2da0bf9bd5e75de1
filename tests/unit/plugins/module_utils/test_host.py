# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Assignment, Problem
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError, SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import (
    conf_files,
    host_applier,
    read_assignments,
    read_live,
    read_text,
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


def test_read_live_unreadable(proc_sys, monkeypatch):
    path = os.path.join(proc_sys, 'vm', 'drop_caches')

    def refuse(name):
        assert name == path
        raise PermissionError(errno.EACCES, 'Permission denied', name)

    monkeypatch.setattr(_host, 'read_text', refuse)
    with pytest.raises(SysctlError) as exc:
        read_live('vm.drop_caches', proc_sys)
    assert exc.type is SysctlError
    assert str(exc.value) == 'cannot read vm.drop_caches from %s: Permission denied' % path


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


@pytest.mark.parametrize('applier, with_sysctl_conf', [
    ('procps', True),
    ('systemd', False),
    ('systemd_rhel7', True),
], ids=['procps', 'systemd', 'systemd_rhel7'])
def test_conf_files(tree, applier, with_sysctl_conf):
    root, dirs, sysctl_conf = tree
    expected = _expected_files(root) + ([sysctl_conf] if with_sysctl_conf else [])
    assert conf_files(applier, dirs, sysctl_conf) == expected


@pytest.mark.parametrize('applier', ['procps', 'systemd', 'systemd_rhel7'])
def test_conf_files_without_sysctl_conf(tree, applier):
    root, dirs, sysctl_conf = tree
    os.unlink(sysctl_conf)
    assert conf_files(applier, dirs, sysctl_conf) == _expected_files(root)


def test_conf_files_no_directories(tmp_path):
    assert conf_files('systemd', [str(tmp_path / 'missing')], str(tmp_path / 'sysctl.conf')) == []


def test_conf_files_unknown_applier(tree):
    dirs, sysctl_conf = tree[1:]
    with pytest.raises(ValueError) as exc:
        conf_files('auto', dirs, sysctl_conf)
    assert str(exc.value) == "unknown boot applier 'auto', expected one of procps, systemd, systemd_rhel7"


def test_conf_files_dev_null_mask(tmp_path):
    etc = tmp_path / 'etc'
    usr = tmp_path / 'usr'
    _write(usr / '50-pid-max.conf', 'kernel.pid_max = 4194304\n')
    _write(usr / '60-other.conf', 'vm.swappiness = 10\n')
    etc.mkdir()
    os.symlink(os.devnull, str(etc / '50-pid-max.conf'))
    files = conf_files('systemd', [str(etc), str(usr)], str(tmp_path / 'sysctl.conf'))
    assert files == [str(etc / '50-pid-max.conf'), str(usr / '60-other.conf')]
    assignments, problems = read_assignments(files)
    assert assignments == [Assignment('vm.swappiness', '10', False, False, str(usr / '60-other.conf'), 1)]
    assert problems == []


def test_read_assignments(tree):
    root, dirs, sysctl_conf = tree
    bad = _write(root / 'bad.conf', 'vm.swappiness = 1\nthis is garbage\n')
    files = conf_files('procps', dirs, sysctl_conf) + [str(bad)]
    assignments, problems = read_assignments(files)
    run, vendor, tuning = [_expected_files(root)[index] for index in (0, 2, 3)]
    assert assignments == [
        Assignment('vm.swappiness', '30', False, False, run, 1),
        Assignment('net.ipv4.conf.*.rp_filter', '2', False, True, vendor, 1),
        Assignment('net.core.somaxconn', '8192', False, False, tuning, 1),
        Assignment('net.core.somaxconn', '4096', False, False, sysctl_conf, 1),
        Assignment('vm.swappiness', '1', False, False, str(bad), 1),
    ]
    assert problems == [Problem(str(bad), 2, 'this is garbage', 'not an assignment (no "=")')]


@pytest.mark.parametrize('kind, reason', [
    ('vanished', 'cannot read: No such file or directory'),
    ('directory', 'cannot read: Is a directory'),
], ids=['vanished', 'directory'])
def test_read_assignments_unreadable(tmp_path, kind, reason):
    unreadable = tmp_path / 'unreadable.conf'
    if kind == 'directory':
        unreadable.mkdir()
    good = _write(tmp_path / 'good.conf', 'vm.swappiness = 10\n')
    assignments, problems = read_assignments([str(unreadable), str(good)])
    assert assignments == [Assignment('vm.swappiness', '10', False, False, str(good), 1)]
    assert problems == [Problem(str(unreadable), 0, '', reason)]


@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads files whatever their mode')
def test_read_assignments_permission_denied(tmp_path):
    path = _write(tmp_path / 'secret.conf', 'vm.swappiness = 10\n')
    path.chmod(0)
    try:
        assert read_assignments([str(path)]) == ([], [Problem(str(path), 0, '', 'cannot read: Permission denied')])
    finally:
        path.chmod(0o644)


def test_read_assignments_permission_denied_mocked(tmp_path, monkeypatch):
    def refuse(name):
        raise PermissionError(errno.EACCES, 'Permission denied', name)

    monkeypatch.setattr(_host, 'read_text', refuse)
    path = str(tmp_path / 'secret.conf')
    assert read_assignments([path]) == ([], [Problem(path, 0, '', 'cannot read: Permission denied')])


def test_read_assignments_nothing():
    assert read_assignments([]) == ([], [])


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
    ('systemd\n', True, None, 'systemd'),
    ('systemd\n', False, 'ID=debian\nVERSION_ID="12"\n', 'procps'),
    ('init\n', True, 'ID="centos"\nVERSION_ID="7"\n', 'procps'),
    ('bash\n', False, 'ID=alpine\nVERSION_ID=3.19.1\n', 'procps'),
    (None, True, 'ID=ubuntu\n', 'procps'),
]
HOST_APPLIER_IDS = [
    'ubuntu-systemd', 'centos7', 'rhel7', 'no-os-release', 'no-binary', 'sysv-init', 'container',
    'proc-unreadable',
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
    assert host_applier() == expected

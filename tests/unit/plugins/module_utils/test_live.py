# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    InvalidKeyError,
    KernelRejectedError,
    SysctlError,
    UnknownKeyError,
    UnreadableKeyError,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import NAMESPACED_PREFIXES, is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import in_container
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import (
    all_keys,
    read_live,
    read_text,
    read_values,
    unknown_key_error,
    unknown_keys,
    write_live,
)

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'
SWAPPINESS = 'vm.swappiness'

# A small /proc/sys: path under the root -> value.
TREE = {
    'net/core/somaxconn': '4096',
    'net/core/netdev_max_backlog': '1000',
    'net/ipv4/tcp_max_tw_buckets': '5000',
    'net/ipv4/tcp_max_syn_backlog': '1024',
    'net/ipv4/tcp_fin_timeout': '60',
    'net/ipv4/tcp_tw_reuse': '2',
    'net/ipv4/ip_local_port_range': '32768\t60999',
    'net/ipv4/conf/all/rp_filter': '0',
    'net/ipv4/conf/lo/rp_filter': '0',
    'net/ipv4/conf/eth0/rp_filter': '1',
    'net/ipv4/conf/eth1/rp_filter': '1',
    'net/ipv4/conf/eth0.100/rp_filter': '1',
    'vm/swappiness': '60',
    'kernel/sysrq': '176',
}
TREE_KEYS = [
    'kernel.sysrq',
    'net.core.netdev_max_backlog',
    'net.core.somaxconn',
    'net.ipv4.conf.all.rp_filter',
    'net.ipv4.conf.eth0.rp_filter',
    'net.ipv4.conf.eth0/100.rp_filter',
    'net.ipv4.conf.eth1.rp_filter',
    'net.ipv4.conf.lo.rp_filter',
    'net.ipv4.ip_local_port_range',
    'net.ipv4.tcp_fin_timeout',
    'net.ipv4.tcp_max_syn_backlog',
    'net.ipv4.tcp_max_tw_buckets',
    'net.ipv4.tcp_tw_reuse',
    'vm.swappiness',
]


@pytest.fixture
def value_tree(tmp_path, write_file):
    root = tmp_path / 'proc' / 'sys'
    write_file(root / 'net' / 'core' / 'somaxconn', '4096\n')
    write_file(root / 'net' / 'ipv4' / 'ip_local_port_range', '32768\t60999\n')
    write_file(root / 'net' / 'ipv4' / 'conf' / 'eth0.100' / 'rp_filter', '2\n')
    write_file(root / 'kernel' / 'pid_max', '4194304')
    write_file(root / 'kernel' / 'domainname', '\n')
    write_file(root / 'kernel' / 'hostname', b'caf\xe9\n')
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
def test_read_live(value_tree, key, expected):
    assert read_live(key, value_tree) == expected


@pytest.mark.parametrize('key', ['net.core', 'net/ipv4/conf/eth0.100'], ids=['dotted', 'slashed'])
def test_read_live_directory(value_tree, key):
    with pytest.raises(SysctlError) as exc:
        read_live(key, value_tree)
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
def test_read_live_unreadable(value_tree, monkeypatch, code, reason):
    path = os.path.join(value_tree, 'vm', 'drop_caches')

    def refuse(name):
        assert name == path
        raise OSError(code, os.strerror(code), name)

    monkeypatch.setattr(_live, 'read_text', refuse)
    with pytest.raises(UnreadableKeyError) as exc:
        read_live('vm.drop_caches', value_tree)
    assert isinstance(exc.value, SysctlError)
    assert str(exc.value) == 'cannot read vm.drop_caches from %s: %s' % (path, reason)
    assert (exc.value.key, exc.value.reason) == ('vm.drop_caches', reason)


@pytest.mark.parametrize('key, message', [
    ('net/../../../etc/passwd', 'sysctl key \'net/../../../etc/passwd\' has an empty, "." or ".." component'),
    ('/etc/passwd', "sysctl key '/etc/passwd' must not start with a separator (no absolute paths)"),
], ids=['dotdot', 'absolute'])
def test_read_live_invalid_key(value_tree, key, message):
    with pytest.raises(InvalidKeyError) as exc:
        read_live(key, value_tree)
    assert str(exc.value) == message


def test_read_text_lenient(tmp_path, write_file):
    path = write_file(tmp_path / 'latin1.conf', b'kernel.domainname = caf\xe9\n')
    assert read_text(str(path)) == 'kernel.domainname = caf\ufffd\n'


def read(root, relative):
    with open(os.path.join(root, relative)) as handle:
        return handle.read()


def test_namespaced_prefixes():
    assert NAMESPACED_PREFIXES == ('net.',)


# (key, namespaced)
NAMESPACED_CASES = [
    (TW, True),
    (SOMAXCONN, True),
    ('net.ipv4.conf.eth0/100.rp_filter', True),
    ('net.ipv6.conf.all.disable_ipv6', True),
    (SWAPPINESS, False),
    ('kernel.pid_max', False),
    ('fs.file-max', False),
    ('user.max_user_namespaces', False),
    ('network.foo', False),
    ('vm.net.x', False),
]
NAMESPACED_IDS = ['ipv4', 'core', 'vlan', 'ipv6', 'vm', 'kernel', 'fs', 'user', 'prefix-without-dot', 'net-inside']


@pytest.mark.parametrize('key, namespaced', NAMESPACED_CASES, ids=NAMESPACED_IDS)
def test_is_namespaced(key, namespaced):
    assert is_namespaced(key) is namespaced


# (files under the root: path -> bytes or None for a directory, in a container)
CONTAINER_CASES = [
    ({}, False),
    ({'run/.containerenv': b''}, True),
    ({'.dockerenv': b''}, True),
    ({'run/.containerenv': None}, True),
    ({'proc/1/environ': b'container=podman\0PATH=/usr/sbin:/usr/bin\0HOME=/\0'}, True),
    ({'proc/1/environ': b'PATH=/usr/bin\0container=lxc\0'}, True),
    ({'proc/1/environ': b'HOME=/\0container=systemd-nspawn'}, True),
    ({'proc/1/environ': b'PATH=/usr/bin\0HOME=/\0TERM=linux\0'}, False),
    ({'proc/1/environ': b'NOTcontainer=podman\0my_container=x\0'}, False),
    ({'proc/1/environ': b''}, False),
    ({'proc/1/environ': None}, False),
    ({'run/containerenv': b'', 'dockerenv': b'', 'proc/2/environ': b'container=podman\0'}, False),
]
CONTAINER_IDS = [
    'none', 'podman-marker', 'docker-marker', 'marker-is-a-directory', 'podman-environ', 'lxc-environ',
    'nspawn-environ-last', 'host-environ', 'lookalike-variables', 'empty-environ', 'unreadable-environ', 'near-misses',
]


@pytest.mark.parametrize('files, expected', CONTAINER_CASES, ids=CONTAINER_IDS)
def test_in_container(tmp_path, files, expected):
    for relative, data in files.items():
        path = tmp_path / relative
        if data is None:
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    assert in_container(str(tmp_path)) is expected


def test_in_container_root_with_trailing_slash(tmp_path):
    (tmp_path / '.dockerenv').write_bytes(b'')
    assert in_container(str(tmp_path) + '/') is True


@pytest.fixture
def write_only(proc_sys, monkeypatch):
    """net.ipv4.route.flush (mode 0200: root too gets EACCES) and an unset stable_secret (EIO) in the tree."""
    refused = {}
    for relative, code in (('net/ipv4/route/flush', errno.EACCES), ('net/ipv6/conf/all/stable_secret', errno.EIO)):
        path = os.path.join(proc_sys, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write('')
        refused[path] = code
    real_read = _live.read_text

    def fake_read_text(path):
        if path in refused:
            raise OSError(refused[path], os.strerror(refused[path]), path)
        return real_read(path)

    monkeypatch.setattr(_live, 'read_text', fake_read_text)
    return proc_sys


# (keys, values, unreadable: key -> reason)
READ_VALUES_CASES = [
    ([SOMAXCONN, TW], {SOMAXCONN: '4096', TW: '5000'}, {}),
    ([SOMAXCONN, 'net.ipv4.route.flush', TW],
     {SOMAXCONN: '4096', 'net.ipv4.route.flush': None, TW: '5000'},
     {'net.ipv4.route.flush': 'Permission denied'}),
    (['net.ipv6.conf.all.stable_secret', 'net.ipv4.route.flush', 'net.netfilter.nf_conntrack_max'],
     {'net.ipv6.conf.all.stable_secret': None, 'net.ipv4.route.flush': None, 'net.netfilter.nf_conntrack_max': None},
     {'net.ipv6.conf.all.stable_secret': 'Input/output error', 'net.ipv4.route.flush': 'Permission denied'}),
    ([], {}, {}),
]
READ_VALUES_IDS = ['readable', 'write-only-among-others', 'unreadable-and-missing', 'nothing']


@pytest.mark.parametrize('keys, values, unreadable', READ_VALUES_CASES, ids=READ_VALUES_IDS)
def test_read_values(write_only, keys, values, unreadable):
    found, errors = read_values(keys, write_only)
    assert found == values
    assert dict((key, exc.reason) for key, exc in errors.items()) == unreadable
    for key, exc in errors.items():
        assert isinstance(exc, UnreadableKeyError) and exc.key == key
        assert str(exc) == 'cannot read %s from %s: %s' % (key, os.path.join(write_only, *key.split('.')),
                                                           unreadable[key])


def test_read_values_raises_other_errors(proc_sys):
    with pytest.raises(SysctlError) as exc:
        read_values([SOMAXCONN, 'net.core'], proc_sys)
    assert str(exc.value) == 'net.core is a directory of keys, not a key'


# (key, value, path under the root, content written)
WRITE_CASES = [
    (TW, 262144, 'net/ipv4/tcp_max_tw_buckets', '262144\n'),
    (TW, '262144', 'net/ipv4/tcp_max_tw_buckets', '262144\n'),
    ('net.ipv4.ip_local_port_range', '1024 65000', 'net/ipv4/ip_local_port_range', '1024 65000\n'),
    ('net.ipv4.conf.eth0/100.rp_filter', 2, 'net/ipv4/conf/eth0.100/rp_filter', '2\n'),
    ('net/ipv4/conf/eth0.100/rp_filter', 0, 'net/ipv4/conf/eth0.100/rp_filter', '0\n'),
    (SWAPPINESS, '0', 'vm/swappiness', '0\n'),
]
WRITE_IDS = ['int', 'string', 'two-tokens', 'vlan-dotted', 'vlan-slashed', 'vm']


@pytest.mark.parametrize('key, value, relative, content', WRITE_CASES, ids=WRITE_IDS)
def test_write_live(proc_sys, key, value, relative, content):
    before = dict((other, read(proc_sys, other)) for other in TREE if other != relative)
    write_live(key, value, proc_sys)
    assert read(proc_sys, relative) == content
    assert dict((other, read(proc_sys, other)) for other in TREE if other != relative) == before


# (key, value, reason)
REJECTED_CASES = [
    ('net.netfilter.nf_conntrack_max', 262144, 'No such file or directory'),
    ('net.ipv4.conf.eth9.rp_filter', 1, 'No such file or directory'),
    ('net.ipv4.conf', 1, 'Is a directory'),
]
REJECTED_IDS = ['missing-tree', 'missing-interface', 'directory']


@pytest.mark.parametrize('key, value, reason', REJECTED_CASES, ids=REJECTED_IDS)
def test_write_live_rejected(proc_sys, key, value, reason):
    with pytest.raises(KernelRejectedError) as exc:
        write_live(key, value, proc_sys)
    assert str(exc.value) == 'the kernel rejected %s = %s: %s' % (key, value, reason)
    assert exc.value.key == key
    assert exc.value.reason == reason
    assert isinstance(exc.value, SysctlError)


def test_write_live_invalid_key_is_not_a_kernel_rejection(proc_sys):
    with pytest.raises(InvalidKeyError) as exc:
        write_live('net/../../../etc/passwd', 1, proc_sys)
    assert str(exc.value) == 'sysctl key \'net/../../../etc/passwd\' has an empty, "." or ".." component'


def test_all_keys(proc_sys):
    assert sorted(all_keys(proc_sys)) == TREE_KEYS


def test_all_keys_empty_or_missing_root(tmp_path):
    assert all_keys(str(tmp_path)) == []
    assert all_keys(str(tmp_path / 'missing')) == []


# (key, suggestions)
UNKNOWN_CASES = [
    ('net.ipv4.tcp_max_tw_bucket', ['net.ipv4.tcp_max_tw_buckets']),
    ('net.core.somaxcon', ['net.core.somaxconn']),
    ('vm.swapiness', ['vm.swappiness']),
    ('net.ipv4.tcp_tw_recycle', ['net.ipv4.tcp_tw_reuse']),
    ('net.ipv4.conf.eth2.rp_filter',
     ['net.ipv4.conf.eth1.rp_filter', 'net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter']),
    ('kernel.nothing_like_it', []),
    ('fs.file-max', []),
    ('net.netfilter.nf_conntrack_max', []),
]
UNKNOWN_IDS = ['missing-s', 'missing-n', 'missing-p', 'removed-key', 'three-closest', 'nothing-close', 'other-tree', 'missing-tree']


@pytest.mark.parametrize('key, suggestions', UNKNOWN_CASES, ids=UNKNOWN_IDS)
def test_unknown_key_error(proc_sys, key, suggestions):
    error = unknown_key_error(key, proc_sys)
    assert isinstance(error, UnknownKeyError)
    assert error.key == key
    assert error.suggestions == suggestions
    path = os.path.join(proc_sys, *key.split('.'))
    hint = '; did you mean %s?' % ' or '.join(suggestions) if suggestions else ''
    assert str(error) == 'unknown sysctl key %s: this kernel has no %s%s' % (key, path, hint)


def test_unknown_key_error_message(proc_sys):
    assert str(unknown_key_error('net.ipv4.tcp_max_tw_bucket', proc_sys)) == (
        'unknown sysctl key net.ipv4.tcp_max_tw_bucket: this kernel has no %s/net/ipv4/tcp_max_tw_bucket; '
        'did you mean net.ipv4.tcp_max_tw_buckets?' % proc_sys)
    assert str(unknown_key_error('net.ipv4.conf.eth2.rp_filter', proc_sys)) == (
        'unknown sysctl key net.ipv4.conf.eth2.rp_filter: this kernel has no %s/net/ipv4/conf/eth2/rp_filter; '
        'did you mean net.ipv4.conf.eth1.rp_filter or net.ipv4.conf.eth0.rp_filter or '
        'net.ipv4.conf.eth0/100.rp_filter?' % proc_sys)
    assert str(unknown_key_error('kernel.nothing_like_it', proc_sys)) == (
        'unknown sysctl key kernel.nothing_like_it: this kernel has no %s/kernel/nothing_like_it' % proc_sys)


def test_unknown_key_error_vlan_path(proc_sys):
    error = unknown_key_error('net.ipv4.conf.eth0/200.rp_filter', proc_sys)
    assert str(error).startswith('unknown sysctl key net.ipv4.conf.eth0/200.rp_filter: this kernel has no '
                                 '%s/net/ipv4/conf/eth0.200/rp_filter; did you mean ' % proc_sys)
    assert error.suggestions[0] == 'net.ipv4.conf.eth0/100.rp_filter'


def test_unknown_keys_walks_the_tree_once(proc_sys, monkeypatch):
    walks = []
    real_walk = _live.os.walk

    def walk(root):
        walks.append(root)
        return real_walk(root)

    monkeypatch.setattr(_live.os, 'walk', walk)
    errors = unknown_keys(['net.core.somaxcon', 'vm.swapiness'], proc_sys)
    assert walks == [proc_sys]
    assert [(key, error.suggestions) for key, error in sorted(errors.items())] == [
        ('net.core.somaxcon', ['net.core.somaxconn']), ('vm.swapiness', ['vm.swappiness'])]
    assert str(errors['vm.swapiness']) == str(unknown_key_error('vm.swapiness', proc_sys))
    assert unknown_keys([], proc_sys) == {}
    assert walks == [proc_sys, proc_sys]

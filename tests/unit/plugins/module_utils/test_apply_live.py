# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_live=auto: which keys are on a read-only mount, the option's values, and the split of tune's live plan."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import read_only_keys
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import live_mode, read_only_warning
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import plan_live

SOMAXCONN = 'net.core.somaxconn'
TW = 'net.ipv4.tcp_max_tw_buckets'
FIN = 'net.ipv4.tcp_fin_timeout'
SWAPPINESS = 'vm.swappiness'
SYSRQ = 'kernel.sysrq'
DROPIN = '/etc/sysctl.d/90-kerneltune.conf'

TREE = {
    'net/core/somaxconn': '4096',
    'net/ipv4/tcp_max_tw_buckets': '5000',
    'net/ipv4/tcp_fin_timeout': '60',
    'vm/swappiness': '60',
    'kernel/sysrq': '176',
}
KEYS = [SYSRQ, SOMAXCONN, FIN, TW, SWAPPINESS]


class FakeStatvfs(object):
    """os.statvfs with ST_RDONLY on every path under one of ``read_only`` (directories under the root)."""

    def __init__(self, root, read_only):
        self.read_only = [os.path.join(root, relative).rstrip(os.sep) + os.sep for relative in read_only]
        self.calls = []

    def __call__(self, path):
        self.calls.append(path)
        real = os.statvfs(path)  # a missing path raises as the real call does

        class Result(object):
            f_flag = real.f_flag | (os.ST_RDONLY if any(path.startswith(top) for top in self.read_only) else 0)
        return Result()


def test_read_only_keys_on_a_writable_tree(proc_sys):
    assert read_only_keys(KEYS, proc_sys) == []


# (read-only directories under the root, keys listed)
READ_ONLY_CASES = [
    ([''], sorted(KEYS)),                               # an unprivileged container: all of /proc/sys
    (['kernel', 'vm'], [SYSRQ, SWAPPINESS]),             # kt-init: the host-wide trees
    (['net/core'], [SOMAXCONN]),                         # one tree
    ([], []),
]
READ_ONLY_IDS = ['all', 'host-wide-trees', 'one-tree', 'none']


@pytest.mark.parametrize('read_only, expected', READ_ONLY_CASES, ids=READ_ONLY_IDS)
def test_read_only_keys_by_mount_flag(proc_sys, read_only, expected):
    statvfs = FakeStatvfs(proc_sys, read_only)
    assert read_only_keys(KEYS, proc_sys, statvfs) == expected
    assert sorted(statvfs.calls) == sorted(os.path.join(proc_sys, *key.split('.')) for key in KEYS)


def test_read_only_keys_skips_missing_keys(proc_sys):
    # A missing key is not listed: the write (or the missing option) says what is wrong with it.
    keys = [SOMAXCONN, 'net.netfilter.nf_conntrack_max', 'net.ipv4.conf.eth9.rp_filter']
    assert read_only_keys(keys, proc_sys, FakeStatvfs(proc_sys, [''])) == [SOMAXCONN]


def test_read_only_keys_ignores_permission_bits(proc_sys):
    # Mode bits are not the mount: a file without write permission on a writable mount is not listed
    # (root may write it; the kernel decides), so true and auto fail on it alike.
    os.chmod(os.path.join(proc_sys, 'net', 'core', 'somaxconn'), 0o444)
    assert read_only_keys([SOMAXCONN], proc_sys) == []


def test_read_only_keys_vlan_key(tmp_path):
    root = tmp_path / 'sys'
    (root / 'net' / 'ipv4' / 'conf' / 'eth0.100').mkdir(parents=True)
    (root / 'net' / 'ipv4' / 'conf' / 'eth0.100' / 'rp_filter').write_text('1\n')
    key = 'net.ipv4.conf.eth0/100.rp_filter'
    assert read_only_keys([key], str(root), FakeStatvfs(str(root), ['net/ipv4/conf/eth0.100'])) == [key]
    assert read_only_keys([key], str(root), FakeStatvfs(str(root), ['net/ipv4/conf/eth0'])) == []


PROBE = textwrap.dedent('''
    import json, sys
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import read_only_keys
    print(json.dumps(read_only_keys(json.loads(sys.argv[1]), sys.argv[2])))
''')


def _unshare():
    """The argv prefix that runs a command as root of a new user and mount namespace, or None and why."""
    tool = shutil.which('unshare')
    if not tool:
        return None, 'unshare (util-linux) is not installed'
    probe = subprocess.run([tool, '--user', '--map-root-user', '--mount', 'true'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if probe.returncode != 0:
        return None, 'this machine does not allow a user and mount namespace: %s' % probe.stdout.strip()
    return [tool, '--user', '--map-root-user', '--mount'], None


def test_read_only_keys_on_a_real_read_only_bind_mount(proc_sys):
    """The real statvfs on a tree where one subtree is bind-mounted read-only (as runc mounts /proc/sys)."""
    prefix, why = _unshare()
    if prefix is None:
        if os.environ.get('CI') == 'true':
            pytest.fail('CI must be able to test a real read-only mount: %s' % why)
        pytest.skip(why)
    net = os.path.join(proc_sys, 'net')
    script = ('mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && '
              'exec "$2" -c "$3" "$4" "$5"')
    result = subprocess.run(prefix + ['/bin/sh', '-c', script, 'sh', net, sys.executable, PROBE,
                                      json.dumps(KEYS), proc_sys],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [SOMAXCONN, FIN, TW]
    # outside that namespace the tree was never read-only
    assert read_only_keys(KEYS, proc_sys) == []


# (value, mode)
MODE_CASES = [
    ('auto', 'auto'), ('AUTO', 'auto'), (' auto ', 'auto'), (None, 'auto'),
    (True, True), (False, False), ('true', True), ('false', False), ('True', True), ('False', False),
    ('yes', True), ('no', False), ('on', True), ('off', False), ('1', True), ('0', False), (1, True), (0, False),
]


@pytest.mark.parametrize('value, mode', MODE_CASES, ids=[repr(case[0]) for case in MODE_CASES])
def test_live_mode(value, mode):
    assert live_mode(value) is mode if isinstance(mode, bool) else live_mode(value) == mode


@pytest.mark.parametrize('value', ['maybe', 'autox', '', 2, [True], {'auto': 1}])
def test_live_mode_refuses(value):
    with pytest.raises(SysctlError) as exc:
        live_mode(value)
    assert str(exc.value) == 'value of apply_live must be one of: auto, true, false, got: %s' % (value,)


def test_read_only_warning():
    assert read_only_warning([TW, SOMAXCONN], DROPIN) == (
        '/proc/sys is read-only here (an unprivileged container?): persisted in /etc/sysctl.d/90-kerneltune.conf '
        'for the next boot, not applied live: net.core.somaxconn, net.ipv4.tcp_max_tw_buckets (apply_live=auto; '
        'true would fail on them, false persists without this warning)')


CHANGES = {SOMAXCONN: '8192', TW: '262144', SWAPPINESS: '10'}


def host_wide_warning(key):
    return '%s is host-wide: persisted in %s but not written live inside a container' % (key, DROPIN)


class ReadOnly(object):
    """A read_only_keys stand-in: the given keys are on a read-only mount; records what it was asked."""

    def __init__(self, keys):
        self.keys = set(keys)
        self.asked = []

    def __call__(self, keys):
        self.asked.append(list(keys))
        return sorted(key for key in keys if key in self.keys)


# (mode, in a container, read-only keys, written live, skipped, warnings)
PLAN_CASES = [
    # a host: everything writable
    ('auto', False, [], CHANGES, [], []),
    (True, False, [], CHANGES, [], []),
    (False, False, [], {}, [], []),
    # an unprivileged container: all of /proc/sys read-only; host-wide keys keep their own warning
    ('auto', True, list(CHANGES), {}, [SOMAXCONN, TW, SWAPPINESS],
     [host_wide_warning(SWAPPINESS), read_only_warning([SOMAXCONN, TW], DROPIN)]),
    (True, True, list(CHANGES), {SOMAXCONN: '8192', TW: '262144'}, [SWAPPINESS], [host_wide_warning(SWAPPINESS)]),
    (False, True, list(CHANGES), {}, [SWAPPINESS], [host_wide_warning(SWAPPINESS)]),
    # a privileged container (kt-init): net.* writable, host-wide trees read-only
    ('auto', True, [SWAPPINESS], {SOMAXCONN: '8192', TW: '262144'}, [SWAPPINESS], [host_wide_warning(SWAPPINESS)]),
    # one read-only net.* key among writable ones
    ('auto', True, [TW], {SOMAXCONN: '8192'}, [TW, SWAPPINESS],
     [host_wide_warning(SWAPPINESS), read_only_warning([TW], DROPIN)]),
    (True, True, [TW], {SOMAXCONN: '8192', TW: '262144'}, [SWAPPINESS], [host_wide_warning(SWAPPINESS)]),
    # a host whose /proc/sys is read-only (no container marker)
    ('auto', False, list(CHANGES), {}, [SOMAXCONN, TW, SWAPPINESS], [read_only_warning(list(CHANGES), DROPIN)]),
]
PLAN_IDS = ['host-auto', 'host-true', 'host-false', 'unprivileged-auto', 'unprivileged-true', 'unprivileged-false',
            'privileged-auto', 'one-read-only-auto', 'one-read-only-true', 'read-only-host-auto']


@pytest.mark.parametrize('mode, container, read_only, write, skipped, warnings', PLAN_CASES, ids=PLAN_IDS)
def test_plan_live(mode, container, read_only, write, skipped, warnings):
    checker = ReadOnly(read_only)
    assert plan_live(dict(CHANGES), mode, DROPIN, container, checker) == (write, skipped, warnings)
    # only auto looks at the mounts, and only at keys it would write
    if mode == 'auto':
        assert checker.asked == [sorted(key for key in CHANGES if not container or key != SWAPPINESS)]
    else:
        assert checker.asked == []


def test_plan_live_nothing_to_change():
    checker = ReadOnly(list(CHANGES))
    assert plan_live({}, 'auto', DROPIN, True, checker) == ({}, [], [])
    assert checker.asked == []


def test_plan_live_on_a_tree(proc_sys):
    """plan_live with the real read_only_keys on a tree whose net/ipv4 is read-only (through statvfs)."""
    statvfs = FakeStatvfs(proc_sys, ['net/ipv4'])

    def read_only(keys):
        return read_only_keys(keys, proc_sys, statvfs)

    changes = {SOMAXCONN: '8192', TW: '262144', FIN: '30'}
    assert plan_live(changes, 'auto', DROPIN, False, read_only) == (
        {SOMAXCONN: '8192'}, [FIN, TW], [read_only_warning([FIN, TW], DROPIN)])

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host to tune as a tree of plain files under a temporary root (an Alibaba Cloud ECS image, live and on disk)."""

from __future__ import annotations

import os
import signal

import pytest

# The ECS image's /etc/sysctl.conf, a Latin-1 comment included (kept byte for byte).
ALIBABA_SYSCTL_CONF = (b'# sysctl settings are defined through files in\n'
                       b'# caf\xe9 /usr/lib/sysctl.d/, /run/sysctl.d/, and /etc/sysctl.d/.\n'
                       b'vm.swappiness = 0\n'
                       b'kernel.sysrq = 1\n'
                       b'net.ipv4.tcp_max_tw_buckets = 5000\n'
                       b'net.ipv4.tcp_syncookies = 1\n'
                       b'net.ipv4.tcp_max_syn_backlog = 1024\n')
# /proc/sys at the ECS defaults (and a write-only key)
PROC_SYS = {
    'net/ipv4/tcp_max_tw_buckets': '5000',
    'net/ipv4/tcp_max_syn_backlog': '1024',
    'net/core/somaxconn': '4096',
    'net/ipv4/tcp_syncookies': '1',
    'net/ipv4/tcp_fin_timeout': '60',
    'net/ipv4/tcp_tw_reuse': '2',
    'net/ipv4/tcp_keepalive_time': '7200',
    'net/ipv4/tcp_rmem': '4096\t131072\t6291456',
    'vm/swappiness': '0',
    'kernel/sysrq': '1',
}
APP_CONF = b'net.ipv4.tcp_keepalive_time = 600\n'


@pytest.fixture
def tune_root(tmp_path):
    """The root of the host: etc/sysctl.conf (ECS), etc/sysctl.d (60-app.conf, 99-sysctl.conf -> ../sysctl.conf),
    usr/lib/sysctl.d, run, proc/sys (plain files)."""
    root = tmp_path / 'host'
    (root / 'etc' / 'sysctl.d').mkdir(parents=True)
    (root / 'usr' / 'lib' / 'sysctl.d').mkdir(parents=True)
    (root / 'run').mkdir()
    (root / 'etc' / 'sysctl.conf').write_bytes(ALIBABA_SYSCTL_CONF)
    (root / 'etc' / 'sysctl.d' / '60-app.conf').write_bytes(APP_CONF)
    os.symlink('../sysctl.conf', str(root / 'etc' / 'sysctl.d' / '99-sysctl.conf'))
    for relative, value in PROC_SYS.items():
        path = root / 'proc' / 'sys' / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + '\n')
    return str(root)


@pytest.fixture
def tune_params():
    """``params(**options)``: the tune module's parameters with its defaults (the procps applier, no kernel check)."""
    def params(**options):
        result = dict(profile=None, settings={}, baseline_profile=None, path='/etc/sysctl.d/90-kerneltune.conf',
                      shadowed='comment', apply_live='auto', missing='fail', verify=True, header=[],
                      boot_applier='procps', kernel_check=False)
        result.update(options)
        return result
    return params


def read_tree(root, relative):
    """The bytes of a file under the root."""
    with open(os.path.join(root, relative), 'rb') as handle:
        return handle.read()


@pytest.fixture
def tree_state():
    """``state(root)``: everything under the root: {relative path: (bytes, mode, inode), link target or directory}."""
    def state(root):
        found = {}
        for directory, dirs, files in os.walk(root):
            for name in files + dirs:
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root)
                if name in dirs and not os.path.islink(path):
                    found[relative] = ('directory',)
                elif os.path.islink(path):
                    found[relative] = ('link', os.readlink(path))
                else:
                    info = os.stat(path)
                    found[relative] = (read_tree(root, relative), info.st_mode, info.st_ino)
        return found
    return state


@pytest.fixture
def write_file():
    """``write(path, content)``: write text or bytes to a pathlib path, its directories made; returns the path."""
    def write(path, content):
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path
    return write


@pytest.fixture
def no_block():
    """``arm(seconds=5)``: fail the test rather than hang when a read blocks (disarmed after the test)."""
    def alarm(signum, frame):
        raise AssertionError('a read blocked')

    def arm(seconds=5):
        signal.signal(signal.SIGALRM, alarm)
        signal.alarm(seconds)
    yield arm
    signal.alarm(0)


@pytest.fixture
def proc_sys(tmp_path, request):
    """A /proc/sys under tmp_path holding the test module's TREE ({relative path: value}); returns its path."""
    root = tmp_path / 'proc' / 'sys'
    for relative, value in request.module.TREE.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + '\n')
    return str(root)

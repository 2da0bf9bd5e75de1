# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tune's lock: a file in /run (else the directory /etc itself), never in sysctl.d, never through a symlink."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import threading

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import LOCK_NAME, lock
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError


def _no_block(seconds=5):
    def alarm(signum, frame):
        raise AssertionError('taking the lock blocked')
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)


def test_lock_file_in_run(tune_root):
    held = lock(tune_root)
    try:
        path = os.path.join(tune_root, 'run', LOCK_NAME)
        assert held.path == path
        info = os.lstat(path)
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
        assert fcntl.fcntl(held.fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        assert os.path.samestat(os.fstat(held.fd), info)
        assert not any(name.endswith('.lock') for name in os.listdir(os.path.join(tune_root, 'etc', 'sysctl.d')))
    finally:
        held.release()
    held.release()  # twice is harmless
    assert held.fd is None


def test_without_run_the_directory_etc_is_locked_and_nothing_created(tune_root, tree_state):
    os.rmdir(os.path.join(tune_root, 'run'))
    before = tree_state(tune_root)
    with lock(tune_root) as held:
        assert held.path == os.path.join(tune_root, 'etc')
        assert stat.S_ISDIR(os.fstat(held.fd).st_mode)
        assert tree_state(tune_root) == before  # no .lock beside the drop-in, nor anywhere else
    assert tree_state(tune_root) == before


def test_a_symlink_is_never_followed(tune_root, tree_state):
    target = os.path.join(tune_root, 'etc', 'sysctl.d', '90-kerneltune.conf.lock')
    os.symlink(target, os.path.join(tune_root, 'run', LOCK_NAME))
    before = tree_state(tune_root)
    with pytest.raises(SysctlError) as exc:
        lock(tune_root)
    assert str(exc.value) == 'refusing to use the lock file %s: it is a symlink' % os.path.join(
        tune_root, 'run', LOCK_NAME)
    assert not os.path.lexists(target)
    assert tree_state(tune_root) == before


def test_a_fifo_is_refused_without_blocking(tune_root):
    os.mkfifo(os.path.join(tune_root, 'run', LOCK_NAME))
    _no_block()
    try:
        with pytest.raises(SysctlError) as exc:
            lock(tune_root)
    finally:
        signal.alarm(0)
    assert str(exc.value).endswith('%s: it is not a regular file' % LOCK_NAME)


def test_a_directory_is_refused(tune_root):
    os.mkdir(os.path.join(tune_root, 'run', LOCK_NAME))
    with pytest.raises(SysctlError) as exc:
        lock(tune_root)
    assert str(exc.value) == 'refusing to use the lock file %s: it is not a regular file' % os.path.join(
        tune_root, 'run', LOCK_NAME)


def test_an_earlier_lock_file_is_reused(tune_root):
    path = os.path.join(tune_root, 'run', LOCK_NAME)
    with open(path, 'w') as handle:
        handle.write('from an earlier run\n')
    with lock(tune_root):
        with open(path) as handle:
            assert handle.read() == 'from an earlier run\n'  # opened, never truncated or appended to


def test_a_second_run_waits(tune_root):
    first = lock(tune_root)
    taken = threading.Event()

    def second():
        with lock(tune_root):
            taken.set()

    thread = threading.Thread(target=second)
    thread.start()
    try:
        assert not taken.wait(0.3)  # blocked while the first holds it
        first.release()
        assert taken.wait(5)
    finally:
        first.release()
        thread.join(5)

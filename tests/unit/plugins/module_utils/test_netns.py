# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel as an oracle: writes replayed in a throwaway network namespace, never in the host's."""

from __future__ import annotations

import ctypes
import errno
import os
import time

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _netns

CAP_SYS_ADMIN = 21
SOMAXCONN = 'net.core.somaxconn'
RANGE = 'net.ipv4.ip_local_port_range'


def _cap_sys_admin():
    try:
        with open('/proc/self/status') as handle:
            for line in handle:
                if line.startswith('CapEff:'):
                    return bool(int(line.split()[1], 16) >> CAP_SYS_ADMIN & 1)
    except (IOError, OSError, ValueError):
        pass
    return False


def _can_unshare():
    """None when a child process can enter a new network namespace here, else why not."""
    if not hasattr(os, 'fork'):
        return 'no fork()'
    if os.geteuid() != 0 or not _cap_sys_admin():
        return 'needs root with CAP_SYS_ADMIN to unshare(CLONE_NEWNET)'
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(_netns.CLONE_NEWNET) != 0:
                code = ctypes.get_errno() or 1
        finally:
            os._exit(code)
    dummy, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status)
    return None if code == 0 else 'unshare(CLONE_NEWNET) failed here: %s' % os.strerror(code)


UNSHARE = _can_unshare()
needs_unshare = pytest.mark.skipif(UNSHARE is not None, reason=UNSHARE or '')


def _host(key):
    with open('/proc/sys/' + key.replace('.', '/')) as handle:
        return handle.read()


@needs_unshare
def test_replay_in_a_namespace_leaves_the_host_alone():
    before = _host(SOMAXCONN)
    assert before.strip() != '1234', 'the host holds 1234 already: the test could not see a change'
    result = _netns.replay([SOMAXCONN], [(SOMAXCONN, '1234 # c')])
    defaults, results, final = result[:3]
    assert final == {SOMAXCONN: '1234'}
    assert results == [0]
    assert defaults[SOMAXCONN].isdigit()
    assert _host(SOMAXCONN) == before


@needs_unshare
def test_replay_rejected_write():
    result = _netns.replay([RANGE], [(RANGE, '16384 65536')])
    defaults, results, final = result[:3]
    assert results == [errno.EINVAL]
    assert final == {RANGE: defaults[RANGE]}


@needs_unshare
def test_replay_in_order_from_the_initial_values():
    before = _host(SOMAXCONN)
    writes = [(SOMAXCONN, '1000'), (SOMAXCONN, '1#x'), (SOMAXCONN, '0x400'), (RANGE, '2000'), (RANGE, '40000 50000 x')]
    result = _netns.replay([SOMAXCONN, RANGE], writes, initial=[(RANGE, '10000\t20000'), (SOMAXCONN, 'junk')])
    defaults, results, final = result[:3]
    assert results == [0, errno.EINVAL, 0, 0, 0]
    # fewer numbers than the key holds change only the first ones; the rest after the last number is ignored
    assert final == {SOMAXCONN: '1024', RANGE: '40000\t50000'}
    assert sorted(defaults) == sorted([RANGE, SOMAXCONN])
    assert _host(SOMAXCONN) == before


@needs_unshare
def test_replay_keys_absent_from_a_new_namespace():
    # a new namespace has "lo" only: other interfaces' keys read as None there
    result = _netns.replay(['net.ipv4.conf.kt-no-such-if.rp_filter', 'net.ipv4.conf.lo.rp_filter'],
                           [('net.ipv4.conf.kt-no-such-if.rp_filter', '1')])
    defaults, results, final = result[:3]
    assert results == [errno.ENOENT]
    assert final['net.ipv4.conf.kt-no-such-if.rp_filter'] is None
    assert defaults['net.ipv4.conf.kt-no-such-if.rp_filter'] is None
    assert final['net.ipv4.conf.lo.rp_filter'] is not None


@needs_unshare
def test_replay_without_writes():
    result = _netns.replay([SOMAXCONN], [])
    defaults, results, final = result[:3]
    assert results == []
    assert final == defaults


def test_replay_cannot_make_a_namespace(monkeypatch):
    # an invalid flag makes unshare() fail as a missing privilege would
    monkeypatch.setattr(_netns, 'CLONE_NEWNET', 0x1)
    with pytest.raises(_netns.OracleUnavailable) as exc:
        _netns.replay([SOMAXCONN], [(SOMAXCONN, '1')])
    assert str(exc.value) == 'cannot create a network namespace: Invalid argument'


def test_replay_times_out(monkeypatch):
    def hang(keys, initial, writes):
        time.sleep(30)

    monkeypatch.setattr(_netns, '_child', hang)
    monkeypatch.setattr(_netns, 'TIMEOUT', 0.5)
    start = time.time()
    with pytest.raises(_netns.OracleUnavailable) as exc:
        _netns.replay([SOMAXCONN], [])
    assert time.time() - start < 10
    assert 'did not finish' in str(exc.value)


def test_replay_child_fails(monkeypatch):
    def crash(keys, initial, writes):
        raise RuntimeError('boom')

    monkeypatch.setattr(_netns, '_child', crash)
    with pytest.raises(_netns.OracleUnavailable) as exc:
        _netns.replay([SOMAXCONN], [])
    assert str(exc.value) == 'the namespace replay failed'


def _open_descriptors():
    return sorted(os.listdir('/proc/self/fd'))


@pytest.mark.parametrize('failing, message', [
    ('pipe', 'cannot make a pipe: Too many open files'),
    ('fork', 'cannot fork: Resource temporarily unavailable'),
])
def test_replay_without_a_process_or_descriptor_to_spare(monkeypatch, failing, message):
    # a process limit (fork: EAGAIN) or a descriptor limit (pipe: EMFILE): the model decides instead, no leak
    code = errno.EMFILE if failing == 'pipe' else errno.EAGAIN

    def refuse(*args):
        raise OSError(code, os.strerror(code))

    before = _open_descriptors()
    monkeypatch.setattr(os, failing, refuse)
    with pytest.raises(_netns.OracleUnavailable) as exc:
        _netns.replay([SOMAXCONN], [(SOMAXCONN, '1')])
    assert str(exc.value) == message
    assert _open_descriptors() == before


def test_an_interrupted_replay_leaves_no_child(monkeypatch):
    # Ctrl-C (or Ansible's timeout) while the parent waits: the child is killed and reaped, no descriptor left
    import signal

    children = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    def hang(keys, initial, writes):
        time.sleep(60)

    def interrupt(signum, frame):
        raise KeyboardInterrupt()

    monkeypatch.setattr(os, 'fork', fork)
    monkeypatch.setattr(_netns, '_child', hang)
    before = _open_descriptors()
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            _netns.replay([SOMAXCONN], [])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)  # already reaped: no zombie, no orphan
    assert _open_descriptors() == before


def _modules():
    try:
        with open('/proc/modules') as handle:
            return sorted(line.split()[0] for line in handle)
    except (IOError, OSError):
        return []


@needs_unshare
def test_replay_never_loads_a_congestion_control_module():
    # Writing a congestion control the kernel lacks makes it load the module (request_module), in the host:
    # the replay does not make that write, and says so (NOT_REPLAYED); an available one is replayed.
    key = 'net.ipv4.tcp_congestion_control'
    before = _modules()
    with open('/proc/sys/net/ipv4/tcp_available_congestion_control') as handle:
        available = handle.read().split()
    missing = next(name for name in ('dctcp', 'vegas', 'westwood', 'htcp', 'kt-none') if name not in available)
    result = _netns.replay([key], [(key, missing), (key, 'reno')])
    assert result[1] == [_netns.NOT_REPLAYED, 0]
    assert result[2][key] == 'reno'
    assert _modules() == before


@needs_unshare
def test_replay_conditional_writes():
    # tuned's ">N" and "<N": written only when N is above (below) the value then
    result = _netns.replay([SOMAXCONN], [(SOMAXCONN, '100', '>'), (SOMAXCONN, '5000', '>'), (SOMAXCONN, '6000', '<')])
    assert result[1] == [_netns.NOT_NEEDED, 0, _netns.NOT_NEEDED]
    assert result[2][SOMAXCONN] == '5000'


@needs_unshare
def test_replay_lists_keys_read_only_in_a_new_namespace():
    # since the 2025 kernel change the socket buffer limits are visible, read-only, outside the initial namespace
    keys = [SOMAXCONN, 'net.core.rmem_max']
    read_only = _netns.replay(keys, [])[4]
    assert SOMAXCONN not in read_only
    visible = _netns.replay(keys, [])[0]['net.core.rmem_max'] is not None
    assert read_only == (['net.core.rmem_max'] if visible else [])

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel as an oracle for net.* keys, in a throwaway network namespace.

A child process leaves the host's network namespace for a new one
(``unshare(CLONE_NEWNET)``, which needs CAP_SYS_ADMIN), reads the keys there
(the kernel's own defaults, as at boot), optionally sets starting values,
replays writes exactly as the appliers make them (``value + "\\n"``, the rest
of a short write sent again), reads the keys back and exits; the namespace
goes with it. The host's own namespace is never written. Without the
privilege, or where the keys do not exist in a new namespace (interfaces
other than ``lo``), the caller falls back to the model.

The replay never loads a kernel module: a write of
``net.ipv4.tcp_congestion_control`` naming an algorithm that
``tcp_available_congestion_control`` does not list (writing it would make
the kernel load the module, in the host) is not made, and reported as
NOT_REPLAYED. Keys that a new namespace shows read-only (the socket buffer
limits ``net.core.{r,w}mem_{default,max}`` on recent kernels, which only the
initial namespace may write) are listed, so the caller can tell the replay
speaks for a new namespace only.
"""

import ctypes
import errno
import json
import os
import select
import signal
import time

from ansible_collections.kerneltune.sysctl.plugins.module_utils._writers import conditional_made

CLONE_NEWNET = 0x40000000
TIMEOUT = 20.0
# The result of a write the replay did not make: it would load a kernel module (NOT_REPLAYED), or it is
# tuned's conditional write and the key is already past its value (NOT_NEEDED).
NOT_REPLAYED = -1
NOT_NEEDED = -2
_CONGESTION = 'net.ipv4.tcp_congestion_control'
_AVAILABLE = 'net.ipv4.tcp_available_congestion_control'


class OracleUnavailable(Exception):
    """The throwaway namespace could not be made (no privilege, no unshare)."""


def copied_keys(keys, inherit=None):
    """The keys of ``keys`` whose value a new network namespace copies from the initial one (kernel facts).

    A new namespace starts with the initial namespace's ``tcp_rmem``,
    ``tcp_wmem`` and ``tcp_congestion_control`` (tcp_sk_init), and its IPv4
    ``conf.all``/``conf.default`` (so ``lo``'s too) unless
    ``net.core.devconf_inherit_init_net`` (``inherit``) is 2; IPv6's only
    when it is 1 or 3. So what it reads there is not the kernel's default.
    """
    mode = (inherit or '0').strip()
    copied = []
    for key in keys:
        parts = key.split('.')
        if key in ('net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_congestion_control'):
            copied.append(key)
        elif len(parts) == 5 and parts[2] == 'conf' and parts[3] in ('all', 'default', 'lo'):
            if (parts[1] == 'ipv4' and mode != '2') or (parts[1] == 'ipv6' and mode in ('1', '3')):
                copied.append(key)
    return copied


def _path(key):
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import proc_path
    return proc_path(key)


def _read(key):
    try:
        with open(_path(key), 'rb') as handle:
            return handle.read().decode('latin-1').rstrip('\n')
    except (IOError, OSError):
        return None


def _read_only(key):
    """True when the key exists but no one may write it here (mode without any w bit)."""
    try:
        return not os.stat(_path(key)).st_mode & 0o222
    except (IOError, OSError):
        return False


def _loads_module(key, value):
    """True when writing ``value`` to ``key`` would make the kernel load a module (a congestion control it lacks)."""
    if key != _CONGESTION:
        return False
    available = (_read(_AVAILABLE) or '').split()
    return value.strip() not in available


def _write(key, value, condition=None):
    """Write as the appliers do; return 0, the errno of the failure, or NOT_REPLAYED."""
    if _loads_module(key, value):
        return NOT_REPLAYED
    if condition and not conditional_made(condition, value, _read(key)):
        return NOT_NEEDED
    data = (value + '\n').encode('latin-1')
    try:
        fd = os.open(_path(key), os.O_WRONLY)
    except (IOError, OSError) as exc:
        return exc.errno or errno.EIO
    try:
        while data:
            written = os.write(fd, data)
            if written <= 0:
                break
            data = data[written:]
    except (IOError, OSError) as exc:
        return exc.errno or errno.EIO
    finally:
        os.close(fd)
    return 0


def _unshare(libc):
    """Enter a new network namespace; return None or the reason it failed."""
    if libc.unshare(CLONE_NEWNET) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def _replay_watching(keys, initial, writes, watched):
    """One replay in the current namespace; ``changed_at`` for the ``watched`` keys (read after every write)."""
    for key, value in initial:
        # Only where the value differs: a write marks a device's conf.* key as set, and such keys no
        # longer follow conf.default (the kernel's state bits), which the real run would not do.
        if _read(key) != value:
            _write(key, value)
    start = dict((key, _read(key)) for key in keys)
    values = dict((key, start[key]) for key in watched)
    results = []
    after_own = {}
    changed_at = {}
    for index, write in enumerate(writes):
        key = write[0]
        results.append(_write(*write))
        after_own[key] = (index, _read(key))
        for other in watched:
            now = _read(other)
            if now != values[other]:
                values[other] = now
                changed_at[other] = index
    return start, results, after_own, changed_at


def _child(keys, initial, writes):
    libc = ctypes.CDLL(None, use_errno=True)
    failed = _unshare(libc)
    if failed:
        return {'error': failed}
    defaults = dict((key, _read(key)) for key in keys)
    read_only = sorted(key for key in keys if defaults[key] is not None and _read_only(key))
    start, results, after_own, dummy = _replay_watching(keys, initial, writes, ())
    final = dict((key, _read(key)) for key in keys)
    # A key that reads back what its own last write left (or its start, unwritten)
    # was last changed by that write; the others were changed by writes to other
    # keys: replay again in another new namespace, watching only those.
    changed_at = {}
    suspects = []
    for key in keys:
        index, value = after_own.get(key, (None, start[key]))
        if final[key] == value:
            if index is not None:
                changed_at[key] = index
        else:
            suspects.append(key)
    if suspects and not _unshare(libc):
        changed_at.update(_replay_watching(keys, initial, writes, suspects)[3])
    return {'defaults': defaults, 'results': results, 'final': final, 'changed_at': changed_at,
            'read_only': read_only}


def _end_child(pid):
    """Kill the child (if it still runs) and reap it, whatever happened in the parent."""
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass  # it has ended already
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:  # pragma: no cover - Python < 3.5 only
            continue
        except ChildProcessError:
            return


def _spawn(keys, initial, writes):
    """Fork the child; return ``(pid, read end of its pipe)``. Raises OracleUnavailable (no descriptor left open)."""
    if not hasattr(os, 'fork'):
        raise OracleUnavailable('no fork()')
    try:
        read_end, write_end = os.pipe()
    except OSError as exc:
        raise OracleUnavailable('cannot make a pipe: %s' % os.strerror(exc.errno or errno.EIO))
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_end)
        os.close(write_end)
        raise OracleUnavailable('cannot fork: %s' % os.strerror(exc.errno or errno.EIO))
    if pid == 0:  # pragma: no cover - runs in the child
        status = 0
        try:
            os.close(read_end)
            payload = json.dumps(_child(list(keys), list(initial), list(writes))).encode('utf-8')
            while payload:
                payload = payload[os.write(write_end, payload):]
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def replay(keys, writes, initial=()):
    """Replay ``writes`` in a new network namespace.

    ``writes`` are ``(key, value)`` or ``(key, value, condition)`` tuples
    (condition ``>`` or ``<``: tuned's modifiers, written only when the value
    is above, below the key's value then). ``initial`` pairs are written
    first where they differ from the new namespace's values (the starting
    state; failures ignored). Returns ``(defaults, results, final,
    changed_at, read_only)``: the keys' values in a fresh namespace, the
    result of each write (0: accepted, an errno, NOT_REPLAYED or NOT_NEEDED), the keys' values at the end (None: absent there), per key
    the index of the last write after which its value changed (the kernel
    changes some keys when others are written), and the keys a new namespace
    shows read-only. Raises OracleUnavailable: no privilege, no fork or pipe
    (a process limit), a child that fails or outlives TIMEOUT. The child
    never outlives this call, even when it is interrupted.
    """
    pid, read_end = _spawn(keys, initial, writes)
    chunks = []
    deadline = time.time() + TIMEOUT
    try:
        while True:
            ready = select.select([read_end], [], [], max(0.0, deadline - time.time()))[0]
            if not ready:
                raise OracleUnavailable('the namespace replay did not finish in %d s' % TIMEOUT)
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _end_child(pid)
    try:
        payload = json.loads(b''.join(chunks).decode('utf-8'))
    except ValueError:
        raise OracleUnavailable('the namespace replay failed')
    if 'error' in payload:
        raise OracleUnavailable('cannot create a network namespace: %s' % payload['error'])
    return (payload['defaults'], payload['results'], payload['final'], payload['changed_at'],
            payload['read_only'])

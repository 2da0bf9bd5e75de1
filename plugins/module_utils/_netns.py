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
"""

import ctypes
import errno
import json
import os
import select
import signal
import time

CLONE_NEWNET = 0x40000000
TIMEOUT = 20.0


class OracleUnavailable(Exception):
    """The throwaway namespace could not be made (no privilege, no unshare)."""


def _path(key):
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import proc_path
    return proc_path(key)


def _read(key):
    try:
        with open(_path(key), 'rb') as handle:
            return handle.read().decode('latin-1').rstrip('\n')
    except (IOError, OSError):
        return None


def _write(key, value):
    """Write as the appliers do; return 0 or the errno of the failure."""
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
    for index, (key, value) in enumerate(writes):
        results.append(_write(key, value))
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
    return {'defaults': defaults, 'results': results, 'final': final, 'changed_at': changed_at}


def replay(keys, writes, initial=()):
    """Replay ``writes`` (``(key, value)`` pairs) in a new network namespace.

    ``initial`` pairs are written first where they differ from the new
    namespace's values (the starting state; failures ignored). Returns ``(defaults, results, final, changed_at)``: the keys'
    values in a fresh namespace, the errno of each write (0: accepted), the
    keys' values at the end (None: absent there) and, per key, the index of
    the last write after which its value changed (the kernel changes some keys
    when others are written). Raises OracleUnavailable.
    """
    if not hasattr(os, 'fork'):
        raise OracleUnavailable('no fork()')
    read_end, write_end = os.pipe()
    pid = os.fork()
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
    chunks = []
    deadline = time.time() + TIMEOUT
    try:
        while True:
            ready = select.select([read_end], [], [], max(0.0, deadline - time.time()))[0]
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise OracleUnavailable('the namespace replay did not finish in %d s' % TIMEOUT)
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        payload = json.loads(b''.join(chunks).decode('utf-8'))
    except ValueError:
        raise OracleUnavailable('the namespace replay failed')
    if 'error' in payload:
        raise OracleUnavailable('cannot create a network namespace: %s' % payload['error'])
    return payload['defaults'], payload['results'], payload['final'], payload['changed_at']

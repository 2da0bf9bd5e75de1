# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live values: read them for many keys, write them all or nothing; know what a container may write."""

import difflib
import os

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    KernelRejectedError,
    UnknownKeyError,
    UnreadableKeyError,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import read_live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import PROC_SYS, join_key, proc_path


def in_container(root='/'):
    """True inside a Podman/Docker/LXC/systemd-nspawn container."""
    for marker in ('run/.containerenv', '.dockerenv'):
        if os.path.exists(os.path.join(root, marker)):
            return True
    try:
        with open(os.path.join(root, 'proc/1/environ'), 'rb') as handle:
            return any(item.startswith(b'container=') for item in handle.read().split(b'\0'))
    except (IOError, OSError):
        return False


def read_values(keys, root=PROC_SYS):
    """Return ``(values, unreadable)`` for ``keys``, each read with _host.read_live.

    ``values`` maps every key to its value (None: missing or unreadable);
    ``unreadable`` maps each key that exists but cannot be read (a write-only
    key such as ``net.ipv4.route.flush``) to its UnreadableKeyError. Other
    errors (a directory, a malformed key) are raised.
    """
    values, unreadable = {}, {}
    for key in keys:
        try:
            values[key] = read_live(key, root)
        except UnreadableKeyError as exc:
            values[key], unreadable[key] = None, exc
    return values, unreadable


def write_live(key, value, root=PROC_SYS):
    """Write one value; raise KernelRejectedError naming the key and the kernel's reason."""
    path = proc_path(key, root)
    try:
        with open(path, 'w') as handle:
            handle.write('%s\n' % value)
    except (IOError, OSError) as exc:
        reason = exc.strerror or str(exc)
        raise KernelRejectedError('the kernel rejected %s = %s: %s' % (key, value, reason), key=key, reason=reason)


def read_only_keys(keys, root=PROC_SYS, statvfs=os.statvfs):
    """The keys of ``keys`` (sorted) whose /proc/sys file is on a read-only mount: writing them fails with EROFS.

    Decided by the mount itself, as the kernel decides a write: statvfs(2)
    reports the mount's ST_RDONLY flag, set on all of /proc/sys in an
    unprivileged Podman or Docker container (their default) and on the
    host-wide trees of a container whose PID 1 re-mounts them read-only;
    privileges do not change it. A key statvfs cannot reach (a missing key)
    is not listed: its write says what is wrong. ``statvfs`` is os.statvfs
    (replaceable in tests).
    """
    found = []
    for key in keys:
        try:
            flags = statvfs(proc_path(key, root)).f_flag
        except (IOError, OSError):
            continue
        if flags & os.ST_RDONLY:
            found.append(key)
    return sorted(found)


def apply_all(changes, previous, root=PROC_SYS, writer=write_live):
    """Write ``changes`` ({key: value}) in key order; on any failure restore every key attempted.

    ``previous`` holds the values read before. The key whose write failed is
    written back too: the kernel stores the integers of a multi-value key one
    by one, so a write it rejects half-way (``net.ipv4.tcp_rmem = 8192 0 0``
    keeps 8192) has already changed it. Keys without a previous value (None)
    are not written back. Re-raises the first KernelRejectedError once the
    writes are undone.
    """
    attempted = []
    try:
        for key in sorted(changes):
            attempted.append(key)
            writer(key, changes[key], root)
    except KernelRejectedError:
        for key in reversed(attempted):
            if previous.get(key) is None:
                continue
            try:
                writer(key, previous[key], root)
            except KernelRejectedError:
                pass
        raise


def all_keys(root=PROC_SYS):
    """Every key under ``root``, dotted (used only to suggest a correction)."""
    keys = []
    for directory, _dirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        parts = [] if relative == '.' else relative.split(os.sep)
        keys.extend(join_key(parts + [name]) for name in files)
    return keys


def unknown_key_error(key, root=PROC_SYS):
    """Return an UnknownKeyError for ``key`` with up to three close existing keys."""
    close = difflib.get_close_matches(key, all_keys(root), n=3, cutoff=0.8)
    hint = '; did you mean %s?' % ' or '.join(close) if close else ''
    return UnknownKeyError('unknown sysctl key %s: this kernel has no %s%s' % (key, proc_path(key, root), hint),
                           key=key, suggestions=close)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel's live values under /proc/sys: read them, write one, list and expand keys.

A part of the host reader (_host), and the one place that opens a key's
/proc/sys file, for reading (read_live) and for writing (write_live, used by
_apply). Every function takes the /proc/sys root as an argument (default
PROC_SYS) so tests can point it at a tree of plain files.
"""

import difflib
import errno
import os
import stat

from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import GLOB_CHARS
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    KernelRejectedError,
    SysctlError,
    UnknownKeyError,
    UnreadableKeyError,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import (
    PROC_SYS,
    glob_component_regex,
    join_key,
    proc_path,
)


def read_text(path):
    """Return the text of a kernel or OS file (/proc, /etc/os-release), UTF-8 with invalid bytes replaced."""
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8', 'replace')


def read_live(key, root=PROC_SYS):
    """Return the kernel's value of a key (trailing newline removed), or None when the key does not exist.

    Raises UnreadableKeyError (a SysctlError) naming the key when it exists
    but cannot be read (a write-only key such as ``net.ipv4.route.flush``, or
    one the kernel refuses to print such as an unset ``stable_secret``).
    """
    path = proc_path(key, root)
    try:
        return read_text(path).rstrip('\n')
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.EISDIR:
            raise SysctlError('%s is a directory of keys, not a key' % key)
        reason = exc.strerror or str(exc)
        raise UnreadableKeyError('cannot read %s from %s: %s' % (key, path, reason), key=key, reason=reason)


def live_or_none(key, root=PROC_SYS):
    """read_live, with None for a key that cannot be read either."""
    try:
        return read_live(key, root)
    except SysctlError:
        return None


def read_values(keys, root=PROC_SYS):
    """Return ``(values, unreadable)`` for ``keys``, each read with read_live.

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
    """Write one value (its UTF-8 bytes); raise KernelRejectedError naming the key and the kernel's reason."""
    path = proc_path(key, root)
    try:
        # bytes, UTF-8 whatever the locale (a C locale on Python 3.6 cannot encode non-ASCII text)
        data = ('%s\n' % value).encode('utf-8', 'surrogateescape')
    except UnicodeError:
        raise KernelRejectedError('%s = %r was not written: it is not text that can be written (a lone surrogate)'
                                  % (key, value), key=key, reason='not text that can be written')
    try:
        with open(path, 'wb') as handle:
            handle.write(data)
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


def expand(pattern, root=PROC_SYS):
    """The sorted ``(path, key)`` of writable keys under ``root`` a slash-separated glob matches.

    ``path`` is relative to ``root`` and spelled as glob(3) prints it: the
    pattern's literal parts as written (doubled slashes included), each
    wildcard component replaced by the name it matched. procps compares
    these strings with the paths of its explicit lines.
    """
    if pattern.endswith('/'):
        # "pattern/" (procps' "key." glob): seen on procps 4.0.2/4.0.4, nothing matches when the last
        # component is the wildcard one (only directories would), the keys match when it is literal.
        pattern = pattern.rstrip('/')
        if GLOB_CHARS.search(pattern.rsplit('/', 1)[-1]):
            return []
    level = [([], [])]  # (components as printed, real components) so far
    for component in pattern.split('/'):
        following = []
        for printed, parts in level:
            if component in ('', '.') or not GLOB_CHARS.search(component):
                real = parts if component in ('', '.') else parts + [component]
                following.append((printed + [component], real))
                continue
            regex = glob_component_regex(component)
            try:
                names = os.listdir(os.path.join(root, *parts))
            except (IOError, OSError):
                continue
            for name in names:
                if (name.startswith('.') and not component.startswith('.')) or not regex.match(name):
                    continue
                following.append((printed + [name], parts + [name]))
        level = following
    found = []
    for printed, parts in level:
        key = join_key(parts) if parts else None
        if key and writable(key, root):
            found.append(('/'.join(printed), key))
    return sorted(found)


def writable(key, root=PROC_SYS):
    """True when a key exists as a file the owner may write (what the appliers need to set it)."""
    if key != key.strip():
        return False  # procps opens "/proc/sys/ net/..." for "- net.x = 1": no such file
    try:
        info = os.stat(proc_path(key, root))
    except (IOError, OSError, SysctlError):
        return False
    return stat.S_ISREG(info.st_mode) and bool(info.st_mode & stat.S_IWUSR)


def all_keys(root=PROC_SYS):
    """Every key under ``root``, dotted (used only to suggest a correction)."""
    keys = []
    for directory, _dirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        parts = [] if relative == '.' else relative.split(os.sep)
        keys.extend(join_key(parts + [name]) for name in files)
    return keys


def unknown_key_error(key, root=PROC_SYS, known=None):
    """Return an UnknownKeyError for ``key`` with up to three close existing keys (``known``: all_keys)."""
    close = difflib.get_close_matches(key, all_keys(root) if known is None else known, n=3, cutoff=0.8)
    hint = '; did you mean %s?' % ' or '.join(close) if close else ''
    return UnknownKeyError('unknown sysctl key %s: this kernel has no %s%s' % (key, proc_path(key, root), hint),
                           key=key, suggestions=close)


def unknown_keys(keys, root=PROC_SYS):
    """``{key: UnknownKeyError}`` for ``keys`` (missing here), the tree walked once for all of them."""
    known = all_keys(root) if keys else []
    return dict((key, unknown_key_error(key, root, known)) for key in keys)

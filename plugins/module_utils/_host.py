# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the host: /proc/sys values, sysctl configuration files, init system.

The only module_utils file that touches the file system for reading; every
function takes its root paths as arguments so tests can point it at a tree.
No process is started: one module run reads everything it needs directly.
"""

import errno
import os

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import (
    SYSCTL_CONF,
    SYSCTL_D_DIRS,
    SYSTEMD_SYSCTL_BINARIES,
    detect_applier,
    order_conf_files,
    reads_sysctl_conf_last,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Problem, parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import PROC_SYS, proc_path


def read_text(path):
    """Return the text of a file, decoded leniently (configuration files are not always UTF-8)."""
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8', 'replace')


def read_or_empty(path):
    """Return the text of a file, or '' when it does not exist or cannot be read."""
    try:
        return read_text(path)
    except (IOError, OSError):
        return ''


def read_live(key, root=PROC_SYS):
    """Return the kernel's value of a key (trailing newline removed), or None when the key does not exist.

    Raises SysctlError naming the key when it exists but cannot be read
    (a write-only key such as ``vm.drop_caches``).
    """
    path = proc_path(key, root)
    try:
        return read_text(path).rstrip('\n')
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.EISDIR:
            raise SysctlError('%s is a directory of keys, not a key' % key)
        raise SysctlError('cannot read %s from %s: %s' % (key, path, exc.strerror or exc))


def conf_files(applier, dirs=SYSCTL_D_DIRS, sysctl_conf=SYSCTL_CONF, planned=None):
    """Return the configuration files the applier reads, in application order.

    ``planned`` is a file about to be written: it takes its place in the
    order as if it existed already.
    """
    listing = []
    for directory in dirs:
        try:
            names = os.listdir(directory)
        except (IOError, OSError):
            names = []
        if planned and os.path.dirname(planned) == directory:
            names.append(os.path.basename(planned))
        listing.append((directory, names))
    files = order_conf_files(listing)
    if reads_sysctl_conf_last(applier) and os.path.isfile(sysctl_conf):
        files.append(sysctl_conf)
    return files


def read_texts(files):
    """Return ``{path: text}`` of the files that can be read (read_assignments reports the others)."""
    texts = {}
    for path in files:
        try:
            texts[path] = read_text(path)
        except (IOError, OSError):
            continue
    return texts


def read_assignments(files, texts=None):
    """Return ``(assignments, problems)`` of all files, in order; unreadable files are problems.

    ``texts`` maps a path to the text to use instead of reading it (a planned file).
    """
    assignments = []
    problems = []
    texts = texts or {}
    for path in files:
        try:
            text = texts[path] if path in texts else read_text(path)
        except (IOError, OSError) as exc:
            problems.append(Problem(path, 0, '', 'cannot read: %s' % (exc.strerror or exc)))
            continue
        found, bad = parse_conf(text, path)
        assignments.extend(found)
        problems.extend(bad)
    return assignments, problems


def _os_release(path='/etc/os-release'):
    fields = {}
    try:
        text = read_text(path)
    except (IOError, OSError):
        return fields
    for line in text.splitlines():
        name, sep, value = line.partition('=')
        if sep:
            fields[name.strip()] = value.strip().strip('"\'')
    return fields


def host_applier():
    """Detect the boot applier of this host (see _boot.detect_applier)."""
    try:
        init_comm = read_text('/proc/1/comm').strip()
    except (IOError, OSError):
        init_comm = ''
    present = any(os.path.exists(path) for path in SYSTEMD_SYSCTL_BINARIES)
    release = _os_release()
    return detect_applier(init_comm, present, release.get('ID', ''), release.get('VERSION_ID', ''))

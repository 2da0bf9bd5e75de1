# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tune module reads of the host for its plan, besides keys and boot files.

Where its drop-in may go (a ``.conf`` file directly in /etc/sysctl.d, ours,
not a symlink, named unlike any file of a later sysctl.d directory), the
bytes of the files whose lines it comments out, and which keys may be
written live here.
The rules are the pure functions of _tune; this file only reads. Raises
SysctlError.
"""

import os
from collections import OrderedDict

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import SYSCTL_D_DIRS
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._files import read_bytes, to_bytes, to_text
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import line_spans
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import conf_files, read_assignments
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import in_container, read_only_keys
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    check_masking, comment_out_spans, find_shadows, is_owned, read_only_warning,
)

OWN_DIR = '/etc/sysctl.d'


def sysctl_d_listing(dirs=SYSCTL_D_DIRS):
    """``[(directory, names)]`` of the sysctl.d directories in precedence order, each real directory once."""
    listing = []
    seen = set()
    for directory in dirs:
        real = os.path.realpath(directory)
        if real in seen:
            continue  # /lib is often a symlink to /usr/lib
        seen.add(real)
        try:
            names = os.listdir(directory)
        except (IOError, OSError):
            names = []
        listing.append((directory, names))
    return listing


def check_path(path, own_dir=OWN_DIR, dirs=SYSCTL_D_DIRS):
    """Return the bytes of the drop-in at ``path`` (None: none yet), or raise SysctlError if it may not be written.

    ``dirs`` are the sysctl.d directories in precedence order, ``own_dir`` first.
    """
    if os.path.dirname(path) != own_dir or not path.endswith('.conf'):
        raise SysctlError('path %s must be a .conf file directly in %s' % (path, own_dir))
    if os.path.islink(path):
        raise SysctlError('refusing to replace %s: it is a symlink (to %s), not a drop-in of kerneltune.sysctl'
                          % (path, os.readlink(path)))
    current = read_bytes(path)
    if current is not None and not is_owned(to_text(current)):
        raise SysctlError('refusing to replace %s: it exists and was not written by kerneltune.sysctl; '
                          'choose another path, or move the file away' % path)
    check_masking(path, sysctl_d_listing(dirs))
    return current


def planned_shadows(applier, reload_applier, path, text, values, texts):
    """The lines that would undo the drop-in ``text`` at ``path`` at the next boot or ``sysctl --system``.

    Each line once, whichever applier's reading found it. ``texts``
    (_host.read_texts form) holds the files already read; the drop-in takes
    its place in the order as if it were written.
    """
    found = OrderedDict()
    for name in (applier, reload_applier) if reload_applier != applier else (applier,):
        planned = dict(texts)
        planned[path] = (to_bytes(text).decode('latin-1'), None)
        assignments, dummy = read_assignments(conf_files(name, planned=path), name, planned)
        for shadow in find_shadows(assignments, path, values, name):
            found.setdefault((shadow.source, shadow.line), shadow)
    return list(found.values())


def shadow_edits(shadows, path):
    """Return ``{real file: (before bytes, after bytes, [shadows])}`` for the lines to comment out.

    /etc/sysctl.d/99-sysctl.conf is often a symlink to /etc/sysctl.conf: the
    real file is edited, once per line, whichever applier's count found it.
    """
    by_file = {}
    for shadow in shadows:
        real = os.path.realpath(shadow.source)
        by_file.setdefault(real, []).append(shadow._replace(source=real))
    edits = {}
    for real, found in sorted(by_file.items()):
        before = read_bytes(real)
        latin1 = before.decode('latin-1')
        spans = {}  # by where the line starts: both readings of one line are one edit
        for shadow in found:
            start, end = line_spans(latin1, shadow.applier)[shadow.line]
            spans.setdefault(start, ((start, end), shadow))
        # offsets count bytes (Latin-1); the edit works on the same bytes
        after = comment_out_spans(latin1, [spans[start][0] for start in sorted(spans)],
                                  to_bytes(path).decode('latin-1')).encode('latin-1')
        edits[real] = (before, after, [spans[start][1] for start in sorted(spans)])
    return edits


def plan_live(changes, mode, path, container=None, read_only=read_only_keys):
    """Split the live ``changes`` ({key: value}) by what is written live here, for apply_live ``mode``.

    Returns ``(write, skipped, warnings)``: the changes to write live; the
    sorted keys persisted in ``path`` but not written live; the warnings.
    Whatever the mode, host-wide keys are skipped inside a container
    (``container``: in_container() when None), one warning each: a container
    never changes its host. Mode ``'auto'`` also skips the keys on a
    read-only mount (``read_only``, _live.read_only_keys), with one warning
    naming them all; True writes them (the kernel refuses, naming the key);
    False writes nothing and skips nothing more (persist-only by choice).
    """
    container = in_container() if container is None else container
    host_wide = sorted(key for key in changes if container and not is_namespaced(key))
    warnings = ['%s is host-wide: persisted in %s but not written live inside a container' % (key, path)
                for key in host_wide]
    write = dict((key, value) for key, value in changes.items() if key not in host_wide)
    if mode is False:
        return {}, host_wide, warnings
    stuck = read_only(sorted(write)) if mode == 'auto' and write else []
    if stuck:
        warnings.append(read_only_warning(stuck, path))
    return (dict((key, value) for key, value in write.items() if key not in stuck),
            sorted(host_wide + list(stuck)), warnings)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One file in node_exporter's textfile directory, replaced atomically, rewritten only when its content changes.

node_exporter reads every ``*.prom`` of the directory, dot-files included,
at each scrape: the new content is written to a temporary file of the same
directory whose name does not end in ``.prom`` (``.kerneltune_sysctl.*.tmp``),
flushed to disk, then renamed over the file (_atomic.replace), so a scrape sees the old file
or the new one, whole.
"""

import errno
import os

from ansible_collections.kerneltune.sysctl.plugins.module_utils._atomic import replace
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._safe_open import NotRegularFile, open_regular

TEMP_PREFIX = '.kerneltune_sysctl.'
TEMP_SUFFIX = '.tmp'
MODE = 0o644


class TextfileError(SysctlError):
    """The textfile directory is missing or the file cannot be written; nothing was changed."""


def _holds(path, data, touch):
    """Whether ``path`` is a regular file holding exactly ``data``; then, with ``touch``, its mtime is set to now.

    Whoever can write the directory (often node_exporter's user) may have
    put anything at ``path``: it is opened without following a symlink and
    without blocking (a FIFO), only a regular file is read, and no more than
    one byte past ``data`` (a longer file differs). Anything else differs
    and is replaced by the rename.
    """
    try:
        descriptor = open_regular(path)
    except NotRegularFile:
        return False
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return False
        raise TextfileError('cannot read %s: %s' % (path, exc.strerror or exc))
    try:
        chunks, left = [], len(data) + 1
        while left > 0:
            chunk = os.read(descriptor, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if b''.join(chunks) != data:
            return False
        if touch:
            try:
                os.utime(descriptor)
            except (IOError, OSError) as exc:
                raise TextfileError('cannot touch %s: %s; nothing was changed' % (path, exc.strerror or exc))
        return True
    except (IOError, OSError) as exc:
        raise TextfileError('cannot read %s: %s' % (path, exc.strerror or exc))
    finally:
        os.close(descriptor)


def check_directory(directory):
    """Raise TextfileError naming ``directory`` when it does not exist or is no directory."""
    if not os.path.exists(directory):
        raise TextfileError('textfile_dir %s does not exist (create it, or point it at the directory of '
                            "node_exporter's --collector.textfile.directory); nothing was written" % directory)
    if not os.path.isdir(directory):
        raise TextfileError('textfile_dir %s is not a directory; nothing was written' % directory)


def update(directory, name, data, check_mode=False):
    """Make ``directory/name`` hold ``data`` (bytes); return ``(path, changed)``.

    ``changed`` is whether the content differs (and, unless ``check_mode``,
    was written); equal content is left alone but for its mtime, set to now
    (node_textfile_mtime_seconds then says when the host was last audited,
    so an audit that stopped running shows). Raises
    TextfileError naming the directory when it does not exist or is no
    directory (checked in check mode too), or when the write fails; the
    temporary file is removed then and the old file stays.
    """
    check_directory(directory)
    path = os.path.join(directory, name)
    if _holds(path, data, touch=not check_mode):
        return path, False
    if check_mode:
        return path, True
    try:
        replace(path, lambda out: out.write(data), lambda descriptor: os.fchmod(descriptor, MODE), TEMP_PREFIX, TEMP_SUFFIX)
    except (IOError, OSError) as exc:
        raise TextfileError('cannot write %s: %s; nothing was changed' % (path, exc.strerror or exc))
    return path, True

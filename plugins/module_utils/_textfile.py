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

TEMP_PREFIX = '.kerneltune_sysctl.'
TEMP_SUFFIX = '.tmp'
MODE = 0o644


class TextfileError(SysctlError):
    """The textfile directory is missing or the file cannot be written; nothing was changed."""


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
            return None
        raise TextfileError('cannot read %s: %s' % (path, exc.strerror or exc))


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
    if _read(path) == data:
        if not check_mode:
            try:
                os.utime(path)
            except (IOError, OSError) as exc:
                raise TextfileError('cannot touch %s: %s; nothing was changed' % (path, exc.strerror or exc))
        return path, False
    if check_mode:
        return path, True
    try:
        replace(path, lambda out: out.write(data), lambda descriptor: os.fchmod(descriptor, MODE), TEMP_PREFIX, TEMP_SUFFIX)
    except (IOError, OSError) as exc:
        raise TextfileError('cannot write %s: %s; nothing was changed' % (path, exc.strerror or exc))
    return path, True

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a file atomically: a temporary file in its directory, made whole and flushed to disk, renamed over it.

The one temp-and-rename of the collection, used by tune's file
replacements on the host (_apply, which keeps the replaced file's owner and
attributes), the audit's node_exporter textfile (_textfile) and the report
files the audit_report action writes on the controller. A reader of
``path`` sees the old file or the new one, whole, never a part.
"""

import os
import tempfile


def replace(path, fill, prepare=None, prefix='.kerneltune-', suffix=''):
    """Make ``path`` the file that ``fill(temporary_path)`` writes, atomically.

    The temporary file is made in the directory of ``path`` (its name is
    ``prefix``, random letters, ``suffix``); ``fill`` writes it by name,
    ``prepare(temporary_path)`` (optional) gives it its mode, owner or
    attributes; its data are flushed to disk and it is renamed over
    ``path``. On any failure the temporary file is removed, ``path`` is as
    it was, and the exception propagates.
    """
    handle, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=os.path.dirname(path) or '.')
    os.close(handle)
    try:
        fill(tmp)
        if prepare is not None:
            prepare(tmp)
        descriptor = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.rename(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def bytes_filler(data):
    """A ``fill`` for replace that writes ``data`` (bytes)."""
    def fill(path):
        with open(path, 'wb') as out:
            out.write(data)
    return fill

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a file atomically: a temporary file in its directory, made whole and flushed to disk, renamed over it.

The one temp-and-rename of the collection, used by tune's file
replacements on the host (_apply, which keeps the replaced file's owner and
attributes), the audit's node_exporter textfile (_textfile) and the report
files the audit_report action writes on the controller. A reader of
``path`` sees the old file or the new one, whole, never a part.

The temporary file is only ever used through the descriptor that created
it (``O_EXCL``): it is never opened again by name, so in a directory that
others can write (a node_exporter textfile directory given to the
exporter's user), a name swapped for a symlink is never followed, and a
swapped name is never renamed into place.
"""

import errno
import os
import tempfile


def replace(path, fill, prepare=None, prefix='.kerneltune-', suffix=''):
    """Make ``path`` hold what ``fill(out)`` writes, atomically.

    The temporary file is made in the directory of ``path`` (its name is
    ``prefix``, random letters, ``suffix``; mode 0600 until ``prepare``
    changes it). ``fill`` writes the content to ``out``, the temporary file
    open in binary mode; ``prepare(descriptor)`` (optional) gives it its
    mode, owner or attributes through its descriptor (``os.fchmod``,
    ``os.fchown``, ``os.setxattr``). Its data are then flushed to disk and it
    is renamed over ``path``, unless its name no longer leads to it (then
    OSError EEXIST), and the directory is flushed to disk too, so that the
    rename survives a crash. On any failure before the rename the temporary
    file is removed, ``path`` is as it was, and the exception propagates; a
    failure to flush the directory after it propagates too, with the
    attribute ``renamed`` set (the new file is in place, but not known to be
    on disk).
    """
    directory = os.path.dirname(path) or '.'
    handle, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    try:
        with os.fdopen(handle, 'wb') as out:
            fill(out)
            out.flush()
            if prepare is not None:
                prepare(out.fileno())
            os.fsync(out.fileno())
            written = os.fstat(out.fileno())
        named = os.lstat(tmp)
        if (named.st_dev, named.st_ino) != (written.st_dev, written.st_ino):
            raise OSError(errno.EEXIST, 'the temporary file was replaced by another while it was written; %s was '
                                        'not changed' % path, tmp)
        os.rename(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:  # the failure that brought us here is the one to report
                pass
    try:
        sync_directory(directory)
    except OSError as exc:
        exc.renamed = True
        raise


def sync_directory(directory):
    """Flush a directory's entries to disk (after a rename in it); a file system that cannot (EINVAL) is left
    as it is."""
    descriptor = os.open(directory, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    try:
        os.fsync(descriptor)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(descriptor)

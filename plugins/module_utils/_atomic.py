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
    commit(stage(path, fill, prepare, prefix, suffix))


class Staged(object):
    """A temporary file written and flushed to disk, waiting to be renamed over ``path`` (commit) or removed
    (discard)."""

    def __init__(self, path, tmp, identity):
        self.path, self.tmp, self.identity = path, tmp, identity


def stage(path, fill, prepare=None, prefix='.kerneltune-', suffix=''):
    """The first half of replace: the temporary file, filled, prepared and flushed to disk; a Staged.

    On any failure the temporary file is removed and the exception propagates.
    Several files staged first and committed after are replaced all or none
    as far as their content goes: a failure to build any leaves every ``path``
    as it was (discard the others).
    """
    handle, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=os.path.dirname(path) or '.')
    staged = Staged(path, tmp, None)
    try:
        with os.fdopen(handle, 'wb') as out:
            fill(out)
            out.flush()
            if prepare is not None:
                prepare(out.fileno())
            os.fsync(out.fileno())
            written = os.fstat(out.fileno())
        staged.identity = (written.st_dev, written.st_ino)
    except BaseException:
        discard(staged)
        raise
    return staged


def commit(staged):
    """Rename a Staged file over its path (see replace); on a failure before the rename it is removed."""
    try:
        named = os.lstat(staged.tmp)
        if (named.st_dev, named.st_ino) != staged.identity:
            raise OSError(errno.EEXIST, 'the temporary file was replaced by another while it was written; %s was '
                                        'not changed' % staged.path, staged.tmp)
        os.rename(staged.tmp, staged.path)
    except BaseException:
        discard(staged)
        raise
    try:
        sync_directory(os.path.dirname(staged.path) or '.')
    except OSError as exc:
        exc.renamed = True
        raise


def discard(staged):
    """Remove a Staged file that was not committed; a failure to remove it is not reported (the failure that
    brought the caller here is the one to report)."""
    try:
        os.unlink(staged.tmp)
    except OSError:
        pass


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

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File writes of the tune module: bytes in, bytes out, atomic, undoable.

Files are handled as bytes (decoded with surrogateescape for editing), so
lines the collection does not touch keep their exact bytes whatever their
encoding or the locale. Every write goes to a temporary file in the same
directory and is renamed over the target; a Transaction remembers what each
file held so a failure can put every file back.
"""

import os
import shutil
import tempfile
import time

ENCODING = 'utf-8'
ERRORS = 'surrogateescape'


def read_bytes(path):
    """Return the bytes of a file, or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        if os.path.lexists(path):
            raise
        return None


def to_text(data):
    """Bytes -> text for editing; ``to_bytes(to_text(b)) == b`` for any bytes."""
    return data.decode(ENCODING, ERRORS)


def to_bytes(text):
    return text.encode(ENCODING, ERRORS)


def write_atomic(path, data, mode, uid=None, gid=None):
    """Write ``data`` (bytes) to ``path`` through a temporary file and a rename."""
    handle, tmp = tempfile.mkstemp(prefix='.kerneltune-', dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        if uid is not None and os.geteuid() == 0:
            os.chown(tmp, uid, gid)
        os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def backup(path):
    """Copy ``path`` beside itself as ``path.<pid>.<time>~`` (not a .conf name: appliers skip it)."""
    dest = '%s.%d.%s~' % (path, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S'))
    shutil.copy2(path, dest)
    return dest


class Transaction(object):
    """Replace files one by one; ``rollback()`` restores every file replaced so far."""

    def __init__(self):
        self._originals = []

    def replace(self, path, data, mode=0o644):
        old = read_bytes(path)
        if old is None:
            write_atomic(path, data, mode, 0, 0)
            self._originals.append((path, None, None))
        else:
            info = os.stat(path)
            write_atomic(path, data, info.st_mode & 0o7777 if mode is None else mode, info.st_uid, info.st_gid)
            self._originals.append((path, old, info))

    def rollback(self):
        """Undo in reverse order; return the paths that could not be restored."""
        failed = []
        for path, old, info in reversed(self._originals):
            try:
                if old is None:
                    os.unlink(path)
                else:
                    write_atomic(path, old, info.st_mode & 0o7777, info.st_uid, info.st_gid)
            except (IOError, OSError):
                failed.append(path)
        return failed

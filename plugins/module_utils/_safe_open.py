# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open a file in a directory others may write without trusting what is at its name.

Whoever can write the directory may have put a symlink (to a file elsewhere,
to /dev/zero), a FIFO (on which a plain open or read blocks forever) or a
device at the name. ``open_regular`` never follows a symlink, never blocks,
and gives a descriptor only for a regular file.
"""

import errno
import os
import stat


class NotRegularFile(OSError):
    """What is at the name is not a regular file (a symlink, a FIFO, a device, a directory, a socket)."""


def open_regular(path, create=False, mode=0o600):
    """A descriptor of the regular file ``path``, opened without following a symlink and without blocking.

    With ``create`` it is opened for reading and writing and made (``mode``)
    when missing; it is never truncated. Raises NotRegularFile (errno ELOOP
    for a symlink, EINVAL for anything else) when ``path`` is no regular
    file, OSError as ``os.open`` does otherwise (ENOENT: missing).
    """
    flags = (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY) | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFile(errno.ELOOP, 'it is a symlink', path)
        if exc.errno in (errno.EISDIR, errno.ENXIO):  # a directory; a socket or a FIFO without a reader (O_RDWR)
            raise NotRegularFile(errno.EINVAL, 'it is not a regular file', path)
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise NotRegularFile(errno.EINVAL, 'it is not a regular file', path)
    return descriptor

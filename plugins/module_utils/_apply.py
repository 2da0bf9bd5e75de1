# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change the host: tune's lock, live writes and file replacements, all or nothing, and their rollback.

The one module_utils file that writes to the host. Every write goes
through a HostWriter bound to a ``root`` (``'/'``: the host; tests pass a
tree of plain files, and subclass it to inject failures).

Files are replaced atomically: the new bytes go to a temporary file in the
same directory, which gets the mode, owner and every extended attribute of
the file it replaces (the SELinux label ``security.selinux``, the ACL
``system.posix_acl_access``, ``user.*``; as AnsibleModule.atomic_move keeps
them) and is renamed over it. Before a file is replaced its original is
kept under another name in the same directory: a hard link to the same
inode (a copy with the same attributes where links are refused). For a
file whose lines are commented out that is the backup the user keeps
(``<file>.<pid>.<time>~``); for the drop-in a hidden name removed once all
is done. A rollback renames each original back, which needs no free space;
a backup is removed only with the file it restores, so whatever cannot be
restored is named with the backup that holds its original.
"""

import errno
import fcntl
import os
import shutil
import stat
import time

from ansible_collections.kerneltune.sysctl.plugins.module_utils._atomic import replace
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    ApplyError,
    SysctlError,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import under
from ansible_collections.kerneltune.sysctl.plugins.module_utils._safe_open import NotRegularFile, open_regular
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import PROC_SYS
from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply_live import apply_live, live_left, restore_live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import all_keys, live_or_none, write_live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import DROPIN_MODE

LOCK_NAME = 'kerneltune-sysctl.lock'
# /run is writable by root only (not /run/lock: anyone may create a file there and hold its lock). Without
# /run, the directory /etc itself is locked: nothing is created, and never a file in /etc/sysctl.d.
LOCK_DIR = '/run'
LOCK_FALLBACK = '/etc'
# link(2) refused: another mount (a bind-mounted file), a file system without hard links, too many links
_NO_LINK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS)


class HostLock(object):
    """An exclusive flock(2) held on an open descriptor; ``release()`` (or leaving the ``with``) lets it go."""

    def __init__(self, fd, path):
        self.fd, self.path = fd, path

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.release()


def _open_lock(path):
    try:
        return open_regular(path, create=True)  # a FIFO never blocks the open
    except NotRegularFile as exc:
        raise SysctlError('refusing to use the lock file %s: %s' % (path, exc.strerror))
    except (IOError, OSError) as exc:
        raise SysctlError('cannot open the lock file %s: %s' % (path, exc.strerror or exc))


def lock(root='/'):
    """Take the host's tune lock, waiting for a concurrent run to finish; a HostLock.

    The lock file is ``kerneltune-sysctl.lock`` in LOCK_DIR (/run), opened
    without following a symlink (O_NOFOLLOW), never truncated, and refused
    unless it is a regular file; where LOCK_DIR does not exist the directory
    LOCK_FALLBACK (/etc) itself is locked. Raises SysctlError.
    """
    if os.path.isdir(under(root, LOCK_DIR)):
        path = os.path.join(under(root, LOCK_DIR), LOCK_NAME)
        fd = _open_lock(path)
    else:
        path = under(root, LOCK_FALLBACK)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return HostLock(fd, path)


def copy_xattrs(source, target):
    """Copy every extended attribute of ``source`` to ``target`` (a path or a descriptor; none where the file
    system has none)."""
    if not hasattr(os, 'listxattr'):
        return
    try:
        names = os.listxattr(source)
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            return
        raise
    for name in names:
        try:
            value = os.getxattr(source, name)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENODATA:  # removed since it was listed
                continue
            raise
        os.setxattr(target, name, value)


def keep_attributes(source, info, target):
    """Give ``target`` (a path or a descriptor) the owner, extended attributes and mode of ``source`` (``info``: its
    stat)."""
    if os.geteuid() == 0:
        os.chown(target, info.st_uid, info.st_gid)  # first: a chown drops security.capability
    copy_xattrs(source, target)
    os.chmod(target, stat.S_IMODE(info.st_mode))  # last: matches the ACL mask the attributes set


def write_atomic(path, data, mode=None, label=None):
    """Write ``data`` (bytes) to ``path`` through a temporary file and a rename.

    An existing file's owner, extended attributes and mode are kept
    (``mode`` overrides the mode). A new file gets ``mode`` (default
    DROPIN_MODE), root's ownership when run as root, and the SELinux context
    ``label`` when given.
    """
    try:
        info = os.stat(path)
    except (IOError, OSError) as exc:
        if exc.errno != errno.ENOENT:
            raise
        info = None

    def prepare(descriptor):
        if info is not None:
            keep_attributes(path, info, descriptor)
        else:
            if os.geteuid() == 0:
                os.fchown(descriptor, 0, 0)
            if label:
                os.setxattr(descriptor, 'security.selinux', label.encode('ascii') + b'\0')
        if mode is not None or info is None:
            os.fchmod(descriptor, DROPIN_MODE if mode is None else mode)

    replace(path, lambda out: out.write(data), prepare)


def keep_original(path, dest):
    """Make ``dest`` (which must not exist) hold the original of ``path``: a hard link, or a copy with its attributes."""
    try:
        os.link(path, dest)
    except (IOError, OSError) as exc:
        if exc.errno not in _NO_LINK:
            raise
        if os.path.lexists(dest):
            raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), dest)
        try:
            shutil.copy2(path, dest)
            keep_attributes(path, os.stat(path), dest)
        except (IOError, OSError):
            if os.path.lexists(dest):
                os.unlink(dest)
            raise


def backup_name(path, hidden=False, attempt=0):
    """``<path>.<pid>.<time>~`` (hidden: a leading dot; ``attempt`` > 0: ``.<attempt>`` before the ``~``).

    Not a .conf name: no applier reads it.
    """
    directory, name = os.path.split(path)
    return os.path.join(directory, '%s%s.%d.%s%s~' % ('.' if hidden else '', name, os.getpid(),
                                                      time.strftime('%Y-%m-%d@%H:%M:%S'),
                                                      '.%d' % attempt if attempt else ''))


class HostWriter(object):
    """Every write of a tune run, on the host under ``root``."""

    def __init__(self, root='/'):
        self.proc = under(root, PROC_SYS)

    def write_live(self, key, value):
        write_live(key, value, self.proc)

    def read_live(self, key):
        return live_or_none(key, self.proc)

    def all_keys(self):
        return all_keys(self.proc)

    def replace(self, path, data, mode=None, label=None):
        write_atomic(path, data, mode, label)

    def keep(self, path, dest):
        keep_original(path, dest)

    def restore(self, kept, path):
        os.rename(kept, path)

    def remove(self, path):
        os.unlink(path)

    def makedirs(self, path):
        os.makedirs(path, 0o755)

    def rmdir(self, path):
        os.rmdir(path)


class Transaction(object):
    """Replace files one by one, keeping each original (see the module); ``rollback()`` puts them back."""

    def __init__(self, writer):
        self.writer = writer
        self.steps = []  # [path, kept original or None (a new file), kept for the user, replaced]

    def replace(self, path, data, mode=None, backup=False, label=None):
        """Replace ``path``; with ``backup`` return the user's backup of the original (None for a new file)."""
        kept = self._keep(path, not backup) if os.path.lexists(path) else None
        step = [path, kept, backup, False]
        self.steps.append(step)
        try:
            self.writer.replace(path, data, mode, label)
        except (IOError, OSError) as exc:
            step[3] = bool(getattr(exc, 'renamed', False))  # in place, its directory not flushed: undo it too
            raise
        step[3] = True
        return kept if backup else None

    def _keep(self, path, hidden):
        for attempt in range(100):
            kept = backup_name(path, hidden, attempt)
            try:
                self.writer.keep(path, kept)
                return kept
            except (IOError, OSError) as exc:
                if exc.errno != errno.EEXIST:
                    raise
        raise OSError(errno.EEXIST, 'no free name for the original of %s' % path)

    def commit(self):
        """Drop the hidden originals; return ``[(path, error)]`` of those that could not be removed."""
        return self._remove(kept for dummy, kept, backup, dummy2 in self.steps if kept and not backup)

    def _remove(self, paths):
        failed = []
        for path in paths:
            try:
                self.writer.remove(path)
            except (IOError, OSError) as exc:
                failed.append((path, exc))
        return failed

    def rollback(self):
        """Undo in reverse order; return ``(left, kept)``.

        ``left``: ``[(path, what is left, in words)]``, each file not
        restored (or copy not removed); ``kept``: ``{file: its original}``
        for the files not restored.
        """
        left, kept_originals = [], {}
        for path, kept, backup, replaced in reversed(self.steps):
            if not replaced:  # the original is in place: its copy goes
                left.extend((copy, 'a copy of %s is left at %s (%s)' % (path, copy, _reason(exc)))
                            for copy, exc in self._remove([kept] if kept else []))
                continue
            try:
                if kept is None:
                    self.writer.remove(path)
                else:
                    self.writer.restore(kept, path)
            except (IOError, OSError) as exc:
                if kept:
                    kept_originals[path] = kept
                left.append((path, '%s is left changed (%s)%s' % (
                    path, _reason(exc), ', its original is kept at %s' % kept if kept else '')))
        return left, kept_originals


def _reason(exc):
    return getattr(exc, 'strerror', None) or str(exc)


def apply_plan(plan, writer, label=None):
    """Carry out a _tune.Plan, all or nothing: live values, then the drop-in, then the edits.

    Returns ``(backups, warnings)``: the user's backups made, and a warning
    for each hidden original that could not be removed afterwards.
    ``label``: the SELinux context of a new drop-in (None: the one the
    directory gives). Raises ApplyError after restoring what it could:
    ``changed`` is True, and the message names what is left and where each
    original is kept, when a restore failed too.
    """
    others = apply_live(plan.writes, plan.live, writer)
    transaction = Transaction(writer)
    directory = os.path.dirname(plan.path)
    created = None
    backups = []
    try:
        if not os.path.isdir(directory):
            writer.makedirs(directory)
            created = directory
        if plan.writes_dropin:
            transaction.replace(plan.path, plan.data, DROPIN_MODE, label=label)
        for edit in plan.edits:
            backups.append(transaction.replace(edit.path, edit.after, backup=True))
    except Exception as exc:  # pylint: disable=broad-except
        left, kept = transaction.rollback()
        if created and not left:
            try:
                writer.rmdir(created)
            except (IOError, OSError) as error:
                left.append((created, 'the directory %s is left (%s)' % (created, _reason(error))))
        keys_left = restore_live(plan.writes, plan.live, writer, others)
        if not left and not keys_left:
            raise ApplyError('writing the sysctl files failed (%s); live values and files were restored' % exc)
        raise ApplyError('writing the sysctl files failed (%s); restoring failed too: %s' % (exc, '; '.join(
            [words for dummy, words in left] + ([live_left(keys_left, dict(plan.live, **others))] if keys_left else []))),
            changed=True, left=[path for path, dummy in left] + [key for key, dummy in keys_left], backups=kept)
    return backups, ['could not remove %s, a copy of the drop-in before this run: %s' % (path, exc)
                     for path, exc in transaction.commit()]

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File replacements of _apply: atomic, keeping mode, owner and extended attributes, undoable by renaming back."""

from __future__ import annotations

import errno
import os
import re
import stat
import struct

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _apply
from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import (
    HostWriter,
    Transaction,
    backup_name,
    keep_original,
    write_atomic,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import read_bytes

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason='changing the owner of a file needs root')
SYSCTL_CONF = b'# /etc/sysctl.conf\nvm.swappiness = 0\nnet.ipv4.tcp_max_tw_buckets = 5000\n'
LABEL = 'system_u:object_r:system_conf_t:s0'
# File systems that store user.* (and, for root, security.* and trusted.*) extended attributes.
XATTR_FILE_SYSTEMS = ('ext4', 'ext3', 'xfs', 'btrfs', 'tmpfs', 'f2fs')


def make(path, data, mode=0o644):
    with open(str(path), 'wb') as handle:
        handle.write(data)
    os.chmod(str(path), mode)
    return str(path)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(directory):
    """{name: (bytes, mode, uid, gid, inode)} of every entry of a directory."""
    result = {}
    for name in sorted(os.listdir(str(directory))):
        path = os.path.join(str(directory), name)
        info = os.stat(path)
        result[name] = (read_bytes(path), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid, info.st_ino)
    return result


def _file_system(path):
    """The type of the file system holding ``path`` (/proc/mounts, longest mount point), or None."""
    best, kind = '', None
    try:
        with open('/proc/mounts') as handle:
            mounts = [line.split()[1:3] for line in handle]
    except OSError:
        return None
    for point, fstype in mounts:
        point = point.replace('\\040', ' ')
        if (path == point or path.startswith(point.rstrip('/') + '/')) and len(point) >= len(best):
            best, kind = point, fstype
    return kind


def require_xattr(directory, name, value=b'1'):
    """Skip unless ``directory``'s file system stores the attribute ``name``; under CI=true fail where it should."""
    probe = os.path.join(str(directory), '.probe')
    make(probe, b'')
    try:
        os.setxattr(probe, name, value)
        return
    except OSError as exc:
        reason = '%s on %s: %s' % (name, directory, exc.strerror)
    finally:
        os.unlink(probe)
    kind = _file_system(str(directory))
    if os.environ.get('CI') == 'true' and kind in XATTR_FILE_SYSTEMS and name.startswith('user.'):
        pytest.fail('extended attributes should work on %s (%s) but do not: %s' % (directory, kind, reason))
    pytest.skip('the file system (%s) does not store %s' % (kind, reason))


def posix_acl(entries):
    """The system.posix_acl_access value of ``entries`` [(tag, perm, id)] (version 2, sorted as the kernel wants)."""
    return struct.pack('<I', 2) + b''.join(struct.pack('<HHI', tag, perm, ident) for tag, perm, ident in entries)


UNDEFINED = 0xFFFFFFFF
# user::rw-, user:1234:rw-, group::r--, mask::rw-, other::r--  (ls -l shows 0664 with a +)
ACL = posix_acl([(0x01, 6, UNDEFINED), (0x02, 6, 1234), (0x04, 4, UNDEFINED), (0x10, 6, UNDEFINED),
                 (0x20, 4, UNDEFINED)])


# (mode)
MODE_CASES = [0o644, 0o600, 0o640, 0o755, 0o444]


@pytest.mark.parametrize('mode', MODE_CASES, ids=[oct(mode) for mode in MODE_CASES])
def test_write_atomic_new_file(tmp_path, mode):
    path = str(tmp_path / '90-kerneltune.conf')
    write_atomic(path, SYSCTL_CONF, mode)
    assert read_bytes(path) == SYSCTL_CONF
    assert mode_of(path) == mode
    assert os.listdir(str(tmp_path)) == ['90-kerneltune.conf']


def test_write_atomic_new_file_defaults(tmp_path):
    path = str(tmp_path / '90-kerneltune.conf')
    write_atomic(path, b'x\n')
    info = os.stat(path)
    assert mode_of(path) == 0o644
    owner = (0, 0) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    assert (info.st_uid, info.st_gid) == owner


@pytest.mark.parametrize('mode', [0o600, 0o640], ids=['0o600', '0o640'])
def test_write_atomic_keeps_the_mode_unless_told(tmp_path, mode):
    path = make(tmp_path / 'sysctl.conf', b'old\n', mode)
    write_atomic(path, b'new\n')
    assert (read_bytes(path), mode_of(path)) == (b'new\n', mode)
    write_atomic(path, b'newer\n', 0o644)
    assert (read_bytes(path), mode_of(path)) == (b'newer\n', 0o644)


def test_write_atomic_replaces_by_rename(tmp_path):
    path = make(tmp_path / 'sysctl.conf', b'old\n', 0o600)
    before = os.stat(path)
    with open(path, 'rb') as old_handle:
        write_atomic(path, b'new\n', 0o644)
        # The open file is the old inode, unchanged: the target was swapped, never rewritten in place.
        assert old_handle.read() == b'old\n'
    assert os.stat(path).st_ino != before.st_ino
    assert read_bytes(path) == b'new\n'
    assert os.listdir(str(tmp_path)) == ['sysctl.conf']


def test_write_atomic_empty_and_binary(tmp_path):
    path = str(tmp_path / 'f')
    write_atomic(path, b'', 0o644)
    assert read_bytes(path) == b''
    write_atomic(path, b'\x00\xff\r\n', 0o644)
    assert read_bytes(path) == b'\x00\xff\r\n'


@AS_ROOT
def test_write_atomic_keeps_the_owner(tmp_path):
    path = make(tmp_path / 'sysctl.conf', b'x\n', 0o640)
    os.chown(path, 1234, 5678)
    write_atomic(path, b'y\n')
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, mode_of(path)) == (1234, 5678, 0o640)


def test_write_atomic_keeps_user_xattrs(tmp_path):
    require_xattr(tmp_path, 'user.kerneltune')
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    os.setxattr(path, 'user.kerneltune', b'kept')
    os.setxattr(path, 'user.empty', b'')
    write_atomic(path, b'# edited\n')
    assert read_bytes(path) == b'# edited\n'
    assert sorted(os.listxattr(path)) == ['user.empty', 'user.kerneltune']
    assert os.getxattr(path, 'user.kerneltune') == b'kept'
    assert os.getxattr(path, 'user.empty') == b''
    assert mode_of(path) == 0o600


@AS_ROOT
def test_write_atomic_keeps_the_selinux_label(tmp_path):
    # systemd-sysctl on RHEL skips a mislabelled file at boot; the label is an attribute like any other.
    require_xattr(tmp_path, 'security.selinux', LABEL.encode() + b'\0')
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF)
    os.setxattr(path, 'security.selinux', LABEL.encode() + b'\0')
    write_atomic(path, b'# edited\n')
    assert os.getxattr(path, 'security.selinux') == LABEL.encode() + b'\0'


@AS_ROOT
def test_write_atomic_labels_a_new_file(tmp_path):
    require_xattr(tmp_path, 'security.selinux', LABEL.encode() + b'\0')
    path = str(tmp_path / '90-kerneltune.conf')
    write_atomic(path, b'x = 1\n', label=LABEL)
    assert os.getxattr(path, 'security.selinux') == LABEL.encode() + b'\0'


def test_write_atomic_keeps_the_acl(tmp_path):
    require_xattr(tmp_path, 'system.posix_acl_access', ACL)
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF)
    os.setxattr(path, 'system.posix_acl_access', ACL)
    mode = mode_of(path)
    assert mode == 0o664  # the group bits show the ACL's mask
    write_atomic(path, b'# edited\n')
    assert os.getxattr(path, 'system.posix_acl_access') == ACL
    assert mode_of(path) == mode


def test_write_atomic_without_xattr_support(tmp_path, monkeypatch):
    def unsupported(path):
        raise OSError(errno.ENOTSUP, 'Operation not supported', path)

    monkeypatch.setattr(_apply.os, 'listxattr', unsupported)
    path = make(tmp_path / 'sysctl.conf', b'old\n', 0o600)
    write_atomic(path, b'new\n')
    assert (read_bytes(path), mode_of(path)) == (b'new\n', 0o600)


def test_write_atomic_failed_attribute_copy_leaves_the_target(tmp_path, monkeypatch):
    def refuse(path, name, value):
        raise OSError(errno.EPERM, 'Operation not permitted', path)

    require_xattr(tmp_path, 'user.kerneltune')
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    os.setxattr(path, 'user.kerneltune', b'kept')
    monkeypatch.setattr(_apply.os, 'setxattr', refuse)
    with pytest.raises(OSError):
        write_atomic(path, b'new\n')
    assert read_bytes(path) == SYSCTL_CONF
    assert os.listdir(str(tmp_path)) == ['sysctl.conf']


def test_write_atomic_failed_rename_leaves_target_and_no_temp_file(tmp_path, monkeypatch):
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)

    def refuse(src, dst):
        raise OSError(errno.EXDEV, 'Invalid cross-device link')

    monkeypatch.setattr(_apply.os, 'rename', refuse)
    with pytest.raises(OSError) as exc:
        write_atomic(path, b'new\n', 0o644)
    assert exc.value.errno == errno.EXDEV
    assert os.listdir(str(tmp_path)) == ['sysctl.conf']
    assert read_bytes(path) == SYSCTL_CONF
    assert mode_of(path) == 0o600


def test_write_atomic_into_a_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(str(tmp_path / 'missing' / 'f.conf'), b'x', 0o644)


def test_backup_name(tmp_path, monkeypatch):
    monkeypatch.setattr(_apply.time, 'strftime', lambda fmt: '2026-03-04@05:06:07' if fmt == '%Y-%m-%d@%H:%M:%S'
                        else 'wrong format')
    path = str(tmp_path / 'sysctl.conf')
    assert backup_name(path) == '%s.%d.2026-03-04@05:06:07~' % (path, os.getpid())
    assert backup_name(path, hidden=True) == str(tmp_path / ('.sysctl.conf.%d.2026-03-04@05:06:07~' % os.getpid()))
    assert backup_name(path, attempt=2) == '%s.%d.2026-03-04@05:06:07.2~' % (path, os.getpid())
    assert not backup_name(path).endswith('.conf')


def test_keep_original_is_the_same_inode(tmp_path):
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    os.utime(path, (1000000000, 1000000000))
    dest = str(tmp_path / 'kept~')
    keep_original(path, dest)
    assert os.stat(dest).st_ino == os.stat(path).st_ino
    write_atomic(path, b'new\n')
    assert (read_bytes(dest), mode_of(dest), os.stat(dest).st_mtime) == (SYSCTL_CONF, 0o600, 1000000000)


@pytest.mark.parametrize('code', [errno.EXDEV, errno.EPERM], ids=['other-mount', 'no-hard-links'])
def test_keep_original_copies_where_links_are_refused(tmp_path, monkeypatch, code):
    def refuse(src, dst):
        raise OSError(code, os.strerror(code), src)

    require_xattr(tmp_path, 'user.kerneltune')
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o640)
    os.setxattr(path, 'user.kerneltune', b'kept')
    monkeypatch.setattr(_apply.os, 'link', refuse)
    dest = str(tmp_path / 'kept~')
    keep_original(path, dest)
    assert os.stat(dest).st_ino != os.stat(path).st_ino
    assert (read_bytes(dest), mode_of(dest), os.getxattr(dest, 'user.kerneltune')) == (SYSCTL_CONF, 0o640, b'kept')
    # never over an existing file
    with pytest.raises(FileExistsError):
        keep_original(path, dest)


def test_transaction_replace_commit_and_rollback(tmp_path):
    kept_mode = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    dropin = make(tmp_path / '90-kerneltune.conf', b'net.core.somaxconn = 4096\n', 0o600)
    new = str(tmp_path / '99-new.conf')
    before = snapshot(tmp_path)

    transaction = Transaction(HostWriter(str(tmp_path)))
    assert transaction.replace(dropin, b'net.core.somaxconn = 8192\n', 0o644) is None
    backup = transaction.replace(kept_mode, b'# vm.swappiness = 0\n', backup=True)
    assert transaction.replace(new, b'x = 1\n') is None
    assert re.fullmatch(re.escape(kept_mode) + r'\.\d+\.[0-9@:-]+~', backup)
    assert (read_bytes(dropin), mode_of(dropin)) == (b'net.core.somaxconn = 8192\n', 0o644)
    assert (read_bytes(kept_mode), mode_of(kept_mode)) == (b'# vm.swappiness = 0\n', 0o600)
    # each original is kept: the backup is the old inode
    assert snapshot(tmp_path)[os.path.basename(backup)] == before['sysctl.conf']
    assert len(os.listdir(str(tmp_path))) == 5  # and the drop-in's hidden original

    assert transaction.rollback() == ([], {})
    assert snapshot(tmp_path) == before  # the same inodes: every attribute as it was


def test_transaction_commit_keeps_only_the_user_backups(tmp_path):
    conf = make(tmp_path / 'sysctl.conf', SYSCTL_CONF)
    dropin = make(tmp_path / '90-kerneltune.conf', b'a = 1\n')
    transaction = Transaction(HostWriter(str(tmp_path)))
    transaction.replace(dropin, b'a = 2\n', 0o644)
    backup = transaction.replace(conf, b'# edited\n', backup=True)
    assert transaction.commit() == []
    assert sorted(os.listdir(str(tmp_path))) == sorted(['90-kerneltune.conf', 'sysctl.conf',
                                                        os.path.basename(backup)])
    assert read_bytes(backup) == SYSCTL_CONF


def test_transaction_same_file_twice(tmp_path):
    path = make(tmp_path / 'sysctl.conf', b'one\n', 0o600)
    new = str(tmp_path / 'new.conf')
    before = snapshot(tmp_path)
    transaction = Transaction(HostWriter(str(tmp_path)))
    first = transaction.replace(path, b'two\n', backup=True)
    second = transaction.replace(path, b'three\n', 0o644, backup=True)
    assert first != second and read_bytes(second) == b'two\n'
    transaction.replace(new, b'a\n')
    transaction.replace(new, b'b\n')
    assert (read_bytes(path), read_bytes(new)) == (b'three\n', b'b\n')
    assert transaction.rollback() == ([], {})
    assert snapshot(tmp_path) == before


@AS_ROOT
def test_transaction_owner(tmp_path):
    owned = make(tmp_path / 'owned.conf', b'x\n', 0o640)
    os.chown(owned, 1234, 5678)
    new = str(tmp_path / 'new.conf')
    transaction = Transaction(HostWriter(str(tmp_path)))
    transaction.replace(owned, b'y\n', backup=True)
    transaction.replace(new, b'z\n')
    assert (os.stat(owned).st_uid, os.stat(owned).st_gid) == (1234, 5678)
    assert (os.stat(new).st_uid, os.stat(new).st_gid) == (0, 0)
    assert transaction.rollback() == ([], {})
    info = os.stat(owned)
    assert (read_bytes(owned), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (b'x\n', 0o640, 1234, 5678)


@pytest.mark.parametrize('second_exists', [True, False], ids=['second-existing', 'second-new'])
def test_transaction_failing_replace(tmp_path, monkeypatch, second_exists):
    first = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    second = str(tmp_path / '99-local.conf')
    if second_exists:
        make(second, b'net.core.somaxconn = 128\n', 0o640)
    before = snapshot(tmp_path)
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_rename(src, dst)

    monkeypatch.setattr(_apply.os, 'rename', rename)
    transaction = Transaction(HostWriter(str(tmp_path)))
    transaction.replace(first, b'# vm.swappiness = 0\n', backup=True)
    with pytest.raises(OSError) as exc:
        transaction.replace(second, b'# net.core.somaxconn = 128\n', None if second_exists else 0o644, backup=True)
    assert exc.value.errno == errno.ENOSPC
    assert calls == [first, second]
    # The failed file is untouched (or still absent) and no temporary file is left.
    assert read_bytes(first) == b'# vm.swappiness = 0\n'
    assert transaction.rollback() == ([], {})
    # the first file's original renamed back; the second's copy removed, never "restored"
    assert calls == [first, second, first]
    assert snapshot(tmp_path) == before


def test_transaction_rollback_undoes_a_file_whose_directory_could_not_be_flushed(tmp_path, monkeypatch):
    # the new file was renamed into place, then flushing the directory failed: the rollback must undo it
    from ansible_collections.kerneltune.sysctl.plugins.module_utils import _atomic

    first = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    before = snapshot(tmp_path)

    def sync_directory(directory):
        raise OSError(errno.EIO, 'Input/output error')

    monkeypatch.setattr(_atomic, 'sync_directory', sync_directory)
    transaction = Transaction(HostWriter(str(tmp_path)))
    with pytest.raises(OSError):
        transaction.replace(first, b'# vm.swappiness = 0\n', backup=True)
    assert read_bytes(first) == b'# vm.swappiness = 0\n'
    assert transaction.rollback() == ([], {})
    assert snapshot(tmp_path) == before


def test_transaction_rollback_reports_what_it_cannot_restore(tmp_path):
    first = str(tmp_path / 'a.conf')
    second = make(tmp_path / 'b.conf', b'old\n', 0o600)
    transaction = Transaction(HostWriter(str(tmp_path)))
    transaction.replace(first, b'new\n')
    backup = transaction.replace(second, b'changed\n', backup=True)
    os.unlink(first)
    os.rename(backup, backup + '.moved')
    left, kept = transaction.rollback()
    assert left == [(second, '%s is left changed (No such file or directory), its original is kept at %s'
                     % (second, backup)),
                    (first, '%s is left changed (No such file or directory)' % first)]
    assert kept == {second: backup}
    assert read_bytes(second) == b'changed\n'

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import errno
import os
import re
import stat

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _files
from ansible_collections.kerneltune.sysctl.plugins.module_utils._files import (
    ENCODING,
    ERRORS,
    Transaction,
    backup,
    read_bytes,
    to_bytes,
    to_text,
    write_atomic,
)

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason='changing the owner of a file needs root')
SYSCTL_CONF = b'# /etc/sysctl.conf\nvm.swappiness = 0\nnet.ipv4.tcp_max_tw_buckets = 5000\n'


def make(path, data, mode=0o644):
    with open(str(path), 'wb') as handle:
        handle.write(data)
    os.chmod(str(path), mode)
    return str(path)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(directory):
    """{name: (bytes, mode, uid, gid)} of every entry of a directory."""
    result = {}
    for name in sorted(os.listdir(str(directory))):
        path = os.path.join(str(directory), name)
        info = os.stat(path)
        result[name] = (read_bytes(path), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
    return result


def test_constants():
    assert (ENCODING, ERRORS) == ('utf-8', 'surrogateescape')


# (content)
READ_CASES = [b'', SYSCTL_CONF, b'\xff\xfe\x00\r\n\xe9']
READ_IDS = ['empty', 'text', 'binary']


@pytest.mark.parametrize('data', READ_CASES, ids=READ_IDS)
def test_read_bytes(tmp_path, data):
    assert read_bytes(make(tmp_path / 'f.conf', data)) == data


def test_read_bytes_missing_is_none(tmp_path):
    assert read_bytes(str(tmp_path / 'missing.conf')) is None
    assert read_bytes(str(tmp_path / 'no-dir' / 'missing.conf')) is None


def test_read_bytes_of_a_directory_raises(tmp_path):
    with pytest.raises(IsADirectoryError):
        read_bytes(str(tmp_path))


def test_read_bytes_of_a_dangling_symlink_raises(tmp_path):
    # The name exists (a link to nowhere): not a missing file, so the error is not hidden.
    link = str(tmp_path / '99-sysctl.conf')
    os.symlink(str(tmp_path / 'gone.conf'), link)
    with pytest.raises(FileNotFoundError):
        read_bytes(link)


# (bytes, text)
TEXT_CASES = [
    (b'', ''),
    (b'vm.swappiness = 0\n', 'vm.swappiness = 0\n'),
    (b'# caf\xc3\xa9\n', '# caf\xe9\n'),
    (b'# caf\xe9\n', '# caf\udce9\n'),
    (b'\xff\xfe', '\udcff\udcfe'),
    (b'\xc3', '\udcc3'),
    (b'\xc0\xaf', '\udcc0\udcaf'),
    (b'\xed\xa0\x80', '\udced\udca0\udc80'),
    (b'a\r\nb\x00\x0c', 'a\r\nb\x00\x0c'),
    (b'\xe2\x80\xa8', '\u2028'),
]
TEXT_IDS = ['empty', 'ascii', 'utf-8', 'latin-1', 'invalid-utf-8', 'truncated', 'overlong', 'encoded-surrogate', 'control', 'line-separator']


@pytest.mark.parametrize('data, text', TEXT_CASES, ids=TEXT_IDS)
def test_to_text_and_back(data, text):
    assert to_text(data) == text
    assert to_bytes(text) == data


def test_every_byte_and_byte_pair_round_trips():
    for first in range(256):
        assert to_bytes(to_text(bytes([first]))) == bytes([first])
        pairs = b''.join(bytes([first, second]) for second in range(256))
        assert to_bytes(to_text(pairs)) == pairs


def test_any_bytes_round_trip():
    hypothesis = pytest.importorskip('hypothesis')
    strategies = pytest.importorskip('hypothesis.strategies')

    @hypothesis.settings(max_examples=300, deadline=None, database=None)
    @hypothesis.given(strategies.binary(max_size=200))
    def check(data):
        assert to_bytes(to_text(data)) == data
        assert to_text(to_bytes(to_text(data))) == to_text(data)

    check()


# (mode)
MODE_CASES = [0o644, 0o600, 0o640, 0o755, 0o444]


@pytest.mark.parametrize('mode', MODE_CASES, ids=[oct(mode) for mode in MODE_CASES])
def test_write_atomic_new_file(tmp_path, mode):
    path = str(tmp_path / '90-kerneltune.conf')
    write_atomic(path, SYSCTL_CONF, mode)
    assert read_bytes(path) == SYSCTL_CONF
    assert mode_of(path) == mode
    assert os.listdir(str(tmp_path)) == ['90-kerneltune.conf']


def test_write_atomic_replaces_by_rename(tmp_path):
    path = make(tmp_path / 'sysctl.conf', b'old\n', 0o600)
    before = os.stat(path)
    with open(path, 'rb') as old_handle:
        write_atomic(path, b'new\n', 0o644)
        # The open file is the old inode, unchanged: the target was swapped, never rewritten in place.
        assert old_handle.read() == b'old\n'
    after = os.stat(path)
    assert after.st_ino != before.st_ino
    assert read_bytes(path) == b'new\n'
    assert mode_of(path) == 0o644
    assert os.listdir(str(tmp_path)) == ['sysctl.conf']


def test_write_atomic_keeps_a_hard_link_to_the_old_content(tmp_path):
    path = make(tmp_path / 'sysctl.conf', b'old\n')
    os.link(path, str(tmp_path / 'old-link'))
    write_atomic(path, b'new\n', 0o644)
    assert read_bytes(str(tmp_path / 'old-link')) == b'old\n'
    assert read_bytes(path) == b'new\n'


def test_write_atomic_empty_and_binary(tmp_path):
    path = str(tmp_path / 'f')
    write_atomic(path, b'', 0o644)
    assert read_bytes(path) == b''
    write_atomic(path, b'\x00\xff\r\n', 0o644)
    assert read_bytes(path) == b'\x00\xff\r\n'


@AS_ROOT
def test_write_atomic_owner(tmp_path):
    path = str(tmp_path / 'f')
    write_atomic(path, b'x', 0o640, 1234, 5678)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid) == (1234, 5678)


def test_write_atomic_without_owner_keeps_the_writer(tmp_path):
    path = str(tmp_path / 'f')
    write_atomic(path, b'x', 0o644)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid())


def test_write_atomic_failed_rename_leaves_target_and_no_temp_file(tmp_path, monkeypatch):
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)

    def refuse(src, dst):
        raise OSError(errno.EXDEV, 'Invalid cross-device link')

    monkeypatch.setattr(_files.os, 'rename', refuse)
    with pytest.raises(OSError) as exc:
        write_atomic(path, b'new\n', 0o644)
    assert exc.value.errno == errno.EXDEV
    assert os.listdir(str(tmp_path)) == ['sysctl.conf']
    assert read_bytes(path) == SYSCTL_CONF
    assert mode_of(path) == 0o600


def test_write_atomic_into_a_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(str(tmp_path / 'missing' / 'f.conf'), b'x', 0o644)


def test_backup_name_and_content(tmp_path):
    path = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    os.utime(path, (1000000000, 1000000000))
    dest = backup(path)
    pattern = r'%s\.%d\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~' % (re.escape(path), os.getpid())
    assert re.fullmatch(pattern, dest), dest
    assert not dest.endswith('.conf')
    assert read_bytes(dest) == SYSCTL_CONF
    assert mode_of(dest) == 0o600
    assert os.stat(dest).st_mtime == 1000000000
    assert read_bytes(path) == SYSCTL_CONF
    assert sorted(os.listdir(str(tmp_path))) == ['sysctl.conf', os.path.basename(dest)]


def test_backup_time_format(tmp_path, monkeypatch):
    path = make(tmp_path / 'sysctl.conf', b'x')
    formats = []

    def strftime(fmt):
        formats.append(fmt)
        return '2026-03-04@05:06:07'

    monkeypatch.setattr(_files.time, 'strftime', strftime)
    assert backup(path) == '%s.%d.2026-03-04@05:06:07~' % (path, os.getpid())
    assert formats == ['%Y-%m-%d@%H:%M:%S']


def test_backup_of_a_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        backup(str(tmp_path / 'missing.conf'))


def test_transaction_replace_and_rollback(tmp_path):
    kept_mode = make(tmp_path / 'sysctl.conf', SYSCTL_CONF, 0o600)
    forced_mode = make(tmp_path / '99-local.conf', b'net.core.somaxconn = 128\r\n', 0o640)
    new = str(tmp_path / '90-kerneltune.conf')
    before = snapshot(tmp_path)

    transaction = Transaction()
    transaction.replace(new, b'net.core.somaxconn = 8192\n', 0o644)
    transaction.replace(kept_mode, b'# vm.swappiness = 0\n', None)
    transaction.replace(forced_mode, b'# net.core.somaxconn = 128\r\n')
    assert read_bytes(new) == b'net.core.somaxconn = 8192\n'
    assert mode_of(new) == 0o644
    assert read_bytes(kept_mode) == b'# vm.swappiness = 0\n'
    assert mode_of(kept_mode) == 0o600
    assert read_bytes(forced_mode) == b'# net.core.somaxconn = 128\r\n'
    assert mode_of(forced_mode) == 0o644
    assert sorted(os.listdir(str(tmp_path))) == ['90-kerneltune.conf', '99-local.conf', 'sysctl.conf']

    assert transaction.rollback() == []
    assert snapshot(tmp_path) == before


def test_transaction_same_file_twice(tmp_path):
    path = make(tmp_path / 'sysctl.conf', b'one\n', 0o600)
    new = str(tmp_path / 'new.conf')
    transaction = Transaction()
    transaction.replace(path, b'two\n', None)
    transaction.replace(path, b'three\n', 0o644)
    transaction.replace(new, b'a\n')
    transaction.replace(new, b'b\n')
    assert (read_bytes(path), read_bytes(new)) == (b'three\n', b'b\n')
    assert transaction.rollback() == []
    assert read_bytes(path) == b'one\n'
    assert mode_of(path) == 0o600
    assert not os.path.lexists(new)


def test_transaction_rollback_of_nothing():
    assert Transaction().rollback() == []


@AS_ROOT
def test_transaction_owner(tmp_path):
    owned = make(tmp_path / 'owned.conf', b'x\n', 0o640)
    os.chown(owned, 1234, 5678)
    new = str(tmp_path / 'new.conf')
    transaction = Transaction()
    transaction.replace(owned, b'y\n', None)
    transaction.replace(new, b'z\n')
    assert (os.stat(owned).st_uid, os.stat(owned).st_gid) == (1234, 5678)
    assert (os.stat(new).st_uid, os.stat(new).st_gid) == (0, 0)
    assert transaction.rollback() == []
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

    monkeypatch.setattr(_files.os, 'rename', rename)
    transaction = Transaction()
    transaction.replace(first, b'# vm.swappiness = 0\n', None)
    with pytest.raises(OSError) as exc:
        transaction.replace(second, b'# net.core.somaxconn = 128\n', None if second_exists else 0o644)
    assert exc.value.errno == errno.ENOSPC
    assert calls == [first, second]
    # The failed file is untouched (or still absent) and no temporary file is left.
    assert read_bytes(first) == b'# vm.swappiness = 0\n'
    assert sorted(os.listdir(str(tmp_path))) == sorted(before)
    # The failed file was not recorded: rolling it back (unlinking a file that was never made) would fail.
    assert transaction.rollback() == []
    assert calls == [first, second, first]
    assert snapshot(tmp_path) == before


def test_transaction_rollback_reports_what_it_cannot_restore(tmp_path):
    first = str(tmp_path / 'a.conf')
    second = make(tmp_path / 'b.conf', b'old\n', 0o600)
    transaction = Transaction()
    transaction.replace(first, b'new\n')
    transaction.replace(second, b'changed\n', None)
    os.unlink(first)
    assert transaction.rollback() == [first]
    assert read_bytes(second) == b'old\n'
    assert mode_of(second) == 0o600

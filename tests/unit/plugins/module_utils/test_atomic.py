# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_atomic.replace: the file is swapped whole after its data reached the disk, or left as it was."""

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _atomic


def _old(tmp_path):
    path = tmp_path / 'file.conf'
    path.write_bytes(b'old\n')
    return str(path)


def test_the_temporary_file_is_filled_prepared_and_synced_before_the_rename(tmp_path, monkeypatch):
    path = _old(tmp_path)
    events = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(descriptor):
        events.append(('fsync', os.readlink('/proc/self/fd/%d' % descriptor)))
        return real_fsync(descriptor)

    def rename(src, dst):
        with open(dst, 'rb') as handle:
            assert handle.read() == b'old\n'  # the old file is whole until the rename
        events.append(('rename', src, dst))
        return real_rename(src, dst)

    def prepare(descriptor):
        tmp = os.readlink('/proc/self/fd/%d' % descriptor)
        with open(tmp, 'rb') as handle:
            assert handle.read() == b'new\n'  # written and flushed before prepare
        events.append(('prepare', tmp))
        os.fchmod(descriptor, 0o640)

    monkeypatch.setattr(_atomic.os, 'fsync', fsync)
    monkeypatch.setattr(_atomic.os, 'rename', rename)
    _atomic.replace(path, lambda out: out.write(b'new\n'), prepare, prefix='.x-', suffix='.tmp')
    (dummy, tmp), (dummy2, synced), (dummy3, src, dst), (dummy4, directory) = events
    assert [event[0] for event in events] == ['prepare', 'fsync', 'rename', 'fsync']
    assert tmp == synced == src and dst == path
    assert directory == str(tmp_path)  # the rename itself reaches the disk
    assert os.path.dirname(tmp) == str(tmp_path)
    assert os.path.basename(tmp).startswith('.x-') and tmp.endswith('.tmp')
    assert (tmp_path / 'file.conf').read_bytes() == b'new\n'
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(str(tmp_path)) == ['file.conf']


@pytest.mark.parametrize('code', [errno.EINVAL, errno.EIO], ids=['cannot-sync-directories', 'io-error'])
def test_a_failed_directory_sync(tmp_path, monkeypatch, code):
    # EINVAL: a file system that cannot sync a directory is no failure; any other error is reported
    path = _old(tmp_path)
    real_fsync = os.fsync

    def fsync(descriptor):
        if os.path.isdir('/proc/self/fd/%d' % descriptor):
            raise OSError(code, os.strerror(code))
        return real_fsync(descriptor)

    monkeypatch.setattr(_atomic.os, 'fsync', fsync)
    if code == errno.EINVAL:
        _atomic.replace(path, lambda out: out.write(b'new\n'))
    else:
        with pytest.raises(OSError) as exc:
            _atomic.replace(path, lambda out: out.write(b'new\n'))
        assert exc.value.errno == errno.EIO and exc.value.renamed  # the new file is in place: a rollback undoes it
    assert (tmp_path / 'file.conf').read_bytes() == b'new\n'


@pytest.mark.parametrize('stage', ['fill', 'prepare', 'fsync', 'rename'])
def test_a_failure_at_any_stage_leaves_the_file_and_no_temporary_file(tmp_path, monkeypatch, stage):
    path = _old(tmp_path)
    before = os.stat(path)

    def fail(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write_new(out):
        out.write(b'new\n')

    fill, prepare = write_new, None
    if stage == 'fill':
        fill = fail
    elif stage == 'prepare':
        prepare = fail
    else:
        monkeypatch.setattr(_atomic.os, stage, fail)
    with pytest.raises(OSError) as exc:
        _atomic.replace(path, fill, prepare)
    assert exc.value.errno == errno.ENOSPC
    assert os.listdir(str(tmp_path)) == ['file.conf']
    assert (tmp_path / 'file.conf').read_bytes() == b'old\n' and os.stat(path).st_ino == before.st_ino


def test_a_failed_cleanup_does_not_hide_the_failure(tmp_path, monkeypatch):
    path = _old(tmp_path)

    def full(out):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def busy(name):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), name)

    monkeypatch.setattr(_atomic.os, 'unlink', busy)
    with pytest.raises(OSError) as exc:
        _atomic.replace(path, full)
    assert exc.value.errno == errno.ENOSPC


def test_a_new_file_is_made_with_mode_0600_unless_prepared(tmp_path):
    path = str(tmp_path / 'new.prom')
    _atomic.replace(path, lambda out: None)
    assert os.listdir(str(tmp_path)) == ['new.prom'] and os.path.getsize(path) == 0
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_the_temporary_file_is_never_opened_again_by_name(tmp_path, monkeypatch):
    """A name swapped for a symlink (a directory others can write) is not followed: the target stays as it was."""
    target = tmp_path / 'shadow'
    target.write_bytes(b'root:secret\n')
    os.chmod(str(target), 0o600)
    directory = tmp_path / 'textfiles'
    directory.mkdir()
    path = str(directory / 'kerneltune_sysctl.prom')

    def swap(out):
        # the attacker replaces the temporary name by a symlink to the target, while the file is being written
        tmp = os.readlink('/proc/self/fd/%d' % out.fileno())
        os.unlink(tmp)
        os.symlink(str(target), tmp)
        out.write(b'# metrics\n')

    with pytest.raises(OSError) as exc:
        _atomic.replace(path, swap, lambda descriptor: os.fchmod(descriptor, 0o644), prefix='.kt.', suffix='.tmp')
    assert exc.value.errno == errno.EEXIST and 'was replaced by another' in str(exc.value)
    assert target.read_bytes() == b'root:secret\n' and os.stat(str(target)).st_mode & 0o777 == 0o600
    assert os.listdir(str(directory)) == []  # neither the symlink nor a file renamed into place

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

    def prepare(tmp):
        with open(tmp, 'rb') as handle:
            assert handle.read() == b'new\n'
        events.append(('prepare', tmp))
        os.chmod(tmp, 0o640)

    monkeypatch.setattr(_atomic.os, 'fsync', fsync)
    monkeypatch.setattr(_atomic.os, 'rename', rename)
    _atomic.replace(path, _atomic.bytes_filler(b'new\n'), prepare, prefix='.x-', suffix='.tmp')
    (dummy, tmp), (dummy2, synced), (dummy3, src, dst) = events
    assert [event[0] for event in events] == ['prepare', 'fsync', 'rename']
    assert tmp == synced == src and dst == path
    assert os.path.dirname(tmp) == str(tmp_path)
    assert os.path.basename(tmp).startswith('.x-') and tmp.endswith('.tmp')
    assert (tmp_path / 'file.conf').read_bytes() == b'new\n'
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(str(tmp_path)) == ['file.conf']


@pytest.mark.parametrize('stage', ['fill', 'prepare', 'fsync', 'rename'])
def test_a_failure_at_any_stage_leaves_the_file_and_no_temporary_file(tmp_path, monkeypatch, stage):
    path = _old(tmp_path)
    before = os.stat(path)

    def fail(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fill, prepare = _atomic.bytes_filler(b'new\n'), None
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


def test_a_new_file_is_made(tmp_path):
    path = str(tmp_path / 'new.prom')
    _atomic.replace(path, _atomic.bytes_filler(b''))
    assert os.listdir(str(tmp_path)) == ['new.prom'] and os.path.getsize(path) == 0

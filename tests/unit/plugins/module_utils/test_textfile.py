# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_textfile.update in a directory others can write: whatever is planted at the file's name never blocks the audit,
is never followed and is never read whole; it is replaced by a regular file."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _textfile

NAME = 'kerneltune_sysctl.prom'
DATA = b'kerneltune_sysctl_up 1\n'


def _plant(directory, kind, elsewhere):
    path = str(directory / NAME)
    if kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'symlink to /dev/zero':
        os.symlink('/dev/zero', path)
    elif kind == 'symlink to an equal file':
        (elsewhere / 'target').write_bytes(DATA)
        os.symlink(str(elsewhere / 'target'), path)
    elif kind == 'longer file':
        (directory / NAME).write_bytes(DATA + b'x' * (1 << 20))
    return path


@pytest.mark.parametrize('kind', ['fifo', 'symlink to /dev/zero', 'symlink to an equal file', 'longer file'])
@pytest.mark.parametrize('check_mode', [False, True], ids=['apply', 'check'])
def test_what_is_planted_is_replaced_not_read(tmp_path, kind, check_mode):
    directory, elsewhere = tmp_path / 'textfile', tmp_path / 'elsewhere'
    directory.mkdir()
    elsewhere.mkdir()
    path = _plant(directory, kind, elsewhere)
    before = os.lstat(path)
    assert _textfile.update(str(directory), NAME, DATA, check_mode) == (path, True)
    if check_mode:
        assert os.lstat(path).st_ino == before.st_ino and stat.S_IFMT(os.lstat(path).st_mode) == \
            stat.S_IFMT(before.st_mode)
    else:
        info = os.lstat(path)
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o644
        assert (directory / NAME).read_bytes() == DATA
    if kind == 'symlink to an equal file':
        assert (elsewhere / 'target').read_bytes() == DATA  # the target is neither written nor touched


def test_an_equal_regular_file_is_touched_not_rewritten(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(DATA)
    os.utime(str(path), (1000000000, 1000000000))
    inode = os.stat(str(path)).st_ino
    assert _textfile.update(str(tmp_path), NAME, DATA) == (str(path), False)
    info = os.stat(str(path))
    assert info.st_ino == inode and info.st_mtime > 1000000000

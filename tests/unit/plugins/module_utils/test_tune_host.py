# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reads of tune's plan: the drop-in's path, and the files whose lines it comments out."""

from __future__ import annotations

import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import DISABLED_MARK, OWNER_MARK, Shadow
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import OWN_DIR, check_path, shadow_edits

OWNED = b'# managed\n# ' + OWNER_MARK.encode() + b'\n\nnet.core.somaxconn = 8192\n'


def test_own_dir():
    assert OWN_DIR == '/etc/sysctl.d'


@pytest.fixture
def own_dir(tmp_path):
    directory = tmp_path / 'etc' / 'sysctl.d'
    directory.mkdir(parents=True)
    (directory / '60-app.conf').write_bytes(b'net.ipv4.tcp_keepalive_time = 600\n')
    (directory / '90-kerneltune.conf').write_bytes(OWNED)
    (tmp_path / 'etc' / 'sysctl.conf').write_bytes(b'vm.swappiness = 0\n')
    os.symlink('../sysctl.conf', str(directory / '99-sysctl.conf'))
    return str(directory)


# (name under the directory, bytes returned)
ACCEPTED_CASES = [
    ('90-kerneltune.conf', OWNED),
    ('80-new.conf', None),
]


@pytest.mark.parametrize('name, current', ACCEPTED_CASES, ids=['owned', 'new'])
def test_check_path_accepts(own_dir, name, current):
    assert check_path(os.path.join(own_dir, name), own_dir) == current


# (path, relative to the directory unless absolute; message with {d} for the directory)
REFUSED_CASES = [
    ('/etc/cron.d/90-kerneltune.conf', 'path /etc/cron.d/90-kerneltune.conf must be a .conf file directly in {d}'),
    ('sub/90-kerneltune.conf', 'path {d}/sub/90-kerneltune.conf must be a .conf file directly in {d}'),
    ('90-kerneltune', 'path {d}/90-kerneltune must be a .conf file directly in {d}'),
    ('60-app.conf', 'refusing to replace {d}/60-app.conf: it exists and was not written by kerneltune.sysctl; '
                    'choose another path, or move the file away'),
    ('99-sysctl.conf', 'refusing to replace {d}/99-sysctl.conf: it is a symlink (to ../sysctl.conf), not a drop-in '
                       'of kerneltune.sysctl'),
]


@pytest.mark.parametrize('path, message', REFUSED_CASES,
                         ids=['other-directory', 'subdirectory', 'not-conf', 'not-ours', 'symlink'])
def test_check_path_refuses(own_dir, path, message):
    with pytest.raises(SysctlError) as exc:
        check_path(os.path.join(own_dir, path), own_dir)
    assert str(exc.value) == message.format(d=own_dir)


def test_shadow_edits_edits_the_real_file_once(own_dir):
    etc = os.path.dirname(own_dir)
    conf = os.path.join(etc, 'sysctl.conf')
    with open(conf, 'wb') as handle:
        handle.write(b'# caf\xe9\nnet.ipv4.tcp_max_tw_buckets = 5000\r\nnet.core.somaxconn = 128\n')
    link = os.path.join(own_dir, '99-sysctl.conf')
    dropin = os.path.join(own_dir, '90-kerneltune.conf')
    shadows = [Shadow('net.ipv4.tcp_max_tw_buckets', link, 2, '5000'),
               Shadow('net.ipv4.tcp_max_tw_buckets', conf, 2, '5000'),
               Shadow('net.core.somaxconn', conf, 3, '128')]
    edits = shadow_edits(shadows, dropin)
    assert list(edits) == [conf]
    before, after, found = edits[conf]
    assert before == b'# caf\xe9\nnet.ipv4.tcp_max_tw_buckets = 5000\r\nnet.core.somaxconn = 128\n'
    mark = ('  # %s %s' % (DISABLED_MARK, dropin)).encode()
    assert after == (b'# caf\xe9\n# net.ipv4.tcp_max_tw_buckets = 5000' + mark + b'\r\n# net.core.somaxconn = 128'
                     + mark + b'\n')
    assert found == [Shadow('net.ipv4.tcp_max_tw_buckets', conf, 2, '5000'), Shadow('net.core.somaxconn', conf, 3, '128')]


def test_shadow_edits_nothing():
    assert shadow_edits([], '/etc/sysctl.d/90-kerneltune.conf') == {}

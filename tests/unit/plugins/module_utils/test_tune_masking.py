# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A drop-in must not mask a file of the same name in a later sysctl.d directory."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import SYSCTL_D_DIRS, order_conf_files
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import check_masking, masked_files

DEBIAN = {
    '/etc/sysctl.d': ['99-sysctl.conf', 'README.sysctl', '60-app.conf'],
    '/usr/lib/sysctl.d': ['50-default.conf', '50-pid-max.conf', 'README'],
}
EVERYWHERE = {
    '/etc/sysctl.d': ['90-kerneltune.conf'],
    '/run/sysctl.d': ['40-x.conf'],
    '/usr/local/lib/sysctl.d': ['40-x.conf'],
    '/usr/lib/sysctl.d': ['40-x.conf', '50-default.conf'],
    '/lib/sysctl.d': ['40-x.conf'],
}


def listing(tree):
    """The listing in SYSCTL_D_DIRS order, as the module reads it (a missing directory lists nothing)."""
    return [(directory, tree.get(directory, [])) for directory in SYSCTL_D_DIRS]


# (drop-in path, directory tree, files it would mask)
MASK_CASES = [
    ('/etc/sysctl.d/90-kerneltune.conf', DEBIAN, []),
    ('/etc/sysctl.d/50-default.conf', DEBIAN, ['/usr/lib/sysctl.d/50-default.conf']),
    ('/etc/sysctl.d/50-pid-max.conf', DEBIAN, ['/usr/lib/sysctl.d/50-pid-max.conf']),
    ('/etc/sysctl.d/60-app.conf', DEBIAN, []),
    ('/etc/sysctl.d/99-sysctl.conf', DEBIAN, []),
    ('/etc/sysctl.d/50-default.con', DEBIAN, []),
    ('/etc/sysctl.d/40-x.conf', EVERYWHERE,
     ['/run/sysctl.d/40-x.conf', '/usr/local/lib/sysctl.d/40-x.conf', '/usr/lib/sysctl.d/40-x.conf',
      '/lib/sysctl.d/40-x.conf']),
    ('/etc/sysctl.d/90-kerneltune.conf', EVERYWHERE, []),
    ('/etc/sysctl.d/50-default.conf', {}, []),
    ('/run/sysctl.d/40-x.conf', EVERYWHERE,
     ['/usr/local/lib/sysctl.d/40-x.conf', '/usr/lib/sysctl.d/40-x.conf', '/lib/sysctl.d/40-x.conf']),
    ('/lib/sysctl.d/40-x.conf', EVERYWHERE, []),
]
MASK_IDS = ['own-name', 'systemd-50-default', 'procps-50-pid-max', 'same-directory', 'same-directory-symlink',
            'other-suffix', 'every-later-directory', 'nothing-of-that-name', 'empty-directories',
            'from-a-later-directory', 'last-directory']


@pytest.mark.parametrize('path, tree, masked', MASK_CASES, ids=MASK_IDS)
def test_masked_files(path, tree, masked):
    assert masked_files(path, listing(tree)) == masked


@pytest.mark.parametrize('path, tree, masked', MASK_CASES, ids=MASK_IDS)
def test_masked_files_are_the_files_the_boot_no_longer_reads(path, tree, masked):
    # The same files as the applier's own ordering drops once the drop-in exists.
    before = order_conf_files(listing(tree), 'procps')
    with_dropin = dict(tree)
    directory, name = path.rsplit('/', 1)
    with_dropin[directory] = list(tree.get(directory, [])) + [name]
    after = order_conf_files(listing(with_dropin), 'procps')
    dropped = [file for file in before if file not in after]
    assert dropped == [file for file in masked if file in before]


def test_masked_files_directory_with_trailing_slash():
    assert masked_files('/etc/sysctl.d/50-default.conf', [('/etc/sysctl.d/', []), ('/usr/lib/sysctl.d/',
                                                                                   ['50-default.conf'])]) == [
        '/usr/lib/sysctl.d/50-default.conf']


# (drop-in path, tree, message)
CHECK_CASES = [
    ('/etc/sysctl.d/50-default.conf', DEBIAN,
     'refusing to write /etc/sysctl.d/50-default.conf: it would mask /usr/lib/sysctl.d/50-default.conf (the boot reads '
     'only the first file of a name, and /etc/sysctl.d comes first), so the settings of that file would no longer '
     'apply; choose another file name'),
    ('/etc/sysctl.d/40-x.conf', EVERYWHERE,
     'refusing to write /etc/sysctl.d/40-x.conf: it would mask /run/sysctl.d/40-x.conf, '
     '/usr/local/lib/sysctl.d/40-x.conf, /usr/lib/sysctl.d/40-x.conf, /lib/sysctl.d/40-x.conf (the boot reads only '
     'the first file of a name, and '
     '/etc/sysctl.d comes first), so the settings of those files would no longer apply; choose another file name'),
]


@pytest.mark.parametrize('path, tree, message', CHECK_CASES, ids=['one-file', 'four-files'])
def test_check_masking_refuses(path, tree, message):
    with pytest.raises(SysctlError) as exc:
        check_masking(path, listing(tree))
    assert str(exc.value) == message


def test_check_masking_accepts_a_name_of_its_own():
    assert check_masking('/etc/sysctl.d/90-kerneltune.conf', listing(DEBIAN)) is None

"""Audited without become, a sysctl file or directory only root can read leaves the next boot undecided.

Found over SSH as a non-root user (tests/integration/ssh): a 0600 file in
/etc/sysctl.d was warned about, then predicted as if it did not exist, so a
key it sets back at boot could come out ``ok``.
"""

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host_files
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit_view, wanted
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Problem
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import read_host
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import not_read, sysctl_d_listing

DENIED = 'cannot read: Permission denied'


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


KEY = 'net.ipv4.tcp_max_tw_buckets'


@pytest.fixture
def tree(tmp_path):
    """A host under tmp_path: /etc/sysctl.d with the drop-in and a later file, /etc/sysctl.conf and /proc/sys."""
    etc = tmp_path / 'etc' / 'sysctl.d'
    _write(tmp_path / 'etc' / 'sysctl.conf', '# nothing\n')
    _write(tmp_path / 'proc' / 'sys' / 'net' / 'ipv4' / 'tcp_max_tw_buckets', '262144\n')
    _write(etc / '90-kerneltune.conf', 'net.ipv4.tcp_max_tw_buckets = 262144\n')
    secret = _write(etc / '95-hardening.conf', 'net.ipv4.tcp_max_tw_buckets = 5000\n')
    (tmp_path / 'usr' / 'lib' / 'sysctl.d').mkdir(parents=True)
    return etc, str(secret)


def _deny(monkeypatch, denied, calls=('open', 'listdir')):
    """As a user other than root: os.open / os.listdir of ``denied`` fail with EACCES (tests run as root)."""
    for name in calls:
        real = getattr(os, name)

        def refuse(path, *args, real=real, **kwargs):
            if str(path) == denied:
                raise PermissionError(errno.EACCES, 'Permission denied', path)
            return real(path, *args, **kwargs)

        monkeypatch.setattr(_host_files.os, name, refuse)


def _audit(etc, applier='procps', live='262144'):
    """The problems, the prediction and the audit result of KEY on the host of ``etc`` (its sysctl.d)."""
    want = wanted(None, {KEY: {'min': 262144}})
    view = read_host(want.expectations, applier, oracle=False, root=str(etc.parent.parent),
                     live=({KEY: live}, {}))
    return view.problems, view.predictions[KEY], audit_view(want, view)['sysctl'][KEY]


def test_readable_files_decide(tree):
    """Control: read as root, the later file sets the key back at boot."""
    problems, prediction, result = _audit(tree[0])
    assert problems == []
    assert prediction['boot_undecided'] is None
    assert (result['status'], result['boot']) == ('boot_drift', '5000')


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
def test_unreadable_file_leaves_the_boot_undecided(tree, monkeypatch, applier):
    etc, secret = tree
    _deny(monkeypatch, secret, ('open',))
    problems, prediction, result = _audit(etc, applier)
    assert Problem(secret, 0, '', DENIED) in problems
    expected = '%s cannot be read (Permission denied): run the audit as root (become)' % secret
    # it was "ok": the boot value 262144 came from the readable files alone
    assert prediction['boot_undecided'] == prediction['undecided'] == expected
    assert prediction['reload_undecided'] == expected  # sysctl --system (procps) reads it too
    assert result['status'] == 'undecided'
    assert result['reason'] == 'the next boot cannot be predicted: ' + expected


def test_unreadable_file_does_not_hide_drift(tree, monkeypatch):
    etc, secret = tree
    _deny(monkeypatch, secret, ('open',))
    assert _audit(etc, live='5000')[2]['status'] == 'drift'


def test_unlistable_directory(tree, monkeypatch):
    etc, secret = tree
    _deny(monkeypatch, str(etc), ('listdir',))
    problems, prediction, result = _audit(etc)
    assert problems[0] == Problem(str(etc), 0, '', DENIED)
    assert prediction['boot_undecided'] == ('%s cannot be read (Permission denied): run the audit as root (become)'
                                            % etc)
    assert result['status'] == 'undecided'


def test_dangling_symlink_and_vanished_file_are_not_counted(tree, tmp_path):
    etc, secret = tree
    os.symlink(str(tmp_path / 'nowhere.conf'), str(etc / '96-dangling.conf'))
    vanished = Problem(str(etc / '97-gone.conf'), 0, '', 'cannot read: No such file or directory')
    dangling = Problem(str(etc / '96-dangling.conf'), 0, '', 'cannot read: No such file or directory')
    assert not_read([vanished, dangling]) is None
    problems, prediction, result = _audit(etc)
    assert dangling in problems
    assert prediction['boot_undecided'] is None
    assert result['status'] == 'boot_drift'


def test_symlink_loop_is_not_counted(tree):
    """The appliers fail to open a symlink loop as well and skip it (found by the differential tests)."""
    etc, secret = tree
    os.symlink('98-loop.conf', str(etc / '98-loop.conf'))
    problems, prediction, result = _audit(etc)
    assert [problem.source for problem in problems] == [str(etc / '98-loop.conf')]
    assert not_read(problems) is None
    assert prediction['boot_undecided'] is None
    assert result['status'] == 'boot_drift'


def test_parse_problems_are_not_counted(tree):
    assert not_read([Problem('/etc/sysctl.d/x.conf', 3, 'garbage', 'not an assignment (no "=")')]) is None


def test_listing_skips_missing_directories(tmp_path):
    assert sysctl_d_listing([str(tmp_path / 'missing'), str(tmp_path)])[1] == []


@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads files whatever their mode')
def test_unreadable_file_for_real(tree):
    etc, secret = tree
    os.chmod(secret, 0)
    try:
        problems, prediction, result = _audit(etc)
    finally:
        os.chmod(secret, 0o644)
    assert result['status'] == 'undecided'

"""Audited without become, a sysctl file or directory only root can read leaves the next boot undecided.

Found over SSH as a non-root user (tests/integration/ssh): a 0600 file in
/etc/sysctl.d was warned about, then predicted as if it did not exist, so a
key it sets back at boot could come out ``ok``.
"""

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Problem
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import not_read, predict_host, unlisted_dirs

DENIED = 'cannot read: Permission denied'


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """/etc/sysctl.d with the drop-in and a later file, /usr/lib/sysctl.d, /etc/sysctl.conf and /proc/sys."""
    etc = tmp_path / 'etc' / 'sysctl.d'
    usr = tmp_path / 'usr' / 'lib' / 'sysctl.d'
    sysctl_conf = _write(tmp_path / 'etc' / 'sysctl.conf', '# nothing\n')
    root = tmp_path / 'proc' / 'sys'
    _write(root / 'net' / 'ipv4' / 'tcp_max_tw_buckets', '262144\n')
    _write(etc / '90-kerneltune.conf', 'net.ipv4.tcp_max_tw_buckets = 262144\n')
    secret = _write(etc / '95-hardening.conf', 'net.ipv4.tcp_max_tw_buckets = 5000\n')
    usr.mkdir(parents=True)
    real_conf_files = _host.conf_files
    real_expand = _host.expand
    real_writable = _host.writable
    monkeypatch.setattr(_host, 'conf_files', lambda applier, dirs=None, sysctl_conf_=None, planned=None:
                        real_conf_files(applier, [str(etc), str(usr)], str(sysctl_conf), planned))
    monkeypatch.setattr(_host, 'SYSCTL_D_DIRS', (str(etc), str(tmp_path / 'run' / 'sysctl.d'), str(usr)))
    monkeypatch.setattr(_host, 'expand', lambda pattern, dummy=None: real_expand(pattern, str(root)))
    monkeypatch.setattr(_host, 'writable', lambda key, dummy=None: real_writable(key, str(root)))
    return etc, str(secret)


def _deny(monkeypatch, denied, calls=('open', 'listdir')):
    """As a user other than root: os.open / os.listdir of ``denied`` fail with EACCES (tests run as root)."""
    for name in calls:
        real = getattr(os, name)

        def refuse(path, *args, real=real, **kwargs):
            if str(path) == denied:
                raise PermissionError(errno.EACCES, 'Permission denied', path)
            return real(path, *args, **kwargs)

        monkeypatch.setattr(_host.os, name, refuse)


def _audit(applier='procps'):
    key = 'net.ipv4.tcp_max_tw_buckets'
    live = {key: '262144'}
    files, problems, predictions = predict_host(applier, [key], live, oracle=False)
    expectations, baselines = prepare({key: {'min': 262144}})
    results, dummy = audit(expectations, baselines, live, predictions)
    return problems, predictions[key], results[key]


def test_readable_files_decide(tree):
    """Control: read as root, the later file sets the key back at boot."""
    problems, prediction, result = _audit()
    assert problems == []
    assert prediction['boot_undecided'] is None
    assert (result['status'], result['boot']) == ('boot_drift', '5000')


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
def test_unreadable_file_leaves_the_boot_undecided(tree, monkeypatch, applier):
    etc, secret = tree
    _deny(monkeypatch, secret, ('open',))
    problems, prediction, result = _audit(applier)
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
    key = 'net.ipv4.tcp_max_tw_buckets'
    live = {key: '5000'}
    predictions = predict_host('procps', [key], live, oracle=False)[2]
    results = audit(*(prepare({key: {'min': 262144}}) + (live, predictions)))[0]
    assert results[key]['status'] == 'drift'


def test_unlistable_directory(tree, monkeypatch):
    etc, secret = tree
    _deny(monkeypatch, str(etc), ('listdir',))
    problems, prediction, result = _audit()
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
    problems, prediction, result = _audit()
    assert dangling in problems
    assert prediction['boot_undecided'] is None
    assert result['status'] == 'boot_drift'


def test_parse_problems_are_not_counted(tree):
    assert not_read([Problem('/etc/sysctl.d/x.conf', 3, 'garbage', 'not an assignment (no "=")')]) is None


def test_unlisted_dirs_skips_missing(tmp_path):
    assert unlisted_dirs([str(tmp_path / 'missing'), str(tmp_path)]) == []


@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads files whatever their mode')
def test_unreadable_file_for_real(tree):
    etc, secret = tree
    os.chmod(secret, 0)
    try:
        problems, prediction, result = _audit()
    finally:
        os.chmod(secret, 0o644)
    assert result['status'] == 'undecided'

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying a plan to a host under a temporary root: all or nothing, failures injected by a writer, and the rollback.

The host is conftest.tune_root (the ECS image) with one more file applied
after the drop-in, /etc/sysctl.d/95-local.conf, so a plan replaces three
files: the drop-in, /etc/sysctl.conf and 95-local.conf, in that order.
"""

from __future__ import annotations

import errno
import os
import re

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import HostWriter, apply_plan
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import ApplyError, KernelRejectedError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import tune_request, verify_failure
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import make_plan, read_after, read_view

LOCAL = b'net.core.somaxconn = 128\n'
SETTINGS = {'net.ipv4.tcp_max_tw_buckets': {'min': 262144}, 'net.core.somaxconn': 8192,
            'net.ipv4.tcp_fin_timeout': 30}
BACKUP = re.compile(r'\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~\Z')


class FailingWriter(HostWriter):
    """A HostWriter that records its calls and fails the n-th call of a method (1-based) with an errno."""

    def __init__(self, root, **failures):
        super(FailingWriter, self).__init__(root)
        self.failures = failures  # method -> {n: errno}
        self.calls = []

    def _call(self, name, target):
        self.calls.append((name, target))
        code = self.failures.get(name, {}).get(sum(1 for call in self.calls if call[0] == name))
        if code and name == 'write_live':
            raise KernelRejectedError('the kernel rejected %s: %s' % (target, os.strerror(code)), key=target,
                                      reason=os.strerror(code))
        if code:
            raise OSError(code, os.strerror(code), target)

    def write_live(self, key, value):
        self._call('write_live', key)
        super(FailingWriter, self).write_live(key, value)

    def replace(self, path, data, mode=None, label=None):
        self._call('replace', path)
        super(FailingWriter, self).replace(path, data, mode, label)

    def restore(self, kept, path):
        self._call('restore', path)
        super(FailingWriter, self).restore(kept, path)

    def remove(self, path):
        self._call('remove', path)
        super(FailingWriter, self).remove(path)


@pytest.fixture
def host(tune_root):
    with open(os.path.join(tune_root, 'etc', 'sysctl.d', '95-local.conf'), 'wb') as handle:
        handle.write(LOCAL)
    return tune_root


@pytest.fixture
def sysctl_conf(host):
    """The ECS /etc/sysctl.conf as it is before the run."""
    return read(paths(host)[1])


def paths(root):
    etc = os.path.join(root, 'etc')
    return (os.path.join(etc, 'sysctl.d', '90-kerneltune.conf'), os.path.join(etc, 'sysctl.conf'),
            os.path.join(etc, 'sysctl.d', '95-local.conf'))


def live(root, relative):
    with open(os.path.join(root, 'proc', 'sys', relative)) as handle:
        return handle.read().strip()


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def plan_of(root, tune_params, **options):
    return make_plan(tune_request(tune_params(settings=SETTINGS, **options)), root)


def test_apply_then_verify_then_nothing_left_to_do(host, tune_params, tree_state, sysctl_conf):
    dropin, conf, local = paths(host)
    os.setxattr(conf, 'user.kerneltune', b'kept')
    plan = plan_of(host, tune_params)
    assert [edit.path for edit in plan.edits] == [conf, local]
    writer = FailingWriter(host)
    backups, warnings = apply_plan(plan, writer)
    assert warnings == []
    assert [call for call in writer.calls if call[0] == 'replace'] == [('replace', dropin), ('replace', conf),
                                                                       ('replace', local)]
    assert [backup[:-len(BACKUP.search(backup).group(0))] for backup in backups] == [conf, local]
    assert (read(backups[0]), read(backups[1])) == (sysctl_conf, LOCAL)
    assert read(dropin) == plan.data and read(conf) == plan.edits[0].after and read(local) == plan.edits[1].after
    assert os.getxattr(conf, 'user.kerneltune') == b'kept'  # and the backup is the original inode
    assert os.getxattr(backups[0], 'user.kerneltune') == b'kept'
    assert (live(host, 'net/ipv4/tcp_max_tw_buckets'), live(host, 'net/core/somaxconn')) == ('262144', '8192')
    after = read_after(plan, host)
    assert verify_failure(plan, after) is None
    assert set(entry['status'] for entry in after['sysctl'].values()) == {'ok'}
    # a rerun changes nothing
    state = tree_state(host)
    again = plan_of(host, tune_params)
    assert (again.changes_host, again.writes, again.edits, again.writes_dropin) == (False, {}, [], False)
    assert tree_state(host) == state
    # ... and reads the host once: its view after is the view before, equal to a fresh read
    assert read_after(again, host) is again.before
    assert again.before == after == read_view(again, host)


@pytest.mark.parametrize('options, settings', [
    ({'apply_live': False}, SETTINGS),
    ({'missing': 'skip'}, dict(SETTINGS, **{'net.core.no_such_key': 1})),
    ({'shadowed': 'ignore'}, SETTINGS),
], ids=['persist-only', 'missing-skipped', 'shadows-ignored'])
def test_a_rerun_that_changes_nothing_reports_what_a_fresh_read_sees(host, tune_params, options, settings):
    apply_plan(make_plan(tune_request(tune_params(settings=settings, **options)), host), HostWriter(host))
    again = make_plan(tune_request(tune_params(settings=settings, **options)), host)
    assert again.changes_host is False
    assert read_after(again, host) is again.before
    assert again.before == read_view(again, host)


def test_a_failed_file_write_restores_everything(host, tune_params, tree_state):
    dropin, conf, local = paths(host)
    before = tree_state(host)
    plan = plan_of(host, tune_params)
    writer = FailingWriter(host, replace={3: errno.ENOSPC})
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, writer)
    assert str(exc.value) == ('writing the sysctl files failed ([Errno 28] No space left on device: %r); live values '
                              'and files were restored' % local)
    assert (exc.value.changed, exc.value.left, exc.value.backups) == (False, [], {})
    assert tree_state(host) == before  # the same inodes: contents, modes, attributes; no backup, no temporary file


def test_a_failed_rollback_keeps_the_backup_and_says_what_is_left(host, tune_params, tree_state, sysctl_conf):
    # The disk fills up after /etc/sysctl.conf was replaced: 95-local.conf cannot be written, and putting
    # /etc/sysctl.conf back fails too.
    dropin, conf, local = paths(host)
    before = tree_state(host)
    plan = plan_of(host, tune_params)
    writer = FailingWriter(host, replace={3: errno.ENOSPC}, restore={1: errno.ENOSPC})
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, writer)
    error = exc.value
    assert error.changed is True
    assert error.left == [conf]
    (backup,) = error.backups.values()
    assert list(error.backups) == [conf] and backup.startswith(conf + '.') and BACKUP.search(backup)
    assert str(error) == (
        'writing the sysctl files failed ([Errno 28] No space left on device: %r); restoring failed too: '
        '%s is left changed (No space left on device), its original is kept at %s' % (local, conf, backup))
    # what is left is what the message says: the edited file, and its original in the backup
    assert read(conf) == plan.edits[0].after
    assert read(backup) == sysctl_conf and os.stat(backup).st_ino == before['etc/sysctl.conf'][2]
    # everything else is back: the drop-in gone, 95-local.conf untouched (its copy removed), live values restored
    after = tree_state(host)
    assert sorted(set(after) - set(before)) == [os.path.relpath(backup, host)]
    assert dict((name, value) for name, value in after.items() if name != 'etc/sysctl.conf'
                and name in before) == dict((name, value) for name, value in before.items()
                                            if name != 'etc/sysctl.conf')


def test_a_failed_rollback_of_a_new_drop_in_a_copy_and_a_live_value(host, tune_params, sysctl_conf):
    # /etc/sysctl.conf cannot be written: its copy (made first) cannot be removed, nor the new drop-in, and the
    # kernel refuses to take one value back.
    dropin, conf, local = paths(host)
    plan = plan_of(host, tune_params)
    writer = FailingWriter(host, replace={2: errno.EIO}, remove={1: errno.EBUSY, 2: errno.EROFS},
                           write_live={len(plan.writes) + 1: errno.EINVAL})
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, writer)
    (copy,) = [name for name in os.listdir(os.path.dirname(conf)) if name.startswith('sysctl.conf.')]
    copy = os.path.join(os.path.dirname(conf), copy)
    assert exc.value.changed is True
    assert exc.value.left == [copy, dropin, 'net.ipv4.tcp_max_tw_buckets']
    assert exc.value.backups == {}
    assert str(exc.value).endswith(
        'restoring failed too: a copy of %s is left at %s (Device or resource busy); %s is left changed (Read-only '
        'file system); net.ipv4.tcp_max_tw_buckets is left changed (was 5000: Invalid argument)' % (conf, copy, dropin))
    assert os.path.exists(dropin) and read(copy) == sysctl_conf
    assert live(host, 'net/ipv4/tcp_max_tw_buckets') == '262144'
    assert live(host, 'net/core/somaxconn') == '4096'  # the others were written back
    assert read(conf) == sysctl_conf


def test_a_refused_live_value_changes_no_file(host, tune_params, tree_state):
    before = tree_state(host)
    plan = plan_of(host, tune_params)
    assert sorted(plan.writes) == ['net.core.somaxconn', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_max_tw_buckets']
    writer = FailingWriter(host, write_live={2: errno.EINVAL})
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, writer)
    assert str(exc.value) == ('the kernel rejected net.ipv4.tcp_fin_timeout: Invalid argument; values already '
                              'written were restored, no file was changed')
    assert exc.value.changed is False
    assert writer.calls == [('write_live', 'net.core.somaxconn'), ('write_live', 'net.ipv4.tcp_fin_timeout'),
                            ('write_live', 'net.ipv4.tcp_fin_timeout'), ('write_live', 'net.core.somaxconn')]
    assert tree_state(host) == before


def test_a_refused_live_value_that_cannot_be_restored(host, tune_params):
    plan = plan_of(host, tune_params)
    writer = FailingWriter(host, write_live={2: errno.EINVAL, 4: errno.EPERM})
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, writer)
    assert exc.value.changed is True and exc.value.left == ['net.core.somaxconn']
    assert str(exc.value) == ('the kernel rejected net.ipv4.tcp_fin_timeout: Invalid argument; no file was changed, '
                              'but restoring failed: net.core.somaxconn is left changed (was 4096: Operation not '
                              'permitted)')


def test_the_drop_in_directory_is_made_and_removed_again(tmp_path, tune_params, tree_state):
    root = str(tmp_path)
    proc = tmp_path / 'proc' / 'sys' / 'net' / 'core'
    proc.mkdir(parents=True)
    (proc / 'somaxconn').write_text('4096\n')
    (tmp_path / 'etc').mkdir()
    before = tree_state(root)
    plan = make_plan(tune_request(tune_params(settings={'net.core.somaxconn': 9000})), root)
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, FailingWriter(root, replace={1: errno.ENOSPC}))
    assert exc.value.changed is False
    assert tree_state(root) == before
    apply_plan(plan, HostWriter(root))
    assert os.stat(os.path.join(root, 'etc', 'sysctl.d')).st_mode & 0o7777 == 0o755
    assert verify_failure(plan, read_after(plan, root)) is None


def test_replacing_an_owned_drop_in_keeps_no_copy(host, tune_params):
    dropin = paths(host)[0]
    apply_plan(plan_of(host, tune_params), HostWriter(host))
    first = read(dropin)
    plan = plan_of(host, tune_params, header=['second version'])
    assert plan.writes_dropin and not plan.creates_dropin and plan.edits == []
    listing = sorted(os.listdir(os.path.dirname(dropin)))
    assert apply_plan(plan, HostWriter(host)) == ([], [])
    assert sorted(os.listdir(os.path.dirname(dropin))) == listing
    assert read(dropin) != first and read(dropin).startswith(b'# second version\n')


def test_a_hidden_copy_that_cannot_be_removed_is_a_warning(host, tune_params):
    dropin = paths(host)[0]
    apply_plan(plan_of(host, tune_params), HostWriter(host))
    plan = plan_of(host, tune_params, header=['second version'])
    backups, warnings = apply_plan(plan, FailingWriter(host, remove={1: errno.EBUSY}))
    assert backups == []
    (warning,) = warnings
    assert re.match(r'could not remove %s/\.90-kerneltune\.conf\.\d+\..*~, a copy of the drop-in before this run: '
                    % re.escape(os.path.dirname(dropin)), warning)


def test_a_rerun_that_changes_nothing_but_does_not_hold_says_so(host, tune_params):
    """With shadowed=ignore a later file keeps undoing a key at boot: the rerun changes nothing and fails verify."""
    params = tune_params(settings=SETTINGS, shadowed='ignore')
    first = make_plan(tune_request(params), host)
    apply_plan(first, HostWriter(host))
    assert verify_failure(first, read_after(first, host)).startswith('after the change these keys do not hold: ')
    again = make_plan(tune_request(params), host)
    assert again.changes_host is False
    assert verify_failure(again, read_after(again, host)).startswith(
        'nothing needed changing, but these keys do not hold: net.core.somaxconn (')

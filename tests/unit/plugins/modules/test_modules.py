# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tune and audit modules as adapters: main() run for real on a host under a temporary root.

The module_utils functions they call are bound to the root (the modules
themselves always read and change ``/``); AnsibleModule, the options, the
result and its failures are the real ones.
"""

from __future__ import annotations

import errno
import json
import os
from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _apply, _host, _tune_host
from ansible_collections.kerneltune.sysctl.plugins.modules import audit as audit_module
from ansible_collections.kerneltune.sysctl.plugins.modules import tune as tune_module

TW = 'net.ipv4.tcp_max_tw_buckets'


def run_module(module, args, capsys):
    """Run ``module.main()`` with ``args``; return its result (the JSON it printed)."""
    try:
        from ansible.module_utils.testing import patch_module_args
        patched = patch_module_args(args)
    except ImportError:  # ansible-core before 2.19
        patched = mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode())
    try:  # ansible-core 2.19: warnings go to the controller's display once a test imported controller code
        from ansible.module_utils import _internal
    except ImportError:
        _internal = None
    if hasattr(_internal, 'is_controller'):
        on_target = mock.patch.object(_internal, 'is_controller', False)
    else:
        on_target = mock.patch.object(basic, 'AnsibleModule', basic.AnsibleModule)
    with patched, on_target:
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def warnings(result):
    """The texts of the warnings of a result (ansible-core 2.19 returns each as a summary dict)."""
    return [item if isinstance(item, str) else item['event']['msg'] for item in result.get('warnings', [])]


@pytest.fixture
def tune_at(tune_root, monkeypatch):
    """The tune module bound to the host under tune_root; its calls of lock() are recorded."""
    locks = []

    def lock():
        locks.append(True)
        return _apply.lock(tune_root)

    monkeypatch.setattr(tune_module, 'lock', lock)
    monkeypatch.setattr(tune_module, 'make_plan', lambda request: _tune_host.make_plan(request, tune_root))
    monkeypatch.setattr(tune_module, 'read_after', lambda plan: _tune_host.read_after(plan, tune_root))
    monkeypatch.setattr(tune_module, 'HostWriter', lambda: _apply.HostWriter(tune_root))
    return tune_root, locks


ARGS = {'profile': 'high_connection', 'boot_applier': 'procps', 'kernel_check': False}


def test_tune_validates_before_it_takes_the_lock(tune_at, capsys, tree_state):
    root, locks = tune_at
    before = tree_state(root)
    result = run_module(tune_module, dict(ARGS, path='/etc/sysctl.d/90-kerneltune'), capsys)
    assert result['failed'] and result['msg'] == ('path /etc/sysctl.d/90-kerneltune must be a .conf file directly in '
                                                  '/etc/sysctl.d')
    assert locks == []
    assert tree_state(root) == before


def test_tune_check_mode_changes_nothing(tune_at, capsys, tree_state):
    root, locks = tune_at
    before = tree_state(root)
    result = run_module(tune_module, dict(ARGS, _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert result['changed'] is True and 'after' not in result
    assert [entry['before_header'] for entry in result['diff']] == ['/etc/sysctl.d/90-kerneltune.conf',
                                                                    os.path.join(root, 'etc', 'sysctl.conf')]
    assert result['before']['sysctl'][TW]['status'] == 'drift'
    assert locks == []
    assert tree_state(root) == before


def test_tune_converges_then_changes_nothing(tune_at, capsys):
    root, locks = tune_at
    result = run_module(tune_module, ARGS, capsys)
    assert result['changed'] is True, result
    assert result['live_changes'][TW] == {'before': '5000', 'after': '262144'}
    (backup,) = result['backup_files']
    assert backup.startswith(os.path.join(root, 'etc', 'sysctl.conf.'))
    assert set(entry['status'] for entry in result['after']['sysctl'].values()) == {'ok'}
    assert 'not_restored' not in result
    again = run_module(tune_module, ARGS, capsys)
    assert again['changed'] is False and again['backup_files'] == [] and again['diff'][0]['before'] == (
        again['diff'][0]['after'])
    assert locks == [True, True]
    assert os.listdir(os.path.join(root, 'run')) == [_apply.LOCK_NAME]


def test_tune_reports_a_failed_rollback(tune_at, capsys, monkeypatch):
    root, locks = tune_at

    class DiskFull(_apply.HostWriter):
        """The drop-in and /etc/sysctl.conf are written; the next file (95-local.conf) and the restores fail."""

        def replace(self, path, data, mode=None, label=None):
            if path.endswith('95-local.conf'):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
            super(DiskFull, self).replace(path, data, mode, label)

        def restore(self, kept, path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    with open(os.path.join(root, 'etc', 'sysctl.d', '95-local.conf'), 'w') as handle:
        handle.write('net.ipv4.tcp_max_syn_backlog = 1024\n')
    monkeypatch.setattr(tune_module, 'HostWriter', lambda: DiskFull(root))
    result = run_module(tune_module, ARGS, capsys)
    conf = os.path.join(root, 'etc', 'sysctl.conf')
    assert result['failed'] and result['changed'] is True
    assert result['not_restored'] == [conf]
    (backup,) = result['backup_files']
    assert result['msg'].endswith('restoring failed too: %s is left changed (No space left on device), its original '
                                  'is kept at %s' % (conf, backup))
    assert os.path.exists(backup)


def test_tune_fails_when_the_keys_do_not_hold(tune_at, capsys, monkeypatch):
    root, locks = tune_at

    def after(plan):
        report = _tune_host.read_after(plan, root)
        report['sysctl'][TW]['reason'] = 'the next boot applies 5000 from /etc/rc.local:1'
        return report

    monkeypatch.setattr(tune_module, 'read_after', after)
    result = run_module(tune_module, ARGS, capsys)
    assert result['failed'] and result['changed'] is True
    assert result['msg'] == ('after the change these keys do not hold: net.ipv4.tcp_max_tw_buckets (the next boot '
                             'applies 5000 from /etc/rc.local:1)')
    assert run_module(tune_module, dict(ARGS, verify=False), capsys)['changed'] is False


@pytest.fixture
def audit_at(tune_root, monkeypatch):
    """The audit module bound to the host under tune_root."""
    monkeypatch.setattr(audit_module, 'appliers', lambda choice: _host.appliers(choice, tune_root))
    monkeypatch.setattr(audit_module, 'read_host', lambda *args, **kwargs: _host.read_host(*args, root=tune_root,
                                                                                           **kwargs))
    monkeypatch.setattr(audit_module, 'read_pressure', lambda live: _host.read_pressure(live, tune_root))
    return tune_root


def test_audit_of_the_ecs_image(audit_at, capsys):
    with open(os.path.join(audit_at, 'etc', 'sysctl.conf'), 'ab') as handle:
        handle.write(b'this is garbage\n')
    result = run_module(audit_module, {'profile': 'high_connection', 'baseline_profile': 'alibaba_cloud_default',
                                       'expect': {'net.core.somaxcon': 1}, 'boot_applier': 'procps',
                                       'kernel_check': False}, capsys)
    assert result['changed'] is False and not result.get('failed')
    conf = os.path.join(audit_at, 'etc', 'sysctl.conf')
    link = os.path.join(audit_at, 'etc', 'sysctl.d', '99-sysctl.conf')
    assert result['boot_files'] == [os.path.join(audit_at, 'etc', 'sysctl.d', '60-app.conf'), link, conf]
    assert result['sysctl'][TW]['status'] == 'drift' and result['sysctl'][TW]['at_baseline'] is True
    assert result['sysctl']['net.core.somaxcon']['status'] == 'missing'
    assert result['sysctl']['net.core.somaxcon']['reason'].endswith('did you mean net.core.somaxconn?')
    assert [problem['file'] for problem in result['problems']] == [link, conf]
    # the file read twice (through the 99-sysctl.conf link too) warns once
    assert [warning for warning in warnings(result) if 'not an assignment' in warning] == [
        '%s:8: not an assignment (no "=")' % link]
    assert result['pressure']['tw_buckets'] == 5000
    assert result['summary']['drift'] == 5


def test_audit_fails_on_drift_and_on_bad_input(audit_at, capsys):
    result = run_module(audit_module, {'expect': {TW: {'min': 262144}}, 'fail_on_drift': True,
                                       'boot_applier': 'procps', 'kernel_check': False}, capsys)
    assert result['failed'] and result['msg'] == 'sysctl keys not ok: net.ipv4.tcp_max_tw_buckets (drift)'
    assert result['sysctl'][TW]['live'] == '5000'
    result = run_module(audit_module, {'expect': {'net.ipv4.tcp_rmem': {'min': 1}}, 'boot_applier': 'procps'}, capsys)
    assert result['failed'] and 'apply only to keys holding one integer' in result['msg']

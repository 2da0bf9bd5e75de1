# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_report action validates its options with ActionBase.validate_argument_spec, before writing anything."""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.kerneltune.sysctl.plugins.action.audit_report import ActionModule

RESULT = {'sysctl': {'net.core.somaxconn': {'live': '4096', 'boot': '4096', 'boot_source': None,
                                            'expected': {'min': 8192}, 'baseline': None, 'at_baseline': None,
                                            'status': 'drift'}},
          'summary': {'drift': 1}}


def run(args, hostvars=None, play_hosts=('web1', 'web2')):
    task = mock.MagicMock(args=dict(args), async_val=0, check_mode=False, action='kerneltune.sysctl.audit_report')
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    action = ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), None)
    action._load_name = 'kerneltune.sysctl.audit_report'
    task_vars = {'hostvars': hostvars if hostvars is not None else {'web1': {'kerneltune_audit': RESULT}},
                 'ansible_play_hosts_all': list(play_hosts)}
    return action.run(task_vars=task_vars)


def test_writes_the_report(tmp_path):
    result = run({'dest': str(tmp_path), 'profile': 'high_connection', 'baseline_profile': 'alibaba_cloud_default'})
    assert sorted(os.listdir(str(tmp_path))) == ['report.csv', 'report.html', 'report.json']
    assert result['host_status'] == {'web1': 'drift'}
    assert sorted(result['failed_hosts']) == ['web2']
    with open(str(tmp_path / 'report.json')) as handle:
        report = json.load(handle)
    assert report['profile'] == 'high_connection'


def test_a_string_for_a_list_is_one_element_not_its_letters(tmp_path):
    result = run({'dest': str(tmp_path), 'hosts': 'web1', 'formats': 'json'})
    assert os.listdir(str(tmp_path)) == ['report.json']
    assert result['host_status'] == {'web1': 'drift'} and result['failed_hosts'] == {}


def test_dest_expands_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    result = run({'dest': '~/reports', 'formats': ['csv']})
    assert result['files'] == {'csv': str(tmp_path / 'reports' / 'report.csv')}


# (id, args, a part of the message)
REFUSED = [
    ('format', {'formats': ['json', 'pdf']}, 'value of formats must be one or more of: json, csv, html. '
                                             'Got no match for: pdf'),
    ('format-string', {'formats': 'pdf'}, 'Got no match for: pdf'),
    ('hosts-mapping', {'hosts': {'web1': 1}}, "argument 'hosts' is of type"),
    ('profile', {'profile': 'fast'}, 'value of profile must be one of: alibaba_cloud_default, high_connection, '
                                     'got: fast'),
    ('baseline', {'baseline_profile': 'high_connection'}, 'value of baseline_profile must be one of: '
                                                          'alibaba_cloud_default, got: high_connection'),
    ('unknown-option', {'format': 'json'}, 'Unsupported parameters for (kerneltune.sysctl.audit_report) module: '
                                           'format'),
]


@pytest.mark.parametrize('args, message', [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_refused_before_anything_is_written(tmp_path, args, message):
    dest = tmp_path / 'reports'
    with pytest.raises(AnsibleActionFail) as exc:
        run(dict(args, dest=str(dest)))
    assert message in str(exc.value)
    assert not dest.exists()

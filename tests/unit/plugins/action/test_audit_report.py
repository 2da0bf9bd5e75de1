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
    assert sorted(os.listdir(str(tmp_path))) == ['.kerneltune-report.lock', 'report.csv', 'report.html', 'report.json',
                                                 'report.junit.xml',
                                                 'report.prom']
    assert result['host_status'] == {'web1': 'drift'}
    assert sorted(result['failed_hosts']) == ['web2']
    with open(str(tmp_path / 'report.json')) as handle:
        report = json.load(handle)
    assert report['profile'] == 'high_connection'


def test_a_string_for_a_list_is_one_element_not_its_letters(tmp_path):
    result = run({'dest': str(tmp_path), 'hosts': 'web1', 'formats': 'json'})
    assert sorted(os.listdir(str(tmp_path))) == ['.kerneltune-report.lock', 'report.json']
    assert result['host_status'] == {'web1': 'drift'} and result['failed_hosts'] == {}


def test_dest_expands_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    result = run({'dest': '~/reports', 'formats': ['csv']})
    assert result['files'] == {'csv': str(tmp_path / 'reports' / 'report.csv')}


# (id, args, a part of the message)
REFUSED = [
    ('format', {'formats': ['json', 'pdf']}, 'value of formats must be one or more of: json, csv, html, prom, junit. '
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


def entry(status, live):
    return {'live': live, 'boot': live, 'boot_source': None, 'expected': '1', 'baseline': None, 'at_baseline': None,
            'status': status}


def fleet_vars(statuses):
    """hostvars: host -> status of its one key (or 'unreachable' / 'failed')."""
    hostvars = {}
    for host, status in statuses.items():
        if status == 'unreachable':
            hostvars[host] = {'kerneltune_audit': {'unreachable': True, 'msg': 'timed out'}}
        elif status == 'failed':
            hostvars[host] = {'kerneltune_audit': {'failed': True, 'msg': 'MODULE FAILURE'}}
        else:
            hostvars[host] = {'kerneltune_audit': {'sysctl': {'net.core.somaxconn': entry(status, '4096')},
                                                   'summary': {status: 1}, 'boot_applier': 'procps'}}
    return hostvars


def load(path):
    with open(str(path)) as handle:
        return json.load(handle)


def test_changes_since_the_previous_run_and_history(tmp_path):
    with mock.patch('time.gmtime', return_value=(2026, 11, 25, 3, 0, 0, 2, 329, 0)):
        first = run({'dest': str(tmp_path)}, fleet_vars({'web1': 'ok', 'web2': 'ok'}), ('web1', 'web2'))
    assert first['changes'] is None and first['summary_lines'][-1] == 'no earlier report to compare with'
    second = run({'dest': str(tmp_path), 'formats': ['json', 'csv']},
                 fleet_vars({'web1': 'drift', 'web2': 'unreachable', 'web3': 'ok'}), ('web1', 'web2', 'web3'))
    assert second['changes']['since'] == '2026-11-25T03:00:00Z'
    assert second['changes']['counts']['new_drift'] == 1 and second['changes']['counts']['newly_unreachable'] == 1
    assert second['summary_lines'][-1].startswith('since 2026-11-25T03:00:00Z: 1 key newly not ok on 1 host (web1)')
    report = load(tmp_path / 'report.json')
    assert report['changes']['hosts_added'] == ['web3'] and report['changes']['newly_unreachable'] == ['web2']
    assert [item['key'] for item in report['changes']['keys']] == ['net.core.somaxconn']
    assert os.listdir(str(tmp_path / 'history')) == ['report-20261125T030000Z.json']
    assert load(tmp_path / 'history' / 'report-20261125T030000Z.json')['host_status'] == {'web1': 'ok', 'web2': 'ok'}


def test_history_keeps_the_newest(tmp_path):
    for day in range(1, 6):
        with mock.patch('time.gmtime', return_value=(2026, 11, day, 3, 0, 0, 2, 329, 0)):
            run({'dest': str(tmp_path), 'formats': ['json'], 'history': 2}, fleet_vars({'web1': 'ok'}), ('web1',))
    kept = sorted(os.listdir(str(tmp_path / 'history')))
    assert kept == ['report-20261103T030000Z.json', 'report-20261104T030000Z.json']


@pytest.mark.parametrize('content', ['not json', '[1, 2]', '{"hosts": "x"}'])
def test_an_unusable_previous_report_is_a_warning(tmp_path, content):
    (tmp_path / 'old.json').write_text(content)
    with mock.patch('ansible.plugins.action.display') as display:
        result = run({'dest': str(tmp_path / 'out'), 'previous': str(tmp_path / 'old.json')})
    assert result['changes'] is None
    assert 'is not usable' in str(display.warning.call_args)
    assert os.path.isfile(str(tmp_path / 'out' / 'report.json'))


FLEET = {'web1': 'drift', 'web2': 'ok', 'web3': 'boot_drift', 'db1': 'ok', 'db2': 'unreachable', 'batch': 'failed',
         'lb1': 'ok'}


def test_three_slices_merged_equal_one_run(tmp_path):
    hostvars = fleet_vars(FLEET)
    single = tmp_path / 'single'
    run({'dest': str(single)}, hostvars, list(FLEET))
    sliced = tmp_path / 'sliced'
    names = sorted(FLEET)
    slices = [names[0::3], names[1::3], names[2::3]]
    for hosts in slices:
        result = run({'dest': str(sliced), 'slice': True}, hostvars, hosts)
        assert list(result['files']) == ['slice'] and result['changes'] is None
    assert len(os.listdir(str(sliced / 'slices'))) == 3 and not (sliced / 'report.json').exists()
    # A slice run again replaces its own file.
    run({'dest': str(sliced), 'slice': True}, hostvars, slices[0])
    assert len(os.listdir(str(sliced / 'slices'))) == 3
    merged = run({'dest': str(sliced), 'merge': True}, {}, ())
    assert len(merged['merged_slices']) == 3 and os.listdir(str(sliced / 'slices')) == []
    one, other = load(single / 'report.json'), load(sliced / 'report.json')
    one.pop('generated')
    other.pop('generated')
    assert one == other
    for name in ('report.csv', 'report.html'):
        assert (single / name).read_text() .replace(load(single / 'report.json')['generated'], 'T') == \
            (sliced / name).read_text().replace(load(sliced / 'report.json')['generated'], 'T')


def test_merge_without_slices_fails_naming_the_directory(tmp_path):
    with pytest.raises(AnsibleActionFail, match='no slice reports'):
        run({'dest': str(tmp_path), 'merge': True})


def test_merge_refuses_slices_of_different_profiles(tmp_path):
    run({'dest': str(tmp_path), 'slice': True, 'profile': 'high_connection'}, fleet_vars({'a': 'ok'}), ('a',))
    run({'dest': str(tmp_path), 'slice': True, 'profile': 'alibaba_cloud_default'}, fleet_vars({'b': 'ok'}), ('b',))
    with pytest.raises(AnsibleActionFail, match='different profiles'):
        run({'dest': str(tmp_path), 'merge': True})
    assert len(os.listdir(str(tmp_path / 'slices'))) == 2 and not (tmp_path / 'report.json').exists()


def test_merge_a_slice_that_is_no_report_names_it(tmp_path):
    (tmp_path / 'slices').mkdir()
    (tmp_path / 'slices' / 'slice-0123456789abcdef.json').write_text('[]')
    with pytest.raises(AnsibleActionFail, match='slice-0123456789abcdef.json is not a slice report'):
        run({'dest': str(tmp_path), 'merge': True})


def test_slice_and_merge_exclude_each_other(tmp_path):
    with pytest.raises(AnsibleActionFail, match='mutually exclusive'):
        run({'dest': str(tmp_path), 'merge': True, 'slice': True})


def test_an_earlier_report_is_read_slim(tmp_path):
    from ansible_collections.kerneltune.sysctl.plugins.action.audit_report import _read_json
    run({'dest': str(tmp_path)}, fleet_vars({'web1': 'drift'}), ('web1',))
    full, slim = _read_json(str(tmp_path / 'report.json')), _read_json(str(tmp_path / 'report.json'), slim=True)
    assert full['hosts']['web1']['sysctl']['net.core.somaxconn']['boot_source'] is None
    assert slim['hosts']['web1']['sysctl'] == {'net.core.somaxconn': {'status': 'drift', 'live': '4096'}}
    assert slim['host_status'] == full['host_status'] and slim['signatures'] == full['signatures']


def test_the_previous_report_is_named_where_it_is_kept(tmp_path):
    with mock.patch('time.gmtime', return_value=(2026, 11, 25, 3, 0, 0, 2, 329, 0)):
        run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    second = run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert second['changes']['previous'] == 'history/report-20261125T030000Z.json'
    assert (tmp_path / second['changes']['previous']).is_file()


def test_without_report_json_there_is_no_comparison_and_no_history(tmp_path):
    run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    result = run({'dest': str(tmp_path), 'formats': ['csv']}, fleet_vars({'web1': 'drift'}), ('web1',))
    assert result['changes'] is None and not (tmp_path / 'history').exists()


def test_history_is_a_copy_where_hard_links_fail(tmp_path):
    run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    with mock.patch('os.link', side_effect=OSError(1, 'Operation not permitted')):
        run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    kept = os.listdir(str(tmp_path / 'history'))
    assert len(kept) == 1 and (tmp_path / 'history' / kept[0]).stat().st_nlink == 1


def test_a_limited_run_into_the_fleet_directory_warns(tmp_path):
    with mock.patch('ansible.plugins.action.display') as display:
        task = mock.MagicMock(args={'dest': str(tmp_path)}, async_val=0, check_mode=False,
                              action='kerneltune.sysctl.audit_report')
        connection = mock.MagicMock()
        connection._shell.tmpdir = None
        action = ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), None)
        action._load_name = 'kerneltune.sysctl.audit_report'
        action.run(task_vars={'hostvars': fleet_vars({'web1': 'ok'}), 'ansible_play_hosts_all': ['web1'],
                              'ansible_limit': 'web1'})
    assert 'this run is limited (--limit web1)' in str(display.warning.call_args)


def test_stale_slices_are_named_in_a_warning(tmp_path):
    with mock.patch('time.gmtime', return_value=(2026, 11, 20, 3, 0, 0, 2, 324, 0)):
        run({'dest': str(tmp_path), 'slice': True}, fleet_vars({'a': 'ok'}), ('a',))
    run({'dest': str(tmp_path), 'slice': True}, fleet_vars({'b': 'ok'}), ('b',))
    with mock.patch('ansible.plugins.action.display') as display:
        result = run({'dest': str(tmp_path), 'merge': True})
    assert result['summary_lines'][-2].startswith('merged 2 slice reports made between 2026-11-20T03:00:00Z and ')
    assert 'a slice may be left from an earlier run' in str(display.warning.call_args)


def test_history_zero_deletes_the_dated_reports_kept_earlier(tmp_path):
    for day in (1, 2, 3):
        with mock.patch('time.gmtime', return_value=(2026, 11, day, 3, 0, 0, 2, 329, 0)):
            run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert len(os.listdir(str(tmp_path / 'history'))) == 2
    (tmp_path / 'history' / 'notes.txt').write_text('mine')
    run({'dest': str(tmp_path), 'formats': ['json'], 'history': 0}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert os.listdir(str(tmp_path / 'history')) == ['notes.txt']


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_report_files_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        run({'dest': str(tmp_path), 'formats': ['json', 'csv']})
    finally:
        os.umask(old)
    assert [os.stat(str(tmp_path / name)).st_mode & 0o777 for name in ('report.json', 'report.csv')] == [mode, mode]

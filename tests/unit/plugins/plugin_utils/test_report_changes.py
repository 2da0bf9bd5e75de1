# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changes since the previous report: per host and key, and per host."""

from __future__ import annotations

import json

import pytest

from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import CSV_FIELDS, build_report, csv_rows
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import (
    NotAReport, changes_line, compare, dated_name, to_prune,
)

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'


def host(**keys):
    """keys: key -> (status, live)."""
    return dict(sysctl=dict((k.replace('__', '.'), dict(status=s, live=v)) for k, (s, v) in keys.items()))


def report(results, unreachable=None, failed=None, generated='2026-11-26T03:00:00Z'):
    return build_report(results, unreachable or {}, failed or {}, 'high_connection', 'alibaba_cloud_default',
                        generated)


def previous(results, unreachable=None, failed=None):
    """An earlier report as report.json holds it (through JSON, as the action reads it)."""
    return json.loads(json.dumps(report(results, unreachable, failed, generated='2026-11-25T03:00:00Z')))


# (id, before (status, live) or None, after, change)
KEY_CASES = [
    ('still-ok', ('ok', '262144'), ('ok', '262144'), None),
    ('ok-value-moves-within-range', ('ok', '262144'), ('ok', '300000'), 'value_changed'),
    ('new-drift', ('ok', '262144'), ('drift', '5000'), 'new_drift'),
    ('new-boot-drift', ('ok', '262144'), ('boot_drift', '262144'), 'new_drift'),
    ('resolved', ('drift', '5000'), ('ok', '262144'), 'resolved'),
    ('resolved-from-missing', ('missing', None), ('ok', '1'), 'resolved'),
    ('drift-to-boot-drift', ('drift', '5000'), ('boot_drift', '262144'), 'status_changed'),
    ('drift-other-value', ('drift', '5000'), ('drift', '4000'), 'value_changed'),
    ('same-drift', ('drift', '5000'), ('drift', '5000'), None),
    ('key-new-not-ok', None, ('drift', '5000'), 'new_drift'),
    ('key-new-ok', None, ('ok', '1'), None),
]


@pytest.mark.parametrize('before, after, change', [c[1:] for c in KEY_CASES], ids=[c[0] for c in KEY_CASES])
def test_key_changes(before, after, change):
    old = host(net__ipv4__tcp_max_tw_buckets=before) if before else host()
    changes = compare(previous({'web1': old}), report({'web1': host(net__ipv4__tcp_max_tw_buckets=after)}), 'x')
    expected = [] if change is None else [dict(host='web1', key=TW, change=change,
                                               before_status=before and before[0], before_live=before and before[1],
                                               after_status=after[0], after_live=after[1])]
    assert changes['keys'] == expected
    assert sum(changes['counts'][kind] for kind in ('new_drift', 'resolved', 'status_changed', 'value_changed')) \
        == len(expected)


def test_host_changes():
    before = previous({'web1': host(a=('ok', '1')), 'web2': host(a=('ok', '1')), 'web3': host(a=('ok', '1')),
                       'gone1': host(a=('ok', '1'))},
                      unreachable={'db1': 'timed out', 'db2': 'timed out'}, failed={'batch': 'MODULE FAILURE'})
    now = report({'web1': host(a=('ok', '1')), 'db1': host(a=('drift', '2')), 'new1': host(a=('drift', '2')),
                  'batch': host(a=('ok', '1'))},
                 unreachable={'web2': 'timed out', 'db2': 'timed out'}, failed={'web3': 'MODULE FAILURE'})
    changes = compare(before, now, 'report.json')
    assert changes['since'] == '2026-11-25T03:00:00Z' and changes['previous'] == 'report.json'
    assert changes['hosts_added'] == ['new1']
    assert changes['hosts_gone'] == ['gone1']
    assert changes['newly_unreachable'] == ['web2']  # db2 was unreachable already
    assert changes['newly_failed'] == ['web3']
    assert changes['reachable_again'] == ['batch', 'db1']
    assert changes['keys'] == []  # hosts not audited both times are listed, their keys are not compared
    line = changes_line(changes)
    assert line.startswith('since 2026-11-25T03:00:00Z: 0 keys newly not ok on 0 hosts; 0 resolved')
    for part in ('hosts added 1 (new1)', 'hosts gone 1 (gone1)', 'newly unreachable 1 (web2)',
                 'newly failed 1 (web3)', 'reachable again 2 (batch, db1)'):
        assert part in line


def test_changes_line_names_the_hosts_newly_drifting():
    before = previous({'web%d' % i: host(a=('ok', '1'), b=('ok', '1')) for i in range(7)})
    now = report({'web%d' % i: host(a=('drift', '2'), b=('drift', '2')) for i in range(7)})
    line = changes_line(compare(before, now, 'report.json'))
    assert line.startswith('since 2026-11-25T03:00:00Z: 14 keys newly not ok on 7 hosts (web0, web1, web2, web3, '
                           'web4, ...); 0 resolved; 0 changed status; 0 changed value')
    assert changes_line(None) == 'no earlier report to compare with'


@pytest.mark.parametrize('document, message', [
    ([], 'not a JSON object'),
    ('report', 'not a JSON object'),
    ({'generated': 'x'}, 'no "hosts" mapping'),
    ({'hosts': ['web1']}, 'no "hosts" mapping'),
])
def test_not_a_report(document, message):
    with pytest.raises(NotAReport, match=message):
        compare(document, report({}), 'x')


def test_a_malformed_previous_host_counts_as_failed_then():
    before = {'generated': 5, 'hosts': {'web1': {'sysctl': ['not', 'a', 'mapping']}, 'web2': 'x'},
              'unreachable': ['web3'], 'failed': {'web4': {'nested': 1}}}
    now = report({'web1': host(a=('drift', '2')), 'web4': host(a=('ok', '1'))})
    changes = compare(before, now, 'x')
    assert changes['since'] is None
    assert changes['hosts_added'] == [] and changes['keys'] == []
    assert changes['reachable_again'] == ['web1', 'web4'] and changes['hosts_gone'] == ['web2']


def test_csv_change_column():
    before = previous({'web1': host(a=('ok', '1'), b=('drift', '2'))}, unreachable={'db1': 'down'})
    now = report({'web1': host(a=('drift', '2'), b=('ok', '1')), 'new1': host(a=('ok', '1')),
                  'db1': host(a=('ok', '1'))})
    now['changes'] = compare(before, now, 'report.json')
    column = CSV_FIELDS.index('change')
    assert dict(((row[0], row[1]), row[column]) for row in csv_rows(now)) == {
        ('web1', 'a'): 'new_drift', ('web1', 'b'): 'resolved', ('new1', 'a'): 'host_added',
        ('db1', 'a'): 'reachable_again'}


@pytest.mark.parametrize('generated, name', [
    ('2026-11-26T15:00:00Z', 'report-20261126T150000Z.json'),
    ('garbage', 'report-undated.json'),
    (None, 'report-undated.json'),
    ('../../etc/passwd', 'report-undated.json'),
])
def test_dated_name(generated, name):
    assert dated_name(generated) == name


def test_to_prune_keeps_the_newest_dated_reports_only():
    names = ['report-20261126T150000Z.json', 'report-20261124T150000Z.json', 'report-20261125T150000Z.json',
             'report-undated.json', 'notes.txt']
    assert to_prune(names, 2) == ['report-20261124T150000Z.json']
    assert to_prune(names, 0) == sorted(names[:3])
    assert to_prune(names, 5) == []


def test_a_previous_report_of_another_profile_is_said():
    before = previous({'web1': host(a=('ok', '1'))})
    now = build_report({'web1': host(a=('drift', '1'))}, {}, {}, 'alibaba_cloud_default', 'alibaba_cloud_default', 'x')
    changes = compare(before, now, 'report.json')
    assert changes['expectations_before'] == dict(profile='high_connection', baseline_profile='alibaba_cloud_default')
    assert changes_line(changes).endswith('the previous report was audited against profile high_connection, '
                                          'baseline alibaba_cloud_default: changes of the expectation count too')
    assert 'expectations_before' not in compare(before, report({'web1': host(a=('ok', '1'))}), 'x')

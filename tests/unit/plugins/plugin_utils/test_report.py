# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import csv
import json
import tracemalloc

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import (
    CSV_FIELDS,
    NOT_OK,
    STATUS_ORDER,
    build_report,
    csv_rows,
    host_pressure,
    host_worst,
    summary_lines,
    write_csv,
    write_json,
)
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import ROWS_SHOWN, render_html

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'


def entry(status='ok', live='1', at_baseline=None, **extra):
    value = dict(live=live, boot=live, boot_source='/etc/sysctl.conf:1', expected='1', baseline=None,
                 at_baseline=at_baseline, status=status)
    value.update(extra)
    return value


def result(*statuses, **kwargs):
    """A host result with keys k0, k1, ... of the given statuses; pressure=worst verdict of TW when given."""
    verdict = kwargs.pop('pressure', None)
    res = dict(sysctl=dict(('k%d' % i, entry(s)) for i, s in enumerate(statuses)), summary={},
               boot_applier='procps')
    if verdict is not None:
        res['pressure'] = dict(tw_usage=0.5, verdict={TW: verdict, SYN: 'ok', SOMAXCONN: 'ok'})
    return res


def report(results, unreachable=None, failed=None, **kwargs):
    return build_report(results, unreachable or {}, failed or {}, 'high_connection', 'alibaba_cloud_default',
                        '2026-01-01T00:00:00Z', **kwargs)


@pytest.mark.parametrize('statuses, worst', [
    ((), 'ok'),
    (('ok', 'ok'), 'ok'),
    (('ok', 'missing'), 'missing'),
    (('missing', 'boot_drift', 'ok'), 'boot_drift'),
    (('ok', 'boot_drift', 'drift', 'missing'), 'drift'),
])
def test_host_worst(statuses, worst):
    assert host_worst(result(*statuses)) == worst


@pytest.mark.parametrize('pressure, expected', [
    (None, None),
    ({}, None),
    ({'verdict': {}}, None),
    ({'verdict': {TW: 'ok', SYN: 'ok'}}, 'ok'),
    ({'verdict': {TW: 'near_limit', SYN: 'ok'}}, 'near_limit'),
    ({'verdict': {TW: 'near_limit', SYN: 'overflowed', SOMAXCONN: 'ok'}}, 'overflowed'),
])
def test_host_pressure(pressure, expected):
    res = result('ok')
    if pressure is not None:
        res['pressure'] = pressure
    assert host_pressure(res) == expected


@pytest.mark.parametrize('hosts, order', [
    # worst status first, whatever the names
    ({'a': ('ok',), 'b': ('missing',), 'c': ('boot_drift',), 'd': ('drift',)}, ['d', 'c', 'b', 'a']),
    # same worst status: more keys not ok first, then by name
    ({'a': ('drift', 'ok', 'ok'), 'b': ('drift', 'missing', 'ok'), 'c': ('drift', 'drift', 'drift'),
      'd': ('drift', 'ok', 'ok')}, ['c', 'b', 'a', 'd']),
    ({'z': ('ok',), 'y': ('ok',), 'x': ()}, ['x', 'y', 'z']),
])
def test_order_worst_first(hosts, order):
    rep = report(dict((name, result(*statuses)) for name, statuses in hosts.items()))
    assert rep['host_order'] == order
    assert list(rep['hosts']) == order


@pytest.mark.parametrize('hosts, order', [
    # overflowed leads even when all its keys are ok, then near_limit, then status
    ({'drifty': result('drift'), 'full': result('ok', pressure='overflowed'),
      'near': result('ok', pressure='near_limit')}, ['full', 'near', 'drifty']),
    ({'near-drift': result('drift', pressure='near_limit'), 'near-ok': result('ok', pressure='near_limit'),
      'over-ok': result('ok', pressure='overflowed'), 'plain': result('boot_drift')},
     ['over-ok', 'near-drift', 'near-ok', 'plain']),
])
def test_order_pressure_first(hosts, order):
    rep = report(hosts)
    assert rep['host_order'] == order
    assert rep['summary']['hosts_under_pressure'] == [h for h in order if host_pressure(hosts[h]) in
                                                      ('overflowed', 'near_limit')]


def test_order_pressure_ok_is_no_pressure():
    rep = report({'drifty': result('drift'), 'calm': result('ok', pressure='ok')})
    assert rep['host_order'] == ['drifty', 'calm']


def fleet():
    results = {
        'web1': dict(sysctl={TW: entry('drift', '5000', True), SYN: entry('drift', '1024', True),
                             'net.ipv4.tcp_syncookies': entry('ok', '1', True)}),
        'web2': dict(sysctl={TW: entry('boot_drift', '262144', False), SYN: entry('ok', '8192', False),
                             'net.ipv4.tcp_syncookies': entry('ok', '1', True)}),
        'ctr1': dict(sysctl={TW: entry('missing', None, None), SYN: entry('drift', '4096', False),
                             'net.ipv4.tcp_syncookies': entry('ok', '1', True)}),
        'db1': dict(sysctl={TW: entry('ok', '262144', False), SYN: entry('ok', '8192', False),
                            'net.ipv4.tcp_syncookies': entry('ok', '1', True)},
                    pressure=dict(tw_usage=0.9, verdict={TW: 'near_limit'})),
    }
    return report(results, unreachable={'lb2': 'ssh: no route', 'lb1': 'timed out'},
                  failed={'batch': 'MODULE FAILURE\nTraceback ...'})


def test_summary_counts():
    rep = fleet()
    s = rep['summary']
    assert rep['host_order'] == ['db1', 'ctr1', 'web1', 'web2']  # ctr1, web1: both drift, 2 keys not ok
    assert (s['hosts_total'], s['hosts_audited'], s['hosts_unreachable'], s['hosts_failed']) == (7, 4, 2, 1)
    assert s['hosts_by_status'] == {'drift': 2, 'boot_drift': 1, 'undecided': 0, 'unreadable': 0, 'missing': 0,
                                    'ok': 1}
    assert s['keys_by_status'] == {'drift': 3, 'boot_drift': 1, 'undecided': 0, 'unreadable': 0, 'missing': 1,
                                   'ok': 7}
    assert sum(s['keys_by_status'].values()) == 12
    assert list(s['hosts_by_status']) == list(STATUS_ORDER)
    # only keys that are not ok and still at the baseline count (tcp_syncookies 1 is ok everywhere)
    assert s['hosts_at_baseline'] == ['web1']
    assert s['hosts_under_pressure'] == ['db1']
    assert rep['host_status'] == {'db1': 'ok', 'web1': 'drift', 'ctr1': 'drift', 'web2': 'boot_drift'}
    assert list(rep['unreachable']) == ['lb1', 'lb2']
    assert rep['failed'] == {'batch': 'MODULE FAILURE\nTraceback ...'}
    assert (rep['profile'], rep['baseline_profile'], rep['generated']) == (
        'high_connection', 'alibaba_cloud_default', '2026-01-01T00:00:00Z')


def test_worst_keys():
    assert fleet()['summary']['worst_keys'] == [
        dict(key=TW, not_ok=3, drift=1, boot_drift=1, undecided=0, unreadable=0, missing=1, at_baseline=1),
        dict(key=SYN, not_ok=2, drift=2, boot_drift=0, undecided=0, unreadable=0, missing=0, at_baseline=1),
    ]


@pytest.mark.parametrize('limit, expected', [
    (10, ['k0', 'k1', 'k2', 'k3']),
    (2, ['k0', 'k1']),
    (0, []),
])
def test_worst_keys_order_and_limit(limit, expected):
    # k0 not ok on 3 hosts, k1 and k2 on 2 (tie: by name), k3 on 1, k4 never
    results = {'a': result('drift', 'drift', 'missing', 'ok', 'ok'),
               'b': result('drift', 'boot_drift', 'ok', 'ok', 'ok'),
               'c': result('missing', 'ok', 'drift', 'boot_drift', 'ok')}
    rep = report(results, worst_keys=limit)
    assert [k['key'] for k in rep['summary']['worst_keys']] == expected


def test_empty_fleet():
    rep = report({}, unreachable={'a': 'down'})
    assert rep['host_order'] == [] and rep['summary']['worst_keys'] == []
    assert rep['summary']['hosts_total'] == 1
    assert list(csv_rows(rep)) == [['a', '', '', '', 'down', '', '', '', 'unreachable', '', '', '', '', '', '']]
    assert summary_lines(rep)[0] == 'hosts audited: 0 of 1 (unreachable: 1, failed: 0)'


@pytest.mark.parametrize('field, value, cell', [
    ('live', None, ''),
    ('live', '4096\t65535', '4096\t65535'),
    ('at_baseline', True, 'true'),
    ('at_baseline', False, 'false'),
    ('at_baseline', None, ''),
    ('expected', {'min': 262144}, '{"min": 262144}'),
    ('expected', {'one_of': ['1', '2'], 'max': 3}, '{"max": 3, "one_of": ["1", "2"]}'),
    ('baseline', 5000, '5000'),
])
def test_csv_cells(field, value, cell):
    rep = report({'h': dict(sysctl={'k': entry('drift', **{field: value})})})
    rows = list(csv_rows(rep))
    assert len(rows) == 1 and len(rows[0]) == len(CSV_FIELDS)
    assert rows[0][CSV_FIELDS.index(field)] == cell


def test_csv_rows_order():
    rows = list(csv_rows(fleet()))
    assert [row[:2] for row in rows] == [
        [host, key] for host in ('db1', 'ctr1', 'web1', 'web2')
        for key in (SYN, TW, 'net.ipv4.tcp_syncookies')] + [['lb1', ''], ['lb2', ''], ['batch', '']]
    tail = ['', '', '', '', '', '']  # pressure, error, reload, reload_source, reason, change
    assert rows[-3:] == [['lb1', '', '', '', 'timed out', '', '', '', 'unreachable'] + tail,
                         ['lb2', '', '', '', 'ssh: no route', '', '', '', 'unreachable'] + tail,
                         ['batch', '', '', '', 'MODULE FAILURE', '', '', '', 'failed'] + tail]
    assert rows[3] == ['ctr1', SYN, '4096', '4096', '/etc/sysctl.conf:1', '1', '', 'false', 'drift', '', '', '', '', '', '']
    assert rows[7] == ['web1', TW, '5000', '5000', '/etc/sysctl.conf:1', '1', '', 'true', 'drift', '', '', '', '', '', '']
    # A host with pressure data: each governing key's row carries its verdict.
    db1 = dict((row[1], row[CSV_FIELDS.index('pressure')]) for row in rows if row[0] == 'db1')
    assert db1 == dict((key, fleet()['hosts']['db1']['pressure']['verdict'].get(key, '')) for key in db1)
    assert 'overflowed' in db1.values() or 'near_limit' in db1.values()


def test_write_csv_and_json(tmp_path):
    rep = fleet()
    with open(str(tmp_path / 'r.csv'), 'wb') as out:
        write_csv(rep, out)
    with open(str(tmp_path / 'r.json'), 'wb') as out:
        write_json(rep, out)
    with open(str(tmp_path / 'r.csv'), newline='') as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_FIELDS
    assert rows[1:] == list(csv_rows(rep))
    loaded = json.loads((tmp_path / 'r.json').read_text())
    assert loaded['host_order'] == rep['host_order']
    assert loaded['summary'] == json.loads(json.dumps(rep['summary']))


def test_summary_lines():
    lines = summary_lines(fleet())
    assert lines[:4] == [
        'hosts audited: 4 of 7 (unreachable: 2, failed: 1)',
        'hosts by worst status: drift 2, boot_drift 1, undecided 0, unreadable 0, missing 0, ok 1',
        'hosts still at alibaba_cloud_default values: 1 (web1)',
        'keys by status: drift 3, boot_drift 1, undecided 0, unreadable 0, missing 1, ok 7',
    ]
    assert 'hosts under TIME_WAIT/backlog pressure: 1 (db1)' in lines
    assert 'keys drifting most: %s (3 hosts), %s (2 hosts)' % (TW, SYN) in lines
    assert lines[-3:] == ['unreachable: lb1: timed out', 'unreachable: lb2: ssh: no route',
                          'failed: batch: MODULE FAILURE']


def test_summary_lines_truncates():
    results = dict(('h%02d' % i, dict(sysctl={'k': entry('drift', '0', True)})) for i in range(12))
    rep = build_report(results, {}, {'f': 'x' * 500}, None, None, 'now')
    lines = summary_lines(rep)
    assert lines[2] == 'hosts still at baseline values: 12 (%s, ...)' % ', '.join('h%02d' % i for i in range(10))
    assert lines[-1].startswith('failed: f: xxx') and lines[-1].endswith('...') and len(lines[-1]) < 140
    assert not any(line.startswith('hosts under') for line in lines)


HOSTS, KEYS = 1000, 30
MEMORY_BOUND = 100 * 1024 * 1024  # measured ~41 MB peak (input included) on CPython 3.11


def synthetic_results(hosts=HOSTS, keys=KEYS):
    results = {}
    for h in range(hosts):
        entries = {}
        for k in range(keys):
            status = STATUS_ORDER[(h + k) % 4] if (h * k) % 3 == 0 else 'ok'
            entries['net.ipv4.synthetic_key_%02d' % k] = dict(
                live=None if status == 'missing' else str(1000 + h + k), boot=str(k),
                boot_source='/etc/sysctl.d/90-kerneltune.conf:%d' % k, expected={'min': 262144},
                baseline='5000', at_baseline=k % 7 == 0, status=status)
        res = dict(sysctl=entries, summary=dict(ok=keys), boot_applier='systemd')
        if h % 10 == 0:
            res['pressure'] = dict(time_wait=h, tw_buckets=5000, tw_usage=round(h / 5000.0, 4), tw_overflows=0,
                                   verdict={TW: 'near_limit' if h % 20 else 'ok'})
        results['host-%04d.example.com' % h] = res
    return results


def test_thousand_hosts_bounded_memory(tmp_path):
    tracemalloc.start()
    try:
        results = synthetic_results()
        rep = build_report(results, dict(('down-%d' % i, 'unreachable') for i in range(10)), {'bad': 'failed'},
                           'high_connection', 'alibaba_cloud_default', '2026-01-01T00:00:00Z')
        with open(str(tmp_path / 'report.json'), 'wb') as out:
            write_json(rep, out)
        with open(str(tmp_path / 'report.csv'), 'wb') as out:
            write_csv(rep, out)
        with open(str(tmp_path / 'report.html'), 'w') as handle:
            handle.write(render_html(rep))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print('peak traced memory, %d hosts x %d keys: %.1f MB' % (HOSTS, KEYS, peak / 1e6))
    assert peak < MEMORY_BOUND
    with open(str(tmp_path / 'report.csv'), newline='') as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_FIELDS
    assert len(rows) - 1 == HOSTS * KEYS + 11  # 30,000 host x key rows + 10 unreachable + 1 failed
    assert len(json.loads((tmp_path / 'report.json').read_text())['hosts']) == HOSTS
    page = (tmp_path / 'report.html').read_text()
    # One grid row per signature (the live values differ per host here), up to ROWS_SHOWN, then one row for the rest;
    # one row for the unreachable hosts, one for the failed.
    assert len(rep['signatures']) == HOSTS
    assert page.count('<td class="st-') == ROWS_SHOWN * KEYS
    assert page.count('<tr data-row=') == ROWS_SHOWN + 1 + 2
    summary = rep['summary']
    assert summary['hosts_total'] == HOSTS + 11
    assert sum(summary['keys_by_status'].values()) == HOSTS * KEYS
    assert len(summary['hosts_under_pressure']) == 50
    assert rep['host_order'][:50] == summary['hosts_under_pressure']


def test_status_order_is_every_status_of_compare_worst_first():
    assert sorted(STATUS_ORDER) == sorted(STATUSES)
    assert STATUS_ORDER == ('drift', 'boot_drift', 'undecided', 'unreadable', 'missing', 'ok')
    assert NOT_OK == STATUS_ORDER[:-1]


FLUSH = 'net.ipv4.route.flush'
FLUSH_ERROR = 'cannot read net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: Permission denied'


def unreadable_fleet():
    flush = entry('unreadable', None, None, error=FLUSH_ERROR, boot='1')
    return report({
        'hard1': dict(sysctl={TW: entry('ok', '262144'), FLUSH: flush}),
        'hard2': dict(sysctl={TW: entry('missing', None), FLUSH: flush}),
        'web1': dict(sysctl={TW: entry('boot_drift', '262144'), FLUSH: flush}),
        'ok1': dict(sysctl={TW: entry('ok', '262144')}),
    })


def test_unreadable_keys_in_the_report():
    rep = unreadable_fleet()
    s = rep['summary']
    assert rep['host_status'] == {'hard1': 'unreadable', 'hard2': 'unreadable', 'web1': 'boot_drift', 'ok1': 'ok'}
    assert rep['host_order'] == ['web1', 'hard2', 'hard1', 'ok1']
    assert s['hosts_by_status']['unreadable'] == 2
    assert s['keys_by_status'] == {'drift': 0, 'boot_drift': 1, 'undecided': 0, 'unreadable': 3, 'missing': 1,
                                   'ok': 2}
    assert s['worst_keys'][0] == dict(key=FLUSH, not_ok=3, drift=0, boot_drift=0, undecided=0, unreadable=3,
                                      missing=0, at_baseline=0)
    assert 'keys by status: drift 0, boot_drift 1, undecided 0, unreadable 3, missing 1, ok 2' in summary_lines(rep)


def test_unreadable_keys_in_the_csv():
    rows = list(csv_rows(unreadable_fleet()))
    flush = [row for row in rows if row[1] == FLUSH]
    assert [row[0] for row in flush] == ['web1', 'hard2', 'hard1']
    assert flush[0] == ['web1', FLUSH, '', '1', '/etc/sysctl.conf:1', '1', '', '', 'unreadable', '', FLUSH_ERROR,
                        '', '', '', '']
    assert all(row[CSV_FIELDS.index('error')] == '' for row in rows if row[1] != FLUSH)


def test_a_status_the_report_does_not_know_ranks_with_the_worst():
    rep = report({'a': result('ok', 'boot_drift'), 'b': result('ok', 'brand_new'), 'c': result('drift', 'drift')})
    assert rep['host_order'] == ['c', 'b', 'a']
    assert rep['host_status']['b'] == 'brand_new'


def test_reload_and_reason_columns():
    entry = {'live': '262144', 'boot': '262144', 'boot_source': '/etc/sysctl.d/90-kerneltune.conf:4',
             'reload': '5000', 'reload_source': '/etc/sysctl.conf:12', 'expected': {'min': 262144},
             'status': 'boot_drift', 'reason': 'the next sysctl --system applies 5000 from /etc/sysctl.conf:12'}
    rep = report({'web1': {'sysctl': {'net.ipv4.tcp_max_tw_buckets': entry}}})
    row = dict(zip(CSV_FIELDS, list(csv_rows(rep))[0]))
    assert (row['reload'], row['reload_source'], row['reason']) == (
        '5000', '/etc/sysctl.conf:12', 'the next sysctl --system applies 5000 from /etc/sysctl.conf:12')

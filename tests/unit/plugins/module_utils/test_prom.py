# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus text of audit results, read back by real parsers (prometheus_client, promtool check metrics)."""

from __future__ import annotations

import json
import os
import sys

import pytest

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # requirements/test.txt installs it; ansible-test units' own venv may lack it
    st = None

from ansible_collections.kerneltune.sysctl.plugins.module_utils._prom import (
    AT_BASELINE,
    KEY_STATUS,
    LIVE_VALUE,
    escape,
    exposition,
    host_text,
    number,
)

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'tools')))
from prom_check import parse, promtool_check, required  # noqa: E402

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'
RMEM = 'net.ipv4.tcp_rmem'


def entry(live, status, at_baseline=None):
    return dict(live=live, boot=live, boot_source=None, expected='1', baseline=None, at_baseline=at_baseline,
                status=status)


# An audit module result as it returns it (the ECS image, TIME_WAIT table overflowed).
RESULT = dict(
    sysctl={
        TW: entry('5000', 'drift', True),
        SYN: entry('1024', 'drift', True),
        SOMAXCONN: entry('4096', 'boot_drift', False),
        RMEM: entry('4096\t131072\t6291456', 'ok'),
        'net.ipv4.neigh.default.gc_thresh3': entry(None, 'missing'),
        'kernel.pid_max': entry('-1', 'ok', None),
    },
    summary={'ok': 2},
    pressure=dict(time_wait=4990, tw_buckets=5000, tw_usage=0.998, tw_overflows=1602, listen_overflows=0,
                  listen_drops=0, req_q_full_drops=None, syncookies_sent=7, somaxconn=4096, tcp_max_syn_backlog=1024,
                  verdict={TW: 'overflowed', SYN: 'near_limit', SOMAXCONN: 'ok'}),
)


def series(name, value, **labels):
    return (name, tuple(sorted(labels.items()))), value


def test_one_host_file():
    text = host_text(RESULT)
    samples, types = parse(text)
    assert samples == dict([
        series('kerneltune_sysctl_host_state', 1, state='audited'),
        series(KEY_STATUS, 1, key=TW, status='drift'),
        series(KEY_STATUS, 1, key=SYN, status='drift'),
        series(KEY_STATUS, 1, key=SOMAXCONN, status='boot_drift'),
        series(KEY_STATUS, 1, key=RMEM, status='ok'),
        series(KEY_STATUS, 1, key='net.ipv4.neigh.default.gc_thresh3', status='missing'),
        series(KEY_STATUS, 1, key='kernel.pid_max', status='ok'),
        # one integer only: tcp_rmem's three fields and a missing key's null are left out
        series(LIVE_VALUE, 5000, key=TW),
        series(LIVE_VALUE, 1024, key=SYN),
        series(LIVE_VALUE, 4096, key=SOMAXCONN),
        series(LIVE_VALUE, -1, key='kernel.pid_max'),
        series(AT_BASELINE, 1, key=TW),
        series(AT_BASELINE, 1, key=SYN),
        series(AT_BASELINE, 0, key=SOMAXCONN),
        series('kerneltune_sysctl_tcp_time_wait_overflow_total', 1602, key=TW),
        series('kerneltune_sysctl_listen_overflows_total', 0, key=SOMAXCONN),
        series('kerneltune_sysctl_listen_drops_total', 0, key=SOMAXCONN),
        # req_q_full_drops is null (the kernel lacks the counter): left out, not NaN
        series('kerneltune_sysctl_syncookies_sent_total', 7, key=SYN),
        series('kerneltune_sysctl_time_wait_sockets', 4990, key=TW),
        series('kerneltune_sysctl_time_wait_usage_ratio', 0.998, key=TW),
        series('kerneltune_sysctl_pressure_verdict', 1, key=TW, verdict='overflowed'),
        series('kerneltune_sysctl_pressure_verdict', 1, key=SYN, verdict='near_limit'),
        series('kerneltune_sysctl_pressure_verdict', 1, key=SOMAXCONN, verdict='ok'),
    ])
    assert types['kerneltune_sysctl_tcp_time_wait_overflow'] == 'counter'  # the parser drops _total of a counter
    assert types[KEY_STATUS] == 'gauge'
    assert 'timestamp' not in text and 'req_q_full' not in text and 'NaN' not in text
    promtool_check(text)


def test_one_host_file_is_the_same_for_equal_results():
    """No time, keys sorted: a rerun with equal values gives equal text (the textfile is then not rewritten)."""
    shuffled = json.loads(json.dumps(RESULT))
    shuffled['sysctl'] = dict(reversed(list(shuffled['sysctl'].items())))
    assert host_text(shuffled) == host_text(RESULT)
    changed = json.loads(json.dumps(RESULT))
    changed['pressure']['tw_overflows'] += 1
    assert host_text(changed) != host_text(RESULT)


def test_fleet_groups_by_family_with_host_labels():
    hosts = [('web1', 'audited', RESULT), ('web2', 'audited', {'sysctl': {TW: entry('262144', 'ok', False)}}),
             ('db1', 'unreachable', None), ('db2', 'failed', None), ('web1', 'failed', None)]
    text = ''.join(exposition(hosts, generated=1795705200))
    samples, types = parse(text)
    states = dict((dict(labels)['host'], dict(labels)['state']) for (name, labels) in samples
                  if name == 'kerneltune_sysctl_host_state')
    assert states == {'web1': 'audited', 'web2': 'audited', 'db1': 'unreachable', 'db2': 'failed'}
    assert samples[series(LIVE_VALUE, 0, host='web2', key=TW)[0]] == 262144
    assert samples[series(KEY_STATUS, 0, host='web1', key=TW, status='drift')[0]] == 1
    assert samples[('kerneltune_sysctl_report_timestamp_seconds', ())] == 1795705200
    assert all(dict(labels).get('host') for (name, labels) in samples if name != 'kerneltune_sysctl_report_timestamp_seconds')
    headers = [line for line in text.splitlines() if line.startswith('# TYPE')]
    assert len(headers) == len(set(headers)) == len(types)
    promtool_check(text)


HOSTILE = [
    'quote"d', 'back\\slash', 'new\nline', 'trailing\\', '\\"', '\\n', 'brace}', 'comma,key="x"', 'eq=', 'tab\there',
    'cr\rhere', 'nul\x00', 'unicode ç 漢字 🙂', '', ' ', '# HELP x', 'x} 1\nevil_metric 1',
]


@pytest.mark.parametrize('name', HOSTILE)
def test_hostile_names_round_trip(name):
    """Host and key names with characters the format escapes, or that look like syntax, come back as they were."""
    result = {'sysctl': {name: entry('7', name)}, 'pressure': {'verdict': {name: name}}}
    other = {'sysctl': {'k': entry('1', 'ok')}}
    text = ''.join(exposition([(name, 'audited', result), ('plain', 'audited', other)]))
    samples, types = parse(text)
    assert samples[series(KEY_STATUS, 0, host=name, key=name, status=name)[0]] == 1
    assert samples[series(LIVE_VALUE, 0, host=name, key=name)[0]] == 7
    assert samples[series('kerneltune_sysctl_pressure_verdict', 0, host=name, key=name, verdict=name)[0]] == 1
    assert samples[series(LIVE_VALUE, 0, host='plain', key='k')[0]] == 1
    assert 'evil_metric' not in types
    promtool_check(text)


@pytest.mark.parametrize('text, escaped', [
    ('net.core.somaxconn', 'net.core.somaxconn'),
    ('a"b', 'a\\"b'),
    ('a\\b', 'a\\\\b'),
    ('a\nb', 'a\\nb'),
    ('\\n', '\\\\n'),
    ('a\rb', 'a\rb'),  # only backslash, double quote and line feed are escaped, as the format says
    ('\ud800', None),  # a lone surrogate has no UTF-8
    (b'bytes', None),
    (5, None),
    (None, None),
    (['a'], None),
])
def test_escape(text, escaped):
    assert escape(text) == escaped


@pytest.mark.parametrize('value, counter, text', [
    (5000, False, '5000'),
    (-1, False, '-1'),
    (0, True, '0'),
    (-1, True, None),  # a counter is not negative
    (True, False, None),  # a bool is no number
    (False, True, None),
    ('5000', False, '5000'),
    (' 5000\n', False, '5000'),
    ('-1', False, '-1'),
    ('-1', True, None),
    ('007', False, '007'),  # valid as it is: parsers read 7
    ('4096\t87380\t6291456', False, None),  # several fields
    ('0x10', False, None),
    ('1e3', False, None),
    ('+5', False, None),
    ('5_000', False, None),
    ('\u0663', False, None),  # an Arabic-Indic digit int() would take
    ('', False, None),
    ('9' * 25, False, None),  # no sysctl integer is that long
    ('18446744073709551615', False, '1.8446744073709552e+19'),  # ULONG_MAX, written as the float a parser reads
    (0.998, False, '0.998'),
    (1e300, False, '1e+300'),
    (float('nan'), False, None),
    (float('inf'), False, None),
    (-0.5, True, None),
    (10 ** 20, False, '1e+20'),
    (10 ** 400, False, None),  # no float holds it
    (None, False, None),
    ([1], False, None),
    ({'a': 1}, False, None),
])
def test_number(value, counter, text):
    assert number(value, counter=counter) == text


MALFORMED = [
    None, [], 'text', 5, {'sysctl': None}, {'sysctl': []}, {'sysctl': 'x'}, {'sysctl': {'k': None}},
    {'sysctl': {'k': ['a']}}, {'sysctl': {'k': {'status': ['drift'], 'live': {'a': 1}, 'at_baseline': 'yes'}}},
    {'sysctl': {'k': {'status': {'a': 1}, 'live': 5, 'at_baseline': 1}}},
    {'sysctl': {'k': {'status': 'ok', 'live': '\ud800'}, '\udcff': {'status': 'ok', 'live': '1'}}},
    {'pressure': []}, {'pressure': {'verdict': [], 'tw_overflows': True, 'time_wait': '5', 'tw_usage': 'high',
                                    'listen_drops': -3, 'listen_overflows': float('nan')}},
    {'pressure': {'verdict': {'k': ['overflowed'], 'j': None}}},
]


@pytest.mark.parametrize('result', MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_results_are_skipped(result):
    """Never an error: what is malformed is left out, the host and the other hosts stay."""
    text = ''.join(exposition([('bad', 'audited', result), ('good', 'audited', RESULT)]))
    samples, types = parse(text)
    assert samples[series('kerneltune_sysctl_host_state', 0, host='bad', state='audited')[0]] == 1
    assert samples[series(LIVE_VALUE, 0, host='good', key=TW)[0]] == 5000
    bad = dict((name, dict(labels)) for (name, labels) in samples if dict(labels).get('host') == 'bad')
    assert set(bad) <= {'kerneltune_sysctl_host_state', KEY_STATUS, 'kerneltune_sysctl_time_wait_sockets'}, bad
    promtool_check(text)


def test_malformed_values_of_a_well_formed_entry():
    result = {'sysctl': {'k': {'status': 'ok', 'live': '5', 'at_baseline': 'yes'},
                         'j': {'status': 'ok', 'live': 5, 'at_baseline': 1}},
              'pressure': {'tw_overflows': True, 'time_wait': '5', 'listen_drops': -3, 'tw_usage': float('inf')}}
    samples, types = parse(host_text(result))
    assert sorted(samples) == sorted([
        series('kerneltune_sysctl_host_state', 1, state='audited')[0],
        series(KEY_STATUS, 1, key='j', status='ok')[0],
        series(KEY_STATUS, 1, key='k', status='ok')[0],
        series(LIVE_VALUE, 5, key='k')[0],  # the module returns text; an int there is not its result
        series('kerneltune_sysctl_time_wait_sockets', 5, key=TW)[0],  # a string of one integer is one
    ])


def test_a_host_named_twice_or_unnamable_is_left_out():
    text = ''.join(exposition([('a', 'audited', RESULT), ('a', 'unreachable', None), ('\udcff', 'failed', None),
                               (['x'], 'failed', None), ('b', 'nonsense', None)]))
    samples, types = parse(text)
    assert sorted(dict(labels)['host'] for (name, labels) in samples if name == 'kerneltune_sysctl_host_state') == ['a']
    one = parse(''.join(exposition([(None, 'audited', RESULT), (None, 'audited', {})])))[0]  # found by hypothesis
    assert one == parse(host_text(RESULT))[0]
    assert ''.join(exposition([])) == ''


def hosts_strategy():
    """Lists of (host, state, result): arbitrary JSON-like data where the audit result goes, and results of the
    right shape with arbitrary leaves."""
    scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-2 ** 70, max_value=2 ** 70)
               | st.floats(allow_nan=True, allow_infinity=True) | st.text() | st.from_regex(r'-?[0-9]{1,30}', fullmatch=True))
    json_ = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                         | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12)
    entry_ = st.fixed_dictionaries({}, optional={'status': json_, 'live': json_, 'at_baseline': json_})
    pressure = st.fixed_dictionaries({}, optional=dict(
        [(field, json_) for field in ('tw_overflows', 'listen_overflows', 'listen_drops', 'req_q_full_drops',
                                      'syncookies_sent', 'time_wait', 'tw_usage')]
        + [('verdict', st.dictionaries(st.text(max_size=10), json_, max_size=3) | json_)]))
    sysctl = st.dictionaries(st.text(max_size=12), entry_ | json_, max_size=5) | json_
    result = st.fixed_dictionaries({}, optional={'sysctl': sysctl, 'pressure': pressure | json_}) | json_
    return st.lists(st.tuples(st.text(max_size=10) | json_, st.sampled_from(['audited', 'unreachable', 'failed']), result),
                    max_size=4)


def test_any_data_renders_text_that_parses():
    """Whatever the hosts send, rendering never fails and the text always parses; then all of it once by promtool."""
    if st is None:
        required('hypothesis is not installed (requirements/test.txt)')
    seen = []

    @settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(hosts_strategy())
    def renders(hosts):
        text = ''.join(exposition(hosts, generated=1795705200))
        parse(text)
        seen.extend(hosts)

    renders()
    fleet = [('h%d' % i, state, result) for i, (host, state, result) in enumerate(seen)]
    promtool_check(''.join(exposition(fleet)))

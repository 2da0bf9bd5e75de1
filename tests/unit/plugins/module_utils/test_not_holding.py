# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit, boot_reason, not_holding, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import parse_expectation
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import combine

TW = 'net.ipv4.tcp_max_tw_buckets'
RANGE = 'net.ipv4.ip_local_port_range'
SWAPPINESS = 'vm.swappiness'
DROPIN = '/etc/sysctl.d/90-kerneltune.conf'
CONF = '/etc/sysctl.conf'


def entry(live, boot, boot_source=None, desired=None, reload=None, reload_source=None, undecided=None,
          reload_undecided=None):
    """A result of audit for one key: its reason as audit gives it (for the expectation ``desired``).

    ``undecided`` is why the boot cannot be predicted, ``reload_undecided`` why the reload cannot.
    """
    result = {'live': live, 'boot': boot, 'boot_source': boot_source, 'reload': reload,
              'reload_source': reload_source, 'undecided': undecided or reload_undecided}
    if desired is not None:
        result.update(_expectation=parse_expectation(TW, desired), _boot_undecided=undecided,
                      _reload_undecided=reload_undecided)
        result['reason'] = boot_reason(result)
        for internal in ('_expectation', '_boot_undecided', '_reload_undecided'):
            del result[internal]
    return result


# (desired, live, boot, boot source, boot_only, reason or None when it holds)
SINGLE_CASES = [
    ({'min': 262144}, '262144', '262144', DROPIN + ':4', False, None),
    ({'min': 262144}, '300000', '262144', DROPIN + ':4', False, None),
    ({'min': 262144}, '262144', None, None, False, 'nothing persists it'),
    # a missing key has no reason: the live value is what does not hold
    ({'min': 262144}, None, None, None, False, 'the live value is None'),
    ({'min': 262144}, '262144', '5000', CONF + ':9', False, 'the next boot applies 5000 from /etc/sysctl.conf:9'),
    ({'min': 262144}, '5000', '5000', CONF + ':9', False, 'the next boot applies 5000 from /etc/sysctl.conf:9'),
    ({'min': 262144}, '262144', 'many', CONF + ':2', False, 'the next boot applies many from /etc/sysctl.conf:2'),
    ({'min': 262144}, '5000', '262144', DROPIN + ':4', False, 'the live value is 5000'),
    ({'min': 262144}, None, '262144', DROPIN + ':4', False, 'the live value is None'),
    ({'min': 262144}, '5000', '262144', DROPIN + ':4', True, None),
    ({'min': 262144}, None, '262144', DROPIN + ':4', True, None),
    ({'min': 262144}, '5000', None, None, True, 'nothing persists it'),
    ({'min': 262144}, '5000', '4096', CONF + ':1', True, 'the next boot applies 4096 from /etc/sysctl.conf:1'),
    ('1024 65000', '1024\t65000', '1024   65000', DROPIN + ':7', False, None),
    ('1024 65000', '32768\t60999', '1024 65000', DROPIN + ':7', False, 'the live value is 32768\t60999'),
    ({'max': 30}, '30', '60', '/usr/lib/sysctl.d/50-default.conf:3', False,
     'the next boot applies 60 from /usr/lib/sysctl.d/50-default.conf:3'),
    ({'one_of': [1, 2]}, '0', '2', DROPIN + ':1', False, 'the live value is 0'),
]
SINGLE_IDS = [
    'holds', 'holds-above-min', 'not-persisted', 'not-persisted-nor-live', 'boot-not-meeting',
    'boot-reported-before-live', 'boot-not-a-number', 'live-not-meeting', 'live-missing', 'boot-only-live-ignored',
    'boot-only-live-missing', 'boot-only-not-persisted', 'boot-only-boot-not-meeting', 'whitespace-insensitive',
    'live-value-verbatim', 'max', 'one-of',
]


@pytest.mark.parametrize('desired, live, boot, source, boot_only, reason', SINGLE_CASES, ids=SINGLE_IDS)
def test_not_holding_single_key(desired, live, boot, source, boot_only, reason):
    results = {TW: entry(live, boot, source, desired)}
    expectations = {TW: parse_expectation(TW, desired)}
    expected = {} if reason is None else {TW: reason}
    assert not_holding(results, expectations, [TW] if boot_only else ()) == expected


def test_not_holding_default_boot_only_is_empty():
    results = {TW: entry('5000', '262144', DROPIN + ':4', {'min': 262144})}
    assert not_holding(results, {TW: parse_expectation(TW, {'min': 262144})}) == {TW: 'the live value is 5000'}


def test_not_holding_boot_only_of_other_keys():
    results = {TW: entry('5000', '262144', DROPIN + ':4', {'min': 262144}),
               SWAPPINESS: entry('60', '10', DROPIN + ':7', 10)}
    expectations = {TW: parse_expectation(TW, {'min': 262144}), SWAPPINESS: parse_expectation(SWAPPINESS, 10)}
    assert not_holding(results, expectations, boot_only=[SWAPPINESS]) == {TW: 'the live value is 5000'}
    assert not_holding(results, expectations, boot_only=(TW, SWAPPINESS)) == {}


def test_not_holding_only_keys_of_results():
    expectations = {TW: parse_expectation(TW, {'min': 262144}), SWAPPINESS: parse_expectation(SWAPPINESS, 10)}
    assert not_holding({}, expectations) == {}
    assert not_holding({SWAPPINESS: entry('60', None, desired=10)}, expectations) == {
        SWAPPINESS: 'nothing persists it'}


# (live, boot, reload, undecided, boot_only, reason): the reason audit gives comes first
REASON_CASES = [
    ('262144', '262144', '5000', None, False, 'the next sysctl --system applies 5000 from /etc/sysctl.conf:2'),
    ('262144', '262144', '5000', None, True, 'the next sysctl --system applies 5000 from /etc/sysctl.conf:2'),
    ('262144', '262144', '300000', None, False, None),
    ('262144', '262144', None, 'a:1: why', False, 'the next boot cannot be predicted: a:1: why'),
    ('5000', '262144', None, 'a:1: why', False, 'the next boot cannot be predicted: a:1: why'),
    ('5000', '262144', '262144', None, False, 'the live value is 5000'),
]


@pytest.mark.parametrize('live, boot, reload, undecided, boot_only, reason', REASON_CASES,
                         ids=['reload', 'reload-boot-only', 'reload-holds', 'undecided', 'undecided-before-live',
                              'live'])
def test_not_holding_reasons(live, boot, reload, undecided, boot_only, reason):
    results = {TW: entry(live, boot, DROPIN + ':4', {'min': 262144}, reload, CONF + ':2', undecided)}
    expected = {} if reason is None else {TW: reason}
    assert not_holding(results, {TW: parse_expectation(TW, {'min': 262144})}, [TW] if boot_only else ()) == expected


def test_not_holding_uses_the_reason_of_the_results():
    results = {TW: dict(entry('262144', '262144', DROPIN + ':4'), reason='whatever audit said')}
    assert not_holding(results, {TW: parse_expectation(TW, {'min': 262144})}) == {TW: 'whatever audit said'}


def test_not_holding_after_audit():
    expectations, baselines = prepare({
        TW: {'min': 262144},
        'net/core/somaxconn': {'min': 8192},
        RANGE: '1024 65000',
        SWAPPINESS: 10,
        'net.ipv4.tcp_fin_timeout': {'max': 30},
    })
    live = {TW: '262144', 'net.core.somaxconn': '4096', RANGE: '1024\t65000', SWAPPINESS: '60',
            'net.ipv4.tcp_fin_timeout': '30'}
    assignments = []
    for path, text in [
        ('/usr/lib/sysctl.d/50-default.conf', 'net.ipv4.tcp_fin_timeout = 60\n'),
        (DROPIN, '# kerneltune\nnet.core.somaxconn = 8192\nnet.ipv4.tcp_max_tw_buckets = 262144\n'
                 'vm.swappiness = 10\nnet.ipv4.ip_local_port_range = 1024 65000\n'),
        (CONF, '# image defaults\nnet.ipv4.tcp_max_tw_buckets = 5000\n'),
    ]:
        found, problems = parse_conf(text, path, 'procps')
        assert problems == []
        assignments.extend(found)
    writes = write_sequence(assignments, 'procps', lambda pattern: [], lambda key: key in live)
    predictions = combine(sorted(expectations), live.get, writes, writes)
    results, dummy = audit(expectations, baselines, live, predictions)
    assert not_holding(results, expectations) == {
        'net.core.somaxconn': 'the live value is 4096',
        'net.ipv4.tcp_fin_timeout': 'the next boot applies 60 from /usr/lib/sysctl.d/50-default.conf:1',
        TW: 'the next boot applies 5000 from /etc/sysctl.conf:2',
        SWAPPINESS: 'the live value is 60',
    }
    assert not_holding(results, expectations, boot_only=[SWAPPINESS]) == {
        'net.core.somaxconn': 'the live value is 4096',
        'net.ipv4.tcp_fin_timeout': 'the next boot applies 60 from /usr/lib/sysctl.d/50-default.conf:1',
        TW: 'the next boot applies 5000 from /etc/sysctl.conf:2',
    }


def test_not_holding_a_missing_key_even_when_only_persisted():
    # a key that vanished between the plan and the check (an interface gone) never holds, boot_only or not
    result = entry(None, None, None, {'min': 262144})
    result['status'] = 'missing'
    expectations = {TW: parse_expectation(TW, {'min': 262144})}
    assert not_holding({TW: result}, expectations, [TW]) == {TW: 'the key does not exist here'}
    assert not_holding({TW: result}, expectations) == {TW: 'the key does not exist here'}

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A key that exists but cannot be read is reported on that key (status unreadable); the others are audited."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit, drift_lines, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES

FLUSH = 'net.ipv4.route.flush'
SOMAXCONN = 'net.core.somaxconn'
TW = 'net.ipv4.tcp_max_tw_buckets'
FLUSH_ERROR = 'cannot read net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: Permission denied'


def prediction(boot=None, source=None):
    """A _predict.combine prediction whose boot and reload leave ``boot`` (None: nothing persists the key)."""
    return {'boot': boot, 'boot_source': source, 'boot_undecided': None, 'boot_rejected': [],
            'reload': boot, 'reload_source': source, 'reload_undecided': None, 'checked_by': 'model',
            'kernel_default': None, 'undecided': None}


EXPECT = {FLUSH: 1, SOMAXCONN: {'min': 8192}, TW: {'min': 262144}}
PREDICTIONS = {
    FLUSH: prediction('1', '/etc/sysctl.d/60-hardening.conf:3'),
    SOMAXCONN: prediction('8192', '/etc/sysctl.d/90-kerneltune.conf:5'),
    TW: prediction('5000', '/etc/sysctl.conf:14'),
}

# (live values, unreadable, status of each key)
STATUS_CASES = [
    ({FLUSH: None, SOMAXCONN: '8192', TW: '5000'}, {FLUSH: FLUSH_ERROR},
     {FLUSH: 'unreadable', SOMAXCONN: 'ok', TW: 'drift'}),
    ({FLUSH: None, SOMAXCONN: '8192', TW: '5000'}, {},
     {FLUSH: 'missing', SOMAXCONN: 'ok', TW: 'drift'}),
    ({FLUSH: None, SOMAXCONN: None, TW: '262144'}, {FLUSH: FLUSH_ERROR, SOMAXCONN: 'cannot read it: Input/output error'},
     {FLUSH: 'unreadable', SOMAXCONN: 'unreadable', TW: 'boot_drift'}),
    ({FLUSH: None, SOMAXCONN: '8192', TW: '5000'}, None,
     {FLUSH: 'missing', SOMAXCONN: 'ok', TW: 'drift'}),
]
STATUS_IDS = ['write-only-among-others', 'absent-is-missing', 'two-unreadable', 'no-unreadable-argument']


@pytest.mark.parametrize('live, unreadable, statuses', STATUS_CASES, ids=STATUS_IDS)
def test_audit_reports_unreadable_keys_and_audits_the_rest(live, unreadable, statuses):
    expectations, baselines = prepare(EXPECT, {TW: 5000})
    results, summary = audit(expectations, baselines, live, PREDICTIONS, unreadable)
    assert dict((key, entry['status']) for key, entry in results.items()) == statuses
    for key, entry in results.items():
        if statuses[key] == 'unreadable':
            assert entry['error'] == unreadable[key]
            assert entry['live'] is None and entry['at_baseline'] is None
            assert entry['boot'] == PREDICTIONS[key]['boot']
        else:
            assert 'error' not in entry
    counted = dict((status, list(statuses.values()).count(status)) for status in STATUSES)
    assert summary == dict(counted, at_baseline=1 if live[TW] == '5000' else 0)


def test_unreadable_is_a_status_the_summary_counts():
    assert 'unreadable' in STATUSES
    expectations, dummy = prepare({FLUSH: 1})
    dummy, summary = audit(expectations, {}, {FLUSH: None}, {FLUSH: prediction()}, {FLUSH: FLUSH_ERROR})
    assert summary['unreadable'] == 1 and summary['missing'] == 0 and summary['ok'] == 0


def test_drift_lines_say_why_a_key_cannot_be_read():
    expectations, baselines = prepare(EXPECT, {})
    results, dummy = audit(expectations, baselines, {FLUSH: None, SOMAXCONN: '8192', TW: '5000'}, PREDICTIONS,
                           {FLUSH: FLUSH_ERROR})
    assert drift_lines(results) == [
        'net.ipv4.route.flush cannot be read, expected 1: unreadable (%s)' % FLUSH_ERROR,
        'net.ipv4.tcp_max_tw_buckets is 5000, expected >= 262144: drift',
    ]

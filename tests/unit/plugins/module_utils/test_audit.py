# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import Expectation
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    InvalidExpectationError,
    InvalidKeyError,
    InvalidValueError,
)

VLAN = 'net.ipv4.conf.eth0/100.rp_filter'

# (expect, baseline, expected expectations, expected baselines)
PREPARE_CASES = [
    (None, None, {}, {}),
    ({}, {}, {}, {}),
    ({'net/ipv4/conf/eth0.100/rp_filter': 1, 'net.core.somaxconn': {'min': 8192}}, None,
     {VLAN: Expectation('1', None, None, None), 'net.core.somaxconn': Expectation(None, 8192, None, None)}, {}),
    ({'net.ipv4.ip_local_port_range': '1024\t65000'},
     {'net.ipv4.ip_local_port_range': '32768\t60999', 'net/core/somaxconn': 128, 'vm.swappiness': True},
     {'net.ipv4.ip_local_port_range': Expectation('1024 65000', None, None, None)},
     {'net.ipv4.ip_local_port_range': '32768 60999', 'net.core.somaxconn': '128', 'vm.swappiness': '1'}),
    ({' vm.swappiness ': {'one_of': [0, 1]}}, {}, {'vm.swappiness': Expectation(None, None, None, ('0', '1'))}, {}),
]
PREPARE_IDS = ['none', 'empty', 'canonical-keys', 'baseline-normalised', 'key-stripped']


@pytest.mark.parametrize('expect, baseline, expectations, baselines', PREPARE_CASES, ids=PREPARE_IDS)
def test_prepare(expect, baseline, expectations, baselines):
    assert prepare(expect, baseline) == (expectations, baselines)


# (expect, baseline, error type, message)
PREPARE_INVALID_CASES = [
    ({'net.core.some maxconn': 1}, {}, InvalidKeyError,
     "sysctl key 'net.core.some maxconn' contains characters not allowed in a sysctl key: ' '"),
    ({'/proc/sys/vm/swappiness': 10}, {}, InvalidKeyError,
     "sysctl key '/proc/sys/vm/swappiness' must not start with a separator (no absolute paths)"),
    ({'net/../../etc/passwd': 1}, {}, InvalidKeyError,
     'sysctl key \'net/../../etc/passwd\' has an empty, "." or ".." component'),
    ({'net.ipv4.conf.*.rp_filter': 1}, {}, InvalidKeyError,
     "expect key 'net.ipv4.conf.*.rp_filter': globs are not allowed, name each key"),
    ({'net/ipv4/conf/eth0.100/rp_filter': 1, VLAN: 2}, {}, InvalidKeyError,
     "expect names %s twice (written as '%s' and another form)" % (VLAN, VLAN)),
    ({'vm.swappiness': 1}, {'vm.swappiness': 60, 'vm/swappiness': 60}, InvalidKeyError,
     "baseline names vm.swappiness twice (written as 'vm/swappiness' and another form)"),
    ({'vm.swappiness': 1}, {'vm..swappiness': 60}, InvalidKeyError,
     'sysctl key \'vm..swappiness\' has an empty, "." or ".." component'),
    ({'vm.swappiness': {'min': 10, 'max': 1}}, {}, InvalidExpectationError,
     'expectation of vm.swappiness: min 10 is greater than max 1'),
    ({'vm/swappiness': {'mn': 10}}, {}, InvalidExpectationError,
     'expectation of vm.swappiness has unknown field(s) mn; use min, max or one_of'),
    ({'vm.swappiness': '10\nvm.overcommit_memory = 1'}, {}, InvalidExpectationError,
     "value '10\\nvm.overcommit_memory = 1' for vm.swappiness contains a line break or NUL character"),
    ({'vm.swappiness': 1}, {'vm.swappiness': None}, InvalidValueError,
     'value None for vm.swappiness must be a string or a number, not NoneType'),
    ({'vm.swappiness': 1}, {'vm/swappiness': '60\r\n'}, InvalidValueError,
     "value '60\\r\\n' for vm.swappiness contains a line break or NUL character"),
]
PREPARE_INVALID_IDS = [
    'bad-key', 'absolute-key', 'dotdot-key', 'glob-key', 'same-key-twice', 'baseline-same-key-twice',
    'bad-baseline-key', 'min-greater-than-max', 'unknown-field', 'value-with-newline', 'baseline-none',
    'baseline-with-newline',
]


@pytest.mark.parametrize('expect, baseline, error, message', PREPARE_INVALID_CASES, ids=PREPARE_INVALID_IDS)
def test_prepare_invalid(expect, baseline, error, message):
    with pytest.raises(error) as exc:
        prepare(expect, baseline)
    assert exc.type is error
    assert str(exc.value) == message


ETC = '/etc/sysctl.d/90-tuning.conf'
CONF = '/etc/sysctl.conf'


def _assignments(*files):
    result = []
    for source, text in files:
        found, problems = parse_conf(text, source)
        assert problems == []
        result.extend(found)
    return result


# (desired, baseline, live, files, expected result)
SINGLE_CASES = [
    ({'min': 262144}, 5000, '5000', [(CONF, 'net.ipv4.tcp_max_tw_buckets = 5000\n')],
     dict(live='5000', boot='5000', boot_source=CONF + ':1', expected={'min': 262144}, baseline='5000',
          at_baseline=True, status='drift')),
    ({'min': 262144}, 5000, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n'),
                                       (CONF, '# image defaults\nnet.ipv4.tcp_max_tw_buckets = 5000\n')],
     dict(live='262144', boot='5000', boot_source=CONF + ':2', expected={'min': 262144}, baseline='5000',
          at_baseline=False, status='boot_drift')),
    ({'min': 262144}, None, '262144', [],
     dict(live='262144', boot=None, boot_source=None, expected={'min': 262144}, baseline=None,
          at_baseline=None, status='boot_drift')),
    ({'min': 262144}, None, '300000', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n')],
     dict(live='300000', boot='262144', boot_source=ETC + ':1', expected={'min': 262144}, baseline=None,
          at_baseline=None, status='ok')),
    ({'min': 262144}, 5000, None, [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n')],
     dict(live=None, boot='262144', boot_source=ETC + ':1', expected={'min': 262144}, baseline='5000',
          at_baseline=None, status='missing')),
]
SINGLE_IDS = ['drift-at-baseline', 'boot-drift-sysctl-conf-last', 'boot-drift-not-persisted', 'ok', 'missing']

TW = 'net.ipv4.tcp_max_tw_buckets'


@pytest.mark.parametrize('desired, baseline, live, files, expected', SINGLE_CASES, ids=SINGLE_IDS)
def test_audit_single_key(desired, baseline, live, files, expected):
    expectations, baselines = prepare({TW: desired}, {TW: baseline} if baseline is not None else {})
    results, summary = audit(expectations, baselines, {TW: live}, _assignments(*files))
    assert results == {TW: expected}
    counts = {'ok': 0, 'drift': 0, 'boot_drift': 0, 'missing': 0, 'at_baseline': 1 if expected['at_baseline'] else 0}
    counts[expected['status']] = 1
    assert summary == counts


def test_audit_fleet_profile():
    expectations, baselines = prepare(
        {
            'net.ipv4.tcp_max_tw_buckets': {'min': 262144},
            'net/core/somaxconn': {'min': 8192},
            'net.ipv4.tcp_syncookies': 1,
            'net.ipv4.ip_local_port_range': '1024 65000',
            'net/ipv4/conf/eth0.100/rp_filter': {'one_of': [1, 2]},
            'net.ipv4.conf.eth1.rp_filter': {'one_of': [1, 2]},
            'vm.swappiness': 10,
        },
        {
            'net.ipv4.tcp_max_tw_buckets': 5000,
            'net.core.somaxconn': '4096',
            'net.ipv4.ip_local_port_range': '32768 60999',
            'net.ipv4.conf.eth0/100.rp_filter': 1,
            'vm.dirty_ratio': 20,
        },
    )
    live = {
        'net.ipv4.tcp_max_tw_buckets': '5000',
        'net.core.somaxconn': '8192',
        'net.ipv4.tcp_syncookies': '1',
        'net.ipv4.ip_local_port_range': '1024\t65000',
        VLAN: None,
        'net.ipv4.conf.eth1.rp_filter': '2',
        'vm.swappiness': '10',
        'vm.dirty_ratio': '20',
    }
    assignments = _assignments(
        ('/usr/lib/sysctl.d/50-default.conf',
         'net.ipv4.conf.*.rp_filter = 2\nnet.ipv4.tcp_syncookies = 1\n-net.ipv4.conf.eth0/100.rp_filter\n'),
        (ETC, 'net.core.somaxconn = 8192\nnet.ipv4.ip_local_port_range = 1024 65000\n'),
        (CONF, 'net.ipv4.tcp_max_tw_buckets = 5000\nnet.core.somaxconn = 4096\n'),
    )
    results, summary = audit(expectations, baselines, live, assignments)
    assert results == {
        'net.core.somaxconn': dict(live='8192', boot='4096', boot_source=CONF + ':2', expected={'min': 8192},
                                   baseline='4096', at_baseline=False, status='boot_drift'),
        'net.ipv4.conf.eth0/100.rp_filter': dict(live=None, boot=None, boot_source=None,
                                                 expected={'one_of': ['1', '2']}, baseline='1', at_baseline=None,
                                                 status='missing'),
        'net.ipv4.conf.eth1.rp_filter': dict(live='2', boot='2', boot_source='/usr/lib/sysctl.d/50-default.conf:1',
                                             expected={'one_of': ['1', '2']}, baseline=None, at_baseline=None,
                                             status='ok'),
        'net.ipv4.ip_local_port_range': dict(live='1024\t65000', boot='1024 65000', boot_source=ETC + ':2',
                                             expected='1024 65000', baseline='32768 60999', at_baseline=False,
                                             status='ok'),
        'net.ipv4.tcp_max_tw_buckets': dict(live='5000', boot='5000', boot_source=CONF + ':1',
                                            expected={'min': 262144}, baseline='5000', at_baseline=True,
                                            status='drift'),
        'net.ipv4.tcp_syncookies': dict(live='1', boot='1', boot_source='/usr/lib/sysctl.d/50-default.conf:2',
                                        expected='1', baseline=None, at_baseline=None, status='ok'),
        'vm.swappiness': dict(live='10', boot=None, boot_source=None, expected='10', baseline=None,
                              at_baseline=None, status='boot_drift'),
    }
    assert 'vm.dirty_ratio' not in results
    assert summary == {'ok': 3, 'drift': 1, 'boot_drift': 2, 'missing': 1, 'at_baseline': 1}


def test_audit_at_baseline_whitespace_insensitive():
    expectations, baselines = prepare({'net.ipv4.ip_local_port_range': '1024 65000'},
                                      {'net.ipv4.ip_local_port_range': '32768 60999'})
    results, summary = audit(expectations, baselines, {'net.ipv4.ip_local_port_range': '32768\t60999'}, [])
    assert results['net.ipv4.ip_local_port_range']['at_baseline'] is True
    assert results['net.ipv4.ip_local_port_range']['status'] == 'drift'
    assert summary == {'ok': 0, 'drift': 1, 'boot_drift': 0, 'missing': 0, 'at_baseline': 1}


def test_audit_key_absent_from_live_values_is_missing():
    expectations, baselines = prepare({'vm.swappiness': 10}, {'vm.swappiness': 60})
    results, summary = audit(expectations, baselines, {}, [])
    assert results == {'vm.swappiness': dict(live=None, boot=None, boot_source=None, expected='10', baseline='60',
                                             at_baseline=None, status='missing')}
    assert summary == {'ok': 0, 'drift': 0, 'boot_drift': 0, 'missing': 1, 'at_baseline': 0}


def test_audit_nothing_expected():
    assert audit({}, {}, {}, []) == ({}, {'ok': 0, 'drift': 0, 'boot_drift': 0, 'missing': 0, 'at_baseline': 0})

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import RELOAD_APPLIER, reads_sysctl_conf_last
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit, boot_reason, drift_lines, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import Expectation, parse_expectation
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    InvalidExpectationError,
    InvalidKeyError,
    InvalidValueError,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import split_key
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import KERNEL_DEFAULT, combine

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
VENDOR = '/usr/lib/sysctl.d/50-default.conf'
TW = 'net.ipv4.tcp_max_tw_buckets'
NOT_AN_INTEGER = 'not an integer as the kernel reads it'
SUMMARY = {'ok': 0, 'drift': 0, 'boot_drift': 0, 'undecided': 0, 'unreadable': 0, 'missing': 0, 'at_baseline': 0}


def _summary(**counts):
    summary = dict(SUMMARY)
    summary.update(counts)
    return summary


def _writes(files, applier, live):
    """The applier's writes for ``(path, text)`` files on a host whose keys are those ``live`` has a value of."""
    assignments = []
    for source, text in files:
        if source == CONF and not reads_sysctl_conf_last(applier):
            continue
        found, problems = parse_conf(text, source, applier)
        assert problems == []
        assignments.extend(found)
    existing = sorted(key for key, value in live.items() if value is not None)

    def expand(pattern):
        parts = [part for part in pattern.split('/') if part]
        return [('/'.join(split_key(key)), key) for key in existing
                if len(split_key(key)) == len(parts)
                and all(fnmatchcase(name, glob) for name, glob in zip(split_key(key), parts))]

    return write_sequence(assignments, applier, expand, lambda key: key in existing)


def predictions(files, keys, live, applier='procps'):
    """What predict_host answers without the kernel: the boot applier's and sysctl --system's writes, replayed."""
    boot = _writes(files, applier, live)
    reload = boot if RELOAD_APPLIER[applier] == applier else _writes(files, RELOAD_APPLIER[applier], live)
    return combine(sorted(keys), live.get, boot, reload)


def entry(live, boot, boot_source, expected, baseline, at_baseline, status, reload=None, reload_source=None,
          rejected=(), undecided=None, reason=None, checked_by='model', kernel_default=None, blocked=None,
          **more):
    """One key's result; ``reload`` defaults to ``boot`` (procps boots and reloads alike)."""
    if reload is None and reload_source is None:
        reload, reload_source = boot, boot_source
    return dict(more, live=live, boot=boot, boot_source=boot_source, reload=reload, reload_source=reload_source,
                checked_by=checked_by, kernel_default=kernel_default, model_reason=None, rejected=list(rejected),
                undecided=undecided,
                blocked=blocked, expected=expected, baseline=baseline, at_baseline=at_baseline, reason=reason,
                status=status)


# (desired, baseline, live, files, applier, expected result)
SINGLE_CASES = [
    ({'min': 262144}, 5000, '5000', [(CONF, 'net.ipv4.tcp_max_tw_buckets = 5000\n')], 'procps',
     entry('5000', '5000', CONF + ':1', {'min': 262144}, '5000', True, 'drift',
           reason='the next boot applies 5000 from /etc/sysctl.conf:1')),
    ({'min': 262144}, 5000, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n'),
                                       (CONF, '# image defaults\nnet.ipv4.tcp_max_tw_buckets = 5000\n')], 'procps',
     # 5000 is not the live value: the model takes it as within the key's range ("assumed")
     entry('262144', '5000', CONF + ':2', {'min': 262144}, '5000', False, 'boot_drift', checked_by='assumed',
           reason='the next boot applies 5000 from /etc/sysctl.conf:2')),
    ({'min': 262144}, None, '262144', [], 'procps',
     entry('262144', None, None, {'min': 262144}, None, None, 'boot_drift', reason='nothing persists it')),
    ({'min': 262144}, None, '300000', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n')], 'procps',
     entry('300000', '262144', ETC + ':1', {'min': 262144}, None, None, 'ok', checked_by='assumed')),
    # a key this kernel does not have: the appliers skip it (nothing is written); nothing to hold, no reason
    ({'min': 262144}, 5000, None, [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n')], 'procps',
     entry(None, None, None, {'min': 262144}, '5000', None, 'missing')),
    # a later line the kernel rejects leaves the earlier value (procps writes every line)
    ({'min': 262144}, None, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n'),
                                       (CONF, 'net.ipv4.tcp_max_tw_buckets = 5_000\n')], 'procps',
     entry('262144', '262144', ETC + ':1', {'min': 262144}, None, None, 'ok',
           rejected=[CONF + ":1: '5_000': " + NOT_AN_INTEGER])),
    # the kernel reads the leading integer: a comment after the value does not matter
    ({'min': 262144}, None, '262144', [(CONF, 'net.ipv4.tcp_max_tw_buckets = 262144 # was 5000\n')], 'procps',
     entry('262144', '262144', CONF + ':1', {'min': 262144}, None, None, 'ok')),
    # beyond a C int: only the kernel knows
    ({'min': 262144}, None, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 4294967296\n')], 'procps',
     entry('262144', None, None, {'min': 262144}, None, None, 'undecided',
           undecided=ETC + ":1: 4294967296 is beyond a C int; only the kernel knows this key's type",
           reason='the next boot cannot be predicted: ' + ETC + ":1: 4294967296 is beyond a C int; only the "
                  "kernel knows this key's type")),
    # drift wins over undecided
    ({'min': 262144}, None, '5000', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 4294967296\n')], 'procps',
     entry('5000', None, None, {'min': 262144}, None, None, 'drift',
           undecided=ETC + ":1: 4294967296 is beyond a C int; only the kernel knows this key's type",
           reason='the next boot cannot be predicted: ' + ETC + ":1: 4294967296 is beyond a C int; only the "
                  "kernel knows this key's type")),
    # systemd-sysctl boots without /etc/sysctl.conf; the next sysctl --system (procps) applies it
    ({'min': 262144}, None, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n'),
                                       (CONF, 'net.ipv4.tcp_max_tw_buckets = 5000\n')], 'systemd',
     entry('262144', '262144', ETC + ':1', {'min': 262144}, None, None, 'boot_drift', reload='5000',
           reload_source=CONF + ':1', reason='the next sysctl --system applies 5000 from /etc/sysctl.conf:1',
           checked_by='assumed')),
    ({'min': 262144}, None, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 262144\n')], 'systemd',
     entry('262144', '262144', ETC + ':1', {'min': 262144}, None, None, 'ok')),
    # systemd writes the last value only: the rejected one
    ({'min': 262144}, None, '262144', [(VENDOR, 'net.ipv4.tcp_max_tw_buckets = 262144\n'),
                                       (ETC, 'net.ipv4.tcp_max_tw_buckets = 5_000\n')], 'systemd',
     entry('262144', None, None, {'min': 262144}, None, None, 'boot_drift', reload='262144',
           reload_source=VENDOR + ':1', rejected=[ETC + ":1: '5_000': " + NOT_AN_INTEGER],
           reason='the kernel rejects every value written at the next boot: ' + ETC + ":1: '5_000': " + NOT_AN_INTEGER)),
    # procps writes every line and the kernel rejects each: the reason lists them, in order
    ({'min': 262144}, None, '262144', [(ETC, 'net.ipv4.tcp_max_tw_buckets = 5_000\n'),
                                       (CONF, 'net.ipv4.tcp_max_tw_buckets = 1#0\n')], 'procps',
     entry('262144', None, None, {'min': 262144}, None, None, 'boot_drift',
           rejected=[ETC + ":1: '5_000': " + NOT_AN_INTEGER, CONF + ":1: '1#0': " + NOT_AN_INTEGER],
           reason='the kernel rejects every value written at the next boot: ' + ETC + ":1: '5_000': "
                  + NOT_AN_INTEGER + '; ' + CONF + ":1: '1#0': " + NOT_AN_INTEGER)),
]
SINGLE_IDS = [
    'drift-at-baseline', 'boot-drift-sysctl-conf-last', 'boot-drift-not-persisted', 'ok', 'missing',
    'rejected-later-line', 'comment-after-value', 'undecided', 'drift-before-undecided', 'systemd-reload-drift',
    'systemd-ok', 'systemd-last-value-rejected', 'procps-all-rejected',
]


@pytest.mark.parametrize('desired, baseline, live, files, applier, expected', SINGLE_CASES, ids=SINGLE_IDS)
def test_audit_single_key(desired, baseline, live, files, applier, expected):
    expectations, baselines = prepare({TW: desired}, {TW: baseline} if baseline is not None else {})
    results, summary = audit(expectations, baselines, {TW: live}, predictions(files, [TW], {TW: live}, applier))
    # the boot's writers: lines that set the key, the winner among them (order and winner: test_predict.py)
    writers = [item['source'] for item in results[TW].pop('writers')]
    lines = ['%s:%d' % (path, number) for path, text in files for number, line in enumerate(text.splitlines(), 1)
             if line.startswith(TW)]
    assert set(writers) <= set(lines) and (expected['boot_source'] is None or expected['boot_source'] in writers)
    assert bool(writers) == (live is not None and bool(lines))
    assert results == {TW: expected}
    counts = {expected['status']: 1, 'at_baseline': 1 if expected['at_baseline'] else 0}
    assert summary == _summary(**counts)


def prediction(boot, boot_source=None, reload=None, reload_source=None, boot_undecided=None, reload_undecided=None,
               boot_rejected=(), checked_by='model', kernel_default=None, blocked=None):
    return {'boot': boot, 'boot_source': boot_source, 'boot_undecided': boot_undecided,
            'boot_rejected': list(boot_rejected), 'reload': reload, 'reload_source': reload_source,
            'reload_undecided': reload_undecided, 'checked_by': checked_by, 'certain': True,
            'kernel_default': kernel_default, 'undecided': boot_undecided, 'blocked': blocked}


# (live, prediction, status, reason)
PREDICTION_CASES = [
    ('262144', prediction('262144', ETC + ':1'), 'ok', None),
    ('262144', prediction('262144', ETC + ':1', '262144', ETC + ':1'), 'ok', None),
    ('262144', prediction('5000', CONF + ':1'), 'boot_drift', 'the next boot applies 5000 from /etc/sysctl.conf:1'),
    ('262144', prediction(None), 'boot_drift', 'nothing persists it'),
    ('262144', prediction('262144', ETC + ':1', '5000', CONF + ':2'), 'boot_drift',
     'the next sysctl --system applies 5000 from /etc/sysctl.conf:2'),
    # the boot is reported first
    ('262144', prediction('4096', VENDOR + ':3', '5000', CONF + ':2'), 'boot_drift',
     'the next boot applies 4096 from /usr/lib/sysctl.d/50-default.conf:3'),
    ('262144', prediction('262144', ETC + ':1', boot_undecided='x:1: why'), 'undecided',
     'the next boot cannot be predicted: x:1: why'),
    # only the reload is undecided: the reason names it (the entry's "undecided" is that reason too)
    ('262144', prediction('262144', ETC + ':1', reload_undecided='x:2: why'), 'undecided',
     'the next sysctl --system cannot be predicted: x:2: why'),
    ('262144', prediction('262144', ETC + ':1', boot_undecided='x:1: boot', reload_undecided='x:2: reload'),
     'undecided', 'the next boot cannot be predicted: x:1: boot'),
    ('5000', prediction('262144', ETC + ':1'), 'drift', None),
    ('5000', prediction('5000', CONF + ':1', boot_undecided='x:1: why'), 'drift',
     'the next boot cannot be predicted: x:1: why'),
    (None, prediction('262144', ETC + ':1'), 'missing', None),
    # a missing key has no reason, whatever the prediction
    (None, prediction(None), 'missing', None),
    (None, prediction(None, boot_rejected=["a:1: 'x': " + NOT_AN_INTEGER]), 'missing', None),
    (None, prediction('262144', ETC + ':1', boot_undecided='x:1: why'), 'missing', None),
    (None, prediction('5000', CONF + ':1', reload_undecided='x:2: why'), 'missing', None),
    (None, prediction(None, blocked='/etc/sysctl.d/x.conf'), 'missing', None),
    # the kernel rejects every value written: the reason lists them, in order
    ('262144', prediction(None, boot_rejected=[ETC + ":1: '5_000': " + NOT_AN_INTEGER,
                                               CONF + ":2: '1#0': " + NOT_AN_INTEGER]), 'boot_drift',
     'the kernel rejects every value written at the next boot: ' + ETC + ":1: '5_000': " + NOT_AN_INTEGER + '; '
     + CONF + ":2: '1#0': " + NOT_AN_INTEGER),
    # nothing takes at the boot, and the kernel's default would meet the expectation
    ('262144', prediction(None, checked_by='kernel', kernel_default='262144'), 'boot_drift',
     'nothing persists it (the kernel default 262144 would meet it)'),
    ('262144', prediction(None, boot_rejected=[ETC + ":1: '1#0': Invalid argument"], checked_by='kernel',
                          kernel_default='300000'), 'boot_drift',
     "the kernel rejects every value written at the next boot: " + ETC + ":1: '1#0': Invalid argument "
     '(the kernel default 300000 would meet it)'),
    # a kernel default that does not meet it, or a boot value (the default is then not what stays): not named
    ('262144', prediction(None, checked_by='kernel', kernel_default='4096'), 'boot_drift', 'nothing persists it'),
    ('262144', prediction('5000', CONF + ':1', checked_by='kernel', kernel_default='262144'), 'boot_drift',
     'the next boot applies 5000 from /etc/sysctl.conf:1'),
    # a FIFO among the files: the appliers hang on it and apply nothing, whatever the model says
    ('262144', prediction(None, blocked='/etc/sysctl.d/x.conf'), 'boot_drift',
     'sysctl files are not applied at all: /etc/sysctl.d/x.conf is a FIFO or socket the appliers block on'),
    ('262144', prediction(None, boot_undecided='x:1: why', blocked='/etc/sysctl.d/x.conf'), 'boot_drift',
     'sysctl files are not applied at all: /etc/sysctl.d/x.conf is a FIFO or socket the appliers block on'),
    # nothing writes it and the kernel check knows its default: that is the next boot's value (_predict)
    ('262144', prediction('262144', KERNEL_DEFAULT, checked_by='kernel', kernel_default='262144'), 'ok', None),
    ('262144', prediction('4096', KERNEL_DEFAULT, checked_by='kernel', kernel_default='4096'), 'boot_drift',
     'nothing persists it: the next boot leaves the kernel default 4096'),
    ('262144', prediction('4096', KERNEL_DEFAULT, boot_rejected=[ETC + ":1: '1#0': Invalid argument"],
                          checked_by='kernel', kernel_default='4096'), 'boot_drift',
     "nothing persists it: the next boot leaves the kernel default 4096 (the kernel rejects every value written: "
     + ETC + ":1: '1#0': Invalid argument)"),
]
PREDICTION_IDS = [
    'ok', 'ok-reload', 'boot-drift', 'not-persisted', 'reload-drift', 'boot-before-reload', 'boot-undecided',
    'reload-undecided', 'both-undecided', 'drift', 'drift-undecided', 'missing', 'missing-not-persisted',
    'missing-rejected', 'missing-boot-undecided', 'missing-reload-undecided', 'missing-blocked', 'all-rejected',
    'kernel-default-meets', 'all-rejected-kernel-default-meets', 'kernel-default-not-meeting',
    'kernel-default-not-named-after-boot-value', 'blocked', 'blocked-over-undecided', 'kernel-default-is-the-boot',
    'kernel-default-is-the-boot-not-meeting', 'kernel-default-is-the-boot-all-rejected',
]


@pytest.mark.parametrize('live, predicted, status, reason', PREDICTION_CASES, ids=PREDICTION_IDS)
def test_audit_status_and_reason(live, predicted, status, reason):
    expectations, baselines = prepare({TW: {'min': 262144}})
    results, summary = audit(expectations, baselines, {TW: live}, {TW: predicted})
    assert results[TW]['status'] == status
    assert results[TW]['reason'] == reason
    assert results[TW]['undecided'] == (predicted['boot_undecided'] or predicted['reload_undecided'])
    assert summary == _summary(**{status: 1})


def test_audit_reports_what_the_kernel_said():
    expectations, baselines = prepare({'net.core.somaxconn': 4096})
    predicted = prediction('4096', ETC + ':2', '4096', ETC + ':2', boot_rejected=[ETC + ':1: Invalid argument'],
                           checked_by='kernel', kernel_default='4096')
    results, dummy = audit(expectations, baselines, {'net.core.somaxconn': '4096'}, {'net.core.somaxconn': predicted})
    assert results['net.core.somaxconn'] == entry('4096', '4096', ETC + ':2', '4096', None, None, 'ok',
                                                  rejected=[ETC + ':1: Invalid argument'], checked_by='kernel',
                                                  kernel_default='4096', writers=[])


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
    files = [
        (VENDOR, 'net.ipv4.conf.*.rp_filter = 2\nnet.ipv4.tcp_syncookies = 1\n-net.ipv4.conf.eth0/100.rp_filter\n'),
        (ETC, 'net.core.somaxconn = 8192\nnet.ipv4.ip_local_port_range = 1024 65000\n'),
        (CONF, 'net.ipv4.tcp_max_tw_buckets = 5000\nnet.core.somaxconn = 4096\n'),
    ]
    results, summary = audit(expectations, baselines, live, predictions(files, expectations, live))
    assert [item['source'] for item in results['net.core.somaxconn']['writers']] == [ETC + ':1', CONF + ':2']
    for item in results.values():
        del item['writers']  # their order and winner: test_predict.py
    assert results == {
        # 4096 is not the live value: assumed within the key's range
        'net.core.somaxconn': entry('8192', '4096', CONF + ':2', {'min': 8192}, '4096', False, 'boot_drift',
                                    reason='the next boot applies 4096 from /etc/sysctl.conf:2', checked_by='assumed'),
        'net.ipv4.conf.eth0/100.rp_filter': entry(None, None, None, {'one_of': ['1', '2']}, '1', None, 'missing'),
        'net.ipv4.conf.eth1.rp_filter': entry('2', '2', VENDOR + ':1', {'one_of': ['1', '2']}, None, None, 'ok'),
        'net.ipv4.ip_local_port_range': entry('1024\t65000', '1024\t65000', ETC + ':2', '1024 65000',
                                              '32768 60999', False, 'ok'),
        'net.ipv4.tcp_max_tw_buckets': entry('5000', '5000', CONF + ':1', {'min': 262144}, '5000', True, 'drift',
                                             reason='the next boot applies 5000 from /etc/sysctl.conf:1'),
        'net.ipv4.tcp_syncookies': entry('1', '1', VENDOR + ':2', '1', None, None, 'ok'),
        'vm.swappiness': entry('10', None, None, '10', None, None, 'boot_drift', reason='nothing persists it'),
    }
    assert 'vm.dirty_ratio' not in results
    assert summary == _summary(ok=3, drift=1, boot_drift=2, missing=1, at_baseline=1)


def test_audit_at_baseline_whitespace_insensitive():
    expectations, baselines = prepare({'net.ipv4.ip_local_port_range': '1024 65000'},
                                      {'net.ipv4.ip_local_port_range': '32768 60999'})
    live = {'net.ipv4.ip_local_port_range': '32768\t60999'}
    results, summary = audit(expectations, baselines, live, predictions([], expectations, live))
    assert results['net.ipv4.ip_local_port_range']['at_baseline'] is True
    assert results['net.ipv4.ip_local_port_range']['status'] == 'drift'
    assert summary == _summary(drift=1, at_baseline=1)


def test_audit_key_absent_from_live_values_is_missing():
    expectations, baselines = prepare({'vm.swappiness': 10}, {'vm.swappiness': 60})
    results, summary = audit(expectations, baselines, {}, predictions([], expectations, {}))
    assert results == {'vm.swappiness': entry(None, None, None, '10', '60', None, 'missing', writers=[])}
    assert summary == _summary(missing=1)


def test_audit_nothing_expected():
    assert audit({}, {}, {}, {}) == ({}, SUMMARY)


def test_audit_needs_a_prediction_per_key():
    expectations, baselines = prepare({'vm.swappiness': 10})
    with pytest.raises(KeyError):
        audit(expectations, baselines, {'vm.swappiness': '10'}, {})


# (entry fields, expectation, reason); "live" is 10 unless given (None: the key is missing). The
# undecided reasons are audit's internal fields, _boot_undecided and _reload_undecided.
BOOT_REASON_CASES = [
    (dict(boot='10', boot_source='a:1'), 10, None),
    (dict(boot='10', boot_source='a:1', reload='10', reload_source='b:1'), 10, None),
    (dict(boot=None, boot_source=None), 10, 'nothing persists it'),
    (dict(boot='60', boot_source='a:1'), 10, 'the next boot applies 60 from a:1'),
    (dict(boot='10', boot_source='a:1', reload='60', reload_source='b:2'), 10,
     'the next sysctl --system applies 60 from b:2'),
    (dict(boot='60', boot_source='a:1', reload='70', reload_source='b:2'), 10, 'the next boot applies 60 from a:1'),
    (dict(boot='60', boot_source='a:1', _boot_undecided='a:1: why'), 10,
     'the next boot cannot be predicted: a:1: why'),
    (dict(boot='10', boot_source='a:1', _reload_undecided='b:2: why'), 10,
     'the next sysctl --system cannot be predicted: b:2: why'),
    (dict(boot='10', boot_source='a:1', _boot_undecided='a:1: boot', _reload_undecided='b:2: reload'), 10,
     'the next boot cannot be predicted: a:1: boot'),
    # the entry's "undecided" (boot or reload reason) is not what boot_reason reads
    (dict(boot='10', boot_source='a:1', undecided='a:1: why'), 10, None),
    (dict(boot='10 ', boot_source='a:1'), {'min': 5}, None),
    (dict(boot='1024\t65000', boot_source='a:1'), '1024 65000', None),
    # a missing key: nothing to hold
    (dict(live=None, boot=None, boot_source=None), 10, None),
    (dict(live=None, boot='60', boot_source='a:1', _boot_undecided='a:1: why', blocked='/etc/sysctl.d/x.conf'),
     10, None),
    # every value written rejected: listed in order, joined by "; "
    (dict(boot=None, boot_source=None, rejected=["a:1: 'x': Invalid argument"]), 10,
     "the kernel rejects every value written at the next boot: a:1: 'x': Invalid argument"),
    (dict(boot=None, boot_source=None, rejected=["a:1: 'x': Invalid argument", "b:2: '1#0': Invalid argument"]),
     10, "the kernel rejects every value written at the next boot: a:1: 'x': Invalid argument; "
         "b:2: '1#0': Invalid argument"),
    (dict(boot=None, boot_source=None, rejected=[]), 10, 'nothing persists it'),
    # the kernel default, when it would meet the expectation (whitespace-insensitive, like any value)
    (dict(boot=None, boot_source=None, kernel_default='10'), 10,
     'nothing persists it (the kernel default 10 would meet it)'),
    (dict(boot=None, boot_source=None, kernel_default='4096\t65000'), '4096 65000',
     'nothing persists it (the kernel default 4096\t65000 would meet it)'),
    (dict(boot=None, boot_source=None, rejected=["a:1: 'x': Invalid argument"], kernel_default='30'), {'min': 20},
     "the kernel rejects every value written at the next boot: a:1: 'x': Invalid argument "
     '(the kernel default 30 would meet it)'),
    (dict(boot=None, boot_source=None, kernel_default='60'), 10, 'nothing persists it'),
    (dict(boot=None, boot_source=None, kernel_default=None), 10, 'nothing persists it'),
    (dict(boot='60', boot_source='a:1', kernel_default='10'), 10, 'the next boot applies 60 from a:1'),
    (dict(boot='10', boot_source='a:1', reload='60', reload_source='b:2', kernel_default='10'), 10,
     'the next sysctl --system applies 60 from b:2'),
]


@pytest.mark.parametrize('fields, desired, reason', BOOT_REASON_CASES,
                         ids=['holds', 'holds-reload', 'not-persisted', 'boot', 'reload', 'boot-first', 'undecided',
                              'reload-undecided', 'boot-undecided-first', 'entry-undecided-ignored', 'min',
                              'whitespace', 'missing', 'missing-over-everything', 'rejected', 'rejected-in-order',
                              'rejected-empty', 'kernel-default-meets', 'kernel-default-whitespace',
                              'rejected-kernel-default-meets', 'kernel-default-not-meeting', 'no-kernel-default',
                              'kernel-default-not-named-after-boot-value', 'kernel-default-not-named-for-reload'])
def test_boot_reason(fields, desired, reason):
    fields = dict(fields)
    fields.setdefault('live', '10')
    fields['_expectation'] = parse_expectation('vm.swappiness', desired)
    assert boot_reason(fields) == reason


def test_drift_lines():
    expectations, baselines = prepare(
        {'vm.swappiness': 10, TW: {'min': 262144}, 'vm.dirty_ratio': {'max': 20}, 'net.core.somaxconn': 4096,
         'kernel.pid_max': 4194304},
        {TW: 5000})
    live = {'vm.swappiness': '60', TW: '5000', 'vm.dirty_ratio': '10', 'net.core.somaxconn': '4096',
            'kernel.pid_max': None}
    predicted = {
        'vm.swappiness': prediction('10', ETC + ':1'),
        TW: prediction('5000', CONF + ':1'),
        'vm.dirty_ratio': prediction('30', CONF + ':2'),
        'net.core.somaxconn': prediction('4096', ETC + ':2', boot_undecided='x:1: why'),
        'kernel.pid_max': prediction(None),
    }
    results, dummy = audit(expectations, baselines, live, predicted)
    assert drift_lines(results, 'the stock image') == [
        'kernel.pid_max is absent, expected 4194304: missing',
        'net.core.somaxconn is 4096, expected 4096: undecided, the next boot cannot be predicted: x:1: why',
        'net.ipv4.tcp_max_tw_buckets is 5000, expected >= 262144: drift, still at the stock image',
        'vm.dirty_ratio is 10, expected <= 20: boot_drift, the next boot applies 30 from /etc/sysctl.conf:2',
        'vm.swappiness is 60, expected 10: drift',
    ]
    assert drift_lines(results)[2].endswith('still at the baseline')


def test_a_boot_that_fails_wins_over_a_reload_that_cannot_be_predicted():
    expectations, baselines = prepare({TW: {'min': 262144}}, {})
    predicted = {TW: {'boot': '5000', 'boot_source': 'a:1', 'boot_undecided': None, 'boot_rejected': [],
                      'reload': None, 'reload_source': None, 'reload_undecided': 'b:1: why', 'checked_by': 'kernel',
                      'certain': True, 'kernel_default': None, 'undecided': None, 'blocked': None}}
    results, dummy = audit(expectations, baselines, {TW: '262144'}, predicted)
    assert (results[TW]['status'], results[TW]['reason']) == ('boot_drift', 'the next boot applies 5000 from a:1')
    predicted[TW].update(boot='262144')
    results, dummy = audit(expectations, baselines, {TW: '262144'}, predicted)
    assert (results[TW]['status'], results[TW]['reason']) == (
        'undecided', 'the next sysctl --system cannot be predicted: b:1: why')

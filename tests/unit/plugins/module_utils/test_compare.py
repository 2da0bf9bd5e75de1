# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import (
    STATUSES,
    Expectation,
    check_bounds,
    describe,
    key_status,
    meets,
    normalize_value,
    parse_expectation,
    same_value,
    target_value,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    InvalidExpectationError,
    InvalidValueError,
    SysctlError,
)

KEY = 'net.ipv4.tcp_max_tw_buckets'
RANGE = 'net.ipv4.ip_local_port_range'


def test_statuses():
    assert STATUSES == ('ok', 'drift', 'boot_drift', 'undecided', 'unreadable', 'missing')


# (value, expected)
NORMALIZE_CASES = [
    (True, '1'),
    (False, '0'),
    (1, '1'),
    (0, '0'),
    (-1, '-1'),
    (262144, '262144'),
    (1.5, '1.5'),
    ('4096', '4096'),
    (' 4096 ', '4096'),
    ('32768\t60999', '32768 60999'),
    ('  32768 \t  60999  ', '32768 60999'),
    ('4096 87380 6291456', '4096 87380 6291456'),
    ('', ''),
    ('  \t ', ''),
    ('a\x0bb\x0cc', 'a b c'),
    ('|/bin/core %p', '|/bin/core %p'),
]
NORMALIZE_IDS = [
    'true', 'false', 'int-1', 'int-0', 'negative', 'large', 'float', 'string', 'padded', 'tab-separated',
    'mixed-whitespace', 'three-tokens', 'empty', 'blank', 'vertical-tab-form-feed', 'kept-characters',
]


@pytest.mark.parametrize('value, expected', NORMALIZE_CASES, ids=NORMALIZE_IDS)
def test_normalize_value(value, expected):
    assert normalize_value(value, KEY) == expected


# (value, key, message)
NORMALIZE_INVALID_CASES = [
    (None, KEY, 'value None for %s must be a string or a number, not NoneType' % KEY),
    ([1, 2], KEY, 'value [1, 2] for %s must be a string or a number, not list' % KEY),
    ({'min': 1}, KEY, "value {'min': 1} for %s must be a string or a number, not dict" % KEY),
    (b'1', KEY, "value b'1' for %s must be a string or a number, not bytes" % KEY),
    ('1\n2', KEY, "value '1\\n2' for %s contains a line break or NUL character" % KEY),
    ('1\nnet.core.somaxconn = 1', KEY,
     "value '1\\nnet.core.somaxconn = 1' for %s contains a line break or NUL character" % KEY),
    ('1\r', KEY, "value '1\\r' for %s contains a line break or NUL character" % KEY),
    ('1\x00', KEY, "value '1\\x00' for %s contains a line break or NUL character" % KEY),
    (None, None, 'value None must be a string or a number, not NoneType'),
    ('a\nb', None, "value 'a\\nb' contains a line break or NUL character"),
]
NORMALIZE_INVALID_IDS = [
    'none', 'list', 'dict', 'bytes', 'newline', 'injected-assignment', 'carriage-return', 'nul',
    'none-without-key', 'newline-without-key',
]


@pytest.mark.parametrize('value, key, message', NORMALIZE_INVALID_CASES, ids=NORMALIZE_INVALID_IDS)
def test_normalize_value_invalid(value, key, message):
    with pytest.raises(InvalidValueError) as exc:
        normalize_value(value, key)
    assert str(exc.value) == message


# (desired, expected Expectation)
PARSE_CASES = [
    (4096, Expectation('4096', None, None, None)),
    ('4096', Expectation('4096', None, None, None)),
    ('32768\t60999', Expectation('32768 60999', None, None, None)),
    (' 32768   60999 ', Expectation('32768 60999', None, None, None)),
    (True, Expectation('1', None, None, None)),
    (False, Expectation('0', None, None, None)),
    (0, Expectation('0', None, None, None)),
    ({'min': 8192}, Expectation(None, 8192, None, None)),
    ({'max': 10}, Expectation(None, None, 10, None)),
    ({'min': '1', 'max': ' 5 '}, Expectation(None, 1, 5, None)),
    ({'min': 5, 'max': 5}, Expectation(None, 5, 5, None)),
    ({'min': -1}, Expectation(None, -1, None, None)),
    ({'one_of': [0, '2']}, Expectation(None, None, None, ('0', '2'))),
    ({'one_of': ['1024\t65000', True]}, Expectation(None, None, None, ('1024 65000', '1'))),
    ({'one_of': ('bbr',)}, Expectation(None, None, None, ('bbr',))),
    ('0', Expectation('0', None, None, None)),
    ('100 0', Expectation('100 0', None, None, None)),
    ('0 0 0', Expectation('0 0 0', None, None, None)),
    ('-1', Expectation('-1', None, None, None)),
    ('1000', Expectation('1000', None, None, None)),
    ({'one_of': ['0', '10', '-100']}, Expectation(None, None, None, ('0', '10', '-100'))),
    ('x0x10 a010 0.10', Expectation('x0x10 a010 0.10', None, None, None)),
    ({'min': '010'}, Expectation(None, 10, None, None)),
]
PARSE_IDS = [
    'int', 'string', 'tab-separated', 'padded', 'true', 'false', 'zero', 'min', 'max', 'min-max-strings',
    'min-equals-max', 'negative-min', 'one-of', 'one-of-normalised', 'one-of-tuple', 'zero-string',
    'decimal-and-zero', 'zeros', 'negative-string', 'trailing-zeros', 'one-of-decimals', 'not-integers',
    'min-is-compared-as-decimal',
]


@pytest.mark.parametrize('desired, expected', PARSE_CASES, ids=PARSE_IDS)
def test_parse_expectation(desired, expected):
    assert parse_expectation(KEY, desired) == expected


# (desired, message)
PARSE_INVALID_CASES = [
    ({'min': 10, 'max': 5}, 'expectation of %s: min 10 is greater than max 5' % KEY),
    ({'minimum': 1}, 'expectation of %s has unknown field(s) minimum; use min, max or one_of' % KEY),
    ({'min': 1, 'foo': 3, 'exact': 2}, 'expectation of %s has unknown field(s) exact, foo; use min, max or one_of' % KEY),
    ({}, 'expectation of %s is an empty dict; use min, max or one_of' % KEY),
    ({'min': 'lots'}, "min of %s must be an integer, got 'lots'" % KEY),
    ({'max': 1.5}, 'max of %s must be an integer, got 1.5' % KEY),
    ({'min': None}, 'min of %s must be an integer, got None' % KEY),
    ({'min': '1 2'}, "min of %s must be an integer, got '1 2'" % KEY),
    ({'min': True}, 'min of %s must be an integer, not a boolean' % KEY),
    ({'max': False}, 'max of %s must be an integer, not a boolean' % KEY),
    ({'one_of': [1], 'min': 0}, 'expectation of %s: one_of cannot be combined with min or max' % KEY),
    ({'one_of': []}, 'one_of of %s must be a non-empty list' % KEY),
    ({'one_of': '1'}, 'one_of of %s must be a non-empty list' % KEY),
    ({'one_of': None}, 'one_of of %s must be a non-empty list' % KEY),
    ({'one_of': ['1', '2\n']}, "value '2\\n' for %s contains a line break or NUL character" % KEY),
    ({'one_of': [None]}, 'value None for %s must be a string or a number, not NoneType' % KEY),
    ({'one_of': ['']}, "one_of of %s: entry 1 ('') is empty; every value must have at least one token" % KEY),
    ({'one_of': ['1', ' \t ']}, "one_of of %s: entry 2 (' \\t ') is empty; every value must have at least one token"
     % KEY),
    ({'one_of': ['1', '2', '']}, "one_of of %s: entry 3 ('') is empty; every value must have at least one token" % KEY),
    ('1\nnet.core.somaxconn = 2', "value '1\\nnet.core.somaxconn = 2' for %s contains a line break or NUL character" % KEY),
    ('', 'expected value of %s is empty' % KEY),
    ('  \t', 'expected value of %s is empty' % KEY),
    (None, 'value None for %s must be a string or a number, not NoneType' % KEY),
    ([1, 2], 'value [1, 2] for %s must be a string or a number, not list' % KEY),
]
PARSE_INVALID_IDS = [
    'min-greater-than-max', 'unknown-field', 'unknown-fields-sorted', 'empty-dict', 'non-integer-min',
    'float-max', 'none-min', 'two-token-min', 'bool-min', 'bool-max', 'one-of-with-min', 'one-of-empty',
    'one-of-string', 'one-of-none', 'one-of-newline', 'one-of-none-choice', 'one-of-empty-entry',
    'one-of-blank-entry', 'one-of-empty-last-entry', 'value-with-newline', 'empty-value',
    'blank-value', 'none-value', 'list-value',
]


# A value written as a C-base integer (hex, or octal with a leading zero): the kernel reads it in that base and
# prints it in decimal, so the expectation would never match. (desired, message)
C_BASE_CASES = [
    ('0x10', "value '0x10' for %s: the kernel reads it as 16; write 16" % KEY),
    ('0X1f', "value '0X1f' for %s: the kernel reads it as 31; write 31" % KEY),
    ('-0x10', "value '-0x10' for %s: the kernel reads it as -16; write -16" % KEY),
    ('010', "value '010' for %s: the kernel reads it as 8 (a leading 0 means octal); write 8, or 10 without the "
     "leading zero" % KEY),
    ('-010', "value '-010' for %s: the kernel reads it as -8 (a leading 0 means octal); write -8, or -10 without "
     "the leading zero" % KEY),
    ('00', "value '00' for %s: the kernel reads it as 0 (a leading 0 means octal); write 0" % KEY),
    ('07', "value '07' for %s: the kernel reads it as 7 (a leading 0 means octal); write 7" % KEY),
    ('08', "value '08' for %s: the kernel rejects it (a leading 0 means octal, which has no digit 8 or 9); "
     "write 8" % KEY),
    ('1024 010', "value '1024 010' for %s: the kernel reads 010 as 8 (a leading 0 means octal); write '1024 8', "
     "or '1024 10' without the leading zero" % KEY),
    ('4096\t087380 6291456', "value '4096 087380 6291456' for %s: the kernel rejects 087380 (a leading 0 means "
     "octal, which has no digit 8 or 9); write '4096 87380 6291456'" % KEY),
    ('0x10 0x20', "value '0x10 0x20' for %s: the kernel reads 0x10 as 16; write '16 32'" % KEY),
    ({'one_of': ['0', '0x1']}, "value '0x1' for %s: the kernel reads it as 1; write 1" % KEY),
    ({'one_of': ['010', '20']}, "value '010' for %s: the kernel reads it as 8 (a leading 0 means octal); write 8, "
     "or 10 without the leading zero" % KEY),
    ({'min': '16_384'}, 'min of %s must be an integer without "_", got \'16_384\' (the kernel does not accept it); '
     'write 16384' % KEY),
    ({'min': 1, 'max': '1_000_000'}, 'max of %s must be an integer without "_", got \'1_000_000\' (the kernel does '
     'not accept it); write 1000000' % KEY),
]
C_BASE_IDS = [
    'hex', 'hex-upper', 'hex-negative', 'octal', 'octal-negative', 'octal-zero', 'octal-same-digit',
    'octal-digit-8', 'octal-in-vector', 'octal-digit-8-in-vector', 'two-hex', 'one-of-hex', 'one-of-octal',
    'min-underscore', 'max-underscores',
]


@pytest.mark.parametrize('desired, message', C_BASE_CASES, ids=C_BASE_IDS)
def test_c_base_integers_and_underscores_are_refused_on_a_decimal_key(desired, message):
    # min/max are refused as they are parsed; exact and one_of values once the live
    # value shows the kernel prints the key in decimal (check_bounds, before any change).
    live = ' '.join(['1024'] * max(1, len(str(desired).split()))) if not isinstance(desired, dict) else '1'
    with pytest.raises(InvalidExpectationError) as exc:
        check_bounds({KEY: parse_expectation(KEY, desired)}, {KEY: live})
    assert str(exc.value) == message


@pytest.mark.parametrize('desired, live', [
    ('00000000', '00000000'),          # net.core.rps_default_mask: a hexadecimal bitmap, printed with zeros
    ('ff', '00000000'),
    ({'one_of': ['00000000', '0000000f']}, '00000001'),
    ('0x10', None),                    # missing key: nothing to compare with, nothing refused
], ids=['bitmap-exact', 'bitmap-hex-digits', 'bitmap-one-of', 'missing-key'])
def test_leading_zeros_are_taken_as_written_on_keys_printed_with_them(desired, live):
    check_bounds({KEY: parse_expectation(KEY, desired)}, {KEY: live})


@pytest.mark.parametrize('desired, message', PARSE_INVALID_CASES, ids=PARSE_INVALID_IDS)
def test_parse_expectation_invalid(desired, message):
    with pytest.raises(InvalidExpectationError) as exc:
        parse_expectation(KEY, desired)
    assert exc.type is InvalidExpectationError
    assert str(exc.value) == message
    assert isinstance(exc.value, SysctlError)


@pytest.mark.parametrize('desired, expected', [
    ('32768\t60999', '32768 60999'),
    (True, '1'),
    ({'min': 8192}, {'min': 8192}),
    ({'max': '10'}, {'max': 10}),
    ({'min': 1, 'max': 5}, {'min': 1, 'max': 5}),
    ({'one_of': [1, 'bbr']}, {'one_of': ['1', 'bbr']}),
], ids=['exact', 'bool', 'min', 'max', 'min-max', 'one-of'])
def test_describe(desired, expected):
    assert describe(parse_expectation(KEY, desired)) == expected


# (desired, value, expected)
MEETS_CASES = [
    ('32768 60999', '32768\t60999', True),
    ('32768\t60999', '32768 60999', True),
    ('32768 60999', '32768  60999\n', True),
    ('32768 60999', '32768 61000', False),
    ('32768 60999', '32768', False),
    ('4096', '4096', True),
    ('4096', '04096', False),
    ('4096', None, False),
    (True, '1', True),
    (True, '0', False),
    (False, '0', True),
    ({'min': 8192}, '8192', True),
    ({'min': 8192}, '8191', False),
    ({'min': 8192}, '65535', True),
    ({'min': 8192}, ' 9000\n', True),
    ({'min': 8192}, 'abc', False),
    ({'min': 8192}, '', False),
    ({'min': 8192}, '8192 8192', False),
    ({'min': 8192}, None, False),
    ({'max': 10}, '10', True),
    ({'max': 10}, '11', False),
    ({'max': 10}, '-5', True),
    ({'min': 1, 'max': 5}, '0', False),
    ({'min': 1, 'max': 5}, '1', True),
    ({'min': 1, 'max': 5}, '3', True),
    ({'min': 1, 'max': 5}, '5', True),
    ({'min': 1, 'max': 5}, '6', False),
    ({'one_of': [0, 2]}, '2', True),
    ({'one_of': [0, 2]}, ' 2 ', True),
    ({'one_of': [0, 2]}, '1', False),
    ({'one_of': [0, 2]}, None, False),
    ({'one_of': ['1024 65000']}, '1024\t65000', True),
]
MEETS_IDS = [
    'range-tab-vs-space', 'range-space-vs-tab', 'range-extra-whitespace', 'range-different', 'range-truncated',
    'exact-equal', 'exact-string-compare', 'exact-none', 'true-1', 'true-0', 'false-0', 'min-equal', 'min-below',
    'min-above', 'min-padded', 'min-not-a-number', 'min-empty', 'min-two-tokens', 'min-none', 'max-equal',
    'max-above', 'max-negative', 'range-below', 'range-low-edge', 'range-inside', 'range-high-edge',
    'range-above', 'one-of-in', 'one-of-padded', 'one-of-out', 'one-of-none', 'one-of-tokens',
]


@pytest.mark.parametrize('desired, value, expected', MEETS_CASES, ids=MEETS_IDS)
def test_meets(desired, value, expected):
    assert meets(parse_expectation(KEY, desired), value) is expected


# (desired, live, expected)
TARGET_CASES = [
    (1, '0', '1'),
    (1, '1', '1'),
    (1, None, '1'),
    ('32768 60999', '32768\t60999', '32768 60999'),
    ('32768 60999', '1024\t65000', '32768 60999'),
    ({'one_of': [1, 2]}, '3', '1'),
    ({'one_of': [1, 2]}, '2', '2'),
    ({'one_of': [1, 2]}, None, '1'),
    ({'min': 8192}, '5000', '8192'),
    ({'min': 8192}, '65535', '65535'),
    ({'min': 8192}, ' 65535\n', '65535'),
    ({'min': 8192}, None, '8192'),
    ({'min': 8192}, 'garbage', '8192'),
    ({'max': 10}, '20', '10'),
    ({'max': 10}, '5', '5'),
    ({'max': 10}, None, '10'),
    ({'max': 10}, 'garbage', '10'),
    ({'min': 1, 'max': 5}, '0', '1'),
    ({'min': 1, 'max': 5}, '9', '5'),
    ({'min': 1, 'max': 5}, '3', '3'),
    ({'min': 1, 'max': 5}, None, '1'),
    ({'min': 1, 'max': 5}, 'x', '1'),
]
TARGET_IDS = [
    'exact-differs', 'exact-meets', 'exact-missing', 'exact-normalised-live', 'exact-range-differs',
    'one-of-first', 'one-of-keeps-live', 'one-of-missing', 'min-raises', 'min-keeps-higher', 'min-normalised-live',
    'min-missing', 'min-garbage', 'max-lowers', 'max-keeps-lower', 'max-missing', 'max-garbage', 'range-raises',
    'range-lowers', 'range-keeps', 'range-missing', 'range-garbage',
]


@pytest.mark.parametrize('desired, live, expected', TARGET_CASES, ids=TARGET_IDS)
def test_target_value(desired, live, expected):
    assert target_value(parse_expectation(KEY, desired), live) == expected


# (desired, live, boot, expected status)
STATUS_CASES = [
    (1, None, '1', 'missing'),
    (1, None, None, 'missing'),
    (1, '0', '1', 'drift'),
    (1, '0', '0', 'drift'),
    (1, '0', None, 'drift'),
    (1, '1', '0', 'boot_drift'),
    (1, '1', None, 'boot_drift'),
    (1, '1', '1', 'ok'),
    ({'min': 262144}, '300000', '262144', 'ok'),
    ({'min': 262144}, '5000', '262144', 'drift'),
    ({'min': 262144}, '262144', '5000', 'boot_drift'),
    ({'min': 262144}, '262144', 'lots', 'boot_drift'),
    ('32768 60999', '32768\t60999', '32768 60999', 'ok'),
    ('32768 60999', '32768\t60999', '32768  60999', 'ok'),
    ('32768 60999', '32768\t60999', '1024 65000', 'boot_drift'),
    ({'one_of': [1, 2]}, '2', '1', 'ok'),
    ({'one_of': [1, 2]}, '0', '1', 'drift'),
]
STATUS_IDS = [
    'missing-with-boot', 'missing-without-boot', 'drift', 'drift-both', 'drift-no-boot', 'boot-drift',
    'boot-not-persisted', 'ok', 'min-ok', 'min-drift', 'min-boot-drift', 'min-boot-garbage', 'range-ok',
    'range-ok-extra-space', 'range-boot-drift', 'one-of-ok', 'one-of-drift',
]


@pytest.mark.parametrize('desired, live, boot, expected', STATUS_CASES, ids=STATUS_IDS)
def test_key_status(desired, live, boot, expected):
    assert key_status(parse_expectation(RANGE, desired), live, boot) == expected
    # no reload prediction and nothing undecided: the same answers
    assert key_status(parse_expectation(RANGE, desired), live, boot, None, None) == expected


# (desired, live, boot, reload, undecided, expected status)
RELOAD_STATUS_CASES = [
    (1, '1', '1', '1', None, 'ok'),
    (1, '1', '1', None, None, 'ok'),
    (1, '1', '1', '0', None, 'boot_drift'),
    (1, '1', '0', '1', None, 'boot_drift'),
    (1, '0', '1', '0', None, 'drift'),
    (1, None, '1', '0', None, 'missing'),
    ({'min': 262144}, '262144', '262144', '300000', None, 'ok'),
    ({'min': 262144}, '262144', '262144', 'lots', None, 'boot_drift'),
    ('32768 60999', '32768\t60999', '32768\t60999', '32768  60999', None, 'ok'),
    (1, '1', '1', '1', 'a:1: why', 'undecided'),
    (1, '1', '0', None, 'a:1: why', 'undecided'),
    (1, '1', None, None, 'a:1: why', 'undecided'),
    (1, '0', '1', '1', 'a:1: why', 'drift'),
    (1, None, '1', '1', 'a:1: why', 'missing'),
    (1, '1', '0', '0', '', 'boot_drift'),
]
RELOAD_STATUS_IDS = [
    'ok', 'ok-reload-leaves-it', 'reload-drift', 'boot-drift', 'drift', 'missing', 'min-ok', 'min-reload-garbage',
    'range-ok', 'undecided', 'undecided-over-boot-drift', 'undecided-over-not-persisted', 'drift-over-undecided',
    'missing-over-undecided', 'empty-reason-is-decided',
]


@pytest.mark.parametrize('desired, live, boot, reload, undecided, expected', RELOAD_STATUS_CASES,
                         ids=RELOAD_STATUS_IDS)
def test_key_status_reload_and_undecided(desired, live, boot, reload, undecided, expected):
    assert key_status(parse_expectation(RANGE, desired), live, boot, reload, undecided) == expected
    assert expected in STATUSES


@pytest.mark.parametrize('left, right, expected', [
    (None, None, True),
    (None, '', False),
    ('', None, False),
    ('5000', None, False),
    ('5000', '5000', True),
    ('5000', ' 5000\n', True),
    ('32768\t60999', '32768 60999', True),
    ('32768 60999', '32768 61000', False),
    ('', '  ', True),
], ids=['none-none', 'none-empty', 'empty-none', 'value-none', 'equal', 'padded', 'tab-vs-space', 'different',
        'empty-blank'])
def test_same_value(left, right, expected):
    assert same_value(left, right) is expected


RMEM = 'net.ipv4.tcp_rmem'

# (expectations as written, live values) that pass: bounds on one integer, or no bounds, or no live value
BOUNDS_OK_CASES = [
    ({KEY: {'min': 262144}}, {KEY: '5000'}),
    ({KEY: {'max': 10}}, {KEY: ' -1\n'}),
    ({KEY: {'min': 1, 'max': 5}}, {KEY: '3'}),
    ({RMEM: '4096 131072 6291456'}, {RMEM: '4096\t131072\t6291456'}),
    ({RMEM: {'one_of': ['4096 131072 6291456']}}, {RMEM: '4096\t131072\t6291456'}),
    ({RMEM: {'min': 8192}}, {RMEM: None}),
    ({RMEM: {'min': 8192}}, {}),
    ({}, {RMEM: '4096\t131072\t6291456'}),
]
BOUNDS_OK_IDS = ['min', 'max-negative', 'min-max', 'exact-multi-value', 'one-of-multi-value', 'missing-key',
                 'no-live-value', 'nothing-expected']


@pytest.mark.parametrize('written, live', BOUNDS_OK_CASES, ids=BOUNDS_OK_IDS)
def test_check_bounds_accepts(written, live):
    expectations = dict((key, parse_expectation(key, desired)) for key, desired in written.items())
    assert check_bounds(expectations, live) is None


# (expectations as written, live values, message)
BOUNDS_INVALID_CASES = [
    ({RMEM: {'min': 8192}}, {RMEM: '4096\t131072\t6291456'},
     "min/max of %s apply only to keys holding one integer, but it holds 3 values (4096 131072 6291456); expect an "
     "exact value (such as '4096 131072 6291456') or one_of" % RMEM),
    ({RANGE: {'max': 65000}}, {RANGE: '32768\t60999'},
     "min/max of %s apply only to keys holding one integer, but it holds 2 values (32768 60999); expect an exact "
     "value (such as '32768 60999') or one_of" % RANGE),
    ({'net.ipv4.tcp_congestion_control': {'min': 1}}, {'net.ipv4.tcp_congestion_control': 'cubic'},
     "min/max of net.ipv4.tcp_congestion_control apply only to keys holding one integer, but its value is 'cubic'; "
     "expect an exact value (such as 'cubic') or one_of"),
    ({'kernel.core_pattern': {'max': 1}}, {'kernel.core_pattern': ''},
     'min/max of kernel.core_pattern apply only to keys holding one integer, but its value is empty; expect an exact '
     'value or one_of'),
    ({KEY: {'min': 1}, RMEM: {'min': 8192}, 'net.core.somaxconn': {'min': 8192}},
     {KEY: '5000', RMEM: '4096 131072 6291456', 'net.core.somaxconn': '4096'},
     "min/max of %s apply only to keys holding one integer, but it holds 3 values (4096 131072 6291456); expect an "
     "exact value (such as '4096 131072 6291456') or one_of" % RMEM),
]
BOUNDS_INVALID_IDS = ['min-on-three-values', 'max-on-two-values', 'min-on-a-string', 'max-on-empty',
                      'among-single-integer-keys']


@pytest.mark.parametrize('written, live, message', BOUNDS_INVALID_CASES, ids=BOUNDS_INVALID_IDS)
def test_check_bounds_refuses_multi_value_keys(written, live, message):
    expectations = dict((key, parse_expectation(key, desired)) for key, desired in written.items())
    with pytest.raises(InvalidExpectationError) as exc:
        check_bounds(expectations, live)
    assert str(exc.value) == message


@pytest.mark.parametrize('desired, live, message', [
    ('9000 # more', '4096', "value '9000 # more' for %s never reads back as written: the kernel keeps only the "
                            "integers before '#'; write 9000" % KEY),
    ('30 31', '1', "value '30 31' for %s never reads back as written: the key holds 1 integer; write 30" % KEY),
    ('1024', '32768\t60999', "value '1024' for %s never reads back as written: the key holds 2 integers" % KEY),
    ('cubic', '1', "value 'cubic' for %s never reads back as written: the key holds integers" % KEY),
    ({'one_of': ['1', '2 # two']}, '1', "value '2 # two' for %s never reads back as written: the kernel keeps only "
                                        "the integers before '#'; write 2" % KEY),
], ids=['inline-comment', 'more-integers', 'fewer-integers', 'word', 'one-of-inline-comment'])
def test_values_an_integer_key_never_reads_back_are_refused(desired, live, message):
    with pytest.raises(InvalidExpectationError) as exc:
        check_bounds({KEY: parse_expectation(KEY, desired)}, {KEY: live})
    assert str(exc.value) == message


@pytest.mark.parametrize('desired, live', [
    ('8192', '4096'), ('1024 65000', '32768\t60999'), ('-1', '0'), ('cubic # x', 'cubic'),
], ids=['one-integer', 'two-integers', 'negative', 'string-key-taken-whole'])
def test_values_that_read_back_as_written_pass(desired, live):
    check_bounds({KEY: parse_expectation(KEY, desired)}, {KEY: live})

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel write model (_kernel) and its replay of an applier's writes (_replay)."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write
from ansible_collections.kerneltune.sysctl.plugins.module_utils._kernel import (
    Outcome,
    is_integer_value,
    parse_integers,
    write,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._replay import (
    Final,
    default_counterpart,
    replay,
    side_effects,
)

SOMAXCONN = 'net.core.somaxconn'
RMEM = 'net.ipv4.tcp_rmem'
RANGE = 'net.ipv4.ip_local_port_range'
CC = 'net.ipv4.tcp_congestion_control'
AVAILABLE = 'net.ipv4.tcp_available_congestion_control'
QDISC = 'net.core.default_qdisc'
CORE = 'kernel.core_pattern'
NOT_AN_INTEGER = 'not an integer as the kernel reads it'


def accepted(value, complete=True, certain=False):
    """An accepted write; ``certain`` unless the model assumes the kernel takes a value the key does not hold now."""
    return Outcome('accepted', value, None, complete, certain)


def rejected(reason=NOT_AN_INTEGER):
    return Outcome('rejected', None, reason, True, True)


def undecided(reason):
    return Outcome('undecided', None, reason, True, True)


# Integer keys take the leading integers, separated by ASCII whitespace, and ignore the rest.
# (data written to net.core.somaxconn, whose value now is 4096; value it reads back)
ONE_INTEGER_ACCEPTED = [
    ('1      # comment', '1'),
    ('2048 # x', '2048'),
    ('30 31', '30'),
    ('2 = 1', '2'),
    ('010000', '4096'),
    ('0x20000', '131072'),
    ('0X1f', '31'),
    ('0', '0'),
    ('00', '0'),
    ('8192', '8192'),
    (' 5', '5'),
    ('\t5\t', '5'),
    ('\x0b9', '9'),
    ('\x0c9', '9'),
    ('\r9', '9'),
    ('5\tjunk', '5'),
    ('2147483647', '2147483647'),
    ('0x7fffffff', '2147483647'),
    ('1' * 10, '1111111111'),
]


@pytest.mark.parametrize('data, value', ONE_INTEGER_ACCEPTED, ids=[repr(case[0]) for case in ONE_INTEGER_ACCEPTED])
def test_integer_accepted(data, value):
    # the model cannot know the key's range: an answer is certain only for the value the key holds now
    assert write(SOMAXCONN, '4096', data) == accepted(value, certain=value == '4096')


ONE_INTEGER_REJECTED = [
    '16_384',
    '1#comment',
    '"2048"',
    '= 1',                      # "key == 1" leaves "= 1"
    '',
    '1\u3000# c',               # an ideographic space (as text)
    '1\xe3\x80\x80# c',         # ... and as the Latin-1 text of its UTF-8 bytes
    '1\xc2\xa0# c',             # the Latin-1 text of a UTF-8 no-break space
    '7\xa0',                    # a Latin-1 no-break space right after the number
    '08',
    '0x',
    '0x1g',
    '1' * 21,                   # 21 characters: more than the kernel's buffer
    '18446744073709551616',     # beyond unsigned long
    '9\x0b',                    # a vertical tab is no separator after a number
    '9\x0c',
    '9\r',
    'x',
    '-',
    '+5',
    ' ',
]


@pytest.mark.parametrize('data', ONE_INTEGER_REJECTED, ids=[repr(case) for case in ONE_INTEGER_REJECTED])
def test_integer_rejected(data):
    assert write(SOMAXCONN, '4096', data) == rejected()


# (current value, data, outcome state): what the model cannot tell without the key's type
ONE_INTEGER_UNDECIDED = [
    ('4096', '2147483648'),
    ('4096', '4294967296'),
    ('4096', '18446744073709551615'),
    ('4096', '-1'),
    ('4096', '-2147483648'),
]


@pytest.mark.parametrize('current, data', ONE_INTEGER_UNDECIDED, ids=[case[1] for case in ONE_INTEGER_UNDECIDED])
def test_integer_undecided(current, data):
    outcome = write(SOMAXCONN, current, data)
    assert outcome.state == 'undecided'
    assert outcome.value is None
    assert outcome.reason


# The keys whose ranges the model knows, checked against other keys through lookup:
# (key, current, data, other keys' values, outcome)
PORT_START = 'net.ipv4.ip_unprivileged_port_start'
HIGH = 'net.ipv4.ipfrag_high_thresh'
LOW = 'net.ipv4.ipfrag_low_thresh'
CONSTRAINT_CASES = [
    (RANGE, '32768\t60999', '16384 65536', {}, rejected('the range must be ascending, within 1-65535')),
    (RANGE, '32768\t60999', '65000 1024', {}, rejected('the range must be ascending, within 1-65535')),
    (RANGE, '32768\t60999', '0 10', {}, rejected('the range must be ascending, within 1-65535')),
    (RANGE, '32768\t60999', '1024 65000', {}, accepted('1024\t65000', certain=True)),
    (RANGE, '32768\t60999', '1024 65535', {}, accepted('1024\t65535', certain=True)),
    (RANGE, '32768\t60999', '40000', {}, accepted('40000\t60999', complete=False, certain=True)),
    (RANGE, '32768\t60999', '61000', {}, rejected('the range must be ascending, within 1-65535')),
    (RANGE, '32768\t60999', '1000 2000', {},
     undecided('net.ipv4.ip_local_port_range is checked against other keys the model cannot read')),
    (RANGE, '32768\t60999', '1000 2000', {PORT_START: '1024'},
     rejected('the low end is below ip_unprivileged_port_start')),
    (RANGE, '32768\t60999', '1000 2000', {PORT_START: '500'}, accepted('1000\t2000', certain=True)),
    (HIGH, '4194304', '5000000', {},
     undecided('net.ipv4.ipfrag_high_thresh is checked against other keys the model cannot read')),
    (HIGH, '4194304', '5000000', {LOW: '3145728'}, accepted('5000000', certain=True)),
    (HIGH, '4194304', '100', {LOW: '3145728'}, rejected('below net.ipv4.ipfrag_low_thresh')),
    (LOW, '3145728', '5000000', {HIGH: '4194304'}, rejected('above net.ipv4.ipfrag_high_thresh')),
    (LOW, '3145728', '100', {HIGH: '4194304'}, accepted('100', certain=True)),
    ('net.ipv6.ip6frag_high_thresh', '4194304', '100', {'net.ipv6.ip6frag_low_thresh': '3145728'},
     rejected('below net.ipv6.ip6frag_low_thresh')),
    # the syntax comes first
    (RANGE, '32768\t60999', '1024_65000', {}, rejected()),
]


@pytest.mark.parametrize('key, current, data, others, outcome', CONSTRAINT_CASES,
                         ids=['%s<-%r' % (case[0].split('.')[-1], case[2]) + ('+' if case[3] else '')
                              for case in CONSTRAINT_CASES])
def test_constraints(key, current, data, others, outcome):
    assert write(key, current, data, others.get) == outcome


# (current, data, outcome)
TYPED_CASES = [
    ('-1', '-5', accepted('-5')),                              # a key that reads negative is signed
    ('-1', '-2147483648', accepted('-2147483648')),
    ('-1', '-2147483649', undecided("2147483649 is beyond a C int; only the kernel knows this key's type")),
    ('9223372036854775807', '4294967296', accepted('4294967296')),  # a key that reads wide is wide
    ('18446744073709551615', '18446744073709551615', accepted('18446744073709551615', certain=True)),
    ('4096', '-1', undecided('a negative value on a key whose type the model cannot tell')),
]


@pytest.mark.parametrize('current, data, outcome', TYPED_CASES, ids=[case[0] + '<-' + case[1] for case in TYPED_CASES])
def test_integer_type_from_current(current, data, outcome):
    assert write(SOMAXCONN, current, data) == outcome


# Vectors: (current, data, outcome); fewer integers than the key holds change only the first ones.
VECTOR_CASES = [
    ('4096\t87380\t6291456', '4096 87380', accepted('4096\t87380\t6291456', complete=False, certain=True)),
    ('1\t2\t3', '4096 87380', accepted('4096\t87380\t3', complete=False)),
    ('1\t2\t3', '7', accepted('7\t2\t3', complete=False)),
    ('1\t2\t3', '4096 87380 6291456', accepted('4096\t87380\t6291456')),
    ('1\t2\t3', '  4096\t\t87380   6291456  # x', accepted('4096\t87380\t6291456')),
    ('1\t2\t3', '1 2 3 4', accepted('1\t2\t3', certain=True)),
    ('1\t2\t3', '4 5 6x', undecided("the kernel rejects '4 5 6x' after its first value, and may keep that one")),
    ('1\t2\t3', '9 x', undecided("the kernel rejects '9 x' after its first value, and may keep that one")),
    ('1\t2\t3', 'x 9', rejected()),
    ('32768\t60999', '1024 65000', accepted('1024\t65000')),
    ('32768 60999', '1024\t65000', accepted('1024\t65000')),
]


@pytest.mark.parametrize('current, data, outcome', VECTOR_CASES, ids=[repr(case[1]) for case in VECTOR_CASES])
def test_vectors(current, data, outcome):
    assert write(RMEM, current, data) == outcome


CC_LOADS = 'the kernel checks net.ipv4.tcp_congestion_control against what it can load'

# String keys take the text whole, up to a newline: (key, current, data, available congestion controls, outcome)
STRING_CASES = [
    (CORE, 'core', 'cubic # x', None, accepted('cubic # x')),
    (CORE, 'core', '|/usr/lib/systemd/systemd-coredump %P %u', None, accepted('|/usr/lib/systemd/systemd-coredump %P %u')),
    (CORE, 'core', '', None, accepted('')),
    (CORE, 'core', '1 2', None, accepted('1 2')),
    (CORE, 'core', 'core', None, accepted('core', certain=True)),
    ('kernel.domainname', '(none)', 'a#b ;c', None, accepted('a#b ;c')),
    (CC, 'cubic', 'cubic # x', 'reno cubic', rejected("net.ipv4.tcp_congestion_control takes one name, not "
                                                      "'cubic # x'")),
    (CC, 'cubic', '', 'reno cubic', rejected("net.ipv4.tcp_congestion_control takes one name, not ''")),
    (CC, 'cubic', 'cubic', 'reno cubic', accepted('cubic', certain=True)),
    (CC, 'cubic', 'reno', 'reno cubic', accepted('reno', certain=True)),
    (CC, 'cubic', 'bbr', 'reno cubic', undecided(CC_LOADS)),
    (CC, 'cubic', 'cubic', None, undecided(CC_LOADS)),
    (CC, 'cubic', 'cub', 'reno cubic', undecided(CC_LOADS)),
    (QDISC, 'fq_codel', 'fq', None, undecided('the kernel checks net.core.default_qdisc against what it can load')),
    (QDISC, 'fq_codel', 'fq x', None, rejected("net.core.default_qdisc takes one name, not 'fq x'")),
]


@pytest.mark.parametrize('key, current, data, available, outcome', STRING_CASES,
                         ids=['%s<-%r' % (case[0], case[2]) for case in STRING_CASES])
def test_strings(key, current, data, available, outcome):
    others = {AVAILABLE: available} if available is not None else {}
    assert write(key, current, data, others.get) == outcome
    if available is None:
        assert write(key, current, data) == outcome  # no lookup: nothing known of other keys


def test_unreadable_key_is_undecided():
    outcome = write(SOMAXCONN, None, '1')
    assert outcome == undecided('the key cannot be read, so the model does not know its type')


@pytest.mark.parametrize('key, current, data, value', [
    (SOMAXCONN, '4096', '\xa05', '5'),
    ('net.ipv4.tcp_rmem', '1\t2\t3', '40000 \xa050000', '40000\t50000\t3'),
], ids=['before-the-first', 'before-the-second'])
def test_kernel_skips_latin1_no_break_space_before_a_number(key, current, data, value):
    # The kernel's isspace() (lib/ctype.c) takes 0xA0, Latin-1's no-break space, and proc_get_long() skips spaces
    # before a number. Checked on Linux 6.18 in a network namespace: "\xa05\n" to net.core.somaxconn reads back 5.
    # Regression (fixed in 061f471): the model rejected it.
    assert write(key, current, data)[:2] == ('accepted', value)


# (current, is an integer key)
INTEGER_VALUE_CASES = [
    ('4096', True), ('-1', True), ('4096\t87380\t6291456', True), ('1 2', True), ('', False), ('cubic', False),
    ('1 x', False), ('0x10', False), (None, False), ('(none)', False),
]


@pytest.mark.parametrize('current, expected', INTEGER_VALUE_CASES, ids=[repr(case[0]) for case in INTEGER_VALUE_CASES])
def test_is_integer_value(current, expected):
    assert is_integer_value(current) is expected


# (data, count, (numbers, error))
PARSE_INTEGERS_CASES = [
    ('1 2 3', 3, ([(False, 1), (False, 2), (False, 3)], False)),
    ('1 2 3', 2, ([(False, 1), (False, 2)], False)),
    ('-1', 1, ([(True, 1)], False)),
    ('1 x', 2, ([(False, 1)], True)),
    ('x', 1, ([], True)),
    ('', 1, ([], True)),
    ('   ', 1, ([], True)),
    (' ' * 5000 + '1', 1, ([], True)),  # past the kernel's page: nothing parsed
]


@pytest.mark.parametrize('data, count, expected', PARSE_INTEGERS_CASES,
                         ids=[repr(case[0][:8]) for case in PARSE_INTEGERS_CASES])
def test_parse_integers(data, count, expected):
    assert parse_integers(data, count) == expected


def W(key, value, source):
    return Write(key, value, source, False)


CURRENT = {
    SOMAXCONN: '4096',
    RMEM: '4096\t131072\t6291456',
    CC: 'cubic',
    AVAILABLE: 'reno cubic',
    CORE: 'core',
    RANGE: '32768\t60999',
    'net.ipv4.ip_unprivileged_port_start': '1024',
}


def current(key):
    return CURRENT.get(key)


def F(value=None, source=None, undecided=None, rejected=(), certain=True):
    return Final(value, source, undecided, tuple(rejected), certain)


# (writes, keys, {key: Final})
REPLAY_CASES = [
    ([], [SOMAXCONN], {SOMAXCONN: F()}),
    ([W(SOMAXCONN, '1024', 'a:1')], [SOMAXCONN], {SOMAXCONN: F('1024', 'a:1', certain=False)}),
    ([W(SOMAXCONN, '4096', 'a:1')], [SOMAXCONN], {SOMAXCONN: F('4096', 'a:1')}),
    ([W(SOMAXCONN, '1024', 'a:1')], [], {}),
    ([W(SOMAXCONN, '1024 # c', 'a:1'), W(SOMAXCONN, '2048', 'b:3')], [SOMAXCONN],
     {SOMAXCONN: F('2048', 'b:3', certain=False)}),
    # procps writes every line: a later rejected write leaves the earlier accepted value
    ([W(SOMAXCONN, '1024', 'a:1'), W(SOMAXCONN, 'x', 'b:2')], [SOMAXCONN],
     {SOMAXCONN: F('1024', 'a:1', rejected=["b:2: 'x': " + NOT_AN_INTEGER], certain=False)}),
    ([W(SOMAXCONN, '1#c', 'a:1')], [SOMAXCONN], {SOMAXCONN: F(rejected=["a:1: '1#c': " + NOT_AN_INTEGER])}),
    ([W(SOMAXCONN, 'x', 'a:1'), W(SOMAXCONN, 'y', 'a:2')], [SOMAXCONN],
     {SOMAXCONN: F(rejected=["a:1: 'x': " + NOT_AN_INTEGER, "a:2: 'y': " + NOT_AN_INTEGER])}),
    # an undecided write, then a complete accepted write: decided
    ([W(SOMAXCONN, '-1', 'a:1'), W(SOMAXCONN, '1024', 'b:2')], [SOMAXCONN],
     {SOMAXCONN: F('1024', 'b:2', certain=False)}),
    # an accepted write, then an undecided one: the value may be either
    ([W(SOMAXCONN, '1024', 'a:1'), W(SOMAXCONN, '-1', 'b:2')], [SOMAXCONN],
     {SOMAXCONN: F('1024', 'a:1', 'b:2: a negative value on a key whose type the model cannot tell', certain=False)}),
    # an undecided write, then one that sets only the first values: still undecided
    ([W(RMEM, '1 x', 'a:1'), W(RMEM, '1 2', 'b:2')], [RMEM],
     {RMEM: F('1\t2\t6291456', 'b:2', "a:1: the kernel rejects '1 x' after its first value, and may keep that one",
              certain=False)}),
    ([W(RMEM, '1 x', 'a:1'), W(RMEM, '1 2 3', 'b:2')], [RMEM], {RMEM: F('1\t2\t3', 'b:2', certain=False)}),
    # a short write continues from the previous write, not from the starting value
    ([W(RMEM, '1 2 3', 'a:1'), W(RMEM, '7', 'b:2')], [RMEM], {RMEM: F('7\t2\t3', 'b:2', certain=False)}),
    # the congestion control is checked against the available list, read like any key
    ([W(CC, 'reno', 'a:1'), W(CC, 'bbr', 'a:2')], [CC], {CC: F('reno', 'a:1', 'a:2: ' + CC_LOADS)}),
    ([W(CC, 'bbr', 'a:1'), W(CC, 'cubic', 'a:2')], [CC], {CC: F('cubic', 'a:2')}),
    ([W(CORE, 'cubic # x', 'a:1')], [CORE], {CORE: F('cubic # x', 'a:1', certain=False)}),
    # the port range is checked against ip_unprivileged_port_start, read like any key
    ([W(RANGE, '1000 2000', 'a:1'), W(RANGE, '2000 3000', 'a:2')], [RANGE],
     {RANGE: F('2000\t3000', 'a:2', rejected=["a:1: '1000 2000': the low end is below ip_unprivileged_port_start"])}),
    # writes to other keys do not matter; every key asked for is answered
    ([W(CORE, 'x', 'a:1'), W(SOMAXCONN, '1', 'a:2')], [SOMAXCONN, 'vm.swappiness'],
     {SOMAXCONN: F('1', 'a:2', certain=False), 'vm.swappiness': F()}),
    # a key that cannot be read
    ([W('vm.swappiness', '10', 'a:1')], ['vm.swappiness'],
     {'vm.swappiness': F(undecided='a:1: the key cannot be read, so the model does not know its type')}),
]
REPLAY_IDS = [
    'no-writes', 'one-write', 'value-it-holds', 'no-keys', 'last-write-wins', 'rejected-keeps-earlier',
    'only-rejected', 'rejections-in-order', 'undecided-then-complete', 'accepted-then-undecided',
    'undecided-then-partial', 'undecided-then-complete-vector', 'partial-continues',
    'congestion-control-listed-then-not', 'congestion-control-not-listed-then-listed', 'string-whole',
    'port-range-against-port-start', 'other-keys', 'unreadable',
]


@pytest.mark.parametrize('writes, keys, expected', REPLAY_CASES, ids=REPLAY_IDS)
def test_replay(writes, keys, expected):
    assert replay(writes, keys, current) == expected


DEVICE = 'net.ipv4.conf.eth0.rp_filter'
DEFAULT = 'net.ipv4.conf.default.rp_filter'


def test_replay_default_reaches_devices_never_written():
    values = dict(CURRENT, **{DEVICE: '0', DEFAULT: '0', 'net.ipv4.conf.lo.rp_filter': '0'})
    finals = replay([W(DEFAULT, '2', 'a:1'), W('net.ipv4.conf.lo.rp_filter', '1', 'a:2'), W(DEFAULT, '1', 'a:3')],
                    [DEVICE, 'net.ipv4.conf.lo.rp_filter', DEFAULT], values.get)
    assert (finals[DEVICE].value, finals[DEVICE].source) == ('1', 'a:3')
    assert (finals['net.ipv4.conf.lo.rp_filter'].value, finals['net.ipv4.conf.lo.rp_filter'].source) == ('1', 'a:2')
    assert (finals[DEFAULT].value, finals[DEFAULT].source) == ('1', 'a:3')


@pytest.mark.parametrize('key, counterpart', [
    (DEVICE, DEFAULT),
    ('net.ipv4.conf.eth0/100.arp_filter', 'net.ipv4.conf.default.arp_filter'),
    ('net.ipv4.conf.all.rp_filter', None),
    (DEFAULT, None),
    ('net.ipv6.conf.eth0.forwarding', None),
    ('net.ipv4.ip_forward', None),
    # conf.default.forwarding and the route-flushing settings do not reach existing devices (seen on 6.18)
    ('net.ipv4.conf.eth0.forwarding', None),
    ('net.ipv4.conf.lo.route_localnet', None),
    ('net.ipv4.conf.eth0.disable_policy', None),
    ('net.ipv4.conf.eth0.promote_secondaries', None),
])
def test_default_counterpart(key, counterpart):
    assert default_counterpart(key) == counterpart


def test_side_effects_of_forwarding():
    keys = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.eth0.forwarding',
            'net.ipv4.conf.all.accept_redirects', 'vm.swappiness']
    assert side_effects('net.ipv4.ip_forward', '0', '1', keys) == {
        'net.ipv4.conf.all.forwarding': '1', 'net.ipv4.conf.eth0.forwarding': '1',
        'net.ipv4.conf.all.accept_redirects': '0'}
    assert side_effects('net.ipv4.ip_forward', '1', '1', keys) == {}
    assert side_effects('vm.swappiness', '1', '2', keys) == {}


def test_final_fields():
    assert Final._fields == ('value', 'source', 'undecided', 'rejected', 'certain')
    assert Outcome._fields == ('state', 'value', 'reason', 'complete', 'certain')

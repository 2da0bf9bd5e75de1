# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import Expectation
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import line_spans, parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    DISABLED_MARK,
    OWNER_MARK,
    Shadow,
    check_rendered,
    comment_out,
    comment_out_spans,
    find_shadows,
    is_owned,
    render_dropin,
    targets,
)

DROPIN = '/etc/sysctl.d/90-kerneltune.conf'
TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'
RANGE = 'net.ipv4.ip_local_port_range'
FIN = 'net.ipv4.tcp_fin_timeout'
SUFFIX = '  # disabled by kerneltune.sysctl, see ' + DROPIN


def test_marks():
    assert OWNER_MARK == 'kerneltune.sysctl owns this file: local changes are overwritten.'
    assert DISABLED_MARK == 'disabled by kerneltune.sysctl, see'
    assert Shadow._fields == ('key', 'source', 'line', 'value', 'applier')
    # the applier whose count of lines gives ``line``: procps unless told
    assert Shadow(SOMAXCONN, '/etc/sysctl.conf', 1, '1').applier == 'procps'


# (expectations, live values, targets)
TARGETS_CASES = [
    ({}, {}, {}),
    ({TW: Expectation(None, 262144, None, None)}, {TW: '5000'}, {TW: '262144'}),
    ({TW: Expectation(None, 262144, None, None)}, {TW: '300000'}, {TW: '300000'}),
    ({TW: Expectation(None, 262144, None, None)}, {TW: '262144'}, {TW: '262144'}),
    ({TW: Expectation(None, 262144, None, None)}, {}, {TW: '262144'}),
    ({FIN: Expectation(None, None, 30, None)}, {FIN: '60'}, {FIN: '30'}),
    ({FIN: Expectation(None, None, 30, None)}, {FIN: '15'}, {FIN: '15'}),
    ({FIN: Expectation(None, 10, 30, None)}, {FIN: '5'}, {FIN: '10'}),
    ({FIN: Expectation(None, 10, 30, None)}, {FIN: '60'}, {FIN: '30'}),
    ({'net.ipv4.tcp_syncookies': Expectation('1', None, None, None)}, {'net.ipv4.tcp_syncookies': '0'},
     {'net.ipv4.tcp_syncookies': '1'}),
    ({RANGE: Expectation('1024 65000', None, None, None)}, {RANGE: '1024\t65000'}, {RANGE: '1024 65000'}),
    ({RANGE: Expectation('1024 65000', None, None, None)}, {RANGE: '32768\t60999'}, {RANGE: '1024 65000'}),
    ({'net.ipv4.tcp_tw_reuse': Expectation(None, None, None, ('1', '2'))}, {'net.ipv4.tcp_tw_reuse': '0'},
     {'net.ipv4.tcp_tw_reuse': '1'}),
    ({'net.ipv4.tcp_tw_reuse': Expectation(None, None, None, ('1', '2'))}, {'net.ipv4.tcp_tw_reuse': '2'},
     {'net.ipv4.tcp_tw_reuse': '2'}),
    ({TW: Expectation(None, 262144, None, None), SOMAXCONN: Expectation(None, 8192, None, None)},
     {TW: '5000', SOMAXCONN: '65535', 'vm.swappiness': '60'}, {TW: '262144', SOMAXCONN: '65535'}),
]
TARGETS_IDS = [
    'empty', 'min-raised', 'min-kept', 'min-equal', 'min-no-live', 'max-lowered', 'max-kept', 'range-raised',
    'range-lowered', 'exact', 'exact-live-normalised', 'exact-multi-token', 'one-of-first', 'one-of-kept',
    'only-expected-keys',
]


@pytest.mark.parametrize('expectations, live, expected', TARGETS_CASES, ids=TARGETS_IDS)
def test_targets(expectations, live, expected):
    assert targets(expectations, live) == expected


def test_render_dropin_exact():
    values = {TW: '262144', SOMAXCONN: 8192, RANGE: '1024 65000'}
    reasons = {
        TW: 'TIME_WAIT table: on overflow the kernel\n  destroys closing sockets  at once',
        SOMAXCONN: '  cap of every listen() backlog\t',
        'vm.swappiness': 'not rendered',
    }
    header = ['Ansible managed', '', 'profile high_connection']
    assert render_dropin(values, reasons, header) == (
        '# Ansible managed\n'
        '#\n'
        '# profile high_connection\n'
        '# kerneltune.sysctl owns this file: local changes are overwritten.\n'
        '\n'
        '# cap of every listen() backlog\n'
        'net.core.somaxconn = 8192\n'
        '\n'
        'net.ipv4.ip_local_port_range = 1024 65000\n'
        '\n'
        '# TIME_WAIT table: on overflow the kernel destroys closing sockets at once\n'
        'net.ipv4.tcp_max_tw_buckets = 262144\n'
    )


# (values, reasons, header lines, text)
RENDER_CASES = [
    ({}, {}, [], '# kerneltune.sysctl owns this file: local changes are overwritten.\n'),
    ({TW: 262144}, {}, [], '# %s\n\n%s = 262144\n' % (OWNER_MARK, TW)),
    ({TW: 262144}, {TW: ''}, [], '# %s\n\n%s = 262144\n' % (OWNER_MARK, TW)),
    ({TW: 262144}, {TW: None}, [], '# %s\n\n%s = 262144\n' % (OWNER_MARK, TW)),
    ({TW: 262144}, {TW: ' \n\t '}, [], '# %s\n\n%s = 262144\n' % (OWNER_MARK, TW)),
    ({TW: 262144}, {TW: 'a\r\nb\x0bc'}, [], '# %s\n\n# a b c\n%s = 262144\n' % (OWNER_MARK, TW)),
    ({TW: 262144}, {}, [''], '#\n# %s\n\n%s = 262144\n' % (OWNER_MARK, TW)),
    ({SYN: '8192', FIN: '30', SOMAXCONN: '8192', TW: '262144'}, {}, [],
     '# %s\n\n%s = 8192\n\n%s = 30\n\n%s = 8192\n\n%s = 262144\n' % (OWNER_MARK, SOMAXCONN, FIN, SYN, TW)),
]
RENDER_IDS = [
    'nothing', 'no-reason', 'empty-reason', 'none-reason', 'blank-reason', 'reason-line-breaks', 'empty-header-line',
    'sorted',
]


@pytest.mark.parametrize('values, reasons, header, text', RENDER_CASES, ids=RENDER_IDS)
def test_render_dropin(values, reasons, header, text):
    assert render_dropin(values, reasons, header) == text


# (text, owned)
OWNED_CASES = [
    (render_dropin({TW: 262144}, {}, ['Ansible managed']), True),
    (render_dropin({}, {}, []), True),
    ('# ' + OWNER_MARK, True),
    ('net.core.somaxconn = 8192\n# ' + OWNER_MARK + '\n', True),
    ('', False),
    ('net.ipv4.tcp_max_tw_buckets = 262144\n', False),
    (OWNER_MARK + '\n', False),
    ('#' + OWNER_MARK + '\n', False),
    ('# note: ' + OWNER_MARK + '\n', False),
    ('# kerneltune.sysctl owns this file\n', False),
]
OWNED_IDS = [
    'rendered', 'rendered-empty', 'mark-only', 'mark-anywhere', 'empty', 'foreign', 'mark-without-comment',
    'mark-without-space', 'mark-quoted', 'partial-mark',
]


@pytest.mark.parametrize('text, owned', OWNED_CASES, ids=OWNED_IDS)
def test_is_owned(text, owned):
    assert is_owned(text) is owned


# (values)
CHECK_ACCEPTED_CASES = [
    {TW: '262144'},
    {TW: 262144, SOMAXCONN: 8192, SYN: '8192'},
    {RANGE: '1024 65000', 'net.ipv4.tcp_syncookies': '1'},
    {'net.ipv4.conf.eth0/100.rp_filter': '2'},
]
CHECK_ACCEPTED_IDS = ['one', 'ints-and-strings', 'multi-token', 'vlan']


@pytest.mark.parametrize('values', CHECK_ACCEPTED_CASES, ids=CHECK_ACCEPTED_IDS)
def test_check_rendered_accepts_the_rendering(values):
    reasons = dict((key, 'why %s' % key) for key in values)
    assert check_rendered(render_dropin(values, reasons, ['Ansible managed', '']), values, DROPIN) is None


NOT_EXACTLY = 'refusing to write %s: it would not set exactly the managed keys' % DROPIN

# (text, values, message)
CHECK_REJECTED_CASES = [
    ('net.core.somaxconn = 4096\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('net.core.somaxconn = 8192\n', {SOMAXCONN: 8192, TW: 262144}, NOT_EXACTLY),
    ('net.core.somaxconn = 8192\nvm.swappiness = 0\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('net.core.somaxconn = 8192\nnet.core.somaxconn = 8192\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('net.core.somaxconn = 4096\nnet.core.somaxconn = 8192\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('-net.core.somaxconn\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('net.ipv4.ip_local_port_range = 1024  65000\n', {RANGE: '1024 65000'}, NOT_EXACTLY),
    ('# just a comment\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('# header\n\nnet.core.somaxconn = 8192\ngarbage\n', {SOMAXCONN: 8192},
     'refusing to write %s: line 4 would not parse (not an assignment (no "="))' % DROPIN),
    # the appliers read "net.core.some maxconn" as a key (that does not exist)
    ('net.core.some maxconn = 8192\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('-net.ipv4.conf.*.rp_filter\n', {}, NOT_EXACTLY),
    # each grammar: procps refuses a trailing separator, reads "- key" as " key"; systemd keeps a vertical tab in
    # the value and a form feed in the key
    ('net.core.somaxconn. = 8192\n', {SOMAXCONN: 8192},
     'refusing to write %s: line 1 would not parse (names no sysctl key (/proc/sys/net/core/somaxconn/))' % DROPIN),
    ('- net.core.somaxconn = 8192\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('net.core.somaxconn = 8192\x0b\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('\x0cnet.core.somaxconn = 8192\n', {SOMAXCONN: 8192}, NOT_EXACTLY),
    ('net.ipv4.conf.*.rp_filter = 1\n', {'net.ipv4.conf.*.rp_filter': '1'}, None),
    (render_dropin({SOMAXCONN: 8192}, {}, ['x\nnet.core.somaxconn = 1']), {SOMAXCONN: 8192}, NOT_EXACTLY),
    (render_dropin({SOMAXCONN: 8192}, {}, ['x\nnot an assignment']), {SOMAXCONN: 8192},
     'refusing to write %s: line 2 would not parse (not an assignment (no "="))' % DROPIN),
    # a lone surrogate stands for no byte: refused by name, not a UnicodeEncodeError traceback
    (render_dropin({SOMAXCONN: '\ud800'}, {}, ['x']), {SOMAXCONN: '\ud800'},
     "refusing to write %s: the value of net.core.somaxconn, '\\ud800', is not text that can be written (a lone "
     "surrogate)" % DROPIN),
    (render_dropin({SOMAXCONN: 8192}, {}, ['\udfff']), {SOMAXCONN: 8192},
     'refusing to write %s: its header lines are not text that can be written (a lone surrogate)' % DROPIN),
]
CHECK_REJECTED_IDS = [
    'other-value', 'key-missing', 'extra-key', 'duplicate-same-value', 'duplicate-last-wins', 'exclusion',
    'value-spacing-differs', 'no-assignment', 'unparseable-line', 'key-with-space', 'glob-exclusion',
    'trailing-separator', 'dash-space-key', 'vertical-tab-after-value', 'form-feed-before-key', 'glob',
    'header-injects-assignment', 'header-injects-garbage', 'lone-surrogate-value', 'lone-surrogate-header',
]


@pytest.mark.parametrize('text, values, message', CHECK_REJECTED_CASES, ids=CHECK_REJECTED_IDS)
def test_check_rendered_rejects(text, values, message):
    if message is None:
        # a glob parses alike for both (procps3 and systemd239 are not checked: the module never renders globs)
        assert check_rendered(text, values, DROPIN) is None
        return
    with pytest.raises(SysctlError) as exc:
        check_rendered(text, values, DROPIN)
    assert str(exc.value) == message


def test_check_rendered_refuses_a_header_injecting_non_latin1_garbage():
    # Regression (fixed in 061f471): the check parsed the Unicode text, and display() of the problem line raised
    # UnicodeEncodeError; it now parses the UTF-8 bytes as the appliers read them (Latin-1).
    text = render_dropin({SOMAXCONN: 8192}, {}, ['Ansible managed\n\u53d8\u66f4'])
    with pytest.raises(SysctlError) as exc:
        check_rendered(text, {SOMAXCONN: 8192}, DROPIN)
    assert str(exc.value) == 'refusing to write %s: line 2 would not parse (not an assignment (no "="))' % DROPIN


def test_check_rendered_accepts_non_latin1_comments_and_values():
    values = {'kernel.domainname': 'caf\xe9-\u53d8'}
    text = render_dropin(values, {'kernel.domainname': 'r\xe9sum\xe9 \u2192 \u53d8\u66f4'}, ['\u53d8\u66f4'])
    assert check_rendered(text, values, DROPIN) is None


@pytest.mark.parametrize('char', ['\r', '\x00'], ids=['carriage-return', 'nul'])
def test_check_rendered_refuses_systemd_line_ends(char):
    text = 'net.core.somaxconn = 8192%s\n' % char
    with pytest.raises(SysctlError) as exc:
        check_rendered(text, {SOMAXCONN: 8192}, DROPIN)
    assert str(exc.value) == ('refusing to write %s: it would contain a %r character, which systemd-sysctl reads as a '
                              'line end (check the header lines)' % (DROPIN, char))


# (header line hiding an assignment behind a line break that systemd-sysctl honours but parse_conf does not)
HIDDEN_HEADER_CASES = ['Ansible managed\rvm.overcommit_memory = 1', 'Ansible managed\x00vm.overcommit_memory = 1']
HIDDEN_HEADER_IDS = ['carriage-return', 'nul']


@pytest.mark.parametrize('header_line', HIDDEN_HEADER_CASES, ids=HIDDEN_HEADER_IDS)
def test_check_rendered_rejects_header_hiding_an_assignment(header_line):
    values = {SOMAXCONN: 8192}
    # Fixed when the rendering refuses the header or drops the line break, or the check refuses the text.
    try:
        text = render_dropin(values, {}, [header_line])
        if '\r' in text or '\x00' in text:
            check_rendered(text, values, DROPIN)
            pytest.fail('check_rendered accepted %r' % text)
    except SysctlError:
        pass


def conf(*files, **kwargs):
    """Assignments of ``(path, text)`` files, in application order, as ``applier`` (default procps) reads them."""
    applier = kwargs.get('applier', 'procps')
    assignments = []
    for path, text in files:
        found, problems = parse_conf(text, path, applier)
        assert problems == []
        assignments.extend(found)
    return assignments


VALUES = {TW: 262144, SOMAXCONN: '8192', RANGE: '1024 65000', FIN: '30'}
RENDERED = render_dropin(VALUES, {}, [])
VENDOR = '/usr/lib/sysctl.d/50-default.conf'
LOCAL = '/etc/sysctl.d/99-sysctl.conf'
ETC = '/etc/sysctl.conf'


LOCAL_TEXT = ('# local tuning\n'
              'net.ipv4.tcp_max_tw_buckets = 5000\n'           # 2: shadow
              'net.ipv4.ip_local_port_range = 1024\t65000\n'   # 3: same value
              'net.ipv4.conf.*.rp_filter = 0\n'                # 4: glob, unmanaged
              'net.core.* = 1\n'                               # 5: glob matching a managed key
              '-net.core.somaxconn\n'                          # 6: exclusion, shadow for systemd only
              'vm.swappiness = 0\n')                           # 7: unmanaged
ETC_TEXT = ('net.ipv4.tcp_max_tw_buckets=262144\n'              # 1: same value
            'net.ipv4.tcp_fin_timeout = 60\n'                  # 2: shadow
            '-net.ipv4.ip_local_port_range = 32768 60999\n')   # 3: shadow, failure ignored


def test_find_shadows_realistic_order():
    assignments = conf(
        (VENDOR, 'net.core.somaxconn = 128\nnet.ipv4.tcp_max_tw_buckets = 5000\n'),
        (DROPIN, RENDERED),
        (LOCAL, LOCAL_TEXT),
        (ETC, ETC_TEXT),
    )
    # procps: "-key" only hides a key from globs, it does not undo the drop-in
    assert find_shadows(assignments, DROPIN, VALUES, 'procps') == [
        Shadow(TW, LOCAL, 2, '5000'),
        Shadow(FIN, ETC, 2, '60'),
        Shadow(RANGE, ETC, 3, '32768 60999'),
    ]


def test_find_shadows_realistic_order_systemd():
    # systemd-sysctl does not read /etc/sysctl.conf; "-key" drops the drop-in's assignment
    assignments = conf(
        (VENDOR, 'net.core.somaxconn = 128\nnet.ipv4.tcp_max_tw_buckets = 5000\n'),
        (DROPIN, RENDERED),
        (LOCAL, LOCAL_TEXT),
        applier='systemd',
    )
    assert find_shadows(assignments, DROPIN, VALUES, 'systemd') == [
        Shadow(TW, LOCAL, 2, '5000', 'systemd'),
        Shadow(SOMAXCONN, LOCAL, 6, None, 'systemd'),
    ]


# (files after the drop-in, shadows as (key, line, value) in the only later file for procps, for systemd;
# SAME: as procps)
SAME = object()
SHADOW_CASES = [
    ('', [], SAME),
    ('net.core.somaxconn = 8192\n', [], SAME),
    ('net.core.somaxconn = 4096\n', [(SOMAXCONN, 1, '4096')], SAME),
    ('net.core.somaxconn =  8192 \n', [], SAME),
    ('net/core/somaxconn = 4096\n', [(SOMAXCONN, 1, '4096')], SAME),
    ('net.ipv4.tcp_max_tw_buckets = 262144\n', [], SAME),
    # the kernel reads a leading zero as octal: 0262144 is 91236
    ('net.ipv4.tcp_max_tw_buckets = 0262144\n', [(TW, 1, '0262144')], SAME),
    ('net.ipv4.ip_local_port_range = 1024 \t 65000\n', [], SAME),
    # values the kernel rejects: procps wrote the drop-in's first, which stands; systemd-sysctl writes only the
    # later line, and when the kernel refuses it the key keeps its default: a shadow
    ('net.ipv4.ip_local_port_range = 65000 1024\n', [], [(RANGE, 1, '65000 1024')]),
    ('net.ipv4.tcp_fin_timeout =\n', [], [(FIN, 1, '')]),
    # "-key" hides a key from globs; systemd-sysctl also drops the earlier assignment
    ('-net.ipv4.tcp_fin_timeout\n', [], [(FIN, 1, None)]),
    ('- net.ipv4.tcp_fin_timeout = 30\n', [], SAME),
    # procps reads "- key" as " key", a key that does not exist; systemd as "key"
    ('- net.core.somaxconn = 1\n', [], [(SOMAXCONN, 1, '1')]),
    ('net.ipv4.tcp_*_timeout = 60\nnet.ipv4.tcp_max_tw_bucket? = 1\nnet.core.[s]omaxconn = 1\n', [], SAME),
    ('net.core.somaxconn = 1\nnet.core.somaxconn = 8192\n', [(SOMAXCONN, 1, '1')], SAME),
    ('net.core.somaxconn = 8192\nnet.core.somaxconn = 1\n', [(SOMAXCONN, 2, '1')], SAME),
    # the values are compared as the kernel reads them
    ('net.core.somaxconn = 8192 # same\n', [], SAME),
    ('net.core.somaxconn = 0x2000\n', [], SAME),
    ('net.core.somaxconn = 8192 = 1\n', [], SAME),
    ('net.core.somaxconn = 8192#x\n', [], [(SOMAXCONN, 1, '8192#x')]),
    # systemd keeps a vertical tab in the value, and the kernel refuses "8192\v"
    ('net.core.somaxconn = 8192\x0b\n', [], [(SOMAXCONN, 1, '8192\x0b')]),
    # procps cannot open a key named with a trailing separator; systemd normalises it
    ('net.core.somaxconn. = 1\n', None, [(SOMAXCONN, 1, '1')]),
    # lines are counted as each applier counts them
    ('vm.swappiness = 1\r\r\nnet.core.somaxconn = 1\n', [(SOMAXCONN, 2, '1')], [(SOMAXCONN, 3, '1')]),
]
SHADOW_IDS = [
    'nothing-after', 'same-value', 'other-value', 'same-value-padded', 'slash-form', 'same-int-value',
    'leading-zero-is-another-value', 'same-tokens', 'tokens-swapped', 'empty-value', 'exclusion',
    'ignore-failure-same-value', 'dash-space-key', 'globs-never-shadow', 'every-differing-line',
    'differing-line-last', 'comment-after-same-value', 'hex-same-value', 'equals-after-same-value',
    'comment-glued-to-value', 'vertical-tab', 'trailing-separator', 'lone-carriage-returns',
]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
@pytest.mark.parametrize('after, procps, systemd', SHADOW_CASES, ids=SHADOW_IDS)
def test_find_shadows(after, procps, systemd, applier):
    expected = procps if applier == 'procps' or systemd is SAME else systemd
    if expected is None:
        with pytest.raises(AssertionError):  # the applier cannot read the line: a problem, not an assignment
            conf((LOCAL, after), applier=applier)
        return
    assignments = conf((DROPIN, RENDERED), (LOCAL, after), applier=applier)
    assert find_shadows(assignments, DROPIN, VALUES, applier) == [Shadow(key, LOCAL, line, value, applier)
                                                                  for key, line, value in expected]


# (files after the drop-in, shadows for procps, for systemd)
SHORT_WRITE_CASES = [
    # procps writes the drop-in's "1024 65000" first: "1024" then changes only the first number. systemd-sysctl
    # writes only the later "1024" (it replaces the drop-in's entry): the high end stays at the kernel default, not
    # the drop-in's 65000, so the line shadows it.
    ('net.ipv4.ip_local_port_range = 1024\n', [], [(RANGE, 1, '1024')]),
    # a line the kernel rejects: systemd writes it instead of the drop-in's (a real shadow); procps writes both and
    # the drop-in's value stays: not a shadow
    ('net.ipv4.tcp_fin_timeout = 30x\n', [], [(FIN, 1, '30x')]),
]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
@pytest.mark.parametrize('after, procps, systemd', SHORT_WRITE_CASES, ids=['fewer-numbers', 'rejected-later-line'])
def test_find_shadows_short_or_rejected_writes(after, procps, systemd, applier):
    # fewer-numbers-systemd is a regression test (fixed in 061f471: _same() modelled the write on top of the
    # drop-in's value for systemd too, and found no shadow)
    expected = procps if applier == 'procps' else systemd
    assignments = conf((DROPIN, RENDERED), (LOCAL, after), applier=applier)
    assert find_shadows(assignments, DROPIN, VALUES, applier) == [Shadow(key, LOCAL, line, value, applier)
                                                                  for key, line, value in expected]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
def test_find_shadows_same_validated_string(applier):
    # Regression (fixed in 061f471: strings are compared whole): _same() modelled the write without the available
    # list, so the very value of the drop-in was "undecided" and reported as a shadow. Both appliers write the same
    # string: the key keeps it.
    values = {'net.ipv4.tcp_congestion_control': 'bbr', 'net.core.default_qdisc': 'fq'}
    later = 'net.ipv4.tcp_congestion_control = bbr\nnet.core.default_qdisc = fq\n'
    assignments = conf((DROPIN, render_dropin(values, {}, [])), (LOCAL, later), applier=applier)
    assert find_shadows(assignments, DROPIN, values, applier) == []


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
def test_find_shadows_other_validated_string(applier):
    values = {'net.ipv4.tcp_congestion_control': 'bbr'}
    later = 'net.ipv4.tcp_congestion_control = cubic\n'
    assignments = conf((DROPIN, render_dropin(values, {}, [])), (LOCAL, later), applier=applier)
    assert find_shadows(assignments, DROPIN, values, applier) == [
        Shadow('net.ipv4.tcp_congestion_control', LOCAL, 1, 'cubic', applier)]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
def test_find_shadows_strings_compared_whole(applier):
    values = {'kernel.core_pattern': '|/bin/false'}
    later = 'kernel.core_pattern = |/bin/false # was core\nkernel.core_pattern = |/bin/false\n'
    assignments = conf((DROPIN, render_dropin(values, {}, [])), (LOCAL, later), applier=applier)
    assert find_shadows(assignments, DROPIN, values, applier) == [
        Shadow('kernel.core_pattern', LOCAL, 1, '|/bin/false # was core', applier)]


def test_find_shadows_value_shown_as_utf8():
    values = {'kernel.domainname': 'x'}
    assignments = conf((DROPIN, render_dropin(values, {}, [])), (LOCAL, 'kernel.domainname = caf\xc3\xa9\n'))
    assert find_shadows(assignments, DROPIN, values, 'procps') == [
        Shadow('kernel.domainname', LOCAL, 1, 'caf\xe9')]


def test_find_shadows_ignores_files_before_the_dropin():
    before = 'net.core.somaxconn = 128\n-net.ipv4.tcp_fin_timeout\nnet.ipv4.tcp_max_tw_buckets = 5000\n'
    for applier in ('procps', 'systemd'):
        assert find_shadows(conf((VENDOR, before), (DROPIN, RENDERED), applier=applier), DROPIN, VALUES,
                            applier) == []
    assert find_shadows(conf((VENDOR, before), (DROPIN, RENDERED), (LOCAL, before)), DROPIN, VALUES, 'procps') == [
        Shadow(SOMAXCONN, LOCAL, 1, '128'),
        Shadow(TW, LOCAL, 3, '5000'),
    ]
    assert find_shadows(conf((VENDOR, before), (DROPIN, RENDERED), (LOCAL, before), applier='systemd'), DROPIN,
                        VALUES, 'systemd') == [
        Shadow(SOMAXCONN, LOCAL, 1, '128', 'systemd'),
        Shadow(FIN, LOCAL, 2, None, 'systemd'),
        Shadow(TW, LOCAL, 3, '5000', 'systemd'),
    ]


def test_find_shadows_needs_the_dropin_in_place():
    # Without the drop-in's own assignments nothing is "after" it.
    for applier in ('procps', 'systemd'):
        assert find_shadows(conf((LOCAL, 'net.core.somaxconn = 1\n'), applier=applier), DROPIN, VALUES, applier) == []


def test_find_shadows_only_managed_keys():
    assignments = conf((DROPIN, RENDERED), (LOCAL, 'net.core.somaxconn = 1\nnet.ipv4.tcp_max_tw_buckets = 1\n'))
    assert find_shadows(assignments, DROPIN, {SOMAXCONN: '8192'}, 'procps') == [Shadow(SOMAXCONN, LOCAL, 1, '1')]


def test_comment_out_exact():
    text = '# local\nnet.core.somaxconn = 128\nvm.swappiness = 10\n'
    assert comment_out(text, [2], DROPIN) == (
        '# local\n'
        '# net.core.somaxconn = 128  # disabled by kerneltune.sysctl, see /etc/sysctl.d/90-kerneltune.conf\n'
        'vm.swappiness = 10\n'
    )


# (text, line numbers, result)
COMMENT_OUT_CASES = [
    ('a = 1\n', [], 'a = 1\n'),
    ('a = 1\n', [1], '# a = 1%s\n' % SUFFIX),
    ('a = 1', [1], '# a = 1%s' % SUFFIX),
    ('a = 1\r\nb = 2\r\nc = 3\r\n', [2], 'a = 1\r\n# b = 2%s\r\nc = 3\r\n' % SUFFIX),
    ('a = 1\r\nb = 2\nc = 3\r\n', [1, 2, 3], '# a = 1%s\r\n# b = 2%s\n# c = 3%s\r\n' % (SUFFIX, SUFFIX, SUFFIX)),
    ('a = 1\nb = 2\nc = 3\nd = 4\n', [3, 1], '# a = 1%s\nb = 2\n# c = 3%s\nd = 4\n' % (SUFFIX, SUFFIX)),
    ('a = 1\nb = 2\n', [2, 2, 2], 'a = 1\n# b = 2%s\n' % SUFFIX),
    ('a = 1\nb = 2\n', {2}, 'a = 1\n# b = 2%s\n' % SUFFIX),
    ('a = 1\nb = 2\n', (1,), '# a = 1%s\nb = 2\n' % SUFFIX),
    ('  -net.core.somaxconn\t\n', [1], '#   -net.core.somaxconn\t%s\n' % SUFFIX),
    ('a = 1\n\nb = 2\n', [3], 'a = 1\n\n# b = 2%s\n' % SUFFIX),
    ('# caf\udce9\nnet.core.somaxconn = 1\n', [2], '# caf\udce9\n# net.core.somaxconn = 1%s\n' % SUFFIX),
]
COMMENT_OUT_IDS = [
    'no-lines', 'one-line', 'no-final-newline', 'crlf-kept', 'mixed-endings', 'several-unsorted', 'duplicates',
    'set', 'tuple', 'whitespace-kept', 'after-blank-line', 'undecodable-bytes-kept',
]


@pytest.mark.parametrize('text, lines, expected', COMMENT_OUT_CASES, ids=COMMENT_OUT_IDS)
def test_comment_out(text, lines, expected):
    assert comment_out(text, lines, DROPIN) == expected


# (text, spans, result): a span ends where an applier ends the line: procps at the "\n" (a CR before it is part of the
# line), systemd-sysctl at the first CR. The note goes before the trailing CRs, so the line end is kept whichever
# applier's span is given.
COMMENT_OUT_SPANS_CASES = [
    ('a = 1\r\nb = 2\r\n', [(0, 6)], '# a = 1%s\r\nb = 2\r\n' % SUFFIX),
    ('a = 1\r\nb = 2\r\n', [(0, 5)], '# a = 1%s\r\nb = 2\r\n' % SUFFIX),
    # the same line as both appliers read it: edited once
    ('a = 1\r\nb = 2\r\n', [(0, 6), (0, 5)], '# a = 1%s\r\nb = 2\r\n' % SUFFIX),
    ('a = 1\r\nb = 2\r\n', [(7, 13), (0, 6)], '# a = 1%s\r\n# b = 2%s\r\n' % (SUFFIX, SUFFIX)),
    ('a = 1\r\r\nb = 2\n', [(0, 7)], '# a = 1%s\r\r\nb = 2\n' % SUFFIX),
    ('a = 1\r', [(0, 6)], '# a = 1%s\r' % SUFFIX),
    # systemd-sysctl's second line after a lone CR: the first is left alone
    ('a = 1\rb = 2\n', [(6, 11)], 'a = 1\r# b = 2%s\n' % SUFFIX),
    ('a = 1\n', [], 'a = 1\n'),
]
COMMENT_OUT_SPANS_IDS = [
    'crlf-procps-span', 'crlf-systemd-span', 'crlf-both-spans', 'crlf-two-lines', 'cr-cr-lf', 'final-cr',
    'after-lone-cr', 'no-spans',
]


@pytest.mark.parametrize('text, spans, expected', COMMENT_OUT_SPANS_CASES, ids=COMMENT_OUT_SPANS_IDS)
def test_comment_out_spans_keeps_a_trailing_cr(text, spans, expected):
    assert comment_out_spans(text, spans, DROPIN) == expected


def test_comment_out_of_a_crlf_line_is_the_same_for_each_applier():
    text = 'a = 1\r\nb = 2\r\n'
    # procps' line includes the CR, systemd-sysctl's does not; both number it 2
    assert line_spans(text, 'procps')[2] == (7, 13)
    assert line_spans(text, 'systemd')[2] == (7, 12)
    for applier in ('procps', 'systemd', 'systemd_rhel7'):
        assert comment_out(text, [2], DROPIN, applier) == 'a = 1\r\n# b = 2%s\r\n' % SUFFIX


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
def test_comment_out_then_no_shadow_is_left(applier):
    local = 'net.core.somaxconn = 128\r\nvm.swappiness = 10\r\n-net.ipv4.tcp_fin_timeout\r\nnet.ipv4.tcp_fin_timeout = 9\r\n'
    shadows = find_shadows(conf((DROPIN, RENDERED), (LOCAL, local), applier=applier), DROPIN, VALUES, applier)
    assert [shadow.line for shadow in shadows] == ([1, 4] if applier == 'procps' else [1, 3, 4])
    edited = comment_out(local, [shadow.line for shadow in shadows], DROPIN, applier)
    assert edited.count('\r\n') == 4
    assert find_shadows(conf((DROPIN, RENDERED), (LOCAL, edited), applier=applier), DROPIN, VALUES, applier) == []


# Files whose line ends systemd-sysctl reads differently from "\n": a lone CR, CR CR LF, a NUL. (After the NUL
# systemd-sysctl reads what follows as a line of its own, procps drops it: an assignment there, not a bare "b" that
# systemd-sysctl would report as "not an assignment".)
SYSTEMD_LINE_ENDS = [
    'vm.swappiness = 1\r\r\nnet.core.somaxconn = 128\nvm.dirty_ratio = 5\nnet.ipv4.tcp_fin_timeout = 60\n',
    'vm.swappiness = 1\rvm.dirty_ratio = 5\nnet.core.somaxconn = 128\n',
    'kernel.domainname = a\x00vm.dirty_ratio = 5\nnet.core.somaxconn = 128\n',
]


@pytest.mark.parametrize('applier', ['procps', 'systemd', 'systemd_rhel7'])
@pytest.mark.parametrize('local', SYSTEMD_LINE_ENDS, ids=['cr-cr-lf', 'lone-cr', 'nul'])
def test_comment_out_then_no_shadow_is_left_whatever_the_line_ends(local, applier):
    # Regression (fixed in 061f471): Shadow.line counts lines as systemd-sysctl does ("\r", NUL and pairs end a
    # line) and comment_out counted "\n": tune commented out other lines and left the shadows.
    shadows = find_shadows(conf((DROPIN, RENDERED), (LOCAL, local), applier=applier), DROPIN, VALUES, applier)
    assert shadows
    assert all(shadow.applier == applier for shadow in shadows)
    edited = comment_out(local, [shadow.line for shadow in shadows], DROPIN, applier)
    assert find_shadows(conf((DROPIN, RENDERED), (LOCAL, edited), applier=applier), DROPIN, VALUES, applier) == []
    # only the shadowing lines are commented out
    kept = [line for line in edited.split('\n') if not line.startswith('# ')]
    assert all(SOMAXCONN not in line and FIN not in line for line in kept)
    assert len(kept) == len(local.split('\n')) - len(shadows)


# Characters str.splitlines() breaks on but procps and systemd-sysctl (and parse_conf) do not (UTF-8 ones as the
# Latin-1 text of their bytes, as parse_conf reads files).
NOT_LINE_BREAKS = ['\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\xc2\x85', '\xe2\x80\xa8', '\xe2\x80\xa9']


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
@pytest.mark.parametrize('char', NOT_LINE_BREAKS, ids=[repr(char) for char in NOT_LINE_BREAKS])
def test_comment_out_uses_the_line_numbers_of_parse_conf(char, applier):
    local = '# section%s page two\nnet.core.somaxconn = 128\n' % char
    shadows = find_shadows(conf((DROPIN, RENDERED), (LOCAL, local), applier=applier), DROPIN, VALUES, applier)
    assert shadows == [Shadow(SOMAXCONN, LOCAL, 2, '128', applier)]
    edited = comment_out(local, [2], DROPIN, applier)
    assert edited == '# section%s page two\n# net.core.somaxconn = 128%s\n' % (char, SUFFIX)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import Expectation
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    DISABLED_MARK,
    OWNER_MARK,
    Shadow,
    check_rendered,
    comment_out,
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
    assert Shadow._fields == ('key', 'source', 'line', 'value')


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
    ('net.core.some maxconn = 8192\n', {SOMAXCONN: 8192},
     'refusing to write %s: line 1 would not parse (sysctl key \'net.core.some maxconn\' contains characters not '
     'allowed in a sysctl key: \' \')' % DROPIN),
    ('-net.ipv4.conf.*.rp_filter\n', {}, 'refusing to write %s: line 1 would not parse (a glob cannot be excluded)' % DROPIN),
    (render_dropin({SOMAXCONN: 8192}, {}, ['x\nnet.core.somaxconn = 1']), {SOMAXCONN: 8192}, NOT_EXACTLY),
    (render_dropin({SOMAXCONN: 8192}, {}, ['x\nnot an assignment']), {SOMAXCONN: 8192},
     'refusing to write %s: line 2 would not parse (not an assignment (no "="))' % DROPIN),
]
CHECK_REJECTED_IDS = [
    'other-value', 'key-missing', 'extra-key', 'duplicate-same-value', 'duplicate-last-wins', 'exclusion',
    'value-spacing-differs', 'no-assignment', 'unparseable-line', 'invalid-key', 'glob-exclusion',
    'header-injects-assignment', 'header-injects-garbage',
]


@pytest.mark.parametrize('text, values, message', CHECK_REJECTED_CASES, ids=CHECK_REJECTED_IDS)
def test_check_rendered_rejects(text, values, message):
    with pytest.raises(SysctlError) as exc:
        check_rendered(text, values, DROPIN)
    assert str(exc.value) == message


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


def conf(*files):
    """Assignments of ``(path, text)`` files, in application order."""
    assignments = []
    for path, text in files:
        found, problems = parse_conf(text, path)
        assert problems == []
        assignments.extend(found)
    return assignments


VALUES = {TW: 262144, SOMAXCONN: '8192', RANGE: '1024 65000', FIN: '30'}
RENDERED = render_dropin(VALUES, {}, [])
VENDOR = '/usr/lib/sysctl.d/50-default.conf'
LOCAL = '/etc/sysctl.d/99-sysctl.conf'
ETC = '/etc/sysctl.conf'


def test_find_shadows_realistic_order():
    assignments = conf(
        (VENDOR, 'net.core.somaxconn = 128\nnet.ipv4.tcp_max_tw_buckets = 5000\n'),
        (DROPIN, RENDERED),
        (LOCAL, '# local tuning\n'
                'net.ipv4.tcp_max_tw_buckets = 5000\n'           # 2: shadow
                'net.ipv4.ip_local_port_range = 1024\t65000\n'   # 3: same value
                'net.ipv4.conf.*.rp_filter = 0\n'                # 4: glob, unmanaged
                'net.core.* = 1\n'                               # 5: glob matching a managed key
                '-net.core.somaxconn\n'                          # 6: exclusion, shadow
                'vm.swappiness = 0\n'),                          # 7: unmanaged
        (ETC, 'net.ipv4.tcp_max_tw_buckets=262144\n'              # 1: same value
              'net.ipv4.tcp_fin_timeout = 60\n'                  # 2: shadow
              '-net.ipv4.ip_local_port_range = 32768 60999\n'),  # 3: shadow, failure ignored
    )
    assert find_shadows(assignments, DROPIN, VALUES) == [
        Shadow(TW, LOCAL, 2, '5000'),
        Shadow(SOMAXCONN, LOCAL, 6, None),
        Shadow(FIN, ETC, 2, '60'),
        Shadow(RANGE, ETC, 3, '32768 60999'),
    ]


# (files after the drop-in, shadows as (key, line, value) in the only later file)
SHADOW_CASES = [
    ('', []),
    ('net.core.somaxconn = 8192\n', []),
    ('net.core.somaxconn = 4096\n', [(SOMAXCONN, 1, '4096')]),
    ('net.core.somaxconn =  8192 \n', []),
    ('net/core/somaxconn = 4096\n', [(SOMAXCONN, 1, '4096')]),
    ('net.ipv4.tcp_max_tw_buckets = 262144\n', []),
    ('net.ipv4.tcp_max_tw_buckets = 0262144\n', [(TW, 1, '0262144')]),
    ('net.ipv4.ip_local_port_range = 1024 \t 65000\n', []),
    ('net.ipv4.ip_local_port_range = 1024\n', [(RANGE, 1, '1024')]),
    ('net.ipv4.ip_local_port_range = 65000 1024\n', [(RANGE, 1, '65000 1024')]),
    ('net.ipv4.tcp_fin_timeout =\n', [(FIN, 1, '')]),
    ('-net.ipv4.tcp_fin_timeout\n', [(FIN, 1, None)]),
    ('- net.ipv4.tcp_fin_timeout = 30\n', []),
    ('net.ipv4.tcp_*_timeout = 60\nnet.ipv4.tcp_max_tw_bucket? = 1\nnet.core.[s]omaxconn = 1\n', []),
    ('net.core.somaxconn = 1\nnet.core.somaxconn = 8192\n', [(SOMAXCONN, 1, '1')]),
    ('net.core.somaxconn = 8192\nnet.core.somaxconn = 1\n', [(SOMAXCONN, 2, '1')]),
]
SHADOW_IDS = [
    'nothing-after', 'same-value', 'other-value', 'same-value-padded', 'slash-form', 'same-int-value',
    'leading-zero-is-another-value', 'same-tokens', 'fewer-tokens', 'tokens-swapped', 'empty-value', 'exclusion',
    'ignore-failure-same-value', 'globs-never-shadow', 'every-differing-line', 'differing-line-last',
]


@pytest.mark.parametrize('after, expected', SHADOW_CASES, ids=SHADOW_IDS)
def test_find_shadows(after, expected):
    assignments = conf((DROPIN, RENDERED), (LOCAL, after))
    assert find_shadows(assignments, DROPIN, VALUES) == [Shadow(key, LOCAL, line, value)
                                                         for key, line, value in expected]


def test_find_shadows_ignores_files_before_the_dropin():
    before = 'net.core.somaxconn = 128\n-net.ipv4.tcp_fin_timeout\nnet.ipv4.tcp_max_tw_buckets = 5000\n'
    assert find_shadows(conf((VENDOR, before), (DROPIN, RENDERED)), DROPIN, VALUES) == []
    assert find_shadows(conf((VENDOR, before), (DROPIN, RENDERED), (LOCAL, before)), DROPIN, VALUES) == [
        Shadow(SOMAXCONN, LOCAL, 1, '128'),
        Shadow(FIN, LOCAL, 2, None),
        Shadow(TW, LOCAL, 3, '5000'),
    ]


def test_find_shadows_needs_the_dropin_in_place():
    # Without the drop-in's own assignments nothing is "after" it.
    assert find_shadows(conf((LOCAL, 'net.core.somaxconn = 1\n')), DROPIN, VALUES) == []


def test_find_shadows_only_managed_keys():
    assignments = conf((DROPIN, RENDERED), (LOCAL, 'net.core.somaxconn = 1\nnet.ipv4.tcp_max_tw_buckets = 1\n'))
    assert find_shadows(assignments, DROPIN, {SOMAXCONN: '8192'}) == [Shadow(SOMAXCONN, LOCAL, 1, '1')]


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


def test_comment_out_then_no_shadow_is_left():
    local = 'net.core.somaxconn = 128\r\nvm.swappiness = 10\r\n-net.ipv4.tcp_fin_timeout\r\n'
    shadows = find_shadows(conf((DROPIN, RENDERED), (LOCAL, local)), DROPIN, VALUES)
    assert [shadow.line for shadow in shadows] == [1, 3]
    edited = comment_out(local, [shadow.line for shadow in shadows], DROPIN)
    assert edited.count('\r\n') == 3
    assert find_shadows(conf((DROPIN, RENDERED), (LOCAL, edited)), DROPIN, VALUES) == []


# Characters str.splitlines() breaks on but procps and systemd-sysctl (and parse_conf) do not.
NOT_LINE_BREAKS = ['\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']


@pytest.mark.parametrize('char', NOT_LINE_BREAKS, ids=[repr(char) for char in NOT_LINE_BREAKS])
def test_comment_out_uses_the_line_numbers_of_parse_conf(char):
    local = '# section%s page two\nnet.core.somaxconn = 128\n' % char
    shadows = find_shadows(conf((DROPIN, RENDERED), (LOCAL, local)), DROPIN, VALUES)
    assert shadows == [Shadow(SOMAXCONN, LOCAL, 2, '128')]
    edited = comment_out(local, [2], DROPIN)
    assert edited == '# section%s page two\n# net.core.somaxconn = 128%s\n' % (char, SUFFIX)

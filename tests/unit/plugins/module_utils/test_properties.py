# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the pure parts of kerneltune.sysctl (skipped when hypothesis is not installed)."""

from __future__ import annotations

import pytest

pytest.importorskip('hypothesis')

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS, traits  # noqa: E402
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import normalize_value  # noqa: E402
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import (  # noqa: E402
    C_SPACE,
    GLOB_CHARS,
    PROC_SYS_PREFIX,
    SYSTEMD_SPACE,
    Assignment,
    Problem,
    display,
    parse_conf,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._kernel import Outcome, write  # noqa: E402
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError  # noqa: E402
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import (  # noqa: E402
    MAX_KEY_LENGTH,
    glob_matches,
    join_key,
    normalize_key,
    proc_path,
    split_key,
)

SETTINGS = settings(max_examples=200, deadline=None)

COMPONENT_CHARS = 'ABCXYZabcxyz0123456789_@:+-.'
FORBIDDEN_IN_VALUE = '\n\r\x00'
# Every character str.split() treats as whitespace, except the forbidden line breaks.
WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) not in FORBIDDEN_IN_VALUE]

# A path component as split_key returns it: allowed characters, never "." or "..".
component = st.text(alphabet=COMPONENT_CHARS, min_size=1, max_size=12).filter(lambda c: c not in ('.', '..'))
# sysctl.d(5) cannot express a dot inside the first component (the first separator decides the form).
first_component = st.text(alphabet=COMPONENT_CHARS.replace('.', ''), min_size=1, max_size=12)
# A first component starting with "-" cannot be written to a file: "-" is the ignore-failure flag
# (see test_keys.test_leading_dash_key_is_rejected).
writable_first_component = first_component.filter(lambda c: not c.startswith('-'))


def _parts(first):
    return st.builds(lambda head, tail: [head] + tail, first, st.lists(component, min_size=1, max_size=6)).filter(
        lambda parts: len(join_key(parts)) <= MAX_KEY_LENGTH)


valid_parts = _parts(writable_first_component)
writable_parts = _parts(writable_first_component)

key_like_text = st.lists(
    st.one_of(st.sampled_from(['.', '/', '..', '//', '*', '?', '[', ']', '!', '-', ' ', '\t', '\n', '=', '\x00',
                               'net', 'ipv4', 'eth0', '\u00e9']),
              st.text(alphabet=COMPONENT_CHARS, max_size=4)),
    max_size=12,
).map(''.join)

conf_like_text = st.lists(
    st.one_of(st.sampled_from(['#', ';', '-', '=', ' = ', ' ', '\t', '\n', '\r\n', '\r', '\x0c', '\x0b', '\x85',
                               '\u2028', '\x00', '.', '/', '*', '..', 'net.core.somaxconn', 'net/ipv4/conf/eth0.1/x',
                               'net.ipv4.conf.*.rp_filter', '4096', '\ufffd']),
              st.text(max_size=6)),
    max_size=40,
).map(''.join)

value_text = st.text(alphabet=st.characters(exclude_categories=['Cs'], exclude_characters=FORBIDDEN_IN_VALUE),
                     max_size=30)
token = st.text(alphabet=st.characters(exclude_categories=['Cs'],
                                       exclude_characters=''.join(WHITESPACE) + FORBIDDEN_IN_VALUE),
                min_size=1, max_size=8)
whitespace_run = st.text(alphabet=st.sampled_from(WHITESPACE), min_size=1, max_size=4)
optional_whitespace = st.text(alphabet=st.sampled_from(WHITESPACE), max_size=4)


# File bytes as parse_conf gets them: decoded as Latin-1 (one character per byte).
latin1_text = st.binary(max_size=200).map(lambda data: data.decode('latin-1'))
conf_bytes = st.one_of(latin1_text, conf_like_text.map(lambda text: text.encode('utf-8').decode('latin-1')))


def _line_count(text, grammar):
    """An upper bound of the line numbers the grammar can give."""
    if grammar != 'systemd':
        return text.count('\n') + 1
    return text.count('\n') + text.count('\r') + text.count('\x00') + 1


@SETTINGS
@given(text=st.one_of(st.text(alphabet=st.characters(max_codepoint=0xff)), conf_bytes),
       applier=st.sampled_from(APPLIERS))
def test_parse_conf_never_raises(text, applier):
    kind = traits(applier)
    assignments, problems = parse_conf(text, '/etc/sysctl.d/fuzz.conf', applier)
    line_count = _line_count(text, kind.grammar)
    for item in assignments:
        assert isinstance(item, Assignment)
        assert item.source == '/etc/sysctl.d/fuzz.conf'
        assert 1 <= item.line <= line_count
        assert isinstance(item.key, str) and item.key
        assert item.is_glob == bool(GLOB_CHARS.search(item.target))
        assert kind.globs or not item.is_glob
        assert kind.dash or not item.ignore_failure
        if item.value is None:
            assert item.ignore_failure  # an exclusion: "-key"
        elif kind.grammar == 'procps':
            assert item.target.startswith(PROC_SYS_PREFIX)
            assert '\n' not in item.value and '\x00' not in item.value
            assert item.value == '' or (item.value[0] not in C_SPACE and item.value[-1] not in C_SPACE)
        elif kind.grammar == 'procps3':
            # the value ends at a CR; only spaces and tabs go before it (the line's end loses ' \t\r\n')
            assert item.target.startswith(PROC_SYS_PREFIX)
            assert not any(char in item.value for char in '\n\r\x00')
            assert item.value == '' or item.value[0] not in ' \t'
        else:
            assert not any(char in item.value for char in '\n\r\x00')
            assert item.value == item.value.strip(SYSTEMD_SPACE)
    for item in problems:
        assert isinstance(item, Problem)
        assert item.source == '/etc/sysctl.d/fuzz.conf'
        assert 0 <= item.line <= line_count
        assert isinstance(item.reason, str) and item.reason
        assert isinstance(item.text, str)


@pytest.mark.parametrize('applier', APPLIERS)
def test_parse_conf_never_raises_on_unicode_text(applier):
    # parse_conf documents Latin-1 text (file bytes); other text is a problem line shown as it is, not a crash
    assignments, problems = parse_conf('\u53d8\u66f4\n', '/etc/sysctl.d/fuzz.conf', applier)
    assert [(item.line, item.text) for item in problems] == ([] if assignments else [(1, '\u53d8\u66f4')])


@SETTINGS
@given(text=conf_bytes)
def test_parse_conf_procps_reads_each_newline_line_alone(text):
    # Only "\n" ends a line for procps, and each line is read on its own: the line an assignment names reads the
    # same alone.
    lines = text.split('\n')
    for item in parse_conf(text, '/etc/sysctl.d/fuzz.conf', 'procps')[0]:
        alone, problems = parse_conf(lines[item.line - 1] + '\n', '/etc/sysctl.d/fuzz.conf', 'procps')
        assert alone == [item._replace(line=1)]
        assert problems == []


integer_data = st.one_of(
    st.text(alphabet='0123456789 \t\n\x0b\x0c\r-+xX#=_abcdef\xa0', max_size=30),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70).map(str),
    st.lists(st.integers(min_value=0, max_value=2 ** 65), min_size=1, max_size=4).map(lambda xs: ' '.join(map(str, xs))),
    st.text(max_size=30),
)
current_values = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.lists(st.integers(min_value=-2 ** 64, max_value=2 ** 64), min_size=1, max_size=4).map(
        lambda xs: '\t'.join(map(str, xs))),
)
keys = st.sampled_from(['net.core.somaxconn', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_congestion_control',
                        'net.core.default_qdisc', 'kernel.core_pattern', 'vm.swappiness',
                        'net.ipv4.ip_local_port_range', 'net.ipv4.ipfrag_high_thresh', 'net.ipv4.ipfrag_low_thresh'])
# what other keys read (None: unknown), for the keys the kernel checks against others
others = st.dictionaries(st.sampled_from(['net.ipv4.tcp_available_congestion_control', 'net.ipv4.ipfrag_low_thresh',
                                          'net.ipv4.ipfrag_high_thresh', 'net.ipv4.ip_unprivileged_port_start']),
                         st.one_of(st.none(), current_values), max_size=4)


@SETTINGS
@given(key=keys, current=current_values, data=integer_data, lookup=others)
def test_kernel_model_never_raises(key, current, data, lookup):
    outcome = write(key, current, data, lookup.get)
    assert isinstance(outcome, Outcome)
    assert outcome.state in ('accepted', 'rejected', 'undecided')
    if outcome.state == 'accepted':
        assert isinstance(outcome.value, str) and outcome.reason is None
    else:
        assert outcome.value is None and outcome.reason


def test_port_range_read_as_one_integer():
    # Regression (fixed in 061f471): _port_range() read values[1] and write() raised IndexError.
    assert write('net.ipv4.ip_local_port_range', '0', '0').state in ('accepted', 'rejected', 'undecided')


@SETTINGS
@given(current=st.lists(st.integers(min_value=-2 ** 31, max_value=2 ** 64 - 1), min_size=1, max_size=4).map(
    lambda xs: '\t'.join(map(str, xs))), data=integer_data)
def test_accepted_integer_write_round_trips(current, data):
    # Writing back what an integer key reads after an accepted write gives the same value.
    outcome = write('net.ipv4.tcp_rmem', current, data)
    if outcome.state != 'accepted':
        return
    assert len(outcome.value.split('\t')) == len(current.split())
    again = write('net.ipv4.tcp_rmem', outcome.value, outcome.value)
    assert again.state == 'accepted'
    assert again.value == outcome.value
    assert again.complete
    # and so does writing it over the value the key had before
    assert write('net.ipv4.tcp_rmem', current, outcome.value).value == outcome.value


def test_accepted_integer_write_round_trips_below_int_min():
    # Regression (fixed in 061f471): write_integer() took a key as wide only for values above INT_MAX; a key reading
    # -2147483649 is wide too (an int key never reads it), yet writing that value back was undecided.
    outcome = write('net.ipv4.tcp_rmem', '0\t-2147483649', '0')
    assert outcome.state == 'accepted'
    assert write('net.ipv4.tcp_rmem', outcome.value, outcome.value).value == outcome.value


@SETTINGS
@given(raw=st.one_of(st.text(), key_like_text, st.integers(), st.none(), st.binary(), st.floats()),
       allow_glob=st.booleans())
def test_normalize_key_returns_key_or_raises_invalid_key_error(raw, allow_glob):
    try:
        key = normalize_key(raw, allow_glob=allow_glob)
    except InvalidKeyError as exc:
        assert str(exc)
        return
    assert isinstance(key, str)
    assert normalize_key(key, allow_glob=allow_glob) == key
    assert split_key(key, allow_glob=allow_glob) == split_key(raw, allow_glob=allow_glob)


@SETTINGS
@given(raw=st.one_of(st.text(), key_like_text))
def test_proc_path_stays_under_root(raw):
    try:
        path = proc_path(raw, '/proc/sys')
    except InvalidKeyError:
        return
    assert path.startswith('/proc/sys/')
    assert '/../' not in path + '/' and '/./' not in path + '/'


@SETTINGS
@given(parts=valid_parts)
def test_split_join_round_trip(parts):
    assert split_key(join_key(parts)) == parts
    slashed = '/'.join(parts)
    assert split_key(slashed) == parts
    assert normalize_key(slashed) == join_key(parts)


@SETTINGS
@given(parts=valid_parts, data=st.data())
def test_star_matches_any_single_component(parts, data):
    key = join_key(parts)
    index = data.draw(st.integers(min_value=1, max_value=len(parts) - 1))
    pattern = join_key(parts[:index] + ['*'] + parts[index + 1:])
    assert glob_matches(pattern, key)
    assert glob_matches(key, key)
    assert not glob_matches(pattern + '.extra', key)


@SETTINGS
@given(tokens=st.lists(token, max_size=6), data=st.data())
def test_normalize_value_is_whitespace_insensitive(tokens, data):
    def render():
        separators = [data.draw(whitespace_run) for dummy in range(max(len(tokens) - 1, 0))]
        text = data.draw(optional_whitespace)
        for number, item in enumerate(tokens):
            text += item + (separators[number] if number < len(separators) else '')
        return text + data.draw(optional_whitespace)

    left, right = render(), render()
    assert normalize_value(left) == normalize_value(right) == ' '.join(tokens)


@SETTINGS
@given(value=value_text)
def test_normalize_value_is_idempotent(value):
    once = normalize_value(value)
    assert normalize_value(once) == once
    assert once == once.strip()


@SETTINGS
@given(settings_=st.dictionaries(writable_parts.map(join_key), value_text.map(normalize_value), max_size=10),
       slashed=st.booleans(), spacing=st.sampled_from(['=', ' = ', '\t=\t', ' =', '=  ']),
       applier=st.sampled_from(APPLIERS))
def test_render_then_parse_gives_the_same_settings(settings_, slashed, spacing, applier):
    if traits(applier).grammar == 'procps3':  # an empty value is invalid syntax for procps 3.3
        settings_ = dict((key, value) for key, value in settings_.items() if value)
    lines = []
    for key, value in settings_.items():
        written = '/'.join(split_key(key)) if slashed else key
        lines.append('%s%s%s' % (written, spacing, value))
    text = ('\n'.join(lines) + '\n').encode('utf-8').decode('latin-1')
    assignments, problems = parse_conf(text, '/etc/sysctl.d/90-rendered.conf', applier)
    assert problems == []
    assert [item.line for item in assignments] == list(range(1, len(settings_) + 1))
    assert dict((item.key, display(item.value)) for item in assignments) == settings_
    assert not any(item.ignore_failure or item.is_glob for item in assignments)


@SETTINGS
@given(values=st.dictionaries(writable_parts.map(join_key), value_text.map(normalize_value).filter(bool), min_size=1,
                              max_size=10),
       reasons=st.lists(st.text(max_size=40).filter(lambda t: '\r' not in t and '\x00' not in t), max_size=3),
       header=st.lists(st.text(alphabet='abc XYZ:-=#;', max_size=30), max_size=3),
       applier=st.sampled_from(APPLIERS))
def test_render_dropin_then_parse_gives_the_same_settings(values, reasons, header, applier):
    # The module's own rendering (header, owner mark, reasons as comments) parses back to exactly its values,
    # whichever applier reads it.
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import check_rendered, render_dropin
    reason_of = dict((key, reasons[index % len(reasons)] if reasons else '') for index, key in enumerate(values))
    text = render_dropin(values, reason_of, header)
    assignments, problems = parse_conf(text.encode('utf-8').decode('latin-1'), '/etc/sysctl.d/90-kerneltune.conf',
                                       applier)
    assert problems == []
    assert dict((item.key, display(item.value)) for item in assignments) == values
    check_rendered(text, values, '/etc/sysctl.d/90-kerneltune.conf')

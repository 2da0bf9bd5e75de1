# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the pure parts of kerneltune.sysctl (skipped when hypothesis is not installed)."""

from __future__ import annotations

import pytest

pytest.importorskip('hypothesis')

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import normalize_value  # noqa: E402
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import (  # noqa: E402
    Assignment,
    Problem,
    parse_conf,
)
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


@SETTINGS
@given(text=st.one_of(st.text(), conf_like_text))
def test_parse_conf_never_raises(text):
    assignments, problems = parse_conf(text, '/etc/sysctl.d/fuzz.conf')
    line_count = len(text.splitlines())
    for item in assignments:
        assert isinstance(item, Assignment)
        assert item.source == '/etc/sysctl.d/fuzz.conf'
        assert 1 <= item.line <= line_count
        assert normalize_key(item.key, allow_glob=True) == item.key
        assert item.value is None or item.value == item.value.strip()
    for item in problems:
        assert isinstance(item, Problem)
        assert item.source == '/etc/sysctl.d/fuzz.conf'
        assert 1 <= item.line <= line_count
        assert isinstance(item.reason, str) and item.reason


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
       slashed=st.booleans(), spacing=st.sampled_from(['=', ' = ', '\t=\t', ' =', '=  ']))
def test_render_then_parse_gives_the_same_settings(settings_, slashed, spacing):
    lines = []
    for key, value in settings_.items():
        written = '/'.join(split_key(key)) if slashed else key
        lines.append('%s%s%s' % (written, spacing, value))
    assignments, problems = parse_conf('\n'.join(lines) + '\n', '/etc/sysctl.d/90-rendered.conf')
    assert problems == []
    assert [item.line for item in assignments] == list(range(1, len(settings_) + 1))
    assert dict((item.key, item.value) for item in assignments) == settings_
    assert not any(item.ignore_failure or item.is_glob for item in assignments)


@SETTINGS
@given(values=st.dictionaries(writable_parts.map(join_key), value_text.map(normalize_value).filter(bool), min_size=1,
                              max_size=10),
       reasons=st.lists(st.text(max_size=40).filter(lambda t: '\r' not in t and '\x00' not in t), max_size=3),
       header=st.lists(st.text(alphabet='abc XYZ:-=#;', max_size=30), max_size=3))
def test_render_dropin_then_parse_gives_the_same_settings(values, reasons, header):
    # The module's own rendering (header, owner mark, reasons as comments) parses back to exactly its values.
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import check_rendered, render_dropin
    reason_of = dict((key, reasons[index % len(reasons)] if reasons else '') for index, key in enumerate(values))
    text = render_dropin(values, reason_of, header)
    assignments, problems = parse_conf(text, '/etc/sysctl.d/90-kerneltune.conf')
    assert problems == []
    assert dict((item.key, item.value) for item in assignments) == values
    check_rendered(text, values, '/etc/sysctl.d/90-kerneltune.conf')

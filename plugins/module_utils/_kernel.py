# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kernel makes of a string written to a /proc/sys file (a model).

The appliers write ``value + "\\n"``. Integer keys (``proc_dointvec`` and
kin) read up to as many integers as the key holds: spaces (C ``isspace``)
are skipped before each; an integer is an optional ``-`` and digits in C
notation (``0x20000`` hexadecimal, ``010000`` octal), at most 20 characters,
and must be followed by a space, a tab, a newline or the end; whatever
follows the last integer the key holds is ignored (``1  # comment`` is 1,
``30 31`` on a one-integer key is 30). Nothing parsed, or a bad character
right after a number, is EINVAL. Fewer integers than the key holds change
only the first ones. Values print back joined by tabs.

String keys take the text up to the first newline, whole (``cubic # x``).
Some string keys check the text against a list (the congestion control);
those the model cannot check are undecided.

Per-key ranges are known only to the kernel, except for the few keys of
CONSTRAINTS (``ip_local_port_range``, the fragment thresholds checked
against each other). Elsewhere the model takes an integer in the C ``int``
range as accepted, but calls that answer *uncertain* unless the key holds
that very value now (the kernel accepted it once). The network-namespace
oracle (_netns) replays the writes on the real kernel instead.
"""

import re
from collections import namedtuple

C_SPACE = ' \t\n\v\f\r'
# The kernel's isspace() also takes byte 0xA0 (Latin-1 no-break space) as a
# space; only space, tab and newline may follow a number.
KERNEL_SPACE = C_SPACE + '\xa0'
_SEPARATORS = ' \t\n'
_INTEGER = re.compile(r'-?\d+\Z')
_DIGITS = {8: '01234567', 10: '0123456789', 16: '0123456789abcdefABCDEF'}
INT_MAX = 2 ** 31 - 1
ULONG_MAX = 2 ** 64 - 1
PAGE_LIMIT = 4095
TMPBUFLEN = 22

# The string keys whose writes the kernel validates, and where it lists what it accepts.
VALIDATED_STRINGS = {
    'net.ipv4.tcp_congestion_control': 'net.ipv4.tcp_available_congestion_control',
    'net.core.default_qdisc': None,
}

# state: 'accepted' (value: what the key reads back), 'rejected' (reason),
# or 'undecided' (reason: the model cannot tell); complete: an accepted write
# set the whole value (not only the first integers); certain: the answer
# does not rest on a range the model does not know.
Outcome = namedtuple('Outcome', 'state value reason complete certain')


def _outcome(state, value=None, reason=None, complete=True, certain=True):
    return Outcome(state, value, reason, complete, certain)


def _port_range(values, lookup):
    if len(values) != 2:
        return '?'
    low, high = values[0], values[1]
    floor = lookup('net.ipv4.ip_unprivileged_port_start')
    if not (1 <= low <= 65535 and 1 <= high <= 65535) or high < low:
        return 'the range must be ascending, within 1-65535'
    if floor is None or not is_integer_value(floor):
        return None if low >= 1024 else '?'
    return None if low >= int(floor.split()[0]) else 'the low end is below ip_unprivileged_port_start'


def _at_least(other):
    def check(values, lookup):
        bound = lookup(other)
        if bound is None or not is_integer_value(bound):
            return '?'
        return None if values[0] >= int(bound.split()[0]) else 'below %s' % other
    return check


def _at_most(other):
    def check(values, lookup):
        bound = lookup(other)
        if bound is None or not is_integer_value(bound):
            return '?'
        return None if values[0] <= int(bound.split()[0]) else 'above %s' % other
    return check


# Keys whose accepted values the model knows: a check of the whole new value
# (and of other keys' values, through ``lookup``) returning None (accepted),
# a reason (rejected), or '?' (cannot tell).
CONSTRAINTS = {
    'net.ipv4.ip_local_port_range': _port_range,
    'net.ipv4.ipfrag_high_thresh': _at_least('net.ipv4.ipfrag_low_thresh'),
    'net.ipv4.ipfrag_low_thresh': _at_most('net.ipv4.ipfrag_high_thresh'),
    'net.ipv6.ip6frag_high_thresh': _at_least('net.ipv6.ip6frag_low_thresh'),
    'net.ipv6.ip6frag_low_thresh': _at_most('net.ipv6.ip6frag_high_thresh'),
}


def is_integer_value(current):
    """True when a value read from /proc/sys is a vector of integers (the key is an integer key)."""
    tokens = current.split() if current is not None else []
    return bool(tokens) and all(_INTEGER.match(token) for token in tokens)


def _get_long(buf):
    """The kernel's proc_get_long() on the start of ``buf``: ``(negative, number, rest)`` or None (EINVAL)."""
    if not buf:
        return None
    head = buf[:TMPBUFLEN - 1]
    pos = 0
    negative = head[0] == '-' and len(buf) > 1
    if negative:
        pos = 1
    if pos >= len(head) or head[pos] not in _DIGITS[10]:
        return None
    base = 10
    if head[pos] == '0':
        if head[pos + 1:pos + 2] in ('x', 'X') and head[pos + 2:pos + 3] and head[pos + 2] in _DIGITS[16]:
            base, pos = 16, pos + 2
        else:
            base = 8
    start = pos
    while pos < len(head) and head[pos] in _DIGITS[base]:
        pos += 1
    number = int(head[start:pos], base)
    if number > ULONG_MAX or pos == TMPBUFLEN - 1:
        return None
    if pos < len(buf) and buf[pos] not in _SEPARATORS:
        return None
    return negative, number, buf[pos:]


def parse_integers(data, count):
    """Parse what an integer key holding ``count`` integers takes from ``data`` (the applier's value).

    Returns ``(numbers, error)``: the ``(negative, number)`` pairs parsed
    before the kernel stopped, and whether it answered EINVAL.
    """
    buf = (data + '\n')[:PAGE_LIMIT]
    numbers = []
    while buf and len(numbers) < count:
        buf = buf.lstrip(KERNEL_SPACE)
        if not buf:
            break
        parsed = _get_long(buf)
        if parsed is None:
            return numbers, True
        negative, number, buf = parsed
        numbers.append((negative, number))
    return numbers, not numbers


def write_integer(key, current, data, lookup):
    """The Outcome of writing ``data`` to an integer key whose value now is ``current``."""
    tokens = current.split()
    numbers, error = parse_integers(data, len(tokens))
    if error and numbers:
        return _outcome('undecided', reason='the kernel rejects %r after its first value, and may keep that one' % data)
    if error:
        return _outcome('rejected', reason='not an integer as the kernel reads it')
    signed = any(token.startswith('-') for token in tokens)
    wide = any(not -INT_MAX - 1 <= int(token) <= INT_MAX for token in tokens)
    values = []
    for negative, number in numbers:
        if negative and not signed:
            return _outcome('undecided', reason='a negative value on a key whose type the model cannot tell')
        if number > INT_MAX + (1 if negative else 0) and not wide:
            return _outcome('undecided', reason='%d is beyond a C int; only the kernel knows this key\'s type' % number)
        values.append(-number if negative else number)
    result = values + [int(token) for token in tokens[len(values):]]
    check = CONSTRAINTS.get(key)
    certain = result == [int(token) for token in tokens]
    if check is not None:
        verdict = check(result, lookup)
        if verdict == '?':
            return _outcome('undecided', reason='%s is checked against other keys the model cannot read' % key)
        if verdict:
            return _outcome('rejected', reason=verdict)
        certain = True
    return _outcome('accepted', '\t'.join(str(value) for value in result), complete=len(values) == len(tokens),
                    certain=certain)


def write_string(key, current, data, lookup):
    """The Outcome of writing ``data`` to a string key whose value now is ``current``."""
    text = data.split('\n', 1)[0]
    if key not in VALIDATED_STRINGS:
        return _outcome('accepted', text, certain=text == current)
    if not text or len(text.split()) != 1 or text != text.strip():
        return _outcome('rejected', reason='%s takes one name, not %r' % (key, text))
    listing = VALIDATED_STRINGS[key]
    available = lookup(listing) if listing else None
    if key == 'net.ipv4.tcp_congestion_control' and not _initial_namespace(lookup):
        # Outside the initial network namespace only the algorithms of tcp_allowed_congestion_control
        # may be chosen (EPERM otherwise, even for one that is available).
        allowed = lookup('net.ipv4.tcp_allowed_congestion_control')
        if allowed is not None:
            if text in allowed.split():
                return _outcome('accepted', text)
            return _outcome('rejected', reason='not in tcp_allowed_congestion_control (%s)' % allowed)
    if available is not None and text in available.split():
        return _outcome('accepted', text)
    return _outcome('undecided', reason='the kernel checks %s against what it can load' % key)


def _initial_namespace(lookup):
    """True in the initial network namespace: keys such as net.core.netdev_max_backlog exist only there."""
    return lookup('net.core.netdev_max_backlog') is not None


def write(key, current, data, lookup=None):
    """The Outcome of writing ``data`` (without the applier's newline) to ``key`` whose value is ``current``.

    ``lookup(other_key)`` gives another key's value (None: unknown), for the
    keys the kernel checks against others.
    """
    lookup = lookup or (lambda other: None)
    if current is None:
        return _outcome('undecided', reason='the key cannot be read, so the model does not know its type')
    if is_integer_value(current):
        return write_integer(key, current, data, lookup)
    return write_string(key, current, data, lookup)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expectations on sysctl values and the status of a key against one.

An expectation is written in a playbook as either a scalar (the exact value;
multi-value keys such as ``net.ipv4.ip_local_port_range`` compare token by
token, whitespace-insensitive) or a dict with ``min`` and/or ``max``
(integers), or ``one_of`` (a list of values).
"""

import re
from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import (
    InvalidExpectationError,
    InvalidValueError,
)

STATUSES = ('ok', 'drift', 'boot_drift', 'undecided', 'unreadable', 'missing')
_FORBIDDEN = ('\n', '\r', '\x00')
# An integer the kernel parses in another base than people read it (its parser
# works like strtoul with base 0): hex 0x10, or a leading 0 (octal) as in 010.
_C_BASE_INTEGER = re.compile(r'(-?)0(?:[xX]([0-9a-fA-F]+)|([0-9]+))\Z')

Expectation = namedtuple('Expectation', 'exact minimum maximum one_of')


def normalize_value(value, key=None):
    """Return a value as the kernel would read it back, tokens joined by one space.

    Booleans become ``1``/``0``. Raises InvalidValueError (naming ``key``) for
    values that are not scalars or hold a line break or NUL, which could
    inject a second assignment into a configuration file.
    """
    where = ' for %s' % key if key else ''
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise InvalidValueError('value %r%s must be a string or a number, not %s'
                                % (value, where, type(value).__name__))
    for char in _FORBIDDEN:
        if char in value:
            raise InvalidValueError('value %r%s contains a line break or NUL character' % (value, where))
    return ' '.join(value.split())


def _integer(value, key, what):
    if isinstance(value, bool):
        raise InvalidExpectationError('%s of %s must be an integer, not a boolean' % (what, key))
    text = str(value).strip()
    try:
        number = int(text)
    except ValueError:
        raise InvalidExpectationError('%s of %s must be an integer, got %r' % (what, key, value))
    if '_' in text:
        raise InvalidExpectationError('%s of %s must be an integer without "_", got %r (the kernel does not accept '
                                      'it); write %d' % (what, key, value, number))
    return number


def _kernel_reading(token):
    """Return ``(read, plain)`` for a token written as a C-base integer, else None.

    ``read`` is the integer the kernel reads (None: it rejects the token, an
    octal with a digit 8 or 9); ``plain`` the digits read as decimal (None
    for hex).
    """
    match = _C_BASE_INTEGER.match(token)
    if not match:
        return None
    sign, hex_digits, digits = match.groups()
    factor = -1 if sign else 1
    if hex_digits is not None:
        return factor * int(hex_digits, 16), None
    plain = factor * int(digits, 10)
    if set(digits) - set('01234567'):
        return None, plain
    return factor * int(digits, 8), plain


def check_decimal(value, key):
    """Raise InvalidExpectationError when a token of ``value`` is an integer the kernel reads in another base.

    The kernel reads ``0x10`` as 16 and ``010`` as 8 (and rejects ``08``), then
    prints them in decimal: such a value never matches what it reads back.
    ``0`` and ordinary decimals pass; the error gives the decimal to write.
    """
    tokens = value.split()
    readings = [(token, _kernel_reading(token)) for token in tokens]
    odd = [(token, reading) for token, reading in readings if reading is not None]
    if not odd:
        return
    token, (read, plain) = odd[0]
    subject = 'it' if len(tokens) == 1 else token
    if read is None:
        what = 'the kernel rejects %s (a leading 0 means octal, which has no digit 8 or 9)' % subject
    elif plain is None:
        what = 'the kernel reads %s as %d' % (subject, read)
    else:
        what = 'the kernel reads %s as %d (a leading 0 means octal)' % (subject, read)

    def rewritten(pick):
        text = ' '.join(token if reading is None else str(pick(reading)) for token, reading in readings)
        return text if len(tokens) == 1 else "'%s'" % text

    choices = []
    if all(reading[0] is not None for dummy, reading in odd):
        choices.append(rewritten(lambda reading: reading[0]))
    plain_text = rewritten(lambda reading: reading[0] if reading[1] is None else reading[1])
    if plain_text not in choices:
        choices.append(plain_text + (' without the leading zero' if choices else ''))
    raise InvalidExpectationError('value %r for %s: %s; write %s' % (value, key, what, ', or '.join(choices)))


def parse_expectation(key, desired):
    """Return the Expectation for ``desired``, or raise InvalidExpectationError naming the key."""
    if isinstance(desired, dict):
        unknown = sorted(set(desired) - set(('min', 'max', 'one_of')))
        if unknown:
            raise InvalidExpectationError('expectation of %s has unknown field(s) %s; use min, max or one_of'
                                          % (key, ', '.join(map(str, unknown))))
        if not desired:
            raise InvalidExpectationError('expectation of %s is an empty dict; use min, max or one_of' % key)
        if 'one_of' in desired:
            if len(desired) > 1:
                raise InvalidExpectationError('expectation of %s: one_of cannot be combined with min or max' % key)
            choices = desired['one_of']
            if not isinstance(choices, (list, tuple)) or not choices:
                raise InvalidExpectationError('one_of of %s must be a non-empty list' % key)
            try:
                values = tuple(normalize_value(choice, key) for choice in choices)
            except InvalidValueError as exc:
                raise InvalidExpectationError(str(exc))
            for number, (choice, value) in enumerate(zip(choices, values), start=1):
                if not value:
                    raise InvalidExpectationError('one_of of %s: entry %d (%r) is empty; every value must have '
                                                  'at least one token' % (key, number, choice))
            return Expectation(None, None, None, values)
        minimum = _integer(desired['min'], key, 'min') if 'min' in desired else None
        maximum = _integer(desired['max'], key, 'max') if 'max' in desired else None
        if minimum is not None and maximum is not None and minimum > maximum:
            raise InvalidExpectationError('expectation of %s: min %d is greater than max %d' % (key, minimum, maximum))
        return Expectation(None, minimum, maximum, None)
    try:
        exact = normalize_value(desired, key)
    except InvalidValueError as exc:
        raise InvalidExpectationError(str(exc))
    if not exact:
        raise InvalidExpectationError('expected value of %s is empty' % key)
    return Expectation(exact, None, None, None)


_DECIMAL = re.compile(r'-?(0|[1-9][0-9]*)\Z')


def _check_integers(value, key, count):
    """Refuse a value for an integer key holding ``count`` integers that would never read back as written.

    The kernel keeps only the leading integers (``9000 # more`` reads back
    9000, ``30 31`` on a one-integer key 30) and changes only as many as
    given (``1024`` on the port range keeps its high end).
    """
    tokens = value.split()
    numbers = []
    for token in tokens:
        if not _DECIMAL.match(token):
            break
        numbers.append(token)
    if len(numbers) == len(tokens) == count:
        return
    if numbers and len(tokens) != len(numbers):
        hint = 'the kernel keeps only the integers before %r' % tokens[len(numbers)]
    elif not numbers:
        hint = 'the key holds integers'
    else:
        hint = 'the key holds %d integer%s' % (count, '' if count == 1 else 's')
    example = ' '.join(numbers[:count]) if len(numbers) >= count else None
    raise InvalidExpectationError('value %r for %s never reads back as written: %s%s'
                                  % (value, key, hint, '; write %s' % example if example else ''))


def check_bounds(expectations, live_values):
    """Raise InvalidExpectationError for expectations the key's live value shows can never hold.

    Bounds compare a single integer: on a multi-value key (``net.ipv4.tcp_rmem``
    holds three) a bound would be met by nothing and ``tune`` would write one
    number. On a key the kernel prints in decimal, exact and one_of values
    must be decimal too (check_decimal); keys printed with leading zeros
    (hexadecimal bitmaps such as ``net.core.rps_default_mask``) take them as
    written. Keys without a live value (missing, unreadable) are skipped.
    """
    for key in sorted(expectations):
        expectation = expectations[key]
        live = live_values.get(key)
        if live is None:
            continue
        if expectation.minimum is None and expectation.maximum is None:
            if live.split() and all(_DECIMAL.match(token) for token in live.split()):
                for value in (expectation.one_of or (expectation.exact,)):
                    check_decimal(value, key)
                    _check_integers(value, key, len(live.split()))
            continue
        fields = live.split()
        if len(fields) == 1:
            try:
                int(fields[0])
                continue
            except ValueError:
                found = 'its value is %r' % fields[0]
        elif fields:
            found = 'it holds %d values (%s)' % (len(fields), ' '.join(fields))
        else:
            found = 'its value is empty'
        example = ' (such as %r)' % ' '.join(fields) if fields else ''
        raise InvalidExpectationError('min/max of %s apply only to keys holding one integer, but %s; expect an exact '
                                      'value%s or one_of' % (key, found, example))


def describe(expectation):
    """Return an expectation in the form a user wrote it (a string, or a min/max/one_of dict)."""
    if expectation.exact is not None:
        return expectation.exact
    if expectation.one_of is not None:
        return {'one_of': list(expectation.one_of)}
    described = {}
    if expectation.minimum is not None:
        described['min'] = expectation.minimum
    if expectation.maximum is not None:
        described['max'] = expectation.maximum
    return described


def describe_text(described):
    """Return an expectation, as ``describe`` gives it, in words: ``>= 8192 and <= 65535``, ``one of 0, 1``."""
    if not isinstance(described, dict):
        return str(described)
    words = []
    if 'min' in described:
        words.append('>= %s' % described['min'])
    if 'max' in described:
        words.append('<= %s' % described['max'])
    if 'one_of' in described:
        words.append('one of %s' % ', '.join(described['one_of']))
    return ' and '.join(words)


def meets(expectation, value):
    """True when a value read from the kernel or a file satisfies the expectation."""
    if value is None:
        return False
    value = ' '.join(value.split())
    if expectation.exact is not None:
        return value == expectation.exact
    if expectation.one_of is not None:
        return value in expectation.one_of
    try:
        number = int(value)
    except ValueError:
        return False
    if expectation.minimum is not None and number < expectation.minimum:
        return False
    if expectation.maximum is not None and number > expectation.maximum:
        return False
    return True


def target_value(expectation, live):
    """Return the value a host should get: the live one when it already satisfies, else the bound."""
    if meets(expectation, live):
        return ' '.join(live.split())
    if expectation.exact is not None:
        return expectation.exact
    if expectation.one_of is not None:
        return expectation.one_of[0]
    if expectation.minimum is not None:
        number = None
        try:
            number = int(live) if live is not None else None
        except ValueError:
            number = None
        if number is None or number < expectation.minimum:
            return str(expectation.minimum)
    return str(expectation.maximum)


def key_status(expectation, live, boot, reload=None, undecided=None):
    """Return the status of a key: ok, drift, boot_drift, undecided or missing.

    ``live`` is None when the key does not exist here; ``boot`` is None when
    no write of the boot applier takes (nothing persists the key);
    ``reload`` is what the next ``sysctl --system`` leaves (None: it leaves
    the key alone); ``undecided`` is why the prediction cannot be made.
    """
    if live is None:
        return 'missing'
    if not meets(expectation, live):
        return 'drift'
    if undecided:
        return 'undecided'
    if not meets(expectation, boot):
        return 'boot_drift'
    if reload is not None and not meets(expectation, reload):
        return 'boot_drift'
    return 'ok'


def same_value(left, right):
    """Whitespace-insensitive equality of two values (None equals only None)."""
    if left is None or right is None:
        return left is right
    return left.split() == right.split()

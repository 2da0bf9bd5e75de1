# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read sysctl.d(5) / sysctl.conf(5) text exactly as one applier family reads it.

The text is the file's bytes decoded as Latin-1 (one character per byte), so
line limits and C ``isspace`` work on bytes as in the appliers.

procps (``sysctl --system``): only "\\n" ends a line; a NUL ends the line's
text; lines shorter than two bytes are skipped; C ``isspace`` (space, tab,
LF, VT, FF, CR) is stripped before the key and around the value, but only
after the key; ``#`` or ``;`` first is a comment; the key ends at the first
``=``; ``-`` before the key means "ignore failure" (``- key`` then names a
key that starts with a space, which never exists); ``-key`` alone excludes
the key from globs. The key becomes a path: if its first separator is ``.``
dots and slashes swap; doubled separators and a leading separator still
name the same file; a trailing separator names none.

procps 3.3 (``procps3``) cuts lines the same way, but strips only space, tab,
CR and LF at the end of a line and space and tab at its start (a form feed
or vertical tab stays in the key or value); the key is what follows any
leading ``=`` up to the next ``=``; the value ends at the first CR, and an
empty one is invalid syntax; one ``-`` is stripped, and a line without ``=``
writes ``=`` to its key. Keys whose last part is ``base_reachable_time`` or
``retrans_time`` are never set ("deprecated").

systemd-sysctl: "\\n", "\\r", NUL and their pairs end a line; a line of
1 MiB or more ends the reading of the file; only space, tab, CR and LF are
stripped, around the key and the value; ``-`` then spaces then the key works;
the key is normalised (separators swapped as above, doubled and trailing
separators and a leading ``/`` removed; before 245 it is written as spelt:
a trailing separator names no file). From 250 on a ``..`` in a key is
refused; before, the kernel resolves it as it opens the file.
"""

import re
from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import traits
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import join_key

# key: canonical dotted key (for a glob, the dotted pattern), or None when the
# applier can never write it; value: str, or None for an exclusion ("-key");
# target: the applier's own name of the line's key (procps: the /proc/sys path
# it opens; systemd: the normalised key it remembers); source, line: where.
Assignment = namedtuple('Assignment', 'key value ignore_failure is_glob source line target')
Problem = namedtuple('Problem', 'source line text reason')

PROC_SYS_PREFIX = '/proc/sys/'
C_SPACE = ' \t\n\v\f\r'
SYSTEMD_SPACE = ' \t\n\r'
PROCPS3_TRAILING = ' \t\n\r'  # procps 3.3 StripLeadingAndTrailingSpaces(): at the end of a line
PROCPS3_LEADING = ' \t'        # and at its start
PROCPS3_DEPRECATED = ('base_reachable_time', 'retrans_time')
GLOB_CHARS = re.compile(r'[*?\[]')
_EOL = re.compile('[\n\r\x00]')
_EOL_BIT = {'\x00': 1, '\n': 2, '\r': 4}


def display(text):
    """Latin-1 text of file bytes -> text for people (UTF-8 where it is); text that is not Latin-1 (a caller
    that passed decoded text) is shown as it is."""
    try:
        return text.encode('latin-1').decode('utf-8', 'replace')
    except UnicodeEncodeError:
        return text


def _c_rstrip(text):
    """procps rstrip(): strips trailing isspace but never the first character."""
    end = len(text)
    while end > 1 and text[end - 1] in C_SPACE:
        end -= 1
    return text[:end]


def _procps_spans(text):
    """Yield ``(number, start, end)`` of every line: only "\\n" ends one."""
    start = 0
    number = 0
    while start <= len(text):
        stop = text.find('\n', start)
        number += 1
        if stop == -1:
            if start < len(text):
                yield number, start, len(text)
            return
        yield number, start, stop
        start = stop + 1


def _systemd_spans(text, line_max=None, split=False):
    """Yield ``(number, start, end, too_long)`` of the lines systemd's read_line() cuts.

    "\\n", "\\r", NUL and their pairs (each at most once, NUL last) end a
    line. With ``split`` (fgets of systemd 219) a line longer than
    ``line_max`` is cut into pieces; otherwise a line of ``line_max`` bytes
    or more is yielded with ``too_long`` set, and nothing after it.
    """
    pos = 0
    number = 0
    end = len(text)
    while pos < end:
        match = _EOL.search(text, pos)
        stop = match.start() if match else end
        start = pos
        pos = stop
        seen = 0
        while pos < end and text[pos] in _EOL_BIT and not seen & 1 and not seen & _EOL_BIT[text[pos]]:
            seen |= _EOL_BIT[text[pos]]
            pos += 1
        if line_max is not None and stop - start >= line_max:
            if not split:
                yield number + 1, start, stop, True
                return
            while stop - start > line_max:
                number += 1
                yield number, start, start + line_max, False
                start += line_max
        number += 1
        yield number, start, stop, False


def line_spans(text, applier):
    """``{number: (start, end)}``: where each line the applier numbers lies in ``text``."""
    kind = traits(applier)
    if kind.grammar != 'systemd':
        return dict((number, (start, stop)) for number, start, stop in _procps_spans(text))
    return dict((number, (start, stop))
                for number, start, stop, dummy in _systemd_spans(text, kind.line_max, kind.line_split))


def procps_lines(text):
    """Yield ``(number, line)``: only "\\n" ends a line; a NUL ends its text; lines under 2 bytes skipped."""
    for number, start, stop in _procps_spans(text):
        length = stop - start + (1 if stop < len(text) else 0)
        if length >= 2:
            yield number, text[start:stop].split('\x00', 1)[0]


def systemd_lines(text, line_max=None, split=False):
    """Yield ``(number, line, too_long)`` as systemd's read_line() cuts them (see _systemd_spans)."""
    for number, start, stop, too_long in _systemd_spans(text, line_max, split):
        yield number, text[start:stop], too_long


def _swap_separators(key, unless):
    """Dots and slashes swap, unless the first separator of ``key`` is ``unless``."""
    first = re.search('[./]', key)
    if not first or first.group() == unless:
        return key
    return key[:first.start()] + key[first.start():].translate({ord('.'): '/', ord('/'): '.'})


def slashdot(key):
    """The key as a path below /proc/sys: if the first separator is '.', dots and slashes swap."""
    return _swap_separators(key, '/')


def dotted(key):
    """The key as procps names it in its messages: if the first separator is '/', slashes and dots swap."""
    return _swap_separators(key, '.')


def procps_key(path):
    """The canonical key of a /proc/sys path procps opens (realpath under /proc/sys/), or None."""
    if path.endswith('/'):
        return None  # a key file named with a trailing slash: ENOTDIR
    stack = []
    for part in path.split('/'):
        if part in ('', '.'):
            continue
        if part == '..':
            if stack:
                stack.pop()
            continue
        stack.append(part)
    if stack[:2] != ['proc', 'sys'] or len(stack) < 3:
        return None
    return join_key(stack[2:])


def systemd_normalize(key):
    """systemd's sysctl_normalize() (245+): swap separators, then simplify the path and drop a leading '/'."""
    return '/'.join(part for part in slashdot(key).split('/') if part not in ('', '.'))


def systemd_key(target):
    """The canonical key systemd writes for a normalised key, or None (a '..' is refused, '' is /proc/sys)."""
    parts = [part for part in target.split('/') if part not in ('', '.')]
    if not parts or '..' in parts:
        return None
    return join_key(parts)


def pattern_key(target):
    """A glob target as a dotted pattern, for people."""
    return join_key([part for part in target.split('/') if part not in ('', '.')])


def _procps3_rstrip(text, chars=PROCPS3_TRAILING):
    """procps 3.3's trailing strip: never the first character."""
    end = len(text)
    while end > 1 and text[end - 1] in chars:
        end -= 1
    return text[:end]


def _procps3_split(line, dash):
    """How procps 3.3's Preload() cuts a line: ``(key, value, ignore_failure)``, a reason (invalid syntax) or None.

    The line (already cut at a NUL) loses space, tab, CR and LF at its end and
    space and tab at its start; ``#`` or ``;`` first, or fewer than two bytes
    left, is a comment. ``strtok(line, "=")`` skips leading ``=`` and ends the
    key at the next ``=``; the key loses its trailing space, tab, CR and LF.
    ``strtok(NULL, "\\n\\r")`` takes the value: leading CRs skipped, up to the
    next CR; an empty one is invalid syntax; then its leading spaces and tabs
    go. Without any ``=`` after the key, procps writes ``=`` over the end of
    the key and sends it as the value (when nothing was stripped before the
    key; else invalid syntax): the kernel refuses it.
    """
    body = _procps3_rstrip(line).lstrip(PROCPS3_LEADING)
    if len(body) < 2 or body[0] in '#;':
        return None
    rest = body.lstrip('=')
    if not rest:
        return 'invalid syntax (no key): procps 3.3 skips the line'
    key, sep, value = rest.partition('=')
    key = _procps3_rstrip(key)
    if sep:
        value = value.lstrip('\r').split('\r', 1)[0]
        if not value:
            return 'invalid syntax (empty value): procps 3.3 skips the line'
        value = value.lstrip(' \t')
    elif line[0] in PROCPS3_LEADING or rest != body:
        return 'invalid syntax (no "="): procps 3.3 skips the line'
    else:
        value = '='  # written over the end of the key (and whatever follows it in procps' buffer)
    ignore = dash and key.startswith('-')
    return (key[1:] if ignore else key), value, ignore


def _split_assignment(body, dash):
    """Return ``(key, value, ignore_failure)``; value None for an exclusion, or None when not an assignment."""
    key, sep, value = body.partition('=')
    if not sep:
        if dash and body.startswith('-'):
            return body[1:], None, True
        return None
    ignore = False
    if dash and key.startswith('-'):
        ignore = True
        key = key[1:]
    return key, value, ignore


def _procps_line(line, kind):
    """procps 4.0: ``(key, value, ignore_failure, target)``, a reason, or None (a comment)."""
    body = line.lstrip(C_SPACE)
    if len(body) < 2 or body[0] in '#;':
        return None
    split = _split_assignment(body, kind.dash)
    if split is None:
        return 'not an assignment (no "=")'
    key, value, ignore = split
    key = _c_rstrip(key)
    if value is not None:
        value = _c_rstrip(value.lstrip(C_SPACE))
    return key, value, ignore, PROC_SYS_PREFIX + slashdot(key[1:] if key.startswith('-') else key)


def _procps3_line(line, kind):
    """procps 3.3: ``(key, value, ignore_failure, target)``, a reason, or None (a comment)."""
    split = _procps3_split(line, kind.dash)
    if not isinstance(split, tuple):
        return split
    key, value, ignore = split
    last = dotted(key).rpartition('.')
    if last[1] and last[2] in PROCPS3_DEPRECATED:
        return 'procps 3.3 never sets %s ("deprecated, value not set")' % last[2]
    return key, value, ignore, PROC_SYS_PREFIX + slashdot(key)


def _systemd_line(line, kind):
    """systemd-sysctl: ``(key, value, ignore_failure, target)``, a reason, or None (a comment)."""
    body = line.strip(SYSTEMD_SPACE)
    if not body or body[0] in '#;':
        return None
    split = _split_assignment(body, kind.dash)
    if split is None:
        return 'not an assignment (no "=")'
    key, value, ignore = split
    key = key.strip(SYSTEMD_SPACE)
    if value is not None:
        value = value.strip(SYSTEMD_SPACE)
    # before 245 the key is written as spelt, its separators only swapped
    return key, value, ignore, systemd_normalize(key) if kind.normalise else slashdot(key)


_LINE_READERS = {'procps': _procps_line, 'procps3': _procps3_line, 'systemd': _systemd_line}


def parse_conf(text, source, applier='procps'):
    """Return ``(assignments, problems)`` for one file's text (Latin-1), as ``applier`` reads it."""
    kind = traits(applier)
    read_line = _LINE_READERS[kind.grammar]
    assignments = []
    problems = []

    def problem(number, line, reason):
        problems.append(Problem(source, number, display(line), reason))

    if kind.grammar == 'systemd':
        lines = systemd_lines(text, kind.line_max, kind.line_split)
    else:
        lines = ((number, line, False) for number, line in procps_lines(text))
    for number, line, too_long in lines:
        if too_long:
            problem(number, line[:80], 'line of %d bytes: systemd-sysctl stops reading this file here' % len(line))
            break
        parsed = read_line(line, kind)
        if parsed is None:
            continue
        if not isinstance(parsed, tuple):
            problem(number, line, parsed)
            continue
        key, value, ignore, target = parsed
        glob = bool(GLOB_CHARS.search(target))
        if glob and not kind.globs:
            problem(number, line, 'this applier (%s) does not expand globs' % kind.versions)
            continue
        if glob:
            canonical = pattern_key(target if kind.grammar == 'systemd' else target[len(PROC_SYS_PREFIX):])
        elif kind.grammar != 'systemd':
            canonical = procps_key(target)
        elif kind.dotdot:
            canonical = procps_key(PROC_SYS_PREFIX + target)  # the kernel resolves '..' as it opens the file
        else:
            canonical = systemd_key(target)
        if canonical is None and not glob:
            problem(number, line, 'names no sysctl key (%s)' % display(target))
            continue
        assignments.append(Assignment(canonical, value, ignore, glob, source, number, target))
    return assignments, problems

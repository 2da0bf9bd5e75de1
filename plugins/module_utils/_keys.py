# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sysctl key handling: sysctl.d(5) separators, validation, /proc/sys paths.

A key names a file under /proc/sys. sysctl.d(5) allows ``.`` or ``/`` as
separators: if the first separator is ``/``, the remaining dots are literal
(``net/ipv4/conf/eth0.100/rp_filter``); if it is ``.``, dots and slashes are
interchanged (``net.ipv4.conf.eth0/100.rp_filter``). The canonical form used
in every result of this collection is the dotted one, as ``sysctl -a`` prints.
"""

import os
import re
from fnmatch import fnmatchcase

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError

PROC_SYS = '/proc/sys'

# One path component: what Linux allows in an interface name (dev_valid_name: anything but "/", ":" and
# whitespace; "~", "@", "+", "%", "#", non-ASCII ...), and ":" as before. Dots are allowed inside a component
# (eth0.100) but a component may not be "." or ".." ("/" never reaches one: it is the other separator). Refused:
# whitespace, control characters and "=" (the appliers split a line there: no file can name such a key), and the
# glob characters "*", "?" and "[" unless globs are allowed.
_COMPONENT = re.compile(r'^[^\s\x00-\x1f\x7f/=*?\[]+\Z')
_GLOB_COMPONENT = re.compile(r'^[^\s\x00-\x1f\x7f/=]+\Z')
_GLOB_CHARS = re.compile(r'[*?\[]')
MAX_KEY_LENGTH = 256

# Keys under these trees belong to the network namespace; everything else
# (vm, kernel, fs, ...) is host-wide and a container must not write it.
NAMESPACED_PREFIXES = ('net.',)


def is_namespaced(key):
    """True for a key of the network namespace (``net.*``); vm, kernel, fs... are host-wide."""
    return key.startswith(NAMESPACED_PREFIXES)


def split_key(raw, allow_glob=False):
    """Return the list of /proc/sys path components of a key.

    ``raw`` may use either separator form of sysctl.d(5). Raises
    InvalidKeyError naming the key when it is empty, absolute, has an
    empty, ``.`` or ``..`` component, or a character outside the allowed set.
    """
    if not isinstance(raw, str):
        raise InvalidKeyError('sysctl key %r must be a string' % (raw,))
    key = raw.strip()
    if not key:
        raise InvalidKeyError('empty sysctl key')
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError('sysctl key %r is longer than %d characters' % (key[:40] + '...', MAX_KEY_LENGTH))
    if key.startswith('/') or key.startswith('.'):
        raise InvalidKeyError('sysctl key %r must not start with a separator (no absolute paths)' % key)
    if key.startswith('-'):
        raise InvalidKeyError('sysctl key %r must not start with "-" (in a file that means: ignore failure)' % key)
    slash = key.find('/')
    dot = key.find('.')
    if slash != -1 and (dot == -1 or slash < dot):
        parts = key.split('/')
    else:
        parts = [part.replace('/', '.') for part in key.split('.')]
    pattern = _GLOB_COMPONENT if allow_glob else _COMPONENT
    for part in parts:
        if part in ('', '.', '..'):
            raise InvalidKeyError('sysctl key %r has an empty, "." or ".." component' % key)
        if not pattern.match(part):
            bad = sorted(set(c for c in part if not pattern.match(c)))
            raise InvalidKeyError('sysctl key %r contains characters not allowed in a sysctl key: %s'
                                  % (key, ' '.join(repr(c) for c in bad)))
    if len(parts) < 2:
        raise InvalidKeyError('sysctl key %r has no separator: a key looks like "net.core.somaxconn"' % key)
    return parts


def join_key(parts):
    """Return the canonical dotted form of path components (dots inside a component become ``/``)."""
    return '.'.join(part.replace('.', '/') for part in parts)


def normalize_key(raw, allow_glob=False):
    """Return the canonical dotted form of a key written in either sysctl.d(5) form."""
    return join_key(split_key(raw, allow_glob=allow_glob))


def is_glob(key):
    """True when a (canonical) key contains glob characters."""
    return bool(_GLOB_CHARS.search(key))


def glob_matches(pattern, key):
    """True when a canonical glob pattern matches a canonical key, component by component."""
    pattern_parts = split_key(pattern, allow_glob=True)
    key_parts = split_key(key)
    if len(pattern_parts) != len(key_parts):
        return False
    return all(fnmatchcase(k, p) for p, k in zip(pattern_parts, key_parts))


def proc_path(key, root=PROC_SYS):
    """Return the file under ``root`` (default /proc/sys) that holds a key.

    The path is built from validated components only, and checked to stay
    under ``root`` after normalisation.
    """
    parts = split_key(key)
    path = os.path.join(root, *parts)
    real_root = os.path.normpath(root)
    if os.path.commonpath([real_root, os.path.normpath(path)]) != real_root:
        raise InvalidKeyError('sysctl key %r resolves outside %s' % (key, root))
    return path


_CLASSES = {
    'alnum': 'A-Za-z0-9', 'alpha': 'A-Za-z', 'blank': ' \\t', 'cntrl': '\\x00-\\x1f\\x7f', 'digit': '0-9',
    'graph': '!-~', 'lower': 'a-z', 'print': ' -~', 'punct': '!-/:-@\\[-`{-~', 'space': ' \\t\\n\\r\\f\\v',
    'upper': 'A-Z', 'xdigit': '0-9A-Fa-f',
}


def _bracket(pattern, start):
    """Translate the bracket expression at ``pattern[start] == '['``; return ``(regex, end)`` or None."""
    pos = start + 1
    negate = pos < len(pattern) and pattern[pos] in '!^'
    if negate:
        pos += 1
    items = []
    first = True
    while pos < len(pattern):
        char = pattern[pos]
        if char == ']' and not first:
            return ('[^%s]' if negate else '[%s]') % ''.join(items), pos + 1
        first = False
        if char == '[' and pattern[pos + 1:pos + 2] == ':':
            close = pattern.find(':]', pos + 2)
            if close != -1 and pattern[pos + 2:close] in _CLASSES:
                items.append(_CLASSES[pattern[pos + 2:close]])
                pos = close + 2
                continue
        if char == '\\' and pos + 1 < len(pattern):
            pos += 1
            char = pattern[pos]
        if pattern[pos + 1:pos + 2] == '-' and pattern[pos + 2:pos + 3] not in ('', ']'):
            high = pattern[pos + 2]
            items.append('%s-%s' % (re.escape(char), re.escape(high)) if char <= high else '')
            pos += 3
            continue
        items.append(re.escape(char))
        pos += 1
    return None


def glob_component_regex(pattern):
    """A compiled regex matching one path component as glibc fnmatch(3) (flags 0) matches it.

    ``*`` and ``?`` as usual, ``[...]`` with ``!`` or ``^`` negation, ranges
    and character classes, a backslash escapes; an unclosed ``[`` is literal.
    """
    out = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == '*':
            out.append('.*')
        elif char == '?':
            out.append('.')
        elif char == '[':
            translated = _bracket(pattern, pos)
            if translated is not None:
                out.append(translated[0])
                pos = translated[1]
                continue
            out.append(re.escape(char))
        elif char == '\\' and pos + 1 < len(pattern):
            pos += 1
            out.append(re.escape(pattern[pos]))
        else:
            out.append(re.escape(char))
        pos += 1
    return re.compile('(?s)' + ''.join(out) + r'\Z')

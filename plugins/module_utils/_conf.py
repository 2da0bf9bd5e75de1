# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse sysctl.d(5) / sysctl.conf(5) text into assignments.

Syntax handled, as procps ``sysctl --system`` and systemd-sysctl read it:
blank lines; lines whose first non-blank character is ``#`` or ``;``;
``key = value`` with any whitespace around ``=``; a leading ``-`` (a failure
to set the key is ignored); ``-key`` with no ``=`` (exclude the key from any
glob); globs in keys (``net.ipv4.conf.*.rp_filter``); either separator form.
A line that is not an assignment is reported as a problem, never raised.
"""

from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_glob, normalize_key

# key: canonical dotted key or glob; value: str, or None for an exclusion;
# source: file path; line: 1-based line number.
Assignment = namedtuple('Assignment', 'key value ignore_failure is_glob source line')
Problem = namedtuple('Problem', 'source line text reason')


def parse_conf(text, source):
    """Return ``(assignments, problems)`` for the text of one configuration file."""
    assignments = []
    problems = []
    # Only "\n" ends a line for procps and systemd-sysctl (not form feeds,
    # vertical tabs or Unicode separators, which str.splitlines() would split on).
    for number, raw in enumerate(text.split('\n'), start=1):
        raw = raw.rstrip('\r')
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        ignore_failure = line.startswith('-')
        body = line[1:].lstrip() if ignore_failure else line
        key_text, sep, value = body.partition('=')
        key_text = key_text.strip()
        if not sep and not ignore_failure:
            problems.append(Problem(source, number, raw, 'not an assignment (no "=")'))
            continue
        try:
            key = normalize_key(key_text, allow_glob=True)
        except InvalidKeyError as exc:
            problems.append(Problem(source, number, raw, str(exc)))
            continue
        if not sep:
            # "-key" without "=": exclude a key from glob assignments.
            if is_glob(key):
                problems.append(Problem(source, number, raw, 'a glob cannot be excluded'))
                continue
            assignments.append(Assignment(key, None, True, False, source, number))
            continue
        assignments.append(Assignment(key, value.strip(), ignore_failure, is_glob(key), source, number))
    return assignments, problems

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The writes an applier performs, in its order, from the assignments of its files.

procps writes every line, in order: an explicit line always, a glob for each
matching key that no line of any file names with exactly the same path (an
explicit line or a ``-key`` exclusion). A ``-glob`` excludes nothing.

systemd-sysctl keeps one entry per normalised key, in the order of their last
change: the same value again keeps the first position (and line), another
value moves the key to the end; ``-key`` (no value) is an entry that writes
nothing but hides the key from globs (``-glob`` so cancels that glob). Then
each entry is written once; a glob for each match no entry names.

What the kernel makes of each write is _kernel's business.
"""

from collections import OrderedDict, namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import traits
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import PROC_SYS_PREFIX

# key: canonical key; value: the string written (the applier adds "\n");
# source: "file:line" (or the other writer's words); condition: None, or
# tuned's ">" / "<" (written only when the value is above / below the key's
# then); writer: who writes it at boot: "cmdline" (the kernel's command
# line), "applier" (the sysctl files), "tuned" (its profile) or
# "tuned_reapply" (tuned applying the files again).
Write = namedtuple('Write', 'key value source ignore_failure condition writer')
Write.__new__.__defaults__ = (False, None, 'applier')


def _source(item):
    return '%s:%d' % (item.source, item.line)


def _procps_writes(assignments, expand, exists):
    named = set(item.target for item in assignments)
    for item in assignments:
        if item.value is None:
            continue
        if item.is_glob:
            for path, key in expand(item.target[len(PROC_SYS_PREFIX):]):
                if PROC_SYS_PREFIX + path not in named:
                    yield Write(key, item.value, _source(item), item.ignore_failure)
        elif exists(item.key):
            yield Write(item.key, item.value, _source(item), item.ignore_failure)


def _systemd_writes(assignments, expand, exists):
    entries = OrderedDict()
    for item in assignments:
        existing = entries.get(item.target)
        if existing is not None and existing.value == item.value:
            # the same value again keeps the first line's place and source; "-" on either one ignores a failure
            entries[item.target] = existing._replace(ignore_failure=existing.ignore_failure or item.ignore_failure)
            continue
        entries.pop(item.target, None)
        entries[item.target] = item
    for item in entries.values():
        if item.value is None:
            continue
        if item.is_glob:
            for path, key in expand(item.target):
                if path not in entries:
                    yield Write(key, item.value, _source(item), item.ignore_failure)
        elif exists(item.key):
            yield Write(item.key, item.value, _source(item), item.ignore_failure)


def write_sequence(assignments, applier, expand, exists):
    """Return the list of Write the applier performs, in order.

    ``assignments`` come from every file the applier reads, in its order
    (parsed for that applier). ``expand(pattern)`` returns the sorted
    ``(path, key)`` pairs of writable keys a slash-separated glob matches
    (path relative to /proc/sys, as glob(3) prints it); ``exists(key)``
    tells whether a key can be opened for writing. Keys that do not exist
    are left out, as the appliers skip them.
    """
    if traits(applier).writes == 'every':
        return list(_procps_writes(assignments, expand, exists))
    return list(_systemd_writes(assignments, expand, exists))

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tune's planner: read the host (through _host) into a _tune.Plan; nothing is written.

What it reads besides the keys and the boot files: where the drop-in may go
(a ``.conf`` file directly in /etc/sysctl.d, ours, not a symlink, named
unlike any file of a later sysctl.d directory), the bytes of the files whose
lines it comments out, and which keys may be written live here. The rules
are the pure functions of _tune. Every function takes ``root`` (``'/'``: the
host; tests pass a tree of plain files). Raises SysctlError.
"""

import os
from collections import OrderedDict

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import SYSCTL_D_DIRS
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import Wanted, audit_view
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import same_value
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import line_spans
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import (
    appliers,
    in_container,
    read_files,
    read_host,
    tuned_overrides,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import (
    decode,
    encode,
    read_bytes,
    sysctl_d_dirs,
    sysctl_d_listing,
    under,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import PROC_SYS, is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import read_only_keys, read_values, unknown_keys
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    DROPIN_MODE, EDITABLE_DIR, OWN_DIR, Edit, Plan,
    check_dropin_path, check_masking, check_rendered, comment_out_spans, dropin_bytes, dropin_reasons, find_shadows,
    is_owned, read_only_warning, render_dropin, targets,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._writers import TUNED_MAIN

__all__ = ['OWN_DIR', 'check_path', 'make_plan', 'plan_live', 'planned_shadows', 'read_after', 'read_view',
           'shadow_edits']


def check_path(path, own_dir=OWN_DIR, dirs=SYSCTL_D_DIRS):
    """Return the bytes of the drop-in at ``path`` (None: none yet), or raise SysctlError if it may not be written.

    ``dirs`` are the sysctl.d directories in precedence order, ``own_dir`` first.
    """
    check_dropin_path(path, own_dir)
    if os.path.islink(path):
        raise SysctlError('refusing to replace %s: it is a symlink (to %s), not a drop-in of kerneltune.sysctl'
                          % (path, os.readlink(path)))
    current = read_bytes(path)
    if current is not None and not is_owned(decode(current)):
        raise SysctlError('refusing to replace %s: it exists and was not written by kerneltune.sysctl; '
                          'choose another path, or move the file away' % path)
    check_masking(path, sysctl_d_listing(dirs)[0])
    return current


def planned_shadows(applier, reload_applier, path, text, values, texts, root='/'):
    """The lines that would undo the drop-in ``text`` at ``path`` at the next boot or ``sysctl --system``.

    Each line once, whichever applier's reading found it. ``texts``
    (_host_files.read_texts form) holds the files already read; the drop-in
    takes its place in the order as if it were written.
    """
    found = OrderedDict()
    for name in (applier, reload_applier) if reload_applier != applier else (applier,):
        reading = read_files(name, root, texts, planned=(path, decode(dropin_bytes(text))))
        for shadow in find_shadows(reading.assignments, path, values, name):
            found.setdefault((shadow.source, shadow.line), shadow)
    return list(found.values())


def shadow_edits(shadows, path):
    """Return the Edit of each file (real path, in path order) whose lines in ``shadows`` are commented out.

    /etc/sysctl.d/99-sysctl.conf is often a symlink to /etc/sysctl.conf: the
    real file is edited, once per line, whichever applier's count found it.
    """
    by_file = {}
    for shadow in shadows:
        real = os.path.realpath(shadow.source)
        by_file.setdefault(real, []).append(shadow._replace(source=real))
    edits = []
    for real, found in sorted(by_file.items()):
        before = read_bytes(real)
        text = decode(before)  # offsets count bytes; the edit works on the same bytes
        spans = {}  # by where the line starts: both readings of one line are one edit
        for shadow in found:
            start, end = line_spans(text, shadow.applier)[shadow.line]
            spans.setdefault(start, ((start, end), shadow))
        starts = sorted(spans)
        after = encode(comment_out_spans(text, [spans[start][0] for start in starts], decode(dropin_bytes(path))))
        edits.append(Edit(real, before, after, [spans[start][1] for start in starts]))
    return edits


def plan_live(changes, mode, path, container=None, read_only=read_only_keys):
    """Split the live ``changes`` ({key: value}) by what is written live here, for apply_live ``mode``.

    Returns ``(write, skipped, warnings)``: the changes to write live; the
    sorted keys persisted in ``path`` but not written live; the warnings.
    Whatever the mode, host-wide keys are skipped inside a container
    (``container``: in_container() when None), one warning each: a container
    never changes its host. Mode ``'auto'`` also skips the keys on a
    read-only mount (``read_only``, _live.read_only_keys), with one warning
    naming them all; True writes them (the kernel refuses, naming the key);
    False writes nothing and skips nothing more (persist-only by choice).
    """
    container = in_container() if container is None else container
    host_wide = sorted(key for key in changes if container and not is_namespaced(key))
    warnings = ['%s is host-wide: persisted in %s but not written live inside a container' % (key, path)
                for key in host_wide]
    write = dict((key, value) for key, value in changes.items() if key not in host_wide)
    if mode is False:
        return {}, host_wide, warnings
    stuck = read_only(sorted(write)) if mode == 'auto' and write else []
    if stuck:
        warnings.append(read_only_warning(stuck, path))
    return (dict((key, value) for key, value in write.items() if key not in stuck),
            sorted(host_wide + list(stuck)), warnings)


def _present_keys(request, live, unreadable, proc):
    """``(wanted, missing, warnings)``: the Wanted without the keys this kernel lacks, per the missing policy."""
    if unreadable:
        raise SysctlError('keys that exist but cannot be read cannot be tuned (each is read back to verify it): %s'
                          % ', '.join('%s (%s)' % (key, unreadable[key].reason) for key in sorted(unreadable)))
    missing = sorted(key for key, value in live.items() if value is None)
    if missing and request.missing == 'fail':
        errors = unknown_keys(missing, proc)
        first = errors[missing[0]]
        raise first if len(missing) == 1 else SysctlError(
            'unknown sysctl keys on this kernel: %s (%s)' % (', '.join(missing), first))
    kept = request.wanted
    kept = Wanted(dict((key, value) for key, value in kept.expectations.items() if key not in missing),
                  kept.baselines, kept.overridden)
    return kept, missing, ['skipping %s: this kernel does not have it' % key for key in missing]


def _policy_shadows(request, path, shadows, root):
    """The shadows to comment out under the ``shadowed`` policy; raises for ``fail`` and for package files."""
    if shadows and request.shadowed == 'fail':
        raise SysctlError('files applied after %s would undo it at boot: %s' % (request.path, ', '.join(
            '%s:%d sets %s = %s' % (s.source, s.line, s.key, s.value) for s in shadows)))
    if request.shadowed == 'ignore':
        return []
    editable = os.path.realpath(under(root, EDITABLE_DIR)) + '/'
    foreign = sorted(set(s.source for s in shadows if not os.path.realpath(s.source).startswith(editable)))
    if foreign:
        raise SysctlError('files of a package are applied after %s and would undo it at boot: %s; they are not '
                          'edited: name the drop-in so that it sorts after them (for example %s/99-zz-kerneltune.conf)'
                          % (request.path, ', '.join(foreign), OWN_DIR))
    return shadows


def make_plan(request, root='/'):
    """Read the host under ``root`` and return the Plan of a _tune.Request; raises SysctlError."""
    path = under(root, request.path)
    current = check_path(path, under(root, OWN_DIR), sysctl_d_dirs(root))
    proc = under(root, PROC_SYS)
    live, unreadable = read_values(request.wanted.expectations, proc)
    kept, missing, warnings = _present_keys(request, live, unreadable, proc)
    applier, reload_applier = appliers(request.boot_applier, root)
    texts = {}  # each file read once, for the view before and for the planned order
    before = audit_view(kept, read_host(kept.expectations, applier, reload_applier, request.kernel_check, root,
                                        (live, {}), texts))
    values = targets(kept.expectations, live)
    overrides = tuned_overrides(kept.expectations, values, root, texts)
    if overrides:
        raise SysctlError('tuned writes its profile after the sysctl files at boot and does not re-apply them '
                          '(reapply_sysctl is off in %s), so %s would lose: %s; change the profile, or turn '
                          'reapply_sysctl on' % (TUNED_MAIN, request.path, ', '.join(
                              '%s sets %s = %s%s' % (item.source.split(':')[0], item.key, item.condition or '',
                                                     item.value) for item in overrides)))
    text = render_dropin(values, dropin_reasons(request), request.header)
    check_rendered(text, values, request.path)
    shadows = planned_shadows(applier, reload_applier, path, text, values, texts, root)
    edits = shadow_edits(_policy_shadows(request, path, shadows, root), path)
    changes = dict((key, values[key]) for key in values if not same_value(live[key], values[key]))
    writes, skipped_live, live_warnings = plan_live(changes, request.live_mode, request.path, in_container(root),
                                                    lambda keys: read_only_keys(keys, proc))
    writes_dropin = current != dropin_bytes(text) or (os.stat(path).st_mode & 0o7777) != DROPIN_MODE
    return Plan(request, kept, path, text, current, writes_dropin, values, live, writes, skipped_live, missing, edits,
                before, applier, reload_applier, warnings + live_warnings)


def read_after(plan, root='/'):
    """The audit of a Plan's keys after it was applied (_audit.audit_view).

    After a change, read afresh (read_view); a plan that changes nothing
    leaves the host as make_plan read it, so its audit before is its audit
    after (a steady-state rerun reads the host once).
    """
    if not plan.changes_host:
        return plan.before
    return read_view(plan, root)


def read_view(plan, root='/'):
    """The audit of a Plan's keys read afresh from the host under ``root``: files, live values, the kernel check."""
    return audit_view(plan.wanted, read_host(plan.wanted.expectations, plan.applier, plan.reload_applier,
                                             plan.request.kernel_check, root))

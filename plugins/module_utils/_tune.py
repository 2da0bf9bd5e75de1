# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a tuning change: the request, the drop-in's text, the lines that would undo it, the Plan.

All functions are pure: they take what was read from the host and return
what should be written. _tune_host reads the host into a Plan; _apply
carries it out.
"""

import os
from collections import namedtuple

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import traits
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import drift_lines, not_holding, wanted
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import display, line_spans, parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._kernel import is_integer_value, write
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import target_value
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import decode
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import profile_reasons

# A line of another file, applied after the drop-in, that sets a managed key
# to another value (or excludes it): the next boot would undo the tuning.
Shadow = namedtuple('Shadow', 'key source line value applier')
Shadow.__new__.__defaults__ = ('procps',)  # line numbers count as that applier counts them

DISABLED_MARK = 'disabled by kerneltune.sysctl, see'
OWNER_MARK = 'kerneltune.sysctl owns this file: local changes are overwritten.'
OWN_DIR = '/etc/sysctl.d'
DROPIN_MODE = 0o644
# Lines are only ever commented out in files of the administrator (/etc), never in
# package-owned files (/usr/lib/sysctl.d, /lib/sysctl.d, ...) nor in /run (tmpfs).
EDITABLE_DIR = '/etc'

# What a tune run is asked to do, validated before the host is read: the
# _audit.Wanted, the drop-in ``path``, its ``header`` lines, the shadowed and
# missing policies, the apply_live mode ('auto', True, False), the
# boot_applier choice, kernel_check, verify, and the profile names.
Request = namedtuple('Request', 'wanted path header shadowed missing live_mode boot_applier kernel_check verify '
                                'profile baseline_profile')

# A file whose lines are commented out: ``path`` (the real file, symlinks
# resolved), its bytes ``before`` and ``after``, and the ``shadows`` (Shadow,
# source = path) of the lines that change, one per line, in the file's order.
Edit = namedtuple('Edit', 'path before after shadows')


class Plan(namedtuple('Plan', 'request wanted path text current writes_dropin values live writes skipped_live '
                              'skipped_missing edits before applier reload_applier warnings')):
    """Everything a tune run changes, read before anything changes (_tune_host.make_plan).

    ``request``: the Request; ``wanted``: its _audit.Wanted without the
    keys this kernel lacks (skipped); ``path``: the drop-in (under the root read);
    ``text``: its new text; ``current``: its bytes now (None: none yet);
    ``writes_dropin``: True when the drop-in is (re)written (new text or
    mode); ``values``: what each key gets; ``live``: the values read before;
    ``writes``: the live writes ({key: value}); ``skipped_live``: keys
    persisted only (sorted); ``skipped_missing``: keys left out; ``edits``:
    [Edit]; ``before``: the audit before (_audit.audit_view); the appliers
    modelled; ``warnings``: for the user.
    """

    __slots__ = ()

    @property
    def creates_dropin(self):
        """True when no drop-in exists yet at ``path``."""
        return self.current is None

    @property
    def changes_host(self):
        """True when applying the plan changes a file or a live value."""
        return bool(self.writes_dropin or self.edits or self.writes)

    @property
    def boot_only(self):
        """The keys verified at the next boot only (persisted, not written live)."""
        return sorted(self.values) if self.request.live_mode is False else self.skipped_live

    @property
    def data(self):
        """The drop-in's new bytes."""
        return dropin_bytes(self.text)


def verify_failure(plan, after):
    """Why the keys of a Plan do not hold in the audit ``after`` the change (None: they all do)."""
    problems = not_holding(after['sysctl'], plan.wanted.expectations, plan.boot_only)
    if not problems:
        return None
    return '%s these keys do not hold: %s' % (
        'after the change' if plan.changes_host else 'nothing needed changing, but', '; '.join(
            '%s (%s)' % item for item in sorted(problems.items())))


def check_dropin_path(path, own_dir=OWN_DIR):
    """Raise SysctlError unless ``path`` is a ``.conf`` file directly in ``own_dir`` (checked before any read)."""
    if os.path.dirname(path) != own_dir or not path.endswith('.conf'):
        raise SysctlError('path %s must be a .conf file directly in %s' % (path, own_dir))


def tune_request(params):
    """The Request of the tune module's options; raises SysctlError before anything is read or locked."""
    mode = live_mode(params['apply_live'])
    wanted_keys = wanted(params['profile'], params['settings'], params['baseline_profile'], what='settings',
                         task='tune')
    check_dropin_path(params['path'])
    return Request(wanted_keys, params['path'], params['header'], params['shadowed'], params['missing'], mode,
                   params['boot_applier'], params['kernel_check'], params['verify'], params['profile'],
                   params['baseline_profile'])


def dropin_reasons(request):
    """``{key: why}`` for the drop-in's comments: the profile's reasons, or the play's settings."""
    reasons = profile_reasons(request.profile) if request.profile else {}
    reasons.update((key, 'set by the settings of the play') for key in request.wanted.overridden)
    return reasons


def encodable(text):
    """Whether ``text`` has bytes (dropin_bytes): not when it holds a lone surrogate that stands for no byte."""
    try:
        dropin_bytes(text)
    except UnicodeError:
        return False
    return True


def dropin_bytes(text):
    """The bytes of a rendered drop-in (its text is the play's: UTF-8)."""
    return text.encode('utf-8', 'surrogateescape')


def plan_diff(plan):
    """Ansible's diff of a Plan: the drop-in, then each edited file, as decoded bytes."""
    diff = [dict(before_header=plan.request.path, after_header=plan.request.path, before=decode(plan.current or b''),
                 after=decode(plan.data))]
    diff.extend(dict(before_header=edit.path, after_header=edit.path, before=decode(edit.before),
                     after=decode(edit.after)) for edit in plan.edits)
    return diff


def plan_result(plan):
    """The tune module's result for a Plan, before it is applied (check mode returns it as it is)."""
    return dict(
        changed=plan.changes_host, path=plan.request.path, values=plan.values, boot_applier=plan.applier,
        live_changes=dict((key, dict(before=plan.live[key], after=value)) for key, value in plan.writes.items()),
        skipped_live=plan.skipped_live, skipped_missing=plan.skipped_missing, backup_files=[],
        shadowed=[dict(file=shadow.source, line=shadow.line, key=shadow.key, value=shadow.value)
                  for edit in plan.edits for shadow in edit.shadows],
        before=plan.before, drift=drift_lines(plan.before['sysctl'], plan.request.baseline_profile),
        diff=plan_diff(plan),
    )


def live_mode(value):
    """The O(apply_live) option as ``'auto'``, True or False; raises SysctlError for anything else.

    ``auto`` (any case), None (the default) or a boolean in any form Ansible
    reads as one (true/false, yes/no, on/off, 1/0, as a boolean or a
    string), so playbooks that passed a boolean keep working.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() == 'auto'):
        return 'auto'
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise SysctlError('value of apply_live must be one of: auto, true, false, got: %s' % (value,))


def read_only_warning(keys, path):
    """The one warning of apply_live=auto for ``keys`` (on a read-only mount, persisted in ``path`` only)."""
    return ('/proc/sys is read-only here (an unprivileged container?): persisted in %s for the next boot, '
            'not applied live: %s (apply_live=auto; true would fail on them, false persists without this warning)'
            % (path, ', '.join(sorted(keys))))


def targets(expectations, live_values):
    """Return ``{key: value}``: what each key gets (the live value when it already satisfies, else the bound)."""
    return dict((key, target_value(expectation, live_values.get(key)))
                for key, expectation in expectations.items())


def render_dropin(values, reasons, header_lines):
    """Return the drop-in text: header comment and owner mark, then each key (sorted) under its reason."""
    lines = ['# ' + line if line else '#' for line in header_lines] + ['# ' + OWNER_MARK]
    for key in sorted(values):
        lines.append('')
        reason = ' '.join((reasons.get(key) or '').split())
        if reason:
            lines.append('# ' + reason)
        lines.append('%s = %s' % (key, values[key]))
    return '\n'.join(lines) + '\n'


def check_rendered(text, values, source):
    """Parse a rendered drop-in back; raise SysctlError unless it sets exactly ``values``."""
    for key, value in sorted(values.items()):
        if not encodable(str(value)):
            raise SysctlError('refusing to write %s: the value of %s, %r, is not text that can be written (a lone '
                              'surrogate)' % (source, key, value))
    if not encodable(text):
        raise SysctlError('refusing to write %s: its header lines are not text that can be written (a lone '
                          'surrogate)' % source)
    for char in ('\r', '\x00'):
        if char in text:
            raise SysctlError('refusing to write %s: it would contain a %r character, which systemd-sysctl reads as '
                              'a line end (check the header lines)' % (source, char))
    data = decode(dropin_bytes(text))  # the bytes, as the appliers read them
    for applier in ('procps', 'systemd'):
        assignments, problems = parse_conf(data, source, applier)
        if problems:
            problem = problems[0]
            raise SysctlError('refusing to write %s: line %d would not parse (%s)'
                              % (source, problem.line, problem.reason))
        parsed = dict((item.key, item.value) for item in assignments)
        expected = dict((key, decode(dropin_bytes(str(value)))) for key, value in values.items())
        if parsed != expected or len(assignments) != len(values):
            raise SysctlError('refusing to write %s: it would not set exactly the managed keys' % source)


def _same(key, line_value, target, applier):
    """True when the line leaves ``key`` at ``target`` after the drop-in set it, as the kernel reads values.

    procps writes the line on top of the drop-in's value; systemd-sysctl
    writes only the line, so it must set every value itself.
    """
    target = str(target)
    if not is_integer_value(target):
        return line_value.split('\n', 1)[0] == target
    outcome = write(key, target, line_value)
    if outcome.state != 'accepted' or outcome.value.split() != target.split():
        return False
    return outcome.complete or traits(applier).writes == 'every'


def _undoes(key, line_value, target, applier):
    """True when a later line changes what the drop-in set.

    A value the kernel rejects undoes nothing under procps (the drop-in's
    write stands), but does under systemd-sysctl, which then writes nothing.
    """
    if _same(key, line_value, target, applier):
        return False
    if traits(applier).writes == 'every' and is_integer_value(str(target)):
        return write(key, str(target), line_value).state != 'rejected'
    return True


def find_shadows(ordered_assignments, dropin_path, values, applier):
    """Return the Shadow lines read after the drop-in that would set a managed key to another value.

    ``ordered_assignments`` are all assignments in the applier's order, as
    it parses them, with the drop-in's own in their place (``source ==
    dropin_path``). Globs never shadow: an explicit assignment beats them.
    For systemd-sysctl a later ``-key`` shadows too: it drops the assignment.
    """
    shadows = []
    seen_dropin = False
    exclusions_shadow = traits(applier).writes == 'last'
    for item in ordered_assignments:
        if item.source == dropin_path:
            seen_dropin = True
            continue
        if not seen_dropin or item.is_glob or item.key not in values:
            continue
        if item.value is None:
            if exclusions_shadow:
                shadows.append(Shadow(item.key, item.source, item.line, None, applier))
        elif _undoes(item.key, item.value, values[item.key], applier):
            shadows.append(Shadow(item.key, item.source, item.line, display(item.value), applier))
    return shadows


def masked_files(path, listing):
    """Return the files a drop-in at ``path`` would mask: those of the same name in a directory read after its own.

    ``listing`` is ``[(directory, names)]`` in precedence order (SYSCTL_D_DIRS):
    the appliers read only the first file of a name, so a drop-in named like a
    package's file (``50-default.conf``) hides that file at every boot.
    """
    directory, name = path.rsplit('/', 1)
    masked = []
    later = False
    for other, names in listing:
        other = other.rstrip('/')
        if other == directory:
            later = True
        elif later and name in names:
            masked.append(other + '/' + name)
    return masked


def check_masking(path, listing):
    """Raise SysctlError naming both files when a drop-in at ``path`` would mask a file of the same name."""
    masked = masked_files(path, listing)
    if masked:
        raise SysctlError('refusing to write %s: it would mask %s (the boot reads only the first file of a name, '
                          'and %s comes first), so the settings of %s would no longer apply; choose another file name'
                          % (path, ', '.join(masked), path.rsplit('/', 1)[0],
                             'that file' if len(masked) == 1 else 'those files'))


def is_owned(text):
    """True when an existing drop-in was written by this collection (it carries the owner mark)."""
    return ('# ' + OWNER_MARK) in text.split('\n')


def comment_out_spans(text, spans, dropin_path):
    """Return ``text`` with the lines at ``spans`` (``(start, end)`` offsets) commented out, line endings kept.

    Each line gets ``# `` before it and a note naming the drop-in after it,
    before its first CR or NUL: a line procps reads whole may hold several
    that systemd-sysctl reads apart, and the note must not become part of
    the next one's value (systemd-sysctl has no inline comments).
    """
    inserts = set()
    for start, end in spans:
        breaks = [position for position in (text.find('\r', start, end), text.find('\x00', start, end))
                  if position != -1]
        end = min(breaks) if breaks else end
        inserts.add((start, 0, '# '))
        inserts.add((end, 1, '  # %s %s' % (DISABLED_MARK, dropin_path)))
    for position, dummy, insert in sorted(inserts, reverse=True):
        text = text[:position] + insert + text[position:]
    return text


def comment_out(text, line_numbers, dropin_path, applier='procps'):
    """Return ``text`` with the given 1-based lines, counted as ``applier`` counts them, commented out."""
    spans = line_spans(text, applier)
    return comment_out_spans(text, [spans[number] for number in sorted(set(line_numbers))], dropin_path)

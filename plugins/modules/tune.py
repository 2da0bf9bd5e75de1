#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: tune
short_description: Set sysctl keys now and for every later boot, in one owned drop-in
version_added: 0.1.0
description:
  - Writes the keys of O(profile) and O(settings) into one drop-in file the collection owns (O(path)), applies
    them to the running kernel, and makes sure no file the boot applier reads B(after) the drop-in undoes them,
    such as the C(/etc/sysctl.conf) of Alibaba Cloud ECS images, which procps C(sysctl --system) applies last.
  - For C(min)/C(max) settings the host gets its current value when it already satisfies the bound, else the
    bound, so a host that already has more is never lowered. Bounds apply only to keys holding one integer; on a
    multi-value key (C(net.ipv4.tcp_rmem)) the module fails before changing anything.
  - All or nothing. Every key is checked to exist and be readable before anything changes (unknown keys fail with
    close matches suggested; a write-only key such as C(net.ipv4.route.flush) fails, naming it). Live values are
    written first; if the kernel rejects one, it and those already written are restored (the kernel may have
    taken the first integers of a multi-value key before rejecting the rest), no file is touched, and the error
    names the key and the kernel's reason.
  - Files are handled as bytes and replaced atomically; the drop-in is parsed back before it replaces the old one.
    If writing any file fails, every file already replaced and every live value already written is restored.
    Lines of other files are only commented out, one by one, after a backup, and only in files under C(/etc)
    (the administrator's); a line in a package's file (C(/usr/lib/sysctl.d)) that would undo the drop-in is an
    error that names it. An existing file at O(path) is only replaced when this collection wrote it. A lock
    serialises concurrent runs on a host.
  - After the change the host is audited again, from scratch, with the logic of M(kerneltune.sysctl.audit). With
    O(verify=true) the task fails unless every key holds live and at the next boot. RV(before) and RV(after)
    hold both audits, so one module run per host does the whole job.
  - Most users call it through the role C(kerneltune.sysctl.sysctl_tuning), which also prints the drift it found.
author:
  - kerneltune.sysctl contributors (@kerneltune)
options:
  profile:
    description:
      - A target profile shipped with the collection (see M(kerneltune.sysctl.audit)); O(settings) are merged over
        it. Baseline profiles such as C(alibaba_cloud_default) are only compared with, never applied.
    type: str
    choices: [high_connection]
  baseline_profile:
    description:
      - A baseline profile the values before the change are compared with, for the C(at_baseline) fields of RV(before).
    type: str
    choices: [alibaba_cloud_default]
  settings:
    description:
      - Keys mapped to a value, in the forms of O(kerneltune.sysctl.audit#module:expect) (exact, C(min)/C(max),
        C(one_of)). Required unless O(profile) is given.
    type: dict
    default: {}
  path:
    description:
      - The drop-in this module owns, a C(.conf) file directly in C(/etc/sysctl.d) (created when missing).
      - An existing file there is only replaced when it carries the mark this module writes into its header.
      - Its name must not be that of a file in C(/run/sysctl.d), C(/usr/local/lib/sysctl.d), C(/usr/lib/sysctl.d) or
        C(/lib/sysctl.d) (such as C(50-default.conf)), which the boot would then skip; the module fails naming both.
    type: path
    default: /etc/sysctl.d/90-kerneltune.conf
  shadowed:
    description:
      - What to do with lines of files applied after the drop-in that set a managed key to another value.
      - V(comment) comments them out, keeping a backup of each file changed.
      - V(fail) fails naming each file and line, before changing anything.
      - V(ignore) leaves them; the next boot then undoes the tuning, and a later audit reports C(boot_drift).
    type: str
    choices: [comment, fail, ignore]
    default: comment
  apply_live:
    description:
      - Whether to write the values to the running kernel too, besides the drop-in.
      - V(auto) writes each key whose C(/proc/sys) file is writable here. A key whose file is on a read-only mount
        (statvfs C(ST_RDONLY), as all of C(/proc/sys) is in an unprivileged Podman or Docker container, the default
        of Molecule's drivers) is persisted only, verified at the next boot (see O(verify)), listed in
        RV(skipped_live), and one warning names all such keys. A key the kernel refuses for another reason (a value
        out of range, no privilege) fails as with V(true).
      - V(true) writes every key and fails on the first one the kernel refuses, read-only ones included, naming it
        and its reason; the host is left as it was.
      - V(false) persists only; nothing is written live, and no key is warned about as read-only.
      - V(auto) or a boolean (also a string Ansible reads as one, such as V(yes) or V(no)), so playbooks passing
        V(true) or V(false) keep working; any other value fails before anything is read.
    type: raw
    default: auto
  missing:
    description:
      - What to do with keys this kernel does not have. V(fail) fails before any change, suggesting close
        existing keys; V(skip) leaves them out of the drop-in, with a warning (for keys only some kernels have).
    type: str
    choices: [fail, skip]
    default: fail
  header:
    description:
      - Comment lines at the top of the drop-in, for example the C(ansible_managed) string. The module adds its
        own mark after them.
    type: list
    elements: str
    default: []
  verify:
    description:
      - After the change, audit the host again and fail unless every key holds live and at the next boot (only at
        the next boot, as M(kerneltune.sysctl.audit) predicts it, for the keys of RV(skipped_live)).
    type: bool
    default: true
extends_documentation_fragment:
  - kerneltune.sysctl.boot_applier
attributes:
  check_mode:
    support: full
    description: Reports what would change, with a diff, and changes nothing.
  diff_mode:
    support: full
    description: Shows the drop-in and each file whose lines would be commented out.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with C(/proc/sys).
notes:
  - Inside a container only C(net.*) keys belong to the container (its network namespace); other keys are
    persisted in the drop-in but not written live, with a warning, whatever O(apply_live) says, so a container
    never changes its host.
  - In an unprivileged container (Molecule's default) C(/proc/sys) is mounted read-only; with the default
    O(apply_live=auto) the run persists and verifies the keys for the next boot and warns once, and a second run
    reports no change.
seealso:
  - module: kerneltune.sysctl.audit
'''

EXAMPLES = r'''
- name: Raise the TIME_WAIT and SYN backlog limits now and for good
  kerneltune.sysctl.tune:
    profile: high_connection

- name: Persist only, never touching the running kernel (for an image build)
  kerneltune.sysctl.tune:
    profile: high_connection
    apply_live: false

- name: Own two keys in a custom drop-in, failing if another file would undo them
  kerneltune.sysctl.tune:
    settings:
      net.core.somaxconn: {min: 16384}
      net.ipv4.tcp_fin_timeout: 15
    path: /etc/sysctl.d/80-web.conf
    shadowed: fail
'''

RETURN = r'''
values:
  description: The value each managed key gets, as written to the drop-in.
  returned: always
  type: dict
  sample: {net.ipv4.tcp_max_tw_buckets: "262144", net.core.somaxconn: "8192"}
live_changes:
  description: Keys whose live value changes (or would, in check mode), with the value before and after.
  returned: always
  type: dict
  sample: {net.ipv4.tcp_max_tw_buckets: {before: "5000", after: "262144"}}
skipped_live:
  description:
    - Keys whose live value differs but that are persisted only, not written live (sorted), verified at the next
      boot only.
    - Host-wide keys inside a container, and with O(apply_live=auto) keys whose C(/proc/sys) file is on a read-only
      mount (both named in warnings). With O(apply_live=false) only the former (nothing is written live anyway).
  returned: always
  type: list
  elements: str
  sample: [vm.swappiness]
skipped_missing:
  description: Keys left out because this kernel does not have them (O(missing=skip)).
  returned: always
  type: list
  elements: str
shadowed:
  description: Lines of files applied after the drop-in that set a managed key to another value.
  returned: always
  type: list
  elements: dict
  sample: [{file: /etc/sysctl.conf, line: 14, key: net.ipv4.tcp_max_tw_buckets, value: "5000"}]
backup_files:
  description: Backups made of files whose lines were commented out.
  returned: always
  type: list
  elements: str
path:
  description: The drop-in.
  returned: always
  type: str
  sample: /etc/sysctl.d/90-kerneltune.conf
boot_applier:
  description: The boot applier modelled.
  returned: always
  type: str
  sample: procps
before:
  description:
    - The audit of the managed keys before the change, as M(kerneltune.sysctl.audit) returns it (C(sysctl) per key
      with C(live), C(boot), C(boot_source), C(reload), C(reload_source), C(checked_by), C(kernel_default),
      C(rejected), C(undecided), C(reason), C(expected), C(baseline), C(at_baseline), C(status); C(summary)).
    - In check mode this is the drift report.
  returned: always
  type: dict
  sample: {sysctl: {net.ipv4.tcp_max_tw_buckets: {live: "5000", boot: "5000", boot_source: /etc/sysctl.conf:14,
           expected: {min: 262144}, baseline: "5000", at_baseline: true, status: drift}}, summary: {drift: 1}}
drift:
  description: One sentence per managed key that was not C(ok) before the change (the drift report in words).
  returned: always
  type: list
  elements: str
  sample: ["net.ipv4.tcp_max_tw_buckets is 5000, expected >= 262144: drift, still at alibaba_cloud_default"]
after:
  description: The audit of the managed keys after the change, read afresh from the kernel and the files.
  returned: when not in check mode
  type: dict
'''

import fcntl
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import (
    audit, drift_lines, merge, not_holding, prepare,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import check_bounds, same_value
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import KernelRejectedError, SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._files import Transaction, backup, to_bytes, to_text
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import appliers, predict_host
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import apply_all, read_values, unknown_key_error
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import (
    baseline_profile_names, profile_reasons, target_profile_names,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    check_rendered, live_mode, render_dropin, targets,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import (
    OWN_DIR, check_path, plan_live, planned_shadows, shadow_edits,
)

LOCK_FILE = '/run/kerneltune-sysctl.lock'
# Lines are only ever commented out in files of the administrator (/etc), never in
# package-owned files (/usr/lib/sysctl.d, /lib/sysctl.d, ...) nor in /run (tmpfs).
EDITABLE_ROOT = '/etc/'


def _audit_now(expectations, baselines, applier, reload_applier, kernel_check, texts=None, live=None):
    """Read the host (afresh unless given) and audit it (the logic of kerneltune.sysctl.audit)."""
    unreadable = {}
    if live is None:
        live, unreadable = read_values(expectations)
    dummy, dummy2, predictions = predict_host(applier, sorted(expectations), live, kernel_check, texts,
                                              reload_applier=reload_applier)
    results, summary = audit(expectations, baselines, live, predictions,
                             dict((key, str(exc)) for key, exc in unreadable.items()))
    return dict(sysctl=results, summary=summary)


def _plan(module, params):
    """Read the host and return everything the run would change; raises SysctlError."""
    mode = live_mode(params['apply_live'])
    expectations, baselines = prepare(merge(params['profile'], params['settings']),
                                      merge(params['baseline_profile'], {}))
    if not expectations:
        raise SysctlError('nothing to tune: settings is empty and no profile was given')
    path = params['path']
    current = check_path(path)
    live, unreadable = read_values(expectations)
    if unreadable:
        raise SysctlError('keys that exist but cannot be read cannot be tuned (each is read back to verify it): %s'
                          % ', '.join('%s (%s)' % (key, unreadable[key].reason) for key in sorted(unreadable)))
    missing = sorted(key for key, value in live.items() if value is None)
    if missing and params['missing'] == 'fail':
        raise unknown_key_error(missing[0]) if len(missing) == 1 else SysctlError(
            'unknown sysctl keys on this kernel: %s (%s)' % (', '.join(missing), unknown_key_error(missing[0])))
    for key in missing:
        module.warn('skipping %s: this kernel does not have it' % key)
        del expectations[key]
    check_bounds(expectations, live)
    values = targets(expectations, live)
    reasons = profile_reasons(params['profile']) if params['profile'] else {}
    reasons.update(dict((key, 'set by the settings of the play') for key in merge(None, params['settings'])))
    text = render_dropin(values, reasons, params['header'])
    check_rendered(text, values, path)

    applier, reload_applier = appliers(params['boot_applier'])
    texts = {}  # each file read once, for the audit before and for the planned order
    before = _audit_now(expectations, baselines, applier, reload_applier, params['kernel_check'], texts, live)
    shadows = planned_shadows(applier, reload_applier, path, text, values, texts)
    if shadows and params['shadowed'] == 'fail':
        raise SysctlError('files applied after %s would undo it at boot: %s' % (path, ', '.join(
            '%s:%d sets %s = %s' % (s.source, s.line, s.key, s.value) for s in shadows)))
    if params['shadowed'] == 'ignore':
        shadows = []
    foreign = sorted(set(s.source for s in shadows if not os.path.realpath(s.source).startswith(EDITABLE_ROOT)))
    if foreign:
        raise SysctlError('files of a package are applied after %s and would undo it at boot: %s; they are not '
                          'edited: name the drop-in so that it sorts after them (for example %s/99-zz-kerneltune.conf)'
                          % (path, ', '.join(foreign), OWN_DIR))

    changes = dict((key, values[key]) for key in values if not same_value(live[key], values[key]))
    changes, skipped_live, warnings = plan_live(changes, mode, path)
    for warning in warnings:
        module.warn(warning)
    return dict(expectations=expectations, baselines=baselines, values=values, live=live, text=text,
                current=current, shadows=shadows, changes=changes, applier=applier, reload_applier=reload_applier,
                before=before, mode=mode, skipped_live=skipped_live, skipped_missing=missing)


def _apply(plan, edits, path, new_dropin):
    """Change the host, all or nothing; return the backups made. Raises SysctlError after undoing."""
    try:
        apply_all(plan['changes'], plan['live'])
    except KernelRejectedError as exc:
        raise SysctlError('%s; values already written were restored, no file was changed' % exc)
    transaction = Transaction()
    backups = []
    try:
        if not os.path.isdir(OWN_DIR):
            os.makedirs(OWN_DIR, 0o755)
        if new_dropin:
            transaction.replace(path, to_bytes(plan['text']), 0o644)
        for real, (dummy, after, dummy2) in edits.items():
            backups.append(backup(real))
            transaction.replace(real, after, None)
    except Exception as exc:  # pylint: disable=broad-except
        unrestored = transaction.rollback()
        for made in backups:
            os.unlink(made)
        apply_all(dict((key, plan['live'][key]) for key in plan['changes']), plan['live'])
        raise SysctlError('writing the sysctl files failed (%s); live values and files were restored%s'
                          % (exc, '' if not unrestored else ' except ' + ', '.join(unrestored)))
    return backups


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='str', choices=target_profile_names()),
            settings=dict(type='dict', default={}),
            baseline_profile=dict(type='str', choices=baseline_profile_names()),
            path=dict(type='path', default='/etc/sysctl.d/90-kerneltune.conf'),
            shadowed=dict(type='str', default='comment', choices=['comment', 'fail', 'ignore']),
            apply_live=dict(type='raw', default='auto'),
            missing=dict(type='str', default='fail', choices=['fail', 'skip']),
            verify=dict(type='bool', default=True),
            header=dict(type='list', elements='str', default=[]),
            boot_applier=dict(type='str', default='auto', choices=['auto'] + list(APPLIERS)),
            kernel_check=dict(type='bool', default=True),
        ),
        required_one_of=[('profile', 'settings')],
        supports_check_mode=True,
    )
    params = module.params
    path = params['path']
    lock = None
    if not module.check_mode:
        lock = open(LOCK_FILE if os.path.isdir(os.path.dirname(LOCK_FILE)) else path + '.lock', 'a')
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        plan = _plan(module, params)
        edits = shadow_edits(plan['shadows'], path)
    except (SysctlError, IOError, OSError) as exc:
        module.fail_json(msg=str(exc))

    current = plan['current']
    new_dropin = current != to_bytes(plan['text']) or (os.stat(path).st_mode & 0o7777) != 0o644
    changed = bool(new_dropin or edits or plan['changes'])
    diff = [dict(before_header=path, after_header=path, before=to_text(current or b''), after=plan['text'])]
    diff.extend(dict(before_header=real, after_header=real, before=b.decode('utf-8', 'replace'),
                     after=a.decode('utf-8', 'replace')) for real, (b, a, s) in edits.items())
    result = dict(
        changed=changed, path=path, values=plan['values'], boot_applier=plan['applier'],
        live_changes=dict((key, dict(before=plan['live'][key], after=value)) for key, value in plan['changes'].items()),
        skipped_live=plan['skipped_live'], skipped_missing=plan['skipped_missing'], backup_files=[],
        shadowed=[dict(file=s.source, line=s.line, key=s.key, value=s.value) for e in edits.values() for s in e[2]],
        before=plan['before'], drift=drift_lines(plan['before']['sysctl'], params['baseline_profile']), diff=diff,
    )
    if module.check_mode:
        module.exit_json(**result)
    if changed:
        try:
            result['backup_files'] = _apply(plan, edits, path, new_dropin)
        except SysctlError as exc:
            result['changed'] = False  # everything was put back
            module.fail_json(msg=str(exc), **result)
    result['after'] = _audit_now(plan['expectations'], plan['baselines'], plan['applier'], plan['reload_applier'],
                                 params['kernel_check'])
    lock.close()
    if params['verify']:
        boot_only = list(plan['values']) if plan['mode'] is False else plan['skipped_live']
        problems = not_holding(result['after']['sysctl'], plan['expectations'], boot_only)
        if problems:
            module.fail_json(msg='after the change these keys do not hold: %s' % '; '.join(
                '%s (%s)' % item for item in sorted(problems.items())), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()

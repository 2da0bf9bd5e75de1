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
    taken the first integers of a multi-value key before rejecting the rest), and so are the keys the kernel
    changed along with them (writing C(net.ipv4.ip_forward) sets every C(conf.*.forwarding) and
    C(conf.all.accept_redirects)); no file is touched, and the error names the key and the kernel's reason.
    Every key is read again after the restore; those that still differ are named, with C(changed=true).
  - Files are handled as bytes and replaced atomically; the drop-in is parsed back before it replaces the old one.
    A replaced file keeps its owner, mode, SELinux label, ACL and other extended attributes, as
    AnsibleModule.atomic_move keeps them; a new drop-in gets the SELinux context the policy gives its path.
    If writing any file fails, every file already replaced and every live value already written is restored;
    the original of each replaced file is kept under another name in its directory until all is done, and renamed
    back. If a restore fails too, the task fails with C(changed=true), lists what is left in RV(not_restored), and
    its message says where the original of each file left changed is kept (also in RV(backup_files)).
    Lines of other files are only commented out, one by one, after a backup, and only in files under C(/etc)
    (the administrator's); a line in a package's file (C(/usr/lib/sysctl.d)) that would undo the drop-in is an
    error that names it. An existing file at O(path) is only replaced when this collection wrote it.
  - A lock serialises concurrent runs on a host, taken once the options are valid; it is the file
    C(/run/kerneltune-sysctl.lock), opened without following a symlink and refused unless it is a regular file
    (where there is no C(/run), the directory C(/etc) itself is locked; nothing is ever created in
    C(/etc/sysctl.d)). Check mode takes no lock.
  - After a change the host is audited again, from scratch, with the logic of M(kerneltune.sysctl.audit). When
    nothing needs changing, the host is read once and RV(after) is the same audit as RV(before). With
    O(verify=true) the task fails unless every key holds live and at the next boot. RV(before) and RV(after) hold
    both audits, so one module run per host does the whole job.
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
        the next boot, as M(kerneltune.sysctl.audit) predicts it, for the keys of RV(skipped_live), and for every
        key with O(apply_live=false)).
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
    description: Shows the drop-in and each file whose lines would be commented out (each byte as one Latin-1
      character, as the appliers read them).
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
  description:
    - Backups made of files whose lines were commented out (C(<file>.<pid>.<date>@<time>~), beside the file).
    - When the change failed and a file could not be restored, the backups that hold the originals of the files
      left changed.
  returned: always
  type: list
  elements: str
not_restored:
  description:
    - The files (and live keys) a failed change left changed because restoring them failed too; C(changed) is then
      true and the message says where each file's original is kept.
  returned: when the change failed and could not be undone completely
  type: list
  elements: str
  sample: [/etc/sysctl.conf]
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
  description:
    - After a change, the audit of the managed keys read afresh from the kernel and the files.
    - When nothing needed changing, the same audit as RV(before) (the host is read once).
  returned: when not in check mode
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS
from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import HostWriter, apply_plan, lock
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import ApplyError, SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import (
    baseline_profile_names, target_profile_names,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    plan_result, tune_request, verify_failure,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import make_plan, read_after


def selinux_label(module, path):
    """The SELinux context AnsibleModule gives a new file at ``path`` (as atomic_move does), or None."""
    if not module.selinux_enabled():
        return None
    context = module.selinux_default_context(path)
    return None if None in context else ':'.join(context)


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
    try:
        request = tune_request(module.params)  # validated before the lock is taken or anything read
        held = None if module.check_mode else lock()
        plan = make_plan(request)
    except (SysctlError, IOError, OSError) as exc:
        module.fail_json(msg=str(exc))
    for warning in plan.warnings:
        module.warn(warning)
    result = plan_result(plan)
    if module.check_mode:
        module.exit_json(**result)
    if plan.changes_host:
        label = selinux_label(module, plan.path) if plan.creates_dropin else None
        try:
            result['backup_files'], warnings = apply_plan(plan, HostWriter(), label)
        except ApplyError as exc:
            result.update(changed=exc.changed, backup_files=sorted(exc.backups.values()), not_restored=exc.left)
            module.fail_json(msg=str(exc), **result)
        for warning in warnings:
            module.warn(warning)
    result['after'] = read_after(plan)
    held.release()
    failure = verify_failure(plan, result['after']) if request.verify else None
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()

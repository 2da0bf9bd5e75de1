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
    bound, so a host that already has more is never lowered.
  - All or nothing. Every key is checked to exist before anything changes (unknown keys fail with close
    matches suggested). Live values are written first; if the kernel rejects one, those already written are
    restored, no file is touched, and the error names the key and the kernel's reason.
  - Files are replaced atomically, and the drop-in is parsed back before it replaces the old one. Lines of other
    files are only commented out, one by one, after a backup. A lock serialises concurrent runs on a host.
  - Most users call it through the role C(kerneltune.sysctl.sysctl_tuning), which audits before and verifies after.
author:
  - kerneltune.sysctl contributors (@kerneltune)
options:
  profile:
    description:
      - A profile shipped with the collection (see M(kerneltune.sysctl.audit)); O(settings) are merged over it.
    type: str
    choices: [alibaba_cloud_default, high_connection]
  settings:
    description:
      - Keys mapped to a value, in the forms of O(kerneltune.sysctl.audit#module:expect) (exact, C(min)/C(max),
        C(one_of)). Required unless O(profile) is given.
    type: dict
    default: {}
  path:
    description:
      - The drop-in this module owns. It must be a C(.conf) file in C(/etc/sysctl.d) or C(/run/sysctl.d).
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
      - Also write the values to the running kernel. With V(false) only the files change (persist-only, for
        example where C(/proc/sys) is read-only).
    type: bool
    default: true
  missing:
    description:
      - What to do with keys this kernel does not have. V(fail) fails before any change, suggesting close
        existing keys; V(skip) leaves them out of the drop-in, with a warning (for keys only some kernels have).
    type: str
    choices: [fail, skip]
    default: fail
  header:
    description:
      - Comment lines at the top of the drop-in, for example the C(ansible_managed) string.
    type: list
    elements: str
    default: [Managed by kerneltune.sysctl. Local changes will be overwritten.]
  boot_applier:
    description:
      - The boot applier to model when looking for shadowing lines; see O(kerneltune.sysctl.audit#module:boot_applier).
    type: str
    choices: [auto, procps, systemd, systemd_rhel7]
    default: auto
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
    persisted in the drop-in but not written live, with a warning, so a container never changes its host.
seealso:
  - module: kerneltune.sysctl.audit
'''

EXAMPLES = r'''
- name: Raise the TIME_WAIT and SYN backlog limits now and for good
  kerneltune.sysctl.tune:
    profile: high_connection

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
  description: Keys persisted but not written live, because they are host-wide and this is a container.
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
'''

import fcntl
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import merge, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import same_value
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import (
    conf_files, host_applier, read_assignments, read_live, read_or_empty, read_text,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import (
    apply_all, in_container, is_namespaced, unknown_key_error,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import profile_names, profile_reasons
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    check_rendered, comment_out, find_shadows, render_dropin, targets,
)

LOCK_FILE = '/run/kerneltune-sysctl.lock'
OWN_DIRS = ('/etc/sysctl.d', '/run/sysctl.d')


def _write_atomic(module, path, text, mode=0o644):
    """Write ``text`` beside ``path`` and move it into place (never half-written)."""
    handle, tmp = tempfile.mkstemp(prefix='.kerneltune-', dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, 'w') as out:
            out.write(text)
        os.chmod(tmp, mode)
        module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _plan(module, params):
    """Read the host and return everything the run would change; raises SysctlError."""
    expectations, dummy = prepare(merge(params['profile'], params['settings']))
    if not expectations:
        raise SysctlError('nothing to tune: settings is empty and no profile was given')
    path = params['path']
    if os.path.dirname(path) not in OWN_DIRS or not path.endswith('.conf'):
        raise SysctlError('path %s must be a .conf file directly in %s' % (path, ' or '.join(OWN_DIRS)))
    live = dict((key, read_live(key)) for key in expectations)
    missing = sorted(key for key, value in live.items() if value is None)
    if missing and params['missing'] == 'fail':
        raise unknown_key_error(missing[0]) if len(missing) == 1 else SysctlError(
            'unknown sysctl keys on this kernel: %s (%s)' % (', '.join(missing), unknown_key_error(missing[0])))
    for key in missing:
        module.warn('skipping %s: this kernel does not have it' % key)
        del expectations[key]
    values = targets(expectations, live)
    reasons = profile_reasons(params['profile']) if params['profile'] else {}
    reasons.update(dict((key, 'set by the settings of the play') for key in merge(None, params['settings'])))
    text = render_dropin(values, reasons, params['header'])
    check_rendered(text, values, path)

    applier = host_applier() if params['boot_applier'] == 'auto' else params['boot_applier']
    files = conf_files(applier, planned=path)
    assignments, dummy = read_assignments(files, texts={path: text})
    shadows = find_shadows(assignments, path, values)
    if shadows and params['shadowed'] == 'fail':
        raise SysctlError('files applied after %s would undo it at boot: %s' % (path, ', '.join(
            '%s:%d sets %s = %s' % (s.source, s.line, s.key, s.value) for s in shadows)))
    if params['shadowed'] == 'ignore':
        shadows = []

    changes = dict((key, values[key]) for key in values if not same_value(live[key], values[key]))
    skipped_live = []
    if in_container():
        skipped_live = sorted(key for key in changes if not is_namespaced(key))
        for key in skipped_live:
            module.warn('%s is host-wide: persisted in %s but not written live inside a container' % (key, path))
            del changes[key]
    if not params['apply_live']:
        changes = {}
    return dict(values=values, live=live, text=text, shadows=shadows, changes=changes, applier=applier,
                skipped_live=skipped_live, skipped_missing=missing)


def _edits(plan, path):
    """Return ``{real file: (before, after, [shadows])}`` for the lines to comment out."""
    by_file = {}
    for shadow in plan['shadows']:
        # /etc/sysctl.d/99-sysctl.conf is often a symlink to /etc/sysctl.conf: edit the real file, once.
        real = os.path.realpath(shadow.source)
        if all(known.line != shadow.line for known in by_file.get(real, [])):
            by_file.setdefault(real, []).append(shadow._replace(source=real))
    edits = {}
    for real, shadows in sorted(by_file.items()):
        before = read_text(real)
        edits[real] = (before, comment_out(before, [s.line for s in shadows], path), shadows)
    return edits


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='str', choices=profile_names()),
            settings=dict(type='dict', default={}),
            path=dict(type='path', default='/etc/sysctl.d/90-kerneltune.conf'),
            shadowed=dict(type='str', default='comment', choices=['comment', 'fail', 'ignore']),
            apply_live=dict(type='bool', default=True),
            missing=dict(type='str', default='fail', choices=['fail', 'skip']),
            header=dict(type='list', elements='str',
                        default=['Managed by kerneltune.sysctl. Local changes will be overwritten.']),
            boot_applier=dict(type='str', default='auto', choices=['auto', 'procps', 'systemd', 'systemd_rhel7']),
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
        edits = _edits(plan, path)
    except SysctlError as exc:
        module.fail_json(msg=str(exc))

    before = read_or_empty(path)
    mode_wrong = os.path.exists(path) and (os.stat(path).st_mode & 0o7777) != 0o644
    diff = [dict(before_header=path, after_header=path, before=before, after=plan['text'])]
    diff.extend(dict(before_header=real, after_header=real, before=b, after=a) for real, (b, a, s) in edits.items())
    changed = bool(before != plan['text'] or mode_wrong or edits or plan['changes'])
    backups = []
    if changed and not module.check_mode:
        try:
            apply_all(plan['changes'], plan['live'])
        except SysctlError as exc:
            module.fail_json(msg='%s; values already written were restored, no file was changed' % exc)
        try:
            if before != plan['text'] or mode_wrong:
                _write_atomic(module, path, plan['text'])
            for real, (dummy, after, dummy2) in edits.items():
                backups.append(module.backup_local(real))
                _write_atomic(module, real, after, os.stat(real).st_mode & 0o7777)
        except (IOError, OSError) as exc:
            apply_all(dict((key, plan['live'][key]) for key in plan['changes']), plan['live'])
            module.fail_json(msg='writing %s failed: %s; live values were restored' % (path, exc))
    if lock:
        lock.close()
    module.exit_json(
        changed=changed, path=path, values=plan['values'], boot_applier=plan['applier'],
        live_changes=dict((key, dict(before=plan['live'][key], after=value)) for key, value in plan['changes'].items()),
        skipped_live=plan['skipped_live'], skipped_missing=plan['skipped_missing'], backup_files=backups,
        shadowed=[dict(file=s.source, line=s.line, key=s.key, value=s.value) for e in edits.values() for s in e[2]],
        diff=diff,
    )


if __name__ == '__main__':
    main()

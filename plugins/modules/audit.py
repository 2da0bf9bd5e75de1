#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: audit
short_description: Audit sysctl keys, live and at next boot, against a profile
version_added: 0.1.0
description:
  - For each sysctl key of O(expect), reads the value the kernel has now from C(/proc/sys) and predicts the
    value the next boot will apply, and from which file and line, by resolving the host's sysctl configuration
    exactly as its boot-time applier does.
  - Reports per key whether both meet the expectation, and whether the live value is still at a O(baseline),
    for example the defaults of the Alibaba Cloud ECS image.
  - Read-only on the host's sysctl settings and files, and the same in check mode. It reports a change only when it
    rewrites its file in O(textfile_dir).
  - "The prediction follows the applier family of O(boot_applier) line by line: which files it reads and in which
    order (the first file of a name in C(/etc/sysctl.d), C(/run/sysctl.d), C(/usr/local/lib/sysctl.d),
    C(/usr/lib/sysctl.d), C(/lib/sysctl.d) masks the others; procps also reads dot-files and applies
    C(/etc/sysctl.conf) last), how it cuts, strips and splits lines (inline comments, CR, form feeds, a leading
    C(-), normalised keys such as C(/net/ipv4/x) or C(net..core.x), globs), and which writes it makes (procps
    writes every line in order; systemd-sysctl writes each key once, its last value)."
  - "Then the kernel's own parse of each written string decides what the key reads back: integer keys take the
    leading integers in C notation and ignore the rest (C(2048 # comment) is 2048, C(010000) is 4096,
    C(1#comment) is rejected); string keys take the text whole. With O(kernel_check) the writes to C(net.*) keys
    are replayed on the real kernel in a throwaway network namespace, which also knows per-key ranges and
    checks between keys."
  - "The procps family (C(sysctl --system)) applies C(/etc/sysctl.conf) B(last), so a value there undoes a
    drop-in in C(/etc/sysctl.d), at the next boot on procps hosts and at the next C(sysctl --system) everywhere.
    systemd-sysctl reads it only through the C(99-sysctl.conf) symlink most distributions ship, except RHEL/CentOS
    7's patched systemd, which reads it last too."
  - One module run per host whatever the number of keys; no process is started per key.
author:
  - kerneltune.sysctl contributors (@kerneltune)
options:
  profile:
    description:
      - A profile shipped with the collection whose values are the expectation; O(expect) is merged over it.
      - V(high_connection) raises the TIME_WAIT and SYN/accept queue limits of a busy server;
        V(alibaba_cloud_default) holds the Alibaba Cloud ECS image defaults.
    type: str
    choices: [alibaba_cloud_default, high_connection]
  baseline_profile:
    description:
      - A baseline profile whose values are the baseline; O(baseline) is merged over it.
    type: str
    choices: [alibaba_cloud_default]
  expect:
    description:
      - Keys to audit, mapped to what each should be. Required unless O(profile) is given.
      - A key is written dotted (C(net.ipv4.tcp_max_tw_buckets)) or with C(/) separators as sysctl.d(5) allows
        (C(net/ipv4/conf/eth0.100/rp_filter)). Results always use the dotted form, where a dot inside a path
        component is shown as C(/) (C(net.ipv4.conf.eth0/100.rp_filter)), as C(sysctl -a) prints it.
      - A scalar value is the exact value. Multi-value keys such as C(net.ipv4.ip_local_port_range) compare token
        by token, so C("1024 65000") matches the kernel's C(1024<TAB>65000). Booleans mean C(1) and C(0).
      - Write integers in decimal. A hex or leading-zero token (C("0x10"), C("010")) in a value or a C(one_of) entry
        is refused with the decimal to write, since the kernel reads it as 16 or 8 and prints that back, so it
        would never match. C(0) alone is fine.
      - A dict with C(min) and/or C(max) (integers, inclusive, without C(_)) accepts any value in range; use C(min)
        so a host that already has more is never reported as drifting. Only for keys holding one integer; on a key
        with several values (C(net.ipv4.tcp_rmem)) the module fails naming it (expect an exact value or C(one_of)).
      - A dict with C(one_of) (a list of non-empty values) accepts any of its values.
    type: dict
    default: {}
  baseline:
    description:
      - Keys mapped to a reference value, typically the image defaults a fleet started from.
      - Each result then says in RV(sysctl.key.at_baseline) whether the live value still equals it.
      - Keys of O(baseline) that are not in O(expect) are ignored.
    type: dict
    default: {}
  fail_on_drift:
    description:
      - Fail the task when any key's status is not C(ok) (V(unreadable) counts as not ok). The results are returned
        either way.
    type: bool
    default: false
  pressure:
    description:
      - Also return RV(pressure), the TIME_WAIT and backlog counters of the host's network namespace next to the
        limits that govern them.
    type: bool
    default: true
  textfile_dir:
    description:
      - "Directory of node_exporter's textfile collector on the host (its C(--collector.textfile.directory)). When
        set, the module also writes the results there as C(kerneltune_sysctl.prom) in the Prometheus text format:
        per key C(kerneltune_sysctl_key_status) (1 for its status), C(kerneltune_sysctl_live_value) (keys holding
        one integer) and C(kerneltune_sysctl_at_baseline), the pressure counters (with O(pressure=true):
        C(kerneltune_sysctl_tcp_time_wait_overflow_total), C(kerneltune_sysctl_listen_overflows_total), ...), labelled
        with C(key), without a C(host) label (the scrape's C(instance) names the host)."
      - The file is replaced atomically (a temporary file C(.kerneltune_sysctl.*.tmp) in the same directory, renamed
        over it), mode C(0644). It holds no time, so a rerun with equal values does not rewrite it and reports no
        change (only its mtime is set to now, so node_exporter's C(node_textfile_mtime_seconds) is the time of the
        last audit and an audit that stopped running shows); the task reports a change only when the content changed.
      - Never written in check mode (RV(textfile.state) is V(check_mode) when it would change), with a warning.
      - A directory that does not exist fails the task naming it before the host is audited; a file that cannot be
        written (writing usually needs become) fails it naming the file, the old file left as it was. Either failure
        returns no results, so the fleet report of the audit playbook lists the host as failed, with the reason.
    type: path
extends_documentation_fragment:
  - kerneltune.sysctl.boot_applier
attributes:
  check_mode:
    support: full
    description: Check mode returns the same results and writes nothing in O(textfile_dir).
  diff_mode:
    support: none
    description: Nothing of the host's sysctl changes; the file in O(textfile_dir) is not diffed.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with C(/proc/sys).
notes:
  - C(net.*) keys are per network namespace; inside a container the module reads the container's own values.
    C(vm.*), C(kernel.*) and C(fs.*) keys are host-wide.
  - Lines of configuration files that the modelled applier does not apply (not an assignment, a key that names
    nothing, a glob it does not expand, a FIFO it would block on) are returned in RV(problems) with file and line,
    and shown as warnings; they never make the module fail. Lines it applies are never reported there.
  - Run without become, a sysctl file or directory that only root can read is reported in RV(problems), and every
    key whose live value meets the expectation is V(undecided), naming the file (the appliers run as root and read
    it, and it may set any key).
seealso:
  - name: sysctl.d(5)
    description: Configuration files of systemd-sysctl and procps C(sysctl --system).
    link: https://man7.org/linux/man-pages/man5/sysctl.d.5.html
'''

EXAMPLES = r'''
- name: Audit the TIME_WAIT and SYN backlog limits against the Alibaba Cloud image defaults
  kerneltune.sysctl.audit:
    expect:
      net.ipv4.tcp_max_tw_buckets: {min: 262144}
      net.ipv4.tcp_max_syn_backlog: {min: 8192}
      net.core.somaxconn: {min: 8192}
      net.ipv4.tcp_syncookies: 1
      net.ipv4.ip_local_port_range: "1024 65000"
    baseline:
      net.ipv4.tcp_max_tw_buckets: 5000
      net.ipv4.tcp_max_syn_backlog: 1024
  register: kt_audit

- name: Show keys that are not ok
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.value.status }} (live {{ item.value.live }}, boot {{ item.value.boot }})"
  loop: "{{ kt_audit.sysctl | dict2items | rejectattr('value.status', 'equalto', 'ok') }}"

- name: Audit the shipped high_connection profile, reporting keys still at Alibaba Cloud defaults
  kerneltune.sysctl.audit:
    profile: high_connection
    baseline_profile: alibaba_cloud_default

- name: Gate a CI job on drift, modelling RHEL/CentOS 7's systemd
  kerneltune.sysctl.audit:
    expect:
      net.ipv4.tcp_max_tw_buckets: {min: 262144}
    boot_applier: systemd_rhel7
    fail_on_drift: true
'''

RETURN = r'''
sysctl:
  description:
    - One entry per key of O(expect), by dotted key.
    - RV(sysctl.key.status) is V(ok) when the live value, the value the next boot leaves and the value the next
      C(sysctl --system) leaves all meet the expectation; V(drift) when the live value does not; V(boot_drift)
      when the live value does but the next boot or the next C(sysctl --system) would change it, or nothing
      persists it (a C(sysctl -w) by hand that a reboot undoes), RV(sysctl.key.reason) says which;
      V(undecided) when the live value meets it but what the next boot leaves cannot be predicted (the reason is
      in RV(sysctl.key.undecided)); V(unreadable) when the key exists but cannot be read (a write-only key such
      as C(net.ipv4.route.flush)), the reason is in RV(sysctl.key.error) and the other keys are audited as usual;
      V(missing) when the key does not exist on this kernel or in this network namespace.
  returned: always
  type: dict
  contains:
    key:
      description: Results for one key (the dictionary key is the dotted sysctl key).
      type: dict
      contains:
        live:
          description:
            - The value in C(/proc/sys) now, as the kernel prints it; null when the key is missing or unreadable.
          type: str
          sample: "5000"
        boot:
          description:
            - "The value the key reads back after the next boot, as the kernel prints it (C(010000) in a file reads
              back C(4096), C(2048 # comment) reads back C(2048)): what its last writer at boot leaves (see
              RV(sysctl.key.writers))."
            - "When no write takes (nothing sets the key, or the kernel rejects every value written), the kernel's
              default stays: then this is that default where the kernel check knows it (RV(sysctl.key.boot_source)
              is V(kernel default)), else null (unknown: host-wide keys, keys a new network namespace copies from the
              initial one, or no kernel check)."
          type: str
          sample: "5000"
        boot_source:
          description:
            - "Who leaves RV(sysctl.key.boot): C(file:line) of the boot applier's write; C(kernel command line
              (sysctl.KEY=VALUE)); C(tuned profile NAME: KEY); C(tuned re-apply: file:line); or V(kernel default)."
            - Null when RV(sysctl.key.boot) is.
          type: str
          sample: /etc/sysctl.conf:12
        writers:
          description:
            - Every write to the key at the next boot, in the order they happen. V(cmdline), the kernel applies
              C(sysctl.KEY=VALUE) of its command line first (Linux 5.8 and later; C(/proc/cmdline) is what the next
              boot uses unless the boot loader's entry is changed); V(applier) - the sysctl files, in the boot
              applier's order; V(tuned) - the active tuned profile's sysctl values (only when the tuned service is
              enabled; C(>N) and C(<N) write N only when it is above, below the value then); V(tuned_reapply) - tuned
              writing the lines of C(/run/sysctl.d), C(/etc/sysctl.d) and C(/etc/sysctl.conf) again after its profile
              (its C(reapply_sysctl), on by default; C(/usr/lib/sysctl.d) is not re-applied, so a profile value beats
              a package's file there).
            - RV(sysctl.key.boot_source) names the one that wins; RV(sysctl.key.rejected) those the kernel refuses.
            - Not in a container, whose start is not the host's boot.
          type: list
          elements: dict
          sample: [{writer: cmdline, source: "kernel command line (sysctl.net.core.somaxconn=1000)", value: "1000"},
                   {writer: applier, source: /etc/sysctl.d/60-tuning.conf:2, value: "8192"}]
        reload:
          description:
            - The value the next C(sysctl --system) (procps; run by operators, package scripts and tuned) leaves,
              starting from the live values. It applies C(/etc/sysctl.conf) last even on hosts whose boot does not.
            - Null when it writes nothing to the key (no file sets it, or the kernel rejects every value).
          type: str
          sample: "5000"
        reload_source:
          description: C(file:line) of the write that leaves RV(sysctl.key.reload), or null.
          type: str
          sample: /etc/sysctl.conf:12
        checked_by:
          description:
            - V(kernel) when the writes were replayed on the real kernel in a throwaway network namespace
              (O(kernel_check)); V(model) when the collection's model of the kernel's parser decided;
              V(assumed) when the model also took a value as within the key's range, which only the kernel
              knows (a key the kernel has not held that value for yet).
          type: str
          sample: kernel
        kernel_default:
          description:
            - The key's value in a new network namespace (the kernel's own default), or null when unknown.
            - Null for the keys a new namespace copies from the initial one when the host is audited in its initial
              namespace (C(net.ipv4.conf.all.*), C(conf.default.*), C(tcp_rmem), C(tcp_wmem),
              C(tcp_congestion_control)), and for keys the kernel check does not judge (RV(sysctl.key.model_reason)).
          type: str
          sample: "131072"
        model_reason:
          description:
            - Why the model, not the kernel check, decided this key although the check ran; null otherwise.
            - Recent kernels show C(net.core.rmem_max), C(wmem_max), C(rmem_default) and C(wmem_default) read-only in
              every network namespace but the initial one, so a throwaway namespace cannot tell what the initial one
              accepts.
          type: str
          sample: null
        rejected:
          description: C(file:line) and reason of each value the kernel rejects at the next boot.
          type: list
          elements: str
          sample: ["/etc/sysctl.d/60-hardening.conf:12: Invalid argument"]
        undecided:
          description: Why the next boot cannot be predicted for this key, or null.
          type: str
          sample: null
        blocked:
          description: A FIFO or socket named C(*.conf) the appliers would block on, so that nothing is applied; or null.
          type: str
          sample: null
        reason:
          description:
            - Why the key will not hold (the next boot, the next C(sysctl --system), nothing persists it, the kernel
              rejects every value written), or null.
            - For a V(missing) key, what the kernel has instead (close keys, for a typo).
          type: str
          sample: the next boot applies 5000 from /etc/sysctl.conf:12
        expected:
          description: The expectation, normalised (a string, or a dict with min/max or one_of).
          type: raw
          sample: {min: 262144}
        baseline:
          description: The baseline value, or null when O(baseline) has none for this key.
          type: str
          sample: "5000"
        at_baseline:
          description: Whether the live value equals the baseline; null without a baseline or a live value.
          type: bool
          sample: true
        status:
          description: One of V(ok), V(drift), V(boot_drift), V(undecided), V(unreadable), V(missing).
          type: str
          sample: drift
        error:
          description: Why the key cannot be read (only for status V(unreadable)).
          type: str
          returned: when the status is V(unreadable)
          sample: "cannot read net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: Permission denied"
  sample:
    net.ipv4.tcp_max_tw_buckets:
      live: "5000"
      boot: "5000"
      boot_source: /etc/sysctl.conf:12
      reload: "5000"
      reload_source: /etc/sysctl.conf:12
      checked_by: kernel
      kernel_default: "131072"
      writers: [{writer: applier, source: /etc/sysctl.conf:12, value: "5000"}]
      model_reason: null
      rejected: []
      undecided: null
      reason: the next boot applies 5000 from /etc/sysctl.conf:12
      expected: {min: 262144}
      baseline: "5000"
      at_baseline: true
      status: drift
summary:
  description: Number of keys per status, and how many are still at their baseline.
  returned: always
  type: dict
  sample: {ok: 3, drift: 2, boot_drift: 1, undecided: 0, unreadable: 0, missing: 0, at_baseline: 2}
boot_applier:
  description: The boot applier modelled, detected or given in O(boot_applier).
  returned: always
  type: str
  sample: procps
reload_applier:
  description: The procps family modelled for the next C(sysctl --system) (V(procps3) on distributions with procps 3.3).
  returned: always
  type: str
  sample: procps
boot_files:
  description: The configuration files the boot applier reads, in the order it applies them.
  returned: always
  type: list
  elements: str
  sample: [/etc/sysctl.d/90-kerneltune.conf, /usr/lib/sysctl.d/50-pid-max.conf, /etc/sysctl.conf]
pressure:
  description:
    - TIME_WAIT and backlog pressure of the host's network namespace (with O(pressure=true)). Modern kernels no
      longer log C(time wait bucket table overflow); these counters are the evidence.
    - Counters come from C(/proc/net/netstat) (TcpExt, since boot) and C(/proc/net/sockstat); a counter the
      kernel lacks is null.
    - RV(pressure.verdict) maps each governing key to V(ok), V(near_limit) (TIME_WAIT above 80 % of the limit, or
      SYN cookies sent because the SYN queue was full) or V(overflowed) (its overflow counter is above zero).
  returned: when O(pressure=true)
  type: dict
  contains:
    time_wait:
      description: "Sockets in TIME_WAIT now (C(tw) of sockstat)."
      type: int
    tw_buckets:
      description: "The limit C(net.ipv4.tcp_max_tw_buckets)."
      type: int
    tw_usage:
      description: "C(time_wait / tw_buckets)."
      type: float
    tw_overflows:
      description: "TcpExt C(TCPTimeWaitOverflow), sockets destroyed at once for want of a bucket."
      type: int
    listen_overflows:
      description: "TcpExt C(ListenOverflows), accept queue full (C(net.core.somaxconn))."
      type: int
    listen_drops:
      description: "TcpExt C(ListenDrops)."
      type: int
    req_q_full_drops:
      description: "TcpExt C(TCPReqQFullDrop), SYNs dropped with the SYN queue full."
      type: int
    syncookies_sent:
      description: "TcpExt C(SyncookiesSent)."
      type: int
    somaxconn:
      description: "The limit C(net.core.somaxconn)."
      type: int
    tcp_max_syn_backlog:
      description: "The limit C(net.ipv4.tcp_max_syn_backlog)."
      type: int
    verdict:
      description: Governing key -> V(ok), V(near_limit) or V(overflowed).
      type: dict
      sample: {net.ipv4.tcp_max_tw_buckets: overflowed, net.ipv4.tcp_max_syn_backlog: ok, net.core.somaxconn: ok}
textfile:
  description: The file written in O(textfile_dir).
  returned: when O(textfile_dir) is set
  type: dict
  contains:
    path:
      description: Its path.
      type: str
      sample: /var/lib/prometheus/node-exporter/kerneltune_sysctl.prom
    state:
      description:
        - V(written) when this run replaced it, V(unchanged) when it already held these results (nothing written),
          V(check_mode) when it would be written but check mode writes nothing.
      type: str
      sample: written
problems:
  description: Lines of configuration files the applier cannot use, and files it cannot read.
  returned: always
  type: list
  elements: dict
  sample: [{file: /etc/sysctl.d/10-a.conf, line: 7, text: "garbage", reason: 'not an assignment (no "=")'}]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS
from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import audit_view, wanted
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import appliers, read_host, read_pressure
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import problem_report
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import baseline_profile_names, profile_names
from ansible_collections.kerneltune.sysctl.plugins.module_utils._prom import TEXTFILE_NAME, host_text
from ansible_collections.kerneltune.sysctl.plugins.module_utils._textfile import (
    check_directory, update as update_textfile,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='str', choices=profile_names()),
            baseline_profile=dict(type='str', choices=baseline_profile_names()),
            expect=dict(type='dict', default={}),
            baseline=dict(type='dict', default={}),
            fail_on_drift=dict(type='bool', default=False),
            pressure=dict(type='bool', default=True),
            boot_applier=dict(type='str', default='auto', choices=['auto'] + list(APPLIERS)),
            kernel_check=dict(type='bool', default=True),
            textfile_dir=dict(type='path'),
        ),
        required_one_of=[('profile', 'expect')],
        supports_check_mode=True,
    )
    params = module.params
    try:
        if params['textfile_dir']:
            check_directory(params['textfile_dir'])  # a missing directory fails before the audit
        want = wanted(params['profile'], params['expect'], params['baseline_profile'], params['baseline'])
        view = read_host(want.expectations, *appliers(params['boot_applier']), oracle=params['kernel_check'])
        outcome = audit_view(want, view)  # an unreadable or missing key is reported on it; the others audited
    except SysctlError as exc:
        module.fail_json(msg=str(exc))
    problems, warnings = problem_report(view.problems)
    for warning in warnings + view.notes:
        module.warn(warning)
    outcome.update(changed=False, boot_applier=view.applier, reload_applier=view.reload_applier,
                   boot_files=view.files, problems=problems)
    if params['pressure']:
        try:
            outcome['pressure'] = read_pressure(view.live)
        except SysctlError as exc:
            module.warn('pressure counters unavailable: %s' % exc)
    if params['textfile_dir']:  # before fail_on_drift: the file shows the drift too
        if module.check_mode:
            module.warn('check mode: nothing is written into textfile_dir %s' % params['textfile_dir'])
        try:
            path, changed = update_textfile(params['textfile_dir'], TEXTFILE_NAME, host_text(outcome).encode('utf-8'),
                                            module.check_mode)
        except SysctlError as exc:
            module.fail_json(msg=str(exc))  # without the results: the fleet report lists the host as failed
        outcome.update(changed=changed, textfile=dict(path=path, state=(
            'unchanged' if not changed else 'check_mode' if module.check_mode else 'written')))
    results = outcome['sysctl']
    not_ok = sorted(key for key, result in results.items() if result['status'] != 'ok')
    if params['fail_on_drift'] and not_ok:
        module.fail_json(msg='sysctl keys not ok: %s' % ', '.join(
            '%s (%s)' % (key, results[key]['status']) for key in not_ok), **outcome)
    module.exit_json(**outcome)


if __name__ == '__main__':
    main()

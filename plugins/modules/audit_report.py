#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: audit_report
short_description: Write the fleet report of kerneltune.sysctl.audit results on the controller
version_added: 0.1.0
description:
  - Collects the registered result of M(kerneltune.sysctl.audit) from every host of the play, including hosts
    that were unreachable or failed, and writes C(report.json), C(report.csv), a self-contained C(report.html),
    C(report.prom) (Prometheus) and C(report.junit.xml) (JUnit) into O(dest) on the controller (see O(formats)).
  - Hosts are ordered worst first, those that overflowed or sit near a TIME_WAIT or backlog limit leading.
  - Every status of M(kerneltune.sysctl.audit) is counted and coloured, V(unreadable) included. C(report.csv) has
    the columns C(host), C(key), C(live), C(boot), C(boot_source), C(expected), C(baseline), C(at_baseline),
    C(status), C(pressure), C(error) (why an V(unreadable) key could not be read), C(reload) and C(reload_source)
    (what the next C(sysctl --system) leaves, and from which line), C(reason) (why the key will not hold, or
    what the kernel has instead of a V(missing) key) and C(change) (what changed since the previous report); every
    cell that a spreadsheet would read as a formula starts with an apostrophe.
  - C(report.json) holds per host what the report keeps of its result (C(sysctl), C(summary), C(boot_applier),
    C(pressure)), C(host_order), C(host_status), C(unreachable), C(failed), the fleet C(summary), the C(signatures)
    (groups of hosts with the same keys, statuses and live values, with their hosts) and the C(changes) since the
    previous report (see O(previous)). It is compact, one line per host.
  - A host result of the wrong shape (from a broken or hostile host) puts that host under C(failed) with what is
    wrong; every other host is reported.
  - Runs into the same O(dest) take turns; a lock file C(.kerneltune-report.lock) there is held while one reads and
    writes. A run limited with C(--limit) (without O(hosts) or O(slice)) warns that it replaces the fleet report.
  - An action plugin. Run it once (C(run_once)), on the controller; it never touches the hosts.
  - Its options are validated as a module's are (types, choices, no unknown option) before anything is read or
    written; a single string given for a list option is a list of that one string.
author:
  - kerneltune.sysctl contributors (@kerneltune)
options:
  dest:
    description:
      - Directory on the controller for the report files; created when missing. The files get the mode the umask
        leaves (0644 with the usual 022; a umask of 027 keeps the fleet's configuration from other users).
    type: path
    default: ./sysctl-audit
  hosts:
    description: Hosts to report on. Defaults to every host of the play, C(ansible_play_hosts_all).
    type: list
    elements: str
  results_var:
    description:
      - Name of the variable each host registered the audit result in. Register it with C(ignore_unreachable)
        and C(failed_when=false) on the audit task, so unreachable and failing hosts are reported too.
    type: str
    default: kerneltune_audit
  profile:
    description: Profile name to record in the report, as given to M(kerneltune.sysctl.audit).
    type: str
    choices: [alibaba_cloud_default, high_connection]
  baseline_profile:
    description: Baseline profile name to record in the report, as given to M(kerneltune.sysctl.audit).
    type: str
    choices: [alibaba_cloud_default]
  formats:
    description:
      - Which files to write. V(prom) is C(report.prom), the Prometheus text exposition format for a node_exporter
        textfile collector; V(junit) is C(report.junit.xml), one test suite per host and one test case per key, for
        GitLab and Jenkins.
    type: list
    elements: str
    choices: [json, csv, html, prom, junit]
    default: [json, csv, html, prom, junit]
  previous:
    description:
      - The earlier C(report.json) to compare with. RV(changes) and C(report.json)'s C(changes) list, per host
        and key, what became not ok (V(new_drift)), what became ok (V(resolved)), what went from one status that
        is not ok to another (V(status_changed)) and what kept its status with another live value
        (V(value_changed)); and the hosts added, gone, newly unreachable, newly failed and reachable again.
      - Defaults to the C(report.json) already in O(dest), the report of the previous run. A file that is missing
        or not a report gives a warning and no comparison, never a failure.
    type: path
  history:
    description:
      - How many earlier reports to keep. Before C(report.json) is replaced, it is kept as
        C(history/report-<its generation time>.json) in O(dest) (a hard link); older dated reports beyond this
        number are deleted. V(0) keeps none (and deletes those kept earlier).
    type: int
    default: 30
  slice:
    description:
      - Write this play's partial report only, as C(slices/slice-<digest of its host names>.json) in O(dest), for
        sliced runs (AWX job slicing, one run per C(--limit)). Slices of other host sets never overwrite it, and
        the same slice run again replaces its own file. Merge them afterwards with O(merge).
    type: bool
    default: false
  merge:
    description:
      - Instead of reading this play's hosts, merge every slice report in C(slices/) of O(dest) (a host in several
        slices takes its newest result) and write the full report from it, as one run over all those hosts would.
        The merged slice files are deleted after the report is written.
      - Fails, naming the file, when a slice is not a report or the slices were audited against different profiles.
      - Mutually exclusive with O(slice). O(hosts) and O(results_var) are not read; the hosts are those of the slices.
    type: bool
    default: false
attributes:
  action:
    support: full
    description: Runs on the controller only.
  check_mode:
    support: full
    description:
      - It changes no host, so it writes the report files on the controller in check mode too (the audit
        playbook's task also says C(check_mode=false), which makes that explicit).
  diff_mode:
    support: none
    description: Nothing on a host changes.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
seealso:
  - module: kerneltune.sysctl.audit
'''

EXAMPLES = r'''
- name: Audit each host
  kerneltune.sysctl.audit:
    profile: high_connection
    baseline_profile: alibaba_cloud_default
  register: kerneltune_audit
  ignore_unreachable: true
  failed_when: false

- name: Write the fleet report
  kerneltune.sysctl.audit_report:
    dest: ./sysctl-audit
    profile: high_connection
    baseline_profile: alibaba_cloud_default
  run_once: true
  check_mode: false
  register: kerneltune_report
'''

RETURN = r'''
files:
  description: Paths of the files written, by format (V(slice) for the partial report of O(slice)).
  returned: always
  type: dict
  sample: {json: /srv/audit/report.json, csv: /srv/audit/report.csv, html: /srv/audit/report.html}
summary:
  description: Fleet summary, as in C(report.json).
  returned: always
  type: dict
summary_lines:
  description: The summary as short lines, for a final C(debug) task.
  returned: always
  type: list
  elements: str
host_status:
  description: Worst status of each audited host.
  returned: always
  type: dict
  sample: {web1: drift, web2: ok}
unreachable_hosts:
  description: Hosts that could not be reached, with the reason.
  returned: always
  type: dict
failed_hosts:
  description:
    - Hosts whose audit failed, with the reason. A host whose result has the wrong shape (a list where the keys
      belong, an entry without a status) is here too, with what is wrong; every other host is still reported.
  returned: always
  type: dict
changes:
  description:
    - When the earlier report was, which file, and how many changes of each kind; the changes themselves are in
      C(report.json). Null without an earlier report (the first run, or with O(slice)).
  returned: always
  type: dict
  sample: {since: "2026-11-25T03:00:00Z", previous: report.json, counts: {new_drift: 2, resolved: 5, status_changed: 0,
           value_changed: 1, hosts_added: 0, hosts_gone: 1, newly_unreachable: 1, newly_failed: 0, reachable_again: 0}}
merged_slices:
  description: The slice files merged (and deleted) with O(merge).
  returned: always
  type: list
  elements: str
'''

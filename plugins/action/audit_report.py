# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin kerneltune.sysctl.audit_report: the fleet report, written on the controller."""

import os
import tempfile
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import baseline_profile_names, profile_names
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import (
    MalformedResult, build_report, host_result, read_json, summary_lines, write_csv, write_json,
)
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import (
    NotAReport, changes_line, compare, dated_name, to_prune,
)
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import render_html
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_junit import write_junit
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_prom import write_prom
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_slices import (
    SLICE_FILE, SliceError, merge, slice_name,
)

FORMATS = ('json', 'csv', 'html', 'prom', 'junit')

# The options, as DOCUMENTATION of plugins/modules/audit_report.py describes them (tests/unit/test_contracts.py
# compares the two). Validated by ActionBase.validate_argument_spec: a string where a list belongs becomes a
# one-element list (Ansible's rule for modules too), a mapping fails, a format outside FORMATS fails.
ARGUMENT_SPEC = dict(
    dest=dict(type='path', default='./sysctl-audit'),
    hosts=dict(type='list', elements='str'),
    results_var=dict(type='str', default='kerneltune_audit'),
    profile=dict(type='str', choices=profile_names()),
    baseline_profile=dict(type='str', choices=baseline_profile_names()),
    formats=dict(type='list', elements='str', choices=list(FORMATS), default=list(FORMATS)),
    previous=dict(type='path'),
    history=dict(type='int', default=30),
    slice=dict(type='bool', default=False),
    merge=dict(type='bool', default=False),
)
HISTORY_DIR = 'history'
SLICES_DIR = 'slices'


def _write_html(report, path):
    with open(path, 'w') as handle:
        handle.write(render_html(report))


WRITERS = {'json': write_json, 'csv': write_csv, 'html': _write_html, 'prom': write_prom, 'junit': write_junit}
FILE_NAMES = {'json': 'report.json', 'csv': 'report.csv', 'html': 'report.html', 'prom': 'report.prom',
              'junit': 'report.junit.xml'}


def _classify(hosts, hostvars, results_var):
    """Split hosts into audited results, unreachable and failed (host -> reason).

    A result of the wrong shape (from a broken or hostile host) makes its host
    failed with the reason; the other hosts are reported.
    """
    results, unreachable, failed = {}, {}, {}
    for host in hosts:
        result = hostvars.get(host, {}).get(results_var)
        if not isinstance(result, dict):
            failed[host] = 'no audit result (the host left the play before the audit task)'
        elif result.get('unreachable'):
            unreachable[host] = str(result.get('msg', 'unreachable')).strip()
        elif result.get('failed') or result.get('skipped') or 'sysctl' not in result:
            reason = result.get('msg') or ('skipped' if result.get('skipped') else 'no results')
            failed[host] = str(reason).strip()
        else:
            try:
                results[host] = host_result(result)
            except MalformedResult as exc:
                failed[host] = 'malformed audit result: %s' % exc
    return results, unreachable, failed


def _write(path, writer, report):
    """Write one file atomically: a temporary file in the same directory, mode 0644, then a rename."""
    directory = os.path.dirname(path)
    handle, tmp_path = tempfile.mkstemp(prefix='.report-', dir=directory)
    os.close(handle)
    try:
        writer(report, tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    finally:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)


def _read_json(path, slim=False):
    """Parse a JSON file; with slim, key entries keep only status and live (an earlier report, to compare)."""
    with open(path, 'r', encoding='utf-8', errors='surrogateescape') as handle:
        return read_json(handle, slim)


def _slice_documents(directory):
    names = sorted(name for name in os.listdir(directory) if SLICE_FILE.match(name)) if os.path.isdir(directory) else []
    if not names:
        raise AnsibleActionFail('merge: no slice reports (slice-*.json) in %s; run the audit with slice=true first'
                                % directory)
    documents = []
    for name in names:
        try:
            documents.append((name, _read_json(os.path.join(directory, name))))
        except (OSError, ValueError) as exc:
            raise AnsibleActionFail('merge: cannot read the slice report %s: %s' % (os.path.join(directory, name), exc))
    return documents


def _keep_history(dest, keep, generated=None):
    """Keep the current report.json as history/report-<its date>.json (a hard link), newest ``keep`` only.

    ``generated``: the current report's generation time when the caller has read it; else the file's mtime.
    """
    current = os.path.join(dest, 'report.json')
    history = os.path.join(dest, HISTORY_DIR)
    if keep <= 0 or not os.path.isfile(current):
        return
    if not isinstance(generated, str):
        generated = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(os.stat(current).st_mtime))
    os.makedirs(history, exist_ok=True)
    kept = os.path.join(history, dated_name(generated))
    if os.path.exists(kept):
        os.unlink(kept)
    os.link(current, kept)
    for name in to_prune(os.listdir(history), keep):
        os.unlink(os.path.join(history, name))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _previous(self, path, default, report):
        """(changes since the previous report or None, that report's generation time or None).

        A named previous file that is missing, and any previous file that is not a report, give a warning.
        """
        if not os.path.exists(path):
            if not default:
                self._display.warning('previous report %s does not exist; no changes are reported' % path)
            return None, None
        try:
            document = _read_json(path, slim=True)
            return compare(document, report, os.path.basename(path)), document.get('generated')
        except (OSError, ValueError, NotAReport) as exc:
            self._display.warning('previous report %s is not usable (%s); no changes are reported' % (path, exc))
            return None, None

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(ARGUMENT_SPEC)  # raises AnsibleActionFail naming the option
        if args['slice'] and args['merge']:
            raise AnsibleActionFail('slice and merge are mutually exclusive: slices are written by the audit runs, '
                                    'merged by one run afterwards')
        dest = os.path.abspath(args['dest'])
        generated = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        slices_dir = os.path.join(dest, SLICES_DIR)
        merged = []
        if args['merge']:
            try:
                parts = merge(_slice_documents(slices_dir))
            except SliceError as exc:
                raise AnsibleActionFail('merge: %s' % exc)
            results, unreachable, failed = parts['results'], parts['unreachable'], parts['failed']
            profile = args['profile'] or parts['profile']
            baseline = args['baseline_profile'] or parts['baseline_profile']
            merged = parts['slices']
        else:
            hosts = args['hosts'] or task_vars.get('ansible_play_hosts_all') or []
            results, unreachable, failed = _classify(hosts, task_vars.get('hostvars', {}), args['results_var'])
            profile, baseline = args['profile'], args['baseline_profile']
        report = build_report(results, unreachable, failed, profile, baseline, generated)
        files = {}
        if args['slice']:
            os.makedirs(slices_dir, exist_ok=True)
            files['slice'] = os.path.join(slices_dir, slice_name(list(results) + list(unreachable) + list(failed)))
            _write(files['slice'], write_json, report)
            report['changes'] = None
        else:
            os.makedirs(dest, exist_ok=True)
            default = os.path.join(dest, 'report.json')
            report['changes'], generated = self._previous(args['previous'] or default, not args['previous'], report)
            if 'json' in args['formats']:
                _keep_history(dest, args['history'], None if args['previous'] else generated)
            for name in args['formats']:
                files[name] = os.path.join(dest, FILE_NAMES[name])
                _write(files[name], WRITERS[name], report)
            for name in merged:
                os.unlink(os.path.join(slices_dir, name))
        changes = report['changes']
        lines = summary_lines(report)
        if not args['slice']:
            lines.append(changes_line(changes))
        result.update(changed=False, files=files, summary=report['summary'], summary_lines=lines,
                      host_status=report['host_status'], unreachable_hosts=report['unreachable'],
                      failed_hosts=report['failed'], merged_slices=merged,
                      changes=dict((k, changes[k]) for k in ('since', 'previous', 'counts')) if changes else None)
        return result

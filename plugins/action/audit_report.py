# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin kerneltune.sysctl.audit_report: the fleet report, written on the controller."""

import os
import tempfile
import time

from ansible.plugins.action import ActionBase

from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import baseline_profile_names, profile_names
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import (
    build_report, summary_lines, write_csv, write_json,
)
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import render_html

FORMATS = ('json', 'csv', 'html')

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
)


def _write_html(report, path):
    with open(path, 'w') as handle:
        handle.write(render_html(report))


WRITERS = {'json': write_json, 'csv': write_csv, 'html': _write_html}


def _classify(hosts, hostvars, results_var):
    """Split hosts into audited results, unreachable and failed (host -> reason)."""
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
            results[host] = dict((name, result.get(name)) for name in ('sysctl', 'summary', 'boot_applier', 'pressure')
                                 if result.get(name) is not None)
    return results, unreachable, failed


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(ARGUMENT_SPEC)  # raises AnsibleActionFail naming the option
        dest = os.path.abspath(args['dest'])
        hosts = args['hosts'] or task_vars.get('ansible_play_hosts_all') or []
        formats = args['formats'] or list(FORMATS)
        results, unreachable, failed = _classify(hosts, task_vars.get('hostvars', {}), args['results_var'])
        report = build_report(results, unreachable, failed, args['profile'], args['baseline_profile'],
                              time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
        os.makedirs(dest, exist_ok=True)
        files = {}
        for name in formats:
            path = os.path.join(dest, 'report.%s' % name)
            handle, tmp_path = tempfile.mkstemp(prefix='.report-', dir=dest)
            os.close(handle)
            try:
                WRITERS[name](report, tmp_path)
                os.chmod(tmp_path, 0o644)
                os.replace(tmp_path, path)
            finally:
                if os.path.exists(tmp_path):
                    os.unlink(tmp_path)
            files[name] = path
        result.update(changed=False, files=files, summary=report['summary'], summary_lines=summary_lines(report),
                      host_status=report['host_status'], unreachable_hosts=report['unreachable'],
                      failed_hosts=report['failed'])
        return result

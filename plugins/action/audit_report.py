# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin kerneltune.sysctl.audit_report: the fleet report, written on the controller."""

import fcntl
import os
import shutil
import stat
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.kerneltune.sysctl.plugins.module_utils._atomic import commit, discard, stage
from ansible_collections.kerneltune.sysctl.plugins.module_utils._safe_open import open_regular
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import baseline_profile_names, profile_names
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import (
    TIME_FORMAT, MalformedResult, build_report, host_result, read_json, summary_lines, write_csv, write_json,
)
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import (
    NotAReport, changes_line, compare, dated_name, to_prune,
)
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import render_html
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_junit import write_junit
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_prom import write_prom
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_slices import (
    SLICE_FILE, SliceError, made_line, merge, slice_name,
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
# Held (flock) while a run reads and writes the report directory, so two runs never interleave their files.
LOCK_FILE = '.kerneltune-report.lock'
# Slices merged that were made further apart than this are named in a warning (a slice left from an earlier run).
SLICE_SPREAD_HOURS = 12


def _write_html(report, out):
    out.write(render_html(report).encode('utf-8'))  # ASCII: everything from hosts is escaped


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


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(files, report):
    """Write the report files ({path: writer}) all or none: each is built whole in a temporary file first
    (_atomic.stage), with the mode the umask gives; only when every one was built are they renamed into place.
    A failure while building any leaves every earlier report file as it was, and is an AnsibleActionFail."""
    mode = 0o666 & ~_umask()
    for path in files:
        # rename(2) replaces a file, a symlink or a FIFO itself (never what a symlink points to), not a directory
        if os.path.isdir(path) and not os.path.islink(path):
            raise AnsibleActionFail('cannot write the report file %s: it is a directory; no report file was changed'
                                    % path)
    staged = []
    try:
        for path, writer in files.items():
            staged.append(stage(path, lambda out, writer=writer: writer(report, out),
                                lambda descriptor: os.fchmod(descriptor, mode), '.report-'))
    except Exception as exc:  # pylint: disable=broad-except  # a writer's failure on data from the hosts
        for item in staged:
            discard(item)
        raise AnsibleActionFail('cannot write the report file %s: %s: %s; no report file was changed'
                                % (path, type(exc).__name__, exc))
    for item in staged:
        commit(item)


def _read_json(path, slim=False):
    """Parse a JSON file; with slim, key entries keep only status and live (an earlier report, to compare).

    The report directory may be writable by others: only a regular file is read (open_regular: no symlink
    followed, no FIFO waited on). Raises OSError or ValueError (too deeply nested included).
    """
    with os.fdopen(open_regular(path), 'r', encoding='utf-8', errors='surrogateescape') as handle:
        try:
            return read_json(handle, slim)
        except RecursionError:
            raise ValueError('nested too deeply')


def _real_directory(path, what):
    """Make ``path`` (a directory of the report directory) unless it exists; refuse a symlink or a non-directory."""
    try:
        os.mkdir(path, 0o777)
    except FileExistsError:
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode):
            raise AnsibleActionFail('refusing to use %s as the %s directory: it is %s' % (
                path, what, 'a symlink' if stat.S_ISLNK(info.st_mode) else 'not a directory'))


def _slice_documents(directory):
    if os.path.lexists(directory):
        _real_directory(directory, 'slices')
    names = sorted(name for name in os.listdir(directory) if SLICE_FILE.match(name)) if os.path.isdir(directory) else []
    if not names:
        raise AnsibleActionFail('merge: no slice reports (slice-*.json) in %s; run the audit with slice=true first'
                                % directory)
    documents = []
    for name in names:
        try:
            documents.append((name, _read_json(os.path.join(directory, name))))
        except (OSError, ValueError) as exc:  # ValueError: not JSON, or nested too deeply
            raise AnsibleActionFail('merge: cannot read the slice report %s: %s' % (os.path.join(directory, name), exc))
    return documents


def _keep_history(dest, keep, generated=None):
    """Keep the current report.json as history/report-<its date>.json, newest ``keep`` only; return its name.

    ``generated``: the current report's generation time when the caller has read it; else the file's mtime.
    A hard link where the file system has them, else a copy.
    """
    current = os.path.join(dest, 'report.json')
    history = os.path.join(dest, HISTORY_DIR)
    if os.path.lexists(history):
        _real_directory(history, 'history')
    if keep <= 0 or not os.path.lexists(current) or not stat.S_ISREG(os.lstat(current).st_mode):
        if os.path.isdir(history):  # history=0 keeps none: the dated reports kept by earlier runs go too
            for name in to_prune(os.listdir(history), max(keep, 0)):
                os.unlink(os.path.join(history, name))
        return None
    if not isinstance(generated, str):
        generated = time.strftime(TIME_FORMAT, time.gmtime(os.stat(current).st_mtime))
    _real_directory(history, 'history')
    kept = os.path.join(history, dated_name(generated))
    if os.path.lexists(kept):
        os.unlink(kept)
    try:
        os.link(current, kept)
    except OSError:
        shutil.copy2(current, kept)
    for name in to_prune(os.listdir(history), keep):
        os.unlink(os.path.join(history, name))
    return os.path.join(HISTORY_DIR, os.path.basename(kept))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _previous(self, path, default, report):
        """(changes since the previous report or None, that report's generation time or None).

        A named previous file that is missing, and any previous file that is not a report, give a warning.
        """
        if not os.path.lexists(path):
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
        os.makedirs(dest, exist_ok=True)
        lock_path = os.path.join(dest, LOCK_FILE)
        try:
            descriptor = open_regular(lock_path, create=True, mode=0o666)
        except OSError as exc:
            raise AnsibleActionFail('cannot use the lock file %s: %s' % (lock_path, exc.strerror or exc))
        with os.fdopen(descriptor, 'r+') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            result.update(self._report(args, dest, task_vars))
        return result

    def _report(self, args, dest, task_vars):
        generated = time.strftime(TIME_FORMAT, time.gmtime())
        slices_dir = os.path.join(dest, SLICES_DIR)
        merged, lines = [], []
        if args['merge']:
            try:
                parts = merge(_slice_documents(slices_dir))
            except SliceError as exc:
                raise AnsibleActionFail('merge: %s' % exc)
            results, unreachable, failed = parts['results'], parts['unreachable'], parts['failed']
            profile = args['profile'] or parts['profile']
            baseline = args['baseline_profile'] or parts['baseline_profile']
            merged = parts['slices']
            line, stale = made_line(len(merged), parts['made'], SLICE_SPREAD_HOURS)
            lines.append(line)
            if stale:
                self._display.warning('%s: more than %d hours apart, a slice may be left from an earlier run '
                                      '(merge after every sliced run)' % (line, SLICE_SPREAD_HOURS))
        else:
            hosts = args['hosts'] or task_vars.get('ansible_play_hosts_all') or []
            results, unreachable, failed = _classify(hosts, task_vars.get('hostvars', {}), args['results_var'])
            profile, baseline = args['profile'], args['baseline_profile']
            if task_vars.get('ansible_limit') and not args['slice'] and not args['hosts']:
                self._display.warning('this run is limited (--limit %s): its report replaces the fleet report in %s, '
                                      'and hosts left out count as gone; audit slices with slice=true '
                                      '(sysctl_audit_slice) or write into another directory'
                                      % (task_vars['ansible_limit'], dest))
        report = build_report(results, unreachable, failed, profile, baseline, generated)
        report['changes'] = None
        files = {}
        if args['slice']:
            _real_directory(slices_dir, 'slices')
            files['slice'] = os.path.join(slices_dir, slice_name(list(results) + list(unreachable) + list(failed)))
            _write({files['slice']: write_json}, report)
        else:
            if 'json' in args['formats']:  # without a new report.json, the next run would compare with this one's
                default = os.path.join(dest, 'report.json')
                report['changes'], before = self._previous(args['previous'] or default, not args['previous'], report)
                kept = _keep_history(dest, args['history'], None if args['previous'] else before)
                if report['changes'] and kept and not args['previous']:
                    report['changes']['previous'] = kept
            for name in args['formats']:
                files[name] = os.path.join(dest, FILE_NAMES[name])
            _write(dict((files[name], WRITERS[name]) for name in args['formats']), report)
            for name in merged:
                os.unlink(os.path.join(slices_dir, name))
            lines.append(changes_line(report['changes']))
        changes = report['changes']
        return dict(changed=False, files=files, summary=report['summary'], summary_lines=summary_lines(report) + lines,
                    host_status=report['host_status'], unreachable_hosts=report['unreachable'],
                    failed_hosts=report['failed'], merged_slices=merged,
                    changes=dict((k, changes[k]) for k in ('since', 'previous', 'counts')) if changes else None)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since the previous fleet report (controller side, pure functions).

The previous report is a report.json this collection wrote earlier, read back
as untrusted data: a host whose previous result has the wrong shape is treated
as not audited then, and a previous report that is not a report at all gives
no comparison (the caller says why).
"""

import re

from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import MalformedResult, host_result, names_in_brackets

# Per host and key, worst first: not ok now and ok (or not audited) before; ok now and not ok before; another
# status that is not ok either; the same status with another live value.
KEY_CHANGES = ('new_drift', 'resolved', 'status_changed', 'value_changed')
HOST_CHANGES = ('hosts_added', 'hosts_gone', 'newly_unreachable', 'newly_failed', 'reachable_again')
_DATED = re.compile(r'report-([0-9]{8}T[0-9]{6}Z)\.json\Z')


class NotAReport(ValueError):
    """The previous file is not a report of this collection."""


def _audited(document):
    """host -> kept result of the hosts audited in a report document, and host -> why for malformed ones."""
    hosts = document.get('hosts')
    if not isinstance(hosts, dict):
        raise NotAReport('it has no "hosts" mapping')
    audited, malformed = {}, {}
    for host, raw in hosts.items():
        try:
            audited[host] = host_result(raw)
        except MalformedResult as exc:
            malformed[host] = str(exc)
    return audited, malformed


def _not_audited(document, kind):
    hosts = document.get(kind)
    return dict((str(host), str(reason)) for host, reason in hosts.items()) if isinstance(hosts, dict) else {}


def _key_change(before, after):
    """The change of one key between two entries (before may be None), or None."""
    ok_before = before is not None and before['status'] == 'ok'
    ok_after = after['status'] == 'ok'
    if before is None:
        return None if ok_after else 'new_drift'
    if ok_before and not ok_after:
        return 'new_drift'
    if not ok_before and ok_after:
        return 'resolved'
    if before['status'] != after['status']:
        return 'status_changed'
    if before.get('live') != after.get('live'):
        return 'value_changed'
    return None


def compare(previous, report, previous_name):
    """Return the ``changes`` of report against the previous report document.

    ``previous`` is the parsed JSON of an earlier report.json (untrusted shape);
    ``report`` is the report just built. Raises NotAReport when previous has no
    usable shape. The keys of hosts audited both times are compared (a key
    audited only now is new drift when it is not ok); a host audited now but not
    then is listed in hosts_added or reachable_again, without its keys.
    """
    if not isinstance(previous, dict):
        raise NotAReport('it is not a JSON object')
    before, failed_before = _audited(previous)  # a malformed earlier result counts as failed then
    unreachable_before = _not_audited(previous, 'unreachable')
    failed_before.update(_not_audited(previous, 'failed'))
    known_before = set(before) | set(unreachable_before) | set(failed_before)
    now = report['hosts']
    known_now = set(now) | set(report['unreachable']) | set(report['failed'])
    keys = []
    for host in report['host_order']:
        if host not in before:
            continue
        entries_before = before[host].get('sysctl', {})
        for key, entry in sorted(now[host].get('sysctl', {}).items()):
            prior = entries_before.get(key)
            change = _key_change(prior, entry)
            if change:
                keys.append(dict(host=host, key=key, change=change,
                                 before_status=prior and prior['status'], before_live=prior and prior.get('live'),
                                 after_status=entry['status'], after_live=entry.get('live')))
    generated = previous.get('generated')
    changes = dict(
        since=generated if isinstance(generated, str) else None,
        previous=previous_name,
        hosts_added=sorted(known_now - known_before),
        hosts_gone=sorted(known_before - known_now),
        newly_unreachable=sorted(host for host in report['unreachable'] if host in before or host in failed_before),
        newly_failed=sorted(host for host in report['failed'] if host in before or host in unreachable_before),
        reachable_again=sorted(host for host in now if host in unreachable_before or host in failed_before),
        keys=keys,
    )
    expectations = [previous.get(name) for name in ('profile', 'baseline_profile')]
    if expectations != [report['profile'], report['baseline_profile']]:
        # Audited against another profile: the key changes are those of the expectation, not of the hosts.
        changes['expectations_before'] = dict(profile=expectations[0], baseline_profile=expectations[1])
    changes['counts'] = dict((kind, sum(1 for item in keys if item['change'] == kind)) for kind in KEY_CHANGES)
    changes['counts'].update((kind, len(changes[kind])) for kind in HOST_CHANGES)
    return changes


def changes_line(changes):
    """The changes in words, one line for the playbook's summary."""
    if not changes:
        return 'no earlier report to compare with'
    counts = changes['counts']
    drifting = sorted(set(item['host'] for item in changes['keys'] if item['change'] == 'new_drift'))
    parts = ['%d key%s newly not ok on %d host%s%s' % (
        counts['new_drift'], '' if counts['new_drift'] == 1 else 's', len(drifting), '' if len(drifting) == 1 else 's',
        names_in_brackets(drifting, 5))]
    parts.append('%d resolved' % counts['resolved'])
    parts.append('%d changed status' % counts['status_changed'])
    parts.append('%d changed value' % counts['value_changed'])
    for kind in HOST_CHANGES:
        if changes[kind]:
            parts.append('%s %d%s' % (kind.replace('_', ' '), len(changes[kind]), names_in_brackets(changes[kind], 5)))
    before = changes.get('expectations_before')
    if before:
        parts.append('the previous report was audited against profile %s, baseline %s: changes of the expectation '
                     'count too' % (before['profile'], before['baseline_profile']))
    return 'since %s: %s' % (changes['since'] or 'the previous report', '; '.join(parts))


def dated_name(generated):
    """The file name an earlier report.json is kept under: report-20261126T150000Z.json."""
    digits = re.sub(r'[^0-9TZ]', '', generated or '')
    return 'report-%s.json' % (digits if re.match(r'[0-9]{8}T[0-9]{6}Z\Z', digits) else 'undated')


def to_prune(names, keep):
    """Of the file names in the history directory, the dated reports beyond the newest ``keep``."""
    dated = sorted(name for name in names if _DATED.match(name))
    return dated[:max(len(dated) - keep, 0)]

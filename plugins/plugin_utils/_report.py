# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet audit report: aggregate per-host audit results, write JSON and CSV (controller side).

Pure functions over plain dicts, so 1,000 hosts x 30 keys aggregate in
well under a second; writers stream row by row to bounded memory.
"""

import csv
import json
from collections import Counter

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES

# The statuses of _compare.STATUSES, worst first; one SEVERITY does not place yet, or a status the report
# does not know, ranks with the worst.
SEVERITY = ('drift', 'boot_drift', 'undecided', 'unreadable', 'missing', 'ok')
STATUS_ORDER = tuple(sorted(STATUSES, key=lambda status: SEVERITY.index(status) if status in SEVERITY else -1))
NOT_OK = tuple(status for status in STATUS_ORDER if status != 'ok')
STATUS_RANK = dict((status, rank) for rank, status in enumerate(STATUS_ORDER))
# "pressure": the verdict of the counters this key governs (tcp_max_tw_buckets, tcp_max_syn_backlog, somaxconn);
# "error": why the key cannot be read (status unreadable); "reload": what the next sysctl --system leaves;
# "reason": why the key will not hold (boot_drift, undecided).
CSV_FIELDS = ('host', 'key', 'live', 'boot', 'boot_source', 'expected', 'baseline', 'at_baseline', 'status',
              'pressure', 'error', 'reload', 'reload_source', 'reason')
_ENTRY_FIELDS = CSV_FIELDS[2:9]
_LATER_FIELDS = CSV_FIELDS[10:]
PRESSURE_RANK = {'overflowed': 0, 'near_limit': 1}  # anything else (ok, no data) ranks after


def stuck_at_baseline(entry):
    """True for a key that drifts and still has the baseline value (the image default).

    A key whose expected value equals its baseline (tcp_syncookies 1) or whose only fault
    is that nothing persists the right value does not count.
    """
    return bool(entry.get('at_baseline')) and entry['status'] == 'drift'


def host_worst(result):
    """The worst status of one host's keys ('ok' when all are)."""
    statuses = [entry['status'] for entry in result.get('sysctl', {}).values()]
    return min(statuses, key=lambda status: STATUS_RANK.get(status, 0)) if statuses else 'ok'


def host_pressure(result):
    """The worst pressure verdict of one host, or None without pressure data."""
    verdicts = (result.get('pressure') or {}).get('verdict') or {}
    return min(verdicts.values(), key=lambda v: PRESSURE_RANK.get(v, 3)) if verdicts else None


def build_report(results, unreachable, failed, profile, baseline_profile, generated, worst_keys=10):
    """Return the report dict.

    ``results``: host -> the audit module's result (``sysctl``, ``summary``,
    ``boot_applier``, ``pressure`` when present); ``unreachable``/``failed``:
    host -> reason. Hosts are ordered worst first: pressure (overflowed, near a
    limit), then status, then number of keys not ok.
    """
    worst_of = dict((host, host_worst(result)) for host, result in results.items())
    pressure_of = dict((host, host_pressure(result)) for host, result in results.items())

    def order(item):
        host, result = item
        not_ok = sum(1 for entry in result.get('sysctl', {}).values() if entry['status'] != 'ok')
        return (PRESSURE_RANK.get(pressure_of[host], 2), STATUS_RANK.get(worst_of[host], 0), -not_ok, host)

    ordered = sorted(results.items(), key=order)
    status_counts = Counter()
    key_counts = {}
    hosts_at_baseline = []
    host_status = {}
    for host, result in ordered:
        entries = result.get('sysctl', {})
        host_status[host] = worst_of[host]
        if any(stuck_at_baseline(entry) for entry in entries.values()):
            hosts_at_baseline.append(host)
        for key, entry in entries.items():
            status_counts[entry['status']] += 1
            counts = key_counts.setdefault(key, Counter())
            counts[entry['status']] += 1
            if stuck_at_baseline(entry):
                counts['at_baseline'] += 1
    worst = []
    for key, c in key_counts.items():
        not_ok = sum(count for status, count in c.items() if status not in ('ok', 'at_baseline'))
        if not_ok:
            item = dict(key=key, not_ok=not_ok, at_baseline=c['at_baseline'])
            item.update((status, c[status]) for status in NOT_OK)
            worst.append(item)
    worst = sorted(worst, key=lambda item: (-item['not_ok'], item['key']))[:worst_keys]
    summary = dict(
        hosts_total=len(results) + len(unreachable) + len(failed),
        hosts_audited=len(results),
        hosts_unreachable=len(unreachable),
        hosts_failed=len(failed),
        hosts_at_baseline=hosts_at_baseline,
        hosts_by_status=dict((status, sum(1 for s in host_status.values() if s == status)) for status in STATUS_ORDER),
        hosts_under_pressure=[host for host, dummy in ordered if pressure_of[host] in ('overflowed', 'near_limit')],
        keys_by_status=dict((status, status_counts[status]) for status in STATUS_ORDER),
        worst_keys=worst,
    )
    return dict(generated=generated, profile=profile, baseline_profile=baseline_profile,
                hosts=dict(ordered), host_order=[host for host, dummy in ordered], host_status=host_status,
                unreachable=dict(sorted(unreachable.items())), failed=dict(sorted(failed.items())), summary=summary)


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def csv_rows(report):
    """Yield one row per host x key (hosts worst first, keys sorted), then one row per host not audited.

    A host not audited has an empty key, its reason in ``boot_source`` and the
    status ``unreachable`` or ``failed``, so a CSV consumer sees it too.
    """
    for host in report['host_order']:
        result = report['hosts'][host]
        verdicts = (result.get('pressure') or {}).get('verdict') or {}
        for key, entry in sorted(result.get('sysctl', {}).items()):
            yield ([host, key] + [_cell(entry.get(field)) for field in _ENTRY_FIELDS]
                   + [verdicts.get(key, '')] + [_cell(entry.get(field)) for field in _LATER_FIELDS])
    for kind in ('unreachable', 'failed'):
        for host, reason in report[kind].items():
            yield [host, '', '', '', _short(reason), '', '', '', kind] + [''] * (len(CSV_FIELDS) - 9)


def write_csv(report, path):
    with open(path, 'w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for row in csv_rows(report):
            writer.writerow(row)


def write_json(report, path):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(report, handle, indent=1, sort_keys=True)
        handle.write('\n')


def _short(text, limit=120):
    first = str(text).strip().split('\n', 1)[0]
    return first if len(first) <= limit else first[:limit - 3] + '...'


def _names(hosts, limit=10):
    if not hosts:
        return ''
    return ' (%s%s)' % (', '.join(hosts[:limit]), ', ...' if len(hosts) > limit else '')


def summary_lines(report):
    """The short summary printed at the end of a run."""
    s = report['summary']
    baseline = report['baseline_profile'] or 'baseline'
    lines = [
        'hosts audited: %d of %d (unreachable: %d, failed: %d)' % (
            s['hosts_audited'], s['hosts_total'], s['hosts_unreachable'], s['hosts_failed']),
        'hosts by worst status: ' + ', '.join('%s %d' % (k, s['hosts_by_status'][k]) for k in STATUS_ORDER),
        'hosts still at %s values: %d%s' % (baseline, len(s['hosts_at_baseline']), _names(s['hosts_at_baseline'])),
        'keys by status: ' + ', '.join('%s %d' % (k, s['keys_by_status'][k]) for k in STATUS_ORDER),
    ]
    if s['hosts_under_pressure']:
        under = s['hosts_under_pressure']
        lines.append('hosts under TIME_WAIT/backlog pressure: %d%s' % (len(under), _names(under)))
    if s['worst_keys']:
        lines.append('keys drifting most: ' + ', '.join(
            '%s (%d host%s)' % (k['key'], k['not_ok'], '' if k['not_ok'] == 1 else 's') for k in s['worst_keys'][:5]))
    for kind in ('unreachable', 'failed'):
        for host, reason in list(report[kind].items())[:10]:
            lines.append('%s: %s: %s' % (kind, host, _short(reason)))
    return lines

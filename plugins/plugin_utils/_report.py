# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet audit report: aggregate per-host audit results, write JSON and CSV (controller side).

Pure functions over plain dicts, so 1,000 hosts x 30 keys aggregate in
well under a second; writers stream row by row to bounded memory.
"""

import contextlib
import csv
import hashlib
import io
import json
import re
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
# "change": what changed since the previous report (a key change of _report_changes.KEY_CHANGES, or
# host_added, newly_unreachable, newly_failed, reachable_again on every row of that host).
CSV_FIELDS = ('host', 'key', 'live', 'boot', 'boot_source', 'expected', 'baseline', 'at_baseline', 'status',
              'pressure', 'error', 'reload', 'reload_source', 'reason', 'change')
_ENTRY_FIELDS = CSV_FIELDS[2:9]
_LATER_FIELDS = CSV_FIELDS[10:14]
PRESSURE_RANK = {'overflowed': 0, 'near_limit': 1}  # anything else (ok, no data) ranks after
# The report's time stamps (UTC), as in "generated".
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
# What the report keeps of a host's audit result.
RESULT_FIELDS = ('sysctl', 'summary', 'boot_applier', 'pressure')
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"), also after
# leading blanks; full-width forms included. A plain number (-1, -0.5) is left as it is.
_FORMULA_START = re.compile('[=+\\-@\uff1d\uff0b\uff0d\uff20\t\r\n]')
_NUMBER = re.compile(r'-?[0-9]+(\.[0-9]+)?\Z')


class MalformedResult(ValueError):
    """A host's result the report cannot use; the message says what is wrong, naming the key."""


def _name(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def host_result(raw):
    """Return what the report keeps of one host's audit result, or raise MalformedResult.

    The result comes from a managed host and is checked as untrusted: ``sysctl``
    must map key names (strings) to entries that are mappings with a string
    ``status``; ``summary`` and ``pressure`` (and ``pressure.verdict``) must be
    mappings when present, the verdicts strings, its numbers within +-2**64 (no NaN
    or infinity). Any other shape names the part
    that is wrong. A status the report does not know is kept (it ranks with the worst).
    """
    if not isinstance(raw, dict):
        raise MalformedResult('the audit result is a %s, not a mapping' % type(raw).__name__)
    entries = raw.get('sysctl')
    if not isinstance(entries, dict):
        raise MalformedResult('sysctl is a %s, not a mapping of keys' % type(entries).__name__)
    for key, entry in entries.items():
        if not isinstance(key, str):
            raise MalformedResult('sysctl has a key that is not a string: %s' % _name(key))
        if not isinstance(entry, dict):
            raise MalformedResult('sysctl entry %s is a %s, not a mapping' % (_name(key), type(entry).__name__))
        if not isinstance(entry.get('status'), str):
            raise MalformedResult('sysctl entry %s has no status string (%s)' % (_name(key), _name(entry.get('status'))))
    for name in ('summary', 'pressure'):
        if raw.get(name) is not None and not isinstance(raw[name], dict):
            raise MalformedResult('%s is a %s, not a mapping' % (name, type(raw[name]).__name__))
    for field, value in sorted((raw.get('pressure') or {}).items(), key=lambda item: str(item[0])):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not (-_PRESSURE_LIMIT < value < _PRESSURE_LIMIT):  # also NaN
            raise MalformedResult('pressure.%s is not a counter: %s' % (field, _name(value)))
    verdict = (raw.get('pressure') or {}).get('verdict')
    if verdict is not None and (not isinstance(verdict, dict)
                                or not all(isinstance(v, str) for v in verdict.values())):
        raise MalformedResult('pressure.verdict is not a mapping of key to verdict string: %s' % _name(verdict))
    return dict((name, raw[name]) for name in RESULT_FIELDS if raw.get(name) is not None)


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
    host_order = [host for host, dummy in ordered]
    return dict(generated=generated, profile=profile, baseline_profile=baseline_profile,
                hosts=dict(ordered), host_order=host_order, host_status=host_status,
                signatures=signatures(ordered, host_status, pressure_of, hosts_at_baseline),
                unreachable=dict(sorted(unreachable.items())), failed=dict(sorted(failed.items())), summary=summary)


def signature_id(result):
    """The signature of a host: a digest of its keys with their statuses and live values."""
    entries = result.get('sysctl', {})
    canonical = json.dumps([[key, entries[key]['status'], entries[key].get('live')] for key in sorted(entries)],
                           sort_keys=True, default=str, separators=(',', ':'))
    return hashlib.sha1(canonical.encode('utf-8', 'surrogatepass')).hexdigest()[:16]


def signatures(ordered, host_status, pressure_of, hosts_at_baseline):
    """Hosts with the same keys, statuses and live values, grouped: one item per signature.

    In the order of their first host (the hosts are ordered worst first), each with
    its hosts in that order, the worst status, the worst pressure verdict of its
    hosts and how many of them still have a baseline value where they drift.
    """
    at_baseline = set(hosts_at_baseline)
    groups = {}
    for host, result in ordered:
        sig = signature_id(result)
        group = groups.get(sig)
        if group is None:
            group = groups[sig] = dict(id=sig, status=host_status[host], hosts=[], pressure=None, at_baseline=0)
        group['hosts'].append(host)
        group['at_baseline'] += host in at_baseline
        if PRESSURE_RANK.get(pressure_of[host], 3) < PRESSURE_RANK.get(group['pressure'], 3):
            group['pressure'] = pressure_of[host]
        elif group['pressure'] is None:
            group['pressure'] = pressure_of[host]
    for group in groups.values():
        group['count'] = len(group['hosts'])
    return list(groups.values())


def neutralise(text):
    """A CSV cell a spreadsheet shows as text: a formula start gets a leading apostrophe (OWASP)."""
    stripped = text.lstrip(' ')
    if stripped and _FORMULA_START.match(stripped) and not _NUMBER.match(stripped):
        return "'" + text
    return text


# A lone surrogate that stands for no byte (surrogateescape stands \udc80-\udcff for the bytes 0x80-0xff): written as
# U+FFFD, as json.dumps escapes it, instead of failing the CSV writer.
_LONE_SURROGATE = re.compile(u'[\ud800-\udc7f\udd00-\udfff]')
# Numbers a host may report in ``pressure``: beyond these they are no counters but a malformed result (a float
# conversion of a larger integer fails).
_PRESSURE_LIMIT = 2 ** 64


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, default=str)
    elif isinstance(value, bool):
        return 'true' if value else 'false'
    else:
        text = str(value)
    return neutralise(_LONE_SURROGATE.sub(u'\ufffd', text))


def _changes_by_row(changes):
    """(host, key) -> key change, and host -> 'host_added', for the CSV's change column."""
    rows = {}
    if changes:
        for item in changes['keys']:
            rows[(item['host'], item['key'])] = item['change']
        for host in changes['hosts_added']:
            rows[host] = 'host_added'
        for kind in ('newly_unreachable', 'newly_failed', 'reachable_again'):
            for host in changes[kind]:
                rows[host] = kind
    return rows


def csv_rows(report):
    """Yield one row per host x key (hosts worst first, keys sorted), then one row per host not audited.

    A host not audited has an empty key, its reason in ``boot_source`` and the
    status ``unreachable`` or ``failed``, so a CSV consumer sees it too. Every
    cell that comes from a host is neutralised against formula injection.
    """
    changes = _changes_by_row(report.get('changes'))
    cache = {}

    def cell(value):  # most cells repeat (statuses, sources, values): neutralise each string once
        if not isinstance(value, str):
            return _cell(value)
        text = cache.get(value)
        if text is None:
            text = _cell(value)
            if len(cache) < 65536:
                cache[value] = text
        return text

    for host in report['host_order']:
        result = report['hosts'][host]
        verdicts = (result.get('pressure') or {}).get('verdict') or {}
        name = _cell(host)
        for key, entry in sorted(result.get('sysctl', {}).items()):
            get = entry.get
            yield ([name, cell(key)] + [cell(get(field)) for field in _ENTRY_FIELDS]
                   + [cell(verdicts.get(key))] + [cell(get(field)) for field in _LATER_FIELDS]
                   + [changes.get((host, key)) or changes.get(host, '')])
    for kind in ('unreachable', 'failed'):
        for host, reason in report[kind].items():
            row = [_cell(host), '', '', '', _cell(_short(reason)), '', '', '', kind] + [''] * (len(CSV_FIELDS) - 9)
            row[-1] = changes.get(host, '')
            yield row


@contextlib.contextmanager
def text_stream(out, newline=None, errors='strict'):
    """``out`` (a binary file, such as the temporary file of _atomic.replace) as UTF-8 text, left open after."""
    text = io.TextIOWrapper(out, encoding='utf-8', errors=errors, newline=newline)
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def write_csv(report, out):
    """Write report.csv to ``out``, a binary file."""
    with text_stream(out, newline='', errors='surrogateescape') as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        writer.writerows(csv_rows(report))


_HOSTS_OPEN = '"hosts":{\n'


def write_json(report, out):
    """Write report.json to ``out``, a binary file: compact, keys sorted, one line per host (jq or python -m
    json.tool show it indented).

    Written host by host, so the whole document never sits in memory as one string,
    and laid out so that read_json can read it back one host at a time.
    """
    def dumps(value):
        return json.dumps(value, sort_keys=True, separators=(',', ':'), default=str)

    with text_stream(out) as handle:
        handle.write('{')
        for index, name in enumerate(sorted(report)):
            handle.write('%s%s:' % (',' if index else '', dumps(name)))
            value = report[name]
            if name != 'hosts' or not isinstance(value, dict):
                handle.write(dumps(value))
                continue
            handle.write('{\n')
            for number, host in enumerate(sorted(value)):
                handle.write('%s%s:%s' % (',\n' if number else '', dumps(host), dumps(value[host])))
            handle.write('\n}')
        handle.write('}\n')


def _slim(result, seen):
    """Of one host's result, keep of each key only its status and live value (each distinct string once)."""
    entries = result.get('sysctl') if isinstance(result, dict) else None
    if not isinstance(entries, dict):
        return result
    slim = {}
    for key, entry in entries.items():
        if isinstance(entry, dict):
            status, live = entry.get('status'), entry.get('live')
            entry = {'status': seen.setdefault(status, status) if isinstance(status, str) else status,
                     'live': seen.setdefault(live, live) if isinstance(live, str) else live}
        slim[key] = entry
    return dict(result, sysctl=slim)


def read_json(handle, slim=False):
    """Read a report.json back; with slim, each key keeps only its status and live value (for a comparison).

    A report as write_json lays it out is read one host per line, so a 100 MiB
    report never sits in memory as one string; any other JSON is read whole.
    """
    seen = {}
    head = handle.readline()
    if head.startswith('{') and head.endswith(_HOSTS_OPEN):
        hosts, tail = {}, None
        for line in handle:
            if line.startswith('}'):
                tail = line
                break
            pair = json.loads('{%s}' % line.rstrip('\n').rstrip(','))
            for host, result in pair.items():
                hosts[host] = _slim(result, seen) if slim else result
        if tail is not None:
            document = json.loads(head[:-len(_HOSTS_OPEN)] + '"hosts":{}' + tail[1:])
            document['hosts'] = hosts
            return document
        handle.seek(0)
        head = ''
    document = json.loads(head + handle.read())
    if slim and isinstance(document, dict) and isinstance(document.get('hosts'), dict):
        document['hosts'] = dict((host, _slim(result, seen)) for host, result in document['hosts'].items())
    return document


def _short(text, limit=120):
    first = str(text).strip().split('\n', 1)[0]
    return first if len(first) <= limit else first[:limit - 3] + '...'


def names_in_brackets(hosts, limit=10):
    """' (a, b, ...)': the first ``limit`` names, for a summary line; '' without names."""
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
        'hosts still at %s values: %d%s' % (baseline, len(s['hosts_at_baseline']), names_in_brackets(s['hosts_at_baseline'])),
        'keys by status: ' + ', '.join('%s %d' % (k, s['keys_by_status'][k]) for k in STATUS_ORDER),
    ]
    if s['hosts_under_pressure']:
        under = s['hosts_under_pressure']
        lines.append('hosts under TIME_WAIT/backlog pressure: %d%s' % (len(under), names_in_brackets(under)))
    if s['worst_keys']:
        lines.append('keys drifting most: ' + ', '.join(
            '%s (%d host%s)' % (k['key'], k['not_ok'], '' if k['not_ok'] == 1 else 's') for k in s['worst_keys'][:5]))
    for kind in ('unreachable', 'failed'):
        for host, reason in list(report[kind].items())[:10]:
            lines.append('%s: %s: %s' % (kind, host, _short(reason)))
    return lines

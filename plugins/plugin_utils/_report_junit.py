# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet audit report as JUnit XML (controller side), so GitLab and Jenkins show the fleet's drift as test results.

``<testsuites>`` holds one ``<testsuite name=HOST>`` per host (the audited hosts
worst first, as ``host_order`` has them, then the unreachable hosts, then the
failed ones) and, in it, one ``<testcase classname="sysctl.HOST" name=KEY>``
per key (dots of the host name become ``_`` in the classname only: Jenkins
splits a classname into package and class at its last dot). Per status:

==============================  =========================================================================
``ok``                          passed
``drift``, ``boot_drift``       ``<failure type=STATUS>``: the key's value, the expectation, what the next
                                boot and the next ``sysctl --system`` apply and from which file:line, and
                                the entry's ``reason``
``missing``                     ``<failure type="missing">``: the expected key does not exist there (with
                                the keys the kernel has instead, when the audit names them)
``undecided``, ``unreadable``   ``<skipped type=STATUS>``: the value cannot be judged (the entry's ``reason``
                                or ``error`` says why); the live value of an undecided key meets it
another status or shape         ``<error type="malformed">`` naming what is wrong with the entry
unreachable host                one test case ``audit`` with ``<failure type="unreachable">``: why
failed host                     one test case ``audit`` with ``<error type="failed">``: why
==============================  =========================================================================

A failure's or skip's ``message`` is one sentence in the phrasing of the
audit's own drift lines (_audit.drift_lines, expectations in the words of
_compare.describe_text); its text repeats it (GitLab shows the text, Jenkins
both), with the values the kernel rejects or a FIFO the appliers block on on a
second line when there are any.

The entries come from managed hosts: every name and value is escaped,
characters XML 1.0 forbids (C0 controls but tab and line breaks, lone
surrogates, U+FFFE, U+FFFF) are written as ``\\xNN`` or ``\\uNNNN``, long
strings are cut, and an entry of the wrong shape becomes an error test case:
the file is always well-formed and valid against Jenkins' junit-10.xsd.
It is written host by host in two passes (the totals come first in the file):
10,000 hosts x 30 keys in about a second, in bounded memory.
"""

import json
import re

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES, describe_text
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import text_stream

# What each status of _compare.STATUSES becomes (None: the test case passes); anything else is an error.
KINDS = {'ok': None, 'drift': 'failure', 'boot_drift': 'failure', 'missing': 'failure',
         'undecided': 'skipped', 'unreadable': 'skipped'}
NAME_LIMIT = 512        # characters of a host or key name
MESSAGE_LIMIT = 4000    # characters of a message
TEXT_LIMIT = 16000      # characters of the facts after it
# Facts of an entry its sentence does not give, on the second line of the text when set (the values the kernel
# rejects, a FIFO the appliers block on); then fields of other names (at most EXTRA_FIELDS). The JSON, CSV and
# HTML reports have the rest (kernel_default, baseline, checked_by).
DETAIL_FIELDS = ('rejected', 'blocked')
EXTRA_FIELDS = 20
# Every field of an audit entry (plugins/modules/audit.py RETURN).
_KNOWN_FIELDS = frozenset(('status', 'live', 'expected', 'boot', 'boot_source', 'reload', 'reload_source', 'reason',
                           'undecided', 'error', 'at_baseline', 'kernel_default', 'baseline', 'checked_by')
                          + DETAIL_FIELDS)
_EXPECTATION_FIELDS = frozenset(('min', 'max', 'one_of'))
_INVALID = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_CACHE_SIZE = 4096


def _visible(match):
    code = ord(match.group())
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code


def _show(value):
    """A value that is not a string as the JSON report shows it (null, true, 5, ["a"], {"min": 1})."""
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):  # keys of mixed types, nesting too deep
        try:
            return json.dumps(value, default=str)
        except (TypeError, ValueError, RecursionError):
            return '(a %s that cannot be shown)' % type(value).__name__


def _str(value):
    return value if isinstance(value, str) else _show(value)


def _clean(value, limit):
    """Any value as a string of about ``limit`` characters at most, of characters XML 1.0 allows (not escaped)."""
    if not isinstance(value, str):
        value = _show(value)
    if len(value) > limit:
        value = '%s ... (%d more characters)' % (value[:limit], len(value) - limit)
    if value.isprintable():  # the fast path: no control character, surrogate or non-character (Cc, Cs, Cn)
        return value
    return _INVALID.sub(_visible, value)


def _attr(text):
    """A clean string (_clean) escaped for an attribute value in double quotes (or element text)."""
    text = text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')
    if '\n' in text or '\r' in text or '\t' in text:
        text = text.replace('\n', '&#10;').replace('\r', '&#13;').replace('\t', '&#9;')
    return text


def _escape(text):
    """A clean string (_clean) escaped for element text."""
    text = text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    return text.replace('\r', '&#13;') if '\r' in text else text


def _name(value):
    return _attr(_clean(value, NAME_LIMIT))


def expected_words(expected):
    """An expectation in words (``>= 262144``, ``one of 0, 1``) by _compare.describe_text, whatever its shape."""
    if isinstance(expected, str):
        return expected
    if isinstance(expected, dict) and expected and not set(expected) - _EXPECTATION_FIELDS:
        try:
            return describe_text(expected)
        except (TypeError, ValueError, RecursionError):  # a tuple for min, one_of of numbers, a huge integer
            pass
    return _show(expected)


def explain(key, entry, baseline_name=None):
    """One sentence on a key that is not ok (``entry`` a dict whose status is one of _compare.STATUSES).

    It starts as _audit.drift_lines words it (the value, the expectation,
    the status, the reason for boot_drift and undecided, the error of an
    unreadable key); drift and boot_drift go on with the entry's reason and
    what the next boot and the next ``sysctl --system`` apply, from which
    file:line; missing with its reason (the keys the kernel has instead).
    Not yet clean: pass the result through _clean.
    """
    get = entry.get
    status = get('status')
    expected = get('expected')
    if not isinstance(expected, str):
        expected = expected_words(expected)  # a string as it is
    if status == 'unreadable':
        return '%s cannot be read, expected %s: unreadable (%s)' % (key, expected, _str(get('error')))
    live = get('live')
    live = 'absent' if live is None else _str(live)
    reason = get('reason')
    reason = _str(reason) if reason else None
    text = '%s is %s, expected %s: %s' % (key, live, expected, status)
    if status == 'drift':
        if get('at_baseline'):
            text += ', still at %s' % (baseline_name or 'the baseline')
    elif reason and (status == 'boot_drift' or status == 'undecided'):
        text += ', ' + reason
    if status == 'undecided':
        return text
    if reason and status != 'boot_drift' and reason not in text:
        text += '; ' + reason
    if status == 'missing':
        return text
    boot = get('boot')
    if boot is not None:
        clause = 'the next boot applies %s from %s' % (_str(boot), _str(get('boot_source') or 'a file'))
    else:
        clause = None if reason else 'the next boot applies nothing (the kernel default stays)'
    if clause and clause not in text:
        text += '; ' + clause
    reload = get('reload')
    if reload is not None:
        clause = 'the next sysctl --system applies %s from %s' % (_str(reload), _str(get('reload_source') or 'a file'))
    else:
        clause = 'the next sysctl --system leaves it as it is'
    return text if clause in text else text + '; ' + clause


def _details(entry):
    """The facts of an entry its sentence does not give, on one line ('' when there are none); not yet clean."""
    facts = ['%s: %s' % (name, _str(value))
             for name, value in zip(DETAIL_FIELDS, map(entry.get, DETAIL_FIELDS)) if value]
    extra = sorted((name for name in entry if name not in _KNOWN_FIELDS), key=_sort_name)
    facts.extend('%s: %s' % (_clean(name, NAME_LIMIT), _clean(entry[name], TEXT_LIMIT)) for name in extra[:EXTRA_FIELDS])
    if len(extra) > EXTRA_FIELDS:
        facts.append('%d more fields' % (len(extra) - EXTRA_FIELDS))
    return '; '.join(facts)


def _sort_name(name):
    return name if isinstance(name, str) else str(name)


def _sort_item(item):
    return _sort_name(item[0])


def _status_kind(entry):
    """(kind, type) of one entry: kind None (passed), failure, skipped, or error (type malformed)."""
    if isinstance(entry, dict):
        status = entry.get('status')
        if isinstance(status, str) and status in KINDS:
            return KINDS[status], status
    return 'error', 'malformed'


def _malformed(key, entry):
    """(message, text): why an entry cannot be judged, in words, and the entry as JSON; clean."""
    if not isinstance(entry, dict):
        why = 'the audit entry of %s is a %s, not a mapping' % (key, type(entry).__name__)
    elif entry.get('status') is None:
        why = 'the audit entry of %s has no status' % key
    else:
        why = 'the audit entry of %s has the status %s, none of %s' % (
            key, _clean(entry['status'], NAME_LIMIT), ', '.join(STATUSES))
    return why, _clean(entry, TEXT_LIMIT)


def _case(classname, name, kind, type_, message, text):
    """A test case with a failure, skip or error; ``message`` and ``text`` clean (_clean), not escaped.

    The text is the message, then ``text`` on the next line when there is one.
    """
    message = _attr(message)
    return '<testcase classname="%s" name="%s" time="0"><%s type="%s" message="%s">%s%s</%s></testcase>\n' % (
        classname, name, kind, type_, message, message, '\n' + _escape(text) if text else '', kind)


def _first_line(text):
    """(first line, the rest) of a text."""
    parts = text.split('\n', 1)
    return parts[0], parts[1] if len(parts) > 1 else ''


def _lookup(mapping, key):
    try:
        return mapping.get(key)
    except TypeError:  # an unhashable host name
        return None


def _audited(report):
    """(host, result) of the audited hosts: host_order first, then any host it leaves out, by name."""
    hosts = report.get('hosts')
    hosts = hosts if isinstance(hosts, dict) else {}
    order = report.get('host_order')
    order = list(order) if isinstance(order, (list, tuple)) else []
    listed = set()
    for host in order:
        try:
            listed.add(host)
        except TypeError:  # unhashable: in no dict either
            pass
    pairs = [(host, _lookup(hosts, host)) for host in order]
    pairs.extend(sorted(((host, result) for host, result in hosts.items() if host not in listed), key=_sort_item))
    return pairs


def _not_audited(hosts):
    """(host, reason) pairs of report['unreachable'] or report['failed'], whatever their shape."""
    if isinstance(hosts, dict):
        return list(hosts.items())
    if isinstance(hosts, (list, tuple)):
        return [(host, None) for host in hosts]
    return []


def _suites(report):
    """(host, kind, data) per suite in the order of the file: audited (data: result), unreachable, failed (why)."""
    suites = [(host, 'audited', result) for host, result in _audited(report)]
    for kind in ('unreachable', 'failed'):
        suites.extend((host, kind, reason) for host, reason in _not_audited(report.get(kind)))
    return suites


def _sysctl(kind, data):
    """The entries of an audited host (a dict), or why there are none (a string: an error test case)."""
    if kind != 'audited':
        return 'audit failed: ' + (_clean(data, TEXT_LIMIT) if data is not None and data != '' else 'no reason given')
    if not isinstance(data, dict):
        return 'the audit result is a %s, not a mapping' % type(data).__name__
    entries = data.get('sysctl', {})
    if not isinstance(entries, dict):
        return 'its sysctl results are a %s, not a mapping' % type(entries).__name__
    return entries


def _counts(kind, data):
    """(tests, failures, errors, skipped) of one suite."""
    if kind == 'unreachable':
        return 1, 1, 0, 0
    entries = _sysctl(kind, data)
    if not isinstance(entries, dict):
        return 1, 0, 1, 0
    counts = {None: 0, 'failure': 0, 'error': 0, 'skipped': 0}
    for entry in entries.values():
        counts[_status_kind(entry)[0]] += 1
    return len(entries), counts['failure'], counts['error'], counts['skipped']


def _pressure(result):
    """The worst pressure verdict of a host (as _report.host_pressure), or None, whatever the result's shape."""
    pressure = result.get('pressure')
    verdicts = pressure.get('verdict') if isinstance(pressure, dict) else None
    if not isinstance(verdicts, dict):
        return None
    values = set(verdict for verdict in verdicts.values() if isinstance(verdict, str))
    for verdict in ('overflowed', 'near_limit', 'ok'):
        if verdict in values:
            return verdict
    return None


def _property(name, value):
    return '<property name="%s" value="%s"/>' % (name, _name(value))


class _Writer:
    """The suites of one report; key names are escaped once per report (a bounded cache)."""

    def __init__(self, report):
        baseline = report.get('baseline_profile')
        self.baseline_name = _clean(baseline, NAME_LIMIT) if baseline else None
        self.timestamp = _name(report.get('generated') or '')
        self.properties = ''.join(_property(name, report[name]) for name in ('profile', 'baseline_profile')
                                  if report.get(name) is not None)
        self.names = {}

    def key_names(self, key):
        """(clean, escaped) name of a key."""
        try:
            return self.names[key]
        except KeyError:
            pass
        clean = _clean(key, NAME_LIMIT)
        if len(self.names) >= _CACHE_SIZE:
            self.names.clear()
        self.names[key] = names = (clean, _attr(clean))
        return names

    def cases(self, classname, kind, data):
        """The test cases of one suite, as strings."""
        if kind == 'unreachable':
            why = 'host unreachable: ' + (_clean(data, TEXT_LIMIT) if data is not None and data != ''
                                          else 'no reason given')
            return [_case(classname, 'audit', 'failure', 'unreachable', *_first_line(why))]
        entries = _sysctl(kind, data)
        if not isinstance(entries, dict):
            return [_case(classname, 'audit', 'error', 'failed' if kind == 'failed' else 'malformed',
                          *_first_line(entries))]
        out = []
        baseline_name = self.baseline_name
        for key, entry in sorted(entries.items(), key=_sort_item):
            clean, name = self.key_names(key)
            status = entry.get('status') if isinstance(entry, dict) else None
            kind = KINDS.get(status, 'error') if isinstance(status, str) else 'error'
            if kind is None:
                out.append('<testcase classname="%s" name="%s" time="0"/>\n' % (classname, name))
            elif kind == 'error':
                out.append(_case(classname, name, 'error', 'malformed', *_malformed(clean, entry)))
            else:
                details = (_clean(_details(entry), TEXT_LIMIT) if entry.get('rejected') or entry.get('blocked')
                           or not _KNOWN_FIELDS.issuperset(entry) else '')
                out.append(_case(classname, name, kind, status,
                                 _clean(explain(clean, entry, baseline_name), MESSAGE_LIMIT), details))
        return out

    def suite(self, host, kind, data, counts):
        """One host's testsuite element, as a string."""
        clean = _clean(host, NAME_LIMIT)
        name = _attr(clean)
        properties = self.properties
        if kind == 'audited' and isinstance(data, dict):
            if data.get('boot_applier') is not None:
                properties += _property('boot_applier', data['boot_applier'])
            pressure = _pressure(data)
            if pressure:
                properties += _property('pressure', pressure)
        parts = ['<testsuite name="%s" tests="%d" failures="%d" errors="%d" skipped="%d" time="0" timestamp="%s" '
                 'hostname="%s">' % ((name,) + counts + (self.timestamp, name)),
                 '<properties>%s</properties>\n' % properties if properties else '\n']
        parts.extend(self.cases(_attr('sysctl.' + clean.replace('.', '_')), kind, data))
        parts.append('</testsuite>\n')
        return ''.join(parts)


def write_junit(report, out):
    """Write the report (the dict of _report.build_report) as JUnit XML to ``out`` (a binary file), host by host.

    A first pass counts the test cases (``<testsuites>`` carries the
    totals); the second writes one host's suite at a time.
    """
    suites = _suites(report)
    counts = [_counts(kind, data) for dummy, kind, data in suites]
    profile = report.get('profile')
    title = 'kerneltune.sysctl audit' + (' (profile %s)' % _clean(profile, NAME_LIMIT) if profile else '')
    writer = _Writer(report)
    with text_stream(out, newline='\n') as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="%s" tests="%d" failures="%d" '
                     'errors="%d" time="0">\n' % (_attr(title), sum(c[0] for c in counts), sum(c[1] for c in counts),
                                                  sum(c[2] for c in counts)))
        for (host, kind, data), suite_counts in zip(suites, counts):
            handle.write(writer.suite(host, kind, data, suite_counts))
        handle.write('</testsuites>\n')

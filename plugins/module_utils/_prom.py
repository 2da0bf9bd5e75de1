# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit results in the Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector.

Pure functions. One host's audit result (the audit module's ``sysctl`` and
``pressure``) becomes samples of the families of FAMILIES; ``exposition``
yields the lines of many hosts (the fleet file, label ``host``) or of one
(its own textfile, no ``host`` label: the scrape's ``instance`` names it),
grouped by family, each family's ``# HELP`` and ``# TYPE`` once before its
first sample (the format wants a family's samples together).

The data comes from managed hosts and is untrusted. Label values are escaped
as the format says (backslash, double quote, line feed); a key or host name
that is not a string or not encodable as UTF-8 (a lone surrogate) leaves its
samples out; a value is a sample only when it is a real int or float (never a
bool), finite, or a string holding one decimal integer; a counter is also not
negative. Null counters are left out, never written as NaN. Anything
malformed (a list where a dict belongs) is skipped, never an error.
"""

import math
import re

from ansible_collections.kerneltune.sysctl.plugins.module_utils._pressure import SOMAXCONN_KEY, SYN_KEY, TW_KEY

TEXTFILE_NAME = 'kerneltune_sysctl.prom'
HOST_STATES = ('audited', 'unreachable', 'failed')

# A live value that is one decimal integer (the kernel prints ULONG_MAX with 20 digits; longer text is no integer
# of a sysctl key, and is not handed to int()); up to 18 digits it is written as it is (leading zeros and -0 are
# valid sample values), longer as the float a parser reads.
_INTEGER_TEXT = re.compile(r'-?[0-9]{1,24}\Z')
_SHORT_INTEGER_TEXT = re.compile(r'(-?)[0-9]{1,18}\Z')
_EXACT_INT = 10 ** 18  # ints written digit for digit below this; above, as floats

# pressure field -> (metric, governing key, type)
PRESSURE_METRICS = (
    ('tw_overflows', 'kerneltune_sysctl_tcp_time_wait_overflow_total', TW_KEY, 'counter'),
    ('listen_overflows', 'kerneltune_sysctl_listen_overflows_total', SOMAXCONN_KEY, 'counter'),
    ('listen_drops', 'kerneltune_sysctl_listen_drops_total', SOMAXCONN_KEY, 'counter'),
    ('req_q_full_drops', 'kerneltune_sysctl_req_q_full_drops_total', SYN_KEY, 'counter'),
    ('syncookies_sent', 'kerneltune_sysctl_syncookies_sent_total', SYN_KEY, 'counter'),
    ('time_wait', 'kerneltune_sysctl_time_wait_sockets', TW_KEY, 'gauge'),
    ('tw_usage', 'kerneltune_sysctl_time_wait_usage_ratio', TW_KEY, 'gauge'),
)
_PRESSURE_HELP = {
    'tw_overflows': 'TcpExt TCPTimeWaitOverflow since boot: TIME_WAIT sockets destroyed at once for want of a bucket '
                    '(net.ipv4.tcp_max_tw_buckets).',
    'listen_overflows': 'TcpExt ListenOverflows since boot: connections dropped with the accept queue full '
                        '(net.core.somaxconn).',
    'listen_drops': 'TcpExt ListenDrops since boot.',
    'req_q_full_drops': 'TcpExt TCPReqQFullDrop since boot: SYNs dropped with the SYN queue full '
                        '(net.ipv4.tcp_max_syn_backlog).',
    'syncookies_sent': 'TcpExt SyncookiesSent since boot: SYN cookies sent because the SYN queue was full.',
    'time_wait': 'Sockets in TIME_WAIT at the audit (sockstat tw).',
    'tw_usage': 'TIME_WAIT sockets divided by net.ipv4.tcp_max_tw_buckets at the audit.',
}
HOST_STATE = 'kerneltune_sysctl_host_state'
KEY_STATUS = 'kerneltune_sysctl_key_status'
LIVE_VALUE = 'kerneltune_sysctl_live_value'
AT_BASELINE = 'kerneltune_sysctl_at_baseline'
PRESSURE_VERDICT = 'kerneltune_sysctl_pressure_verdict'
REPORT_TIMESTAMP = 'kerneltune_sysctl_report_timestamp_seconds'


def escape(text):
    """The label value of ``text`` as the exposition format writes it between double quotes, or None.

    None for anything but a string, and for a string that is not valid
    Unicode (a lone surrogate cannot be written as UTF-8).
    """
    if not isinstance(text, str):
        return None
    try:
        text.encode('utf-8')
    except UnicodeError:
        return None
    return str(text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n'))


def number(value, counter=False):
    """The sample value text of ``value``, or None when it is none.

    A real int or float (not a bool), finite, or a string of one decimal
    integer; a counter is also not negative.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = str(value.strip(' \t\n'))
        short = _SHORT_INTEGER_TEXT.match(text)
        if short:
            return None if counter and short.group(1) else text
        if not _INTEGER_TEXT.match(text):
            return None
        value = int(text)
    if isinstance(value, int):
        if counter and value < 0:
            return None
        if -_EXACT_INT < value < _EXACT_INT:
            return '%d' % value
        try:
            value = float(value)
        except OverflowError:
            return None
    if not isinstance(value, float) or math.isinf(value) or math.isnan(value) or (counter and value < 0):
        return None
    return repr(float(value))


class _Cache(object):
    """Label values and live values, each checked once per rendering (30 keys repeat on 10,000 hosts).

    Each table keeps its first _CACHED texts: values unique to a host (a
    counter, a host name) are checked each time instead of kept.
    """

    def __init__(self):
        self.labels = {}  # text -> escape(text)
        self.numbers = {}  # live value text -> number(text)

    def label(self, text):
        """escape(text), remembered."""
        if not isinstance(text, str):
            return None
        value = self.labels.get(text, _UNSEEN)
        if value is _UNSEEN:
            value = escape(text)
            if len(self.labels) < _CACHED:
                self.labels[text] = value
        return value


_UNSEEN = object()
_CACHED = 4096


def _mapping(value):
    return value if isinstance(value, dict) else {}


def _entries(result, cache):
    """[(key, status, live, at_baseline)] of ``result['sysctl']``, each checked, keys sorted.

    ``key`` and ``status`` are escaped label values (``status`` None when it is
    none), ``live`` the sample value text or None (the module returns text, as
    the kernel prints it), ``at_baseline`` '1', '0' or None. An entry with a bad key
    or that is no dict is left out. The hot loop of a fleet: the caches are
    read inline.
    """
    sysctl = _mapping(_mapping(result).get('sysctl'))
    labels, numbers, label_of, short = cache.labels, cache.numbers, cache.label, _SHORT_INTEGER_TEXT.match
    found = []
    try:
        keys = sorted(sysctl)  # names of other types are left out below (label_of gives them no label)
    except TypeError:
        keys = sorted(key for key in sysctl if isinstance(key, str))
    for key in keys:
        entry = sysctl[key]
        label = labels.get(key, _UNSEEN)
        if label is _UNSEEN:
            label = label_of(key)
        if label is None or not isinstance(entry, dict):
            continue
        status = entry.get('status')
        if isinstance(status, str):
            status = labels.get(status, _UNSEEN)
            if status is _UNSEEN:
                status = label_of(entry['status'])
        else:
            status = None
        live = entry.get('live')
        if live.__class__ is str and short(live):
            pass  # one integer as the module returns it (number() would give it back as it is)
        elif isinstance(live, str):
            text = live
            live = numbers.get(text, _UNSEEN)
            if live is _UNSEEN:
                live = number(text)
                if len(numbers) < _CACHED:
                    numbers[text] = live
        else:
            live = None
        at_baseline = entry.get('at_baseline')
        found.append((label, status, live, '1' if at_baseline is True else '0' if at_baseline is False else None))
    return found


# Each takes (metric, host label prefix, state, result, entries, cache) of one host and returns its sample lines.

def _host_state(name, prefix, state, result, entries, cache):
    return ['%s{%sstate="%s"} 1\n' % (name, prefix, state)] if state in HOST_STATES else []


def _key_status(name, prefix, state, result, entries, cache):
    return ['%s{%skey="%s",status="%s"} 1\n' % (name, prefix, key, status)
            for key, status, live, at_baseline in entries if status is not None]


def _live_value(name, prefix, state, result, entries, cache):
    return ['%s{%skey="%s"} %s\n' % (name, prefix, key, live)
            for key, status, live, at_baseline in entries if live is not None]


def _at_baseline(name, prefix, state, result, entries, cache):
    return ['%s{%skey="%s"} %s\n' % (name, prefix, key, at_baseline)
            for key, status, live, at_baseline in entries if at_baseline is not None]


def _pressure_metric(field, key, counter):
    def lines(name, prefix, state, result, entries, cache):
        value = number(_mapping(_mapping(result).get('pressure')).get(field), counter=counter)
        return [] if value is None else ['%s{%skey="%s"} %s\n' % (name, prefix, key, value)]
    return lines


def _pressure_verdict(name, prefix, state, result, entries, cache):
    verdicts = _mapping(_mapping(_mapping(result).get('pressure')).get('verdict'))
    lines = []
    for key in sorted(key for key in verdicts if isinstance(key, str)):
        label, verdict = cache.label(key), cache.label(verdicts[key])
        if label is not None and verdict is not None:
            lines.append('%s{%skey="%s",verdict="%s"} 1\n' % (name, prefix, label, verdict))
    return lines


# (metric, type, help, lines of one host), in the order written
FAMILIES = (
    (HOST_STATE, 'gauge', 'The host at the audit: 1 for its state, audited, unreachable or failed.', _host_state),
    (KEY_STATUS, 'gauge', '1 for the status of the sysctl key: ok, drift, boot_drift, undecided, unreadable or '
                          'missing. Alert on {status!="ok"}.', _key_status),
    (LIVE_VALUE, 'gauge', 'The live value of a sysctl key that holds one integer.', _live_value),
    (AT_BASELINE, 'gauge', '1 when the live value of the sysctl key still equals the baseline (the image default), '
                           'else 0.', _at_baseline),
) + tuple((metric, kind, _PRESSURE_HELP[field], _pressure_metric(field, key, kind == 'counter'))
          for field, metric, key, kind in PRESSURE_METRICS) + (
    (PRESSURE_VERDICT, 'gauge', '1 for the pressure verdict of the governing sysctl key: ok, near_limit (TIME_WAIT '
                                'above 80 % of the limit, or SYN cookies sent) or overflowed (its counter moved).',
     _pressure_verdict),
)
REPORT_TIMESTAMP_HELP = 'When the fleet report was generated, in seconds since the epoch.'


def exposition(hosts, generated=None):
    """Yield the exposition text in pieces of whole lines (a family's header, or one host's samples of a family).

    ``hosts``: a sequence of ``(host, state, result)``; ``host`` None for a
    host's own file (no ``host`` label), else the host's name; ``state`` one
    of HOST_STATES; ``result`` the audit module's result (``sysctl``,
    ``pressure``) or None. A host whose name is no label value, and a host
    named a second time (or a second None), are left out. ``generated``:
    seconds since the epoch, written as REPORT_TIMESTAMP (the fleet file only;
    a host's own file keeps no time, so that a rerun with equal values writes
    equal text).
    """
    cache = _Cache()
    prepared = []
    seen = set()
    for host, state, result in hosts:
        label = None if host is None else cache.label(host)
        if (host is not None and label is None) or label in seen:
            continue
        seen.add(label)  # None: the one host of its own file
        prefix = '' if label is None else 'host="%s",' % label
        prepared.append((prefix, state, result, _entries(result, cache)))
    for name, kind, text, lines_of in FAMILIES:
        header = '# HELP %s %s\n# TYPE %s %s\n' % (name, text, name, kind)
        for prefix, state, result, entries in prepared:
            lines = lines_of(name, prefix, state, result, entries, cache)
            if lines:
                if header:
                    yield header
                    header = None
                yield ''.join(lines)
    stamp = number(generated)
    if stamp is not None:
        yield '# HELP %s %s\n# TYPE %s gauge\n%s %s\n' % (REPORT_TIMESTAMP, REPORT_TIMESTAMP_HELP, REPORT_TIMESTAMP,
                                                          REPORT_TIMESTAMP, stamp)


def host_text(result):
    """The text of one host's own file (no ``host`` label, no time): equal results give equal text."""
    return ''.join(exposition([(None, 'audited', result)]))

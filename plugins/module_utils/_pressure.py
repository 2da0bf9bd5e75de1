# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TIME_WAIT and backlog pressure: the kernel counters next to the limits that govern them.

Modern kernels no longer log "time wait bucket table overflow"; the TcpExt
counters of /proc/net/netstat are the only evidence. Counters are read by
name (each header line paired with its value line); a counter the kernel
lacks is None, never an error.
"""

NEAR_LIMIT = 0.8
TW_KEY = 'net.ipv4.tcp_max_tw_buckets'
SYN_KEY = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN_KEY = 'net.core.somaxconn'
PRESSURE_KEYS = (TW_KEY, SYN_KEY, SOMAXCONN_KEY)
# result field -> TcpExt counter name
TCPEXT_COUNTERS = (
    ('tw_overflows', 'TCPTimeWaitOverflow'),
    ('listen_overflows', 'ListenOverflows'),
    ('listen_drops', 'ListenDrops'),
    ('req_q_full_drops', 'TCPReqQFullDrop'),
    ('syncookies_sent', 'SyncookiesSent'),
)


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _named_lines(text):
    """Yield ``(name, fields)`` for each ``Name: field field ...`` line."""
    for line in text.split('\n'):
        name, sep, rest = line.partition(':')
        if sep:
            yield name.strip(), rest.split()


def parse_netstat(text):
    """Return ``{section: {counter: int}}`` from /proc/net/netstat (or /proc/net/snmp) text."""
    sections = {}
    pending = {}
    for name, fields in _named_lines(text):
        if name in pending:
            header = pending.pop(name)
            sections[name] = dict((h, v) for h, v in zip(header, (_int(f) for f in fields)) if v is not None)
        else:
            pending[name] = fields
    return sections


def parse_sockstat(text):
    """Return ``{protocol: {field: int}}`` from /proc/net/sockstat text (``TCP: inuse 5 orphan 0 tw 2 ...``)."""
    result = {}
    for name, fields in _named_lines(text):
        result[name] = dict((fields[i], _int(fields[i + 1])) for i in range(0, len(fields) - 1, 2))
    return result


def pressure(sockstat_text, netstat_text, limits):
    """Return the pressure dict for one network namespace.

    ``limits`` maps PRESSURE_KEYS to their live values (strings or None).
    """
    tcp = parse_sockstat(sockstat_text).get('TCP', {})
    tcpext = parse_netstat(netstat_text).get('TcpExt', {})
    result = dict((field, tcpext.get(counter)) for field, counter in TCPEXT_COUNTERS)
    result['time_wait'] = tcp.get('tw')
    result['tw_buckets'] = _int(limits.get(TW_KEY))
    result['somaxconn'] = _int(limits.get(SOMAXCONN_KEY))
    result['tcp_max_syn_backlog'] = _int(limits.get(SYN_KEY))
    usage = None
    if result['time_wait'] is not None and result['tw_buckets']:
        usage = float(result['time_wait']) / result['tw_buckets']
    result['tw_usage'] = None if usage is None else round(usage, 4)
    result['verdict'] = {
        TW_KEY: _verdict(result['tw_overflows'], usage is not None and usage > NEAR_LIMIT),
        SYN_KEY: _verdict(result['req_q_full_drops'], bool(result['syncookies_sent'])),
        SOMAXCONN_KEY: _verdict(result['listen_overflows'], False),
    }
    return result


def _verdict(overflow_counter, near):
    if overflow_counter:
        return 'overflowed'
    return 'near_limit' if near else 'ok'

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as report.prom: the Prometheus text exposition format, for a textfile collector (controller side).

Every host of the report is one value of the label ``host``: audited hosts
(worst first, as in the report) with their keys and pressure counters, then
the unreachable and the failed ones with their state only, so a dashboard
sees them. The samples are those of module_utils/_prom.py; the file streams
family by family: the text is never held, only a checked tuple per host and
key (about 90 bytes; 10,000 hosts x 30 keys write 80 to 100 MB in 0.7 s).
"""

import calendar
import time

from ansible_collections.kerneltune.sysctl.plugins.module_utils._prom import exposition
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import TIME_FORMAT

GENERATED_FORMAT = TIME_FORMAT  # report['generated'], as the action plugin writes it


def generated_seconds(text):
    """Seconds since the epoch of the report's ``generated`` time (UTC), or None when it is not one."""
    try:
        return calendar.timegm(time.strptime(text, GENERATED_FORMAT))
    except (TypeError, ValueError):
        return None


def fleet_hosts(report):
    """``(host, state, result)`` for each host of the report: audited (report order), unreachable, failed."""
    hosts = report.get('hosts') or {}
    order = report.get('host_order') or list(hosts)
    items = [(host, 'audited', hosts.get(host)) for host in order]
    for state in ('unreachable', 'failed'):
        items.extend((host, state, None) for host in (report.get(state) or {}))
    return items


def prom_chunks(report):
    """The text of report.prom, in pieces of whole lines."""
    return exposition(fleet_hosts(report), generated_seconds(report.get('generated')))


def write_prom(report, out):
    """Write report.prom to ``out``, a binary file (UTF-8: every label value was checked to encode)."""
    for chunk in prom_chunks(report):
        out.write(chunk.encode('utf-8'))

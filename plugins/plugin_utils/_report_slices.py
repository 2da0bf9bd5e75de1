# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sliced audits (AWX job slicing, --limit splits): each slice's partial report, and their merge.

A slice is named after the hosts of its play, so slices never overwrite each
other and a slice run again replaces its own earlier file. The merge reads the
slice reports back as untrusted data and returns what build_report takes, so a
merged report equals the report of one run over the same hosts.
"""

import datetime
import hashlib
import re

from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import TIME_FORMAT, MalformedResult, host_result

SLICE_FILE = re.compile(r'slice-[0-9a-f]{16}\.json\Z')


class SliceError(ValueError):
    """Slice reports that cannot be merged; the message names the file."""


def slice_name(hosts):
    """The file name of the slice of these hosts: slice-<digest of the sorted host names>.json."""
    digest = hashlib.sha1('\n'.join(sorted(hosts)).encode('utf-8', 'surrogatepass')).hexdigest()[:16]
    return 'slice-%s.json' % digest


def merge(documents):
    """Merge slice reports: documents is a list of (file name, parsed JSON).

    Returns dict(results, unreachable, failed, profile, baseline_profile, slices)
    for build_report. A host in several slices takes its newest result (by the
    slice's ``generated``; the file name breaks a tie). A malformed host result
    makes that host failed, naming the slice. Raises SliceError for a file that is
    no report, or slices audited against different profiles.
    """
    results, unreachable, failed, origin = {}, {}, {}, {}
    profiles = {}
    ordered = []
    for name, document in documents:
        if not isinstance(document, dict) or not isinstance(document.get('hosts'), dict):
            raise SliceError('%s is not a slice report of kerneltune.sysctl.audit_report' % name)
        for field in ('profile', 'baseline_profile'):
            if not isinstance(document.get(field), (str, type(None))):
                raise SliceError('%s is not a slice report of kerneltune.sysctl.audit_report: its %s is %s, not a '
                                 'profile name' % (name, field, type(document[field]).__name__))
        generated = document.get('generated')
        ordered.append((generated if isinstance(generated, str) else '', name, document))
    for generated, name, document in sorted(ordered, key=lambda item: (item[0], item[1])):
        profiles.setdefault((document.get('profile'), document.get('baseline_profile')), []).append(name)
        for host, raw in document['hosts'].items():
            for kind in (results, unreachable, failed):
                kind.pop(host, None)
            try:
                results[host] = host_result(raw)
            except MalformedResult as exc:
                failed[host] = 'malformed audit result in %s: %s' % (name, exc)
            origin[host] = name
        for kind, target in (('unreachable', unreachable), ('failed', failed)):
            hosts = document.get(kind)
            if not isinstance(hosts, dict):
                continue
            for host, reason in hosts.items():
                host = str(host)
                for other in (results, unreachable, failed):
                    other.pop(host, None)
                target[host] = str(reason)
                origin[host] = name
    if len(profiles) > 1:
        raise SliceError('the slices were audited against different profiles: %s' % '; '.join(
            '%s/%s in %s' % (profile, baseline, ', '.join(names)) for (profile, baseline), names in sorted(
                profiles.items(), key=lambda item: str(item[0]))))
    profile, baseline = next(iter(profiles)) if profiles else (None, None)
    return dict(results=results, unreachable=unreachable, failed=failed, profile=profile, baseline_profile=baseline,
                slices=sorted(name for dummy, name, dummy2 in ordered),
                made=sorted(generated for generated, dummy, dummy2 in ordered if generated))


def made_line(count, made, spread_hours):
    """The merge in words, and whether its slices were made further apart than spread_hours (stale slices)."""
    if not made:
        return 'merged %d slice report%s' % (count, '' if count == 1 else 's'), False
    first, last = made[0], made[-1]
    when = 'at ' + first if first == last else 'between %s and %s' % (first, last)
    line = 'merged %d slice report%s made %s' % (count, '' if count == 1 else 's', when)
    try:
        spread = (datetime.datetime.strptime(last, TIME_FORMAT) - datetime.datetime.strptime(first, TIME_FORMAT))
    except ValueError:
        return line, False
    return line, spread.total_seconds() > spread_hours * 3600

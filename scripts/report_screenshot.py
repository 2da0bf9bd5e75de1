# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render docs/report-screenshot.png: the HTML fleet report of a synthetic fleet, in headless Chromium.

Usage, after ". scripts/setup.sh" (Debian: apt-get install chromium):
    python scripts/report_screenshot.py [OUTPUT.png] [--html REPORT.html]
Five audited hosts x 8 keys (all drift at the Alibaba baseline, ok, boot_drift,
missing, TIME_WAIT pressure; two of them alike, one grid row), one unreachable and
one failed host, and the changes since a report of the day before.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
except ImportError:  # not sourced setup.sh: use the link it creates
    sys.path.insert(0, os.path.join(ROOT, '.build', 'collections'))
    from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import compare  # noqa: E402
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import render_html  # noqa: E402

CHROMIUM_FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--hide-scrollbars', '--force-device-scale-factor=1')

# key -> (expected, Alibaba baseline, value that meets the expectation)
KEYS = {
    'net.core.netdev_max_backlog': ({'min': 16384}, None, '16384'),
    'net.core.somaxconn': ({'min': 8192}, None, '8192'),
    'net.ipv4.ip_local_port_range': ('10240 65000', None, '10240\t65000'),
    'net.ipv4.tcp_fin_timeout': ({'max': 30}, None, '30'),
    'net.ipv4.tcp_max_syn_backlog': ({'min': 8192}, '1024', '8192'),
    'net.ipv4.tcp_max_tw_buckets': ({'min': 262144}, '5000', '262144'),
    'net.ipv4.tcp_syncookies': ('1', '1', '1'),
    'net.ipv4.tcp_tw_reuse': ('1', None, '1'),
}
STOCK = {'net.core.netdev_max_backlog': '1000', 'net.core.somaxconn': '4096', 'net.ipv4.tcp_fin_timeout': '60',
         'net.ipv4.ip_local_port_range': '32768\t60999', 'net.ipv4.tcp_tw_reuse': '2'}


def entry(key, live, boot, status, source='/etc/sysctl.d/90-kerneltune.conf:3'):
    expected, baseline, dummy = KEYS[key]
    return dict(live=live, boot=boot, boot_source=source if boot is not None else None, expected=expected,
                baseline=baseline, at_baseline=None if baseline is None or live is None else live == baseline,
                status=status)


def host(entries, applier='systemd', pressure=None):
    statuses = [e['status'] for e in entries.values()]
    counts = dict((s, statuses.count(s)) for s in ('ok', 'drift', 'boot_drift', 'missing'))
    counts['at_baseline'] = sum(1 for e in entries.values() if e['at_baseline'])
    result = dict(sysctl=entries, summary=counts, boot_applier=applier)
    if pressure:
        result['pressure'] = pressure
    return result


def pressure(time_wait, buckets, tw_overflows=0, listen_overflows=0):
    usage = round(float(time_wait) / buckets, 4)
    return dict(time_wait=time_wait, tw_buckets=buckets, tw_usage=usage, tw_overflows=tw_overflows,
                listen_overflows=listen_overflows, listen_drops=listen_overflows, req_q_full_drops=0,
                syncookies_sent=0, somaxconn=4096, tcp_max_syn_backlog=1024,
                verdict={'net.ipv4.tcp_max_tw_buckets': 'overflowed' if tw_overflows else
                         ('near_limit' if usage > 0.8 else 'ok'),
                         'net.ipv4.tcp_max_syn_backlog': 'ok',
                         'net.core.somaxconn': 'overflowed' if listen_overflows else 'ok'})


def synthetic_report():
    good = dict((k, entry(k, v[2], v[2], 'ok')) for k, v in KEYS.items())
    stock = dict((k, entry(k, v[1] or STOCK[k], v[1] or STOCK[k], 'drift', '/etc/sysctl.conf:%d' % (i + 10)))
                 for i, (k, v) in enumerate(sorted(KEYS.items())))
    stock['net.ipv4.tcp_syncookies']['status'] = 'ok'
    stock['net.ipv4.tcp_tw_reuse'] = entry('net.ipv4.tcp_tw_reuse', '2', None, 'drift')
    boot = dict(good)
    for key in ('net.ipv4.tcp_max_tw_buckets', 'net.core.somaxconn'):
        boot[key] = entry(key, KEYS[key][2], KEYS[key][1] or '4096', 'boot_drift', '/etc/sysctl.conf:22')
    container = dict(good)
    container['net.core.netdev_max_backlog'] = entry('net.core.netdev_max_backlog', None, None, 'missing')
    container['net.ipv4.tcp_fin_timeout'] = entry('net.ipv4.tcp_fin_timeout', '60', None, 'drift')
    results = {
        'web-01.prod': host(stock, 'systemd_rhel7', pressure(4987, 5000, tw_overflows=18233, listen_overflows=41)),
        'web-02.prod': host(good, pressure=pressure(9120, 262144)),
        'api-01.prod': host(boot, pressure=pressure(214000, 262144)),
        'ctr-07.prod': host(container, 'procps'),
        'db-01.prod': host(good, 'procps'),
    }
    unreachable = {'web-03.prod': 'Failed to connect to the host via ssh: connect to host web-03.prod port 22: '
                                  'No route to host'}
    failed = {'batch-02.prod': 'MODULE FAILURE: /usr/bin/python3: No such file or directory'}
    report = build_report(results, unreachable, failed, 'high_connection', 'alibaba_cloud_default',
                          '2026-01-15T09:30:00Z')
    # The day before: web-02 still drifted, api-01 was fine and web-03 reachable; the page opens with the changes.
    before = dict(results, **{'web-02.prod': host(stock, pressure=pressure(4980, 5000)), 'api-01.prod': host(good),
                              'web-03.prod': host(good)})
    previous = json.loads(json.dumps(build_report(before, {}, failed, 'high_connection', 'alibaba_cloud_default',
                                                  '2026-01-14T09:30:00Z')))
    report['changes'] = compare(previous, report, 'report-20260114T093000Z.json')
    return report


def screenshot(html_path, png_path, size='1400,900'):
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if not chromium:
        raise SystemExit('chromium not found (Debian: apt-get install chromium)')
    profile = tempfile.mkdtemp(prefix='kt-chromium-')
    try:
        subprocess.run([chromium] + list(CHROMIUM_FLAGS) + ['--user-data-dir=' + profile, '--window-size=' + size,
                                                            '--screenshot=' + os.path.abspath(png_path),
                                                            'file://' + os.path.abspath(html_path)],
                       check=True, timeout=180, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main(argv):
    args = list(argv)
    html_out = None
    if '--html' in args:
        html_out = args.pop(args.index('--html') + 1)
        args.remove('--html')
    png = os.path.abspath(args[0] if args else os.path.join(ROOT, 'docs', 'report-screenshot.png'))
    os.makedirs(os.path.dirname(png), exist_ok=True)
    workdir = tempfile.mkdtemp(prefix='kt-report-')
    try:
        html_path = html_out or os.path.join(workdir, 'report.html')
        with open(html_path, 'w') as handle:
            handle.write(render_html(synthetic_report()))
        screenshot(html_path, png)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(png)


if __name__ == '__main__':
    main(sys.argv[1:])

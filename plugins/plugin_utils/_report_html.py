# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet audit report as one self-contained HTML page (controller side).

No external assets: inline CSS and a few lines of inline JS (host filter).
Every value from the report is escaped; the page is pure ASCII (anything
else becomes a character reference) and the same report renders the same
bytes.
"""

import html
import json

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import describe_text
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import (
    NOT_OK,
    STATUS_ORDER,
    host_pressure,
    stuck_at_baseline,
)

# Background of each status (every one of _compare.STATUSES); TEXT_ON: the text colour on it.
COLOURS = {'ok': '#1e8e3e', 'drift': '#d93025', 'boot_drift': '#f9ab00', 'undecided': '#4285f4',
           'unreadable': '#9334e6', 'missing': '#9aa0a6'}
TEXT_ON = {'boot_drift': '#202124', 'missing': '#202124'}
STATUS_CLASS = dict((status, 'st-' + status) for status in STATUS_ORDER)
STATUS_CSS = ''.join('.st-%s{background:%s;color:%s}' % (status, COLOURS.get(status, '#fff'), TEXT_ON.get(
    status, '#fff' if status in COLOURS else '#202124')) for status in STATUS_ORDER)
PRESSURE_CLASS = {'overflowed': 'pr-over', 'near_limit': 'pr-near', 'ok': 'pr-ok'}
TITLE_FIELDS = ('live', 'boot', 'boot_source', 'expected', 'baseline', 'at_baseline', 'status')
# Shown only when set: what the next sysctl --system leaves, why the key will not hold, why it cannot be read.
OPTIONAL_TITLE_FIELDS = ('reload', 'reload_source', 'reason', 'error')
PRESSURE_FIELDS = ('time_wait', 'tw_buckets', 'tw_usage', 'tw_overflows', 'listen_overflows', 'listen_drops',
                   'req_q_full_drops', 'syncookies_sent', 'somaxconn', 'tcp_max_syn_backlog')
NAMES_SHOWN = 20

CSS = """
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:12px;color:#202124;
background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:14px 0 6px}.meta{color:#5f6368;margin-bottom:8px}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border:1px solid #dadce0;border-radius:6px;padding:6px 10px;min-width:150px;max-width:460px}
.card b{display:block;font-size:11px;color:#5f6368;text-transform:uppercase;letter-spacing:.03em}
.card .n{font-size:20px;font-weight:600}.names{color:#5f6368;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:1px 6px;border-radius:9px;margin:1px 2px;font-size:12px}
table.wk{border-collapse:collapse;font-size:12px}.wk td,.wk th{padding:1px 6px;text-align:right}
.wk td:first-child,.wk th:first-child{text-align:left}
.tools{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:12px 0 6px}
#filter{font:inherit;padding:3px 6px;width:240px}#shown{color:#5f6368}
.legend span{display:inline-block;padding:1px 6px;margin-right:4px;border-radius:3px;font-size:12px}
.wrap{overflow:auto;max-height:82vh;border:1px solid #dadce0}
table.grid{border-collapse:separate;border-spacing:0;font-size:11px}
.grid th,.grid td{padding:1px 4px;border-right:1px solid #fff;border-bottom:1px solid #fff;white-space:nowrap;
max-width:9em;overflow:hidden;text-overflow:ellipsis}
.grid thead th{position:sticky;top:0;z-index:2;background:#f1f3f4;vertical-align:bottom;font-weight:600;
white-space:normal;overflow-wrap:anywhere;min-width:5em;max-width:7em;text-align:left}
.grid .h{position:sticky;left:0;z-index:1;background:#f8f9fa;width:16em;min-width:16em;max-width:16em;
font-weight:600}
.grid .p{position:sticky;left:16em;z-index:1;background:#f8f9fa;width:12.5em;min-width:12.5em;max-width:12.5em}
.grid thead .h,.grid thead .p{z-index:3;background:#e8eaed}.grid .h,.grid .p{box-sizing:border-box}
%(status_css)s
.st-unknown{background:#fff;color:#202124;outline:1px dashed #5f6368}.na{background:#fafafa;color:#bdc1c6}
.bl{font-style:italic;background-image:linear-gradient(135deg,#202124 6px,transparent 6px)}
.pr-over{background:#a50e0e!important;color:#fff}.pr-near{background:#fde293!important;color:#202124}
.pr-ok{color:#1e8e3e}
tr.gone td{background:#e8eaed;color:#80868b}tr.gone td.h{text-decoration:line-through}
.grid tbody tr:hover td{filter:brightness(.92)}
ul.reasons{margin:4px 0;padding-left:20px}ul.reasons li{word-break:break-word}
""" % dict(status_css=STATUS_CSS)

JS = """
(function () {
  var box = document.getElementById('filter'), shown = document.getElementById('shown');
  var rows = document.querySelectorAll('#grid tbody tr');
  function apply() {
    var text = box.value.toLowerCase(), count = 0;
    for (var i = 0; i < rows.length; i++) {
      var match = rows[i].getAttribute('data-host').toLowerCase().indexOf(text) !== -1;
      rows[i].style.display = match ? '' : 'none';
      if (match) { count++; }
    }
    shown.textContent = count + ' of ' + rows.length + ' hosts shown';
  }
  box.addEventListener('input', apply);
  apply();
  document.body.setAttribute('data-rendered', '1');
})();
"""


def _e(value):
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _text(value):
    """A value as the JSON report would show it (null, true, {"min": 1}); strings as they are."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _names(names):
    if not names:
        return ''
    shown = ', '.join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return '<div class="names">%s%s</div>' % (_e(shown), _e(' ... and %d more' % more) if more > 0 else '')


def _badges(counts):
    return ''.join('<span class="badge %s">%s %s</span>' % (STATUS_CLASS[s], _e(s), _e(counts.get(s, 0)))
                   for s in STATUS_ORDER)


def _card(title, number, extra=''):
    return '<div class="card"><b>%s</b><span class="n">%s</span>%s</div>' % (_e(title), _e(number), extra)


def _summary(report):
    s = report['summary']
    baseline = report.get('baseline_profile') or 'baseline'
    at_baseline = s.get('hosts_at_baseline') or []
    pressure = s.get('hosts_under_pressure') or []
    out = ['<div class="cards">',
           _card('hosts audited', '%s / %s' % (s.get('hosts_audited', 0), s.get('hosts_total', 0))),
           _card('unreachable', s.get('hosts_unreachable', 0), _names(list(report.get('unreachable') or {}))),
           _card('failed', s.get('hosts_failed', 0), _names(list(report.get('failed') or {}))),
           _card('hosts at %s values' % baseline, len(at_baseline), _names(at_baseline)),
           _card('hosts under TIME_WAIT/backlog pressure', len(pressure), _names(pressure)),
           _card('hosts by worst status', '', '<div>%s</div>' % _badges(s.get('hosts_by_status') or {})),
           _card('keys by status (host x key)', '', '<div>%s</div>' % _badges(s.get('keys_by_status') or {})),
           '</div>']
    worst = s.get('worst_keys') or []
    if worst:
        cols = ('not_ok',) + NOT_OK + ('at_baseline',)
        out.append('<h2>Keys drifting most</h2><table class="wk"><tr><th>key</th>%s</tr>' %
                   ''.join('<th>%s</th>' % _e(c if c != 'at_baseline' else 'at ' + baseline) for c in cols))
        for item in worst:
            out.append('<tr><td>%s</td>%s</tr>' % (_e(item.get('key', '')),
                                                   ''.join('<td>%s</td>' % _e(item.get(c, 0)) for c in cols)))
        out.append('</table>')
    return out


def _legend(baseline):
    items = ''.join('<span class="%s">%s</span>' % (STATUS_CLASS[s], _e(s)) for s in STATUS_ORDER)
    return ('<div class="legend">%s<span class="st-drift bl">drift, still at %s value</span>'
            '<span class="na">not audited</span><span class="pr-over">overflowed</span>'
            '<span class="pr-near">near limit</span></div>' % (items, _e(baseline)))


def _cell(entry):
    status = entry.get('status')
    # Marked like the report counts it: a key not ok that still has the baseline value.
    classes = STATUS_CLASS.get(status, 'st-unknown') + (' bl' if stuck_at_baseline(entry) else '')
    live = entry.get('live')
    title = '\n'.join('%s: %s' % (f, describe_text(entry.get(f)) if f == 'expected' else _text(entry.get(f)))
                      for f in TITLE_FIELDS)
    title += ''.join('\n%s: %s' % (f, _text(entry[f])) for f in OPTIONAL_TITLE_FIELDS if entry.get(f))
    return '<td class="%s" title="%s">%s</td>' % (classes, _e(title), _e('-' if live is None else _text(live)))


def _pressure_cell(result):
    pressure = result.get('pressure')
    if not isinstance(pressure, dict):
        return '<td class="p"></td>'
    worst = host_pressure(result)
    verdict = pressure.get('verdict') or {}
    usage = pressure.get('tw_usage')
    text = worst or '-'
    if isinstance(usage, (int, float)) and not isinstance(usage, bool):
        text += ' tw %.0f%%' % (usage * 100)
    lines = ['%s: %s' % (limit, _text(verdict[limit])) for limit in sorted(verdict)]
    lines.extend('%s: %s' % (f, _text(pressure.get(f))) for f in PRESSURE_FIELDS if f in pressure)
    return '<td class="p %s" title="%s">%s</td>' % (PRESSURE_CLASS.get(worst, ''), _e('\n'.join(lines)), _e(text))


def _host_row(host, result, status, keys, with_pressure):
    entries = result.get('sysctl') or {}
    summary = result.get('summary') or {}
    title = '%s\nworst status: %s\nboot applier: %s\n%s' % (
        host, status, _text(result.get('boot_applier')),
        ', '.join('%s %s' % (k, _text(summary[k])) for k in sorted(summary)))
    cells = ['<tr data-host="%s" class="row-%s"><td class="h" title="%s">%s</td>' % (
        _e(host), _e(status), _e(title), _e(host))]
    if with_pressure:
        cells.append(_pressure_cell(result))
    for key in keys:
        entry = entries.get(key)
        cells.append(_cell(entry) if isinstance(entry, dict) else '<td class="na" title="not audited">.</td>')
    cells.append('</tr>')
    return ''.join(cells)


def _gone_row(host, kind, reason, span):
    return ('<tr data-host="%s" class="gone row-%s"><td class="h" title="%s">%s</td>'
            '<td colspan="%d" title="%s">%s: %s</td></tr>' % (_e(host), kind, _e(host), _e(host), span, _e(reason),
                                                              kind, _e(reason)))


def _reasons(title, hosts):
    if not hosts:
        return []
    return ['<h2>%s (%d)</h2><ul class="reasons">' % (_e(title), len(hosts))] + [
        '<li><b>%s</b>: %s</li>' % (_e(host), _e(reason)) for host, reason in hosts.items()] + ['</ul>']


def render_html(report):
    """Return the report as one self-contained HTML page (a str, ASCII only)."""
    hosts = report.get('hosts') or {}
    order = report.get('host_order') or list(hosts)
    host_status = report.get('host_status') or {}
    unreachable = report.get('unreachable') or {}
    failed = report.get('failed') or {}
    baseline = report.get('baseline_profile') or 'baseline'
    keys = sorted(set(key for result in hosts.values() for key in (result.get('sysctl') or {})))
    with_pressure = any(isinstance(result.get('pressure'), dict) for result in hosts.values())
    out = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>sysctl fleet audit: %s</title><style>%s</style></head><body>' % (
               _e(report.get('profile') or 'no profile'), CSS),
           '<h1>sysctl fleet audit</h1><div class="meta">profile <b>%s</b> &middot; baseline <b>%s</b> &middot; '
           'generated %s</div>' % (_e(report.get('profile') or '-'), _e(baseline),
                                   _e(report.get('generated') or '-'))]
    out.extend(_summary(report))
    out.append('<div class="tools"><label>Filter hosts <input id="filter" type="search" autocomplete="off"'
               ' placeholder="host name contains"></label><span id="shown"></span>%s</div>' % _legend(baseline))
    head = ['<th class="h">host</th>']
    if with_pressure:
        head.append('<th class="p" title="worst TIME_WAIT/backlog verdict; TIME_WAIT usage of tcp_max_tw_buckets">'
                    'pressure</th>')
    head.extend('<th title="%s">%s</th>' % (_e(k), _e(k).replace('.', '.<wbr>').replace('_', '_<wbr>')) for k in keys)
    out.append('<div class="wrap"><table class="grid" id="grid"><thead><tr>%s</tr></thead><tbody>' % ''.join(head))
    for host in order:
        result = hosts.get(host) or {}
        out.append(_host_row(host, result, host_status.get(host, 'ok'), keys, with_pressure))
    span = max(len(keys) + (1 if with_pressure else 0), 1)
    for kind, gone in (('unreachable', unreachable), ('failed', failed)):
        out.extend(_gone_row(host, kind, reason, span) for host, reason in gone.items())
    out.append('</tbody></table></div>')
    out.extend(_reasons('Unreachable hosts', unreachable))
    out.extend(_reasons('Failed hosts', failed))
    out.append('<script>%s</script></body></html>\n' % JS)
    return ''.join(out).encode('ascii', 'xmlcharrefreplace').decode('ascii')

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet audit report as one self-contained HTML page (controller side).

One grid row per signature (hosts with the same keys, statuses and live values),
so 10,000 hosts in five configurations are five rows; the host names of a row
are listed on demand, and the filter box matches host names (inline JS over one
JSON block). No external assets. Every value from the report is escaped (in the
JSON block too); the page is pure ASCII (anything else becomes a character
reference) and the same report renders the same bytes.
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
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import changes_line

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
NAMES_SHOWN = 20  # host names written into the page per list (summary cards, a row's list before the JS runs)
REASONS_SHOWN = 50  # per kind in the unreachable/failed lists under the grid
KEY_CHANGES_SHOWN = 50  # rows of the "since" table
# Signature rows in the grid, worst first; the hosts of the others share one row (names on demand, filtered
# like the rest): a page of thousands of distinct configurations would take Chromium seconds to lay out.
ROWS_SHOWN = 500

CSS = """
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:12px;color:#202124;
background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:14px 0 6px}.meta{color:#5f6368;margin-bottom:8px}
.since{border-left:4px solid #4285f4;background:#f1f5fe;padding:4px 8px;margin:0 0 10px;max-width:1100px}
.since.first{border-color:#dadce0;background:#f8f9fa;color:#5f6368}.since table{font-size:12px;margin-top:4px}
.since td,.since th{padding:0 6px;text-align:left}
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
max-width:9em;overflow:hidden;text-overflow:ellipsis;vertical-align:top}
.grid thead th{position:sticky;top:0;z-index:2;background:#f1f3f4;vertical-align:bottom;font-weight:600;
white-space:normal;overflow-wrap:anywhere;min-width:5em;max-width:7em;text-align:left}
.grid .h{position:sticky;left:0;z-index:1;background:#f8f9fa;width:18em;min-width:18em;max-width:18em;
font-weight:600}
.grid .p{position:sticky;left:18em;z-index:1;background:#f8f9fa;width:12.5em;min-width:12.5em;max-width:12.5em}
.grid thead .h,.grid thead .p{z-index:3;background:#e8eaed}.grid .h,.grid .p{box-sizing:border-box}
.h summary{cursor:pointer;overflow:hidden;text-overflow:ellipsis}.h .c{font-weight:700}
.h .hl{white-space:pre;font-weight:400;max-height:16em;overflow:auto;border-top:1px solid #dadce0;margin-top:2px}
%(status_css)s
.st-unknown{background:#fff;color:#202124;outline:1px dashed #5f6368}.na{background:#fafafa;color:#bdc1c6}
.bl{font-style:italic;background-image:linear-gradient(135deg,#202124 6px,transparent 6px)}
.pr-over{background:#a50e0e!important;color:#fff}.pr-near{background:#fde293!important;color:#202124}
.pr-ok{color:#1e8e3e}
tr.gone td{background:#e8eaed;color:#80868b}
.grid tbody tr:hover td{filter:brightness(.92)}
ul.reasons{margin:4px 0;padding-left:20px}ul.reasons li{word-break:break-word}
""" % dict(status_css=STATUS_CSS)

# The grid rows' host names (and reasons) come from the JSON block #kt-hosts: one list per row, in row order.
# Names are written with textContent only, never as HTML.
JS = """
(function () {
  var data = JSON.parse(document.getElementById('kt-hosts').textContent);
  var box = document.getElementById('filter'), shown = document.getElementById('shown');
  var rows = document.querySelectorAll('#grid tbody tr'), lower = null, total = 0, LIMIT = 1000;
  var counts = [], lists = [];
  for (var i = 0; i < rows.length; i++) {
    total += data.rows[i].length;
    counts.push(rows[i].querySelector('.c'));
    lists.push(rows[i].querySelector('details'));
  }
  function matches(i, text) {
    if (!text) { return data.rows[i].length; }
    var names = lower[i], n = 0;
    for (var j = 0; j < names.length; j++) { if (names[j].indexOf(text) !== -1) { n++; } }
    return n;
  }
  function list(i) {
    var details = lists[i];
    if (!details || !details.open) { return; }
    var text = box.value.toLowerCase(), names = data.rows[i], why = data.reasons[i], out = [], n = 0;
    for (var j = 0; j < names.length; j++) {
      if (text && lower[i][j].indexOf(text) === -1) { continue; }
      if (++n <= LIMIT) { out.push(why ? names[j] + ': ' + why[j] : names[j]); }
    }
    if (n > LIMIT) { out.push('... and ' + (n - LIMIT) + ' more'); }
    details.querySelector('.hl').textContent = out.join('\\n');
  }
  function apply() {
    var text = box.value.toLowerCase(), hosts = 0, visible = 0;
    if (text && !lower) {
      lower = data.rows.map(function (names) { return names.map(function (n) { return n.toLowerCase(); }); });
    }
    for (var i = 0; i < rows.length; i++) {
      var n = matches(i, text);
      rows[i].style.display = n ? '' : 'none';
      if (counts[i]) { counts[i].textContent = text ? n + ' of ' + data.rows[i].length : data.rows[i].length; }
      hosts += n;
      visible += n ? 1 : 0;
      list(i);
    }
    shown.textContent = (text ? hosts + ' of ' + total + ' hosts match' : total + ' hosts') + ', ' + visible + ' of ' +
      rows.length + ' rows shown';
  }
  document.getElementById('grid').addEventListener('toggle', function (event) {
    var row = event.target.closest('tr');
    if (row) { list(Number(row.getAttribute('data-row'))); }
  }, true);
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


def _expected(value):
    try:
        return describe_text(value)
    except (TypeError, ValueError):  # a malformed expectation from a host: shown as it is
        return _text(value)


def _json_block(data):
    """JSON for a <script type="application/json">: ASCII, and no <, > or & that could end the element."""
    text = json.dumps(data, separators=(',', ':'), default=str)
    return text.replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')


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


def _since(changes):
    """The header of what changed since the previous report (report['changes']), or that there was none."""
    if not changes:
        return '<div class="since first">First report: %s.</div>' % _e(changes_line(None))
    since = changes.get('since') or 'the previous report'
    line, prefix = changes_line(changes), 'since %s: ' % since
    out = ['<div class="since"><b>Since %s</b> (%s): %s' % (
        _e(since), _e(changes.get('previous') or '-'), _e(line[len(prefix):] if line.startswith(prefix) else line))]
    keys = changes.get('keys') or []
    if keys:
        out.append('<details><summary>%d key change%s%s</summary><table><tr><th>host</th><th>key</th><th>change</th>'
                   '<th>before</th><th>now</th></tr>' % (len(keys), '' if len(keys) == 1 else 's', ', the first %d'
                                                         % KEY_CHANGES_SHOWN if len(keys) > KEY_CHANGES_SHOWN else ''))
        for item in keys[:KEY_CHANGES_SHOWN]:
            before = '-' if item.get('before_status') is None else '%s %s' % (
                _text(item.get('before_status')), _text(item.get('before_live')))
            out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s %s</td></tr>' % tuple(_e(v) for v in (
                item.get('host'), item.get('key'), item.get('change'), before, _text(item.get('after_status')),
                _text(item.get('after_live')))))
        out.append('</table>%s</details>' % ('all of them in report.json and in the change column of report.csv'
                                             if len(keys) > KEY_CHANGES_SHOWN else ''))
    out.append('</div>')
    return ''.join(out)


def _summary(report):
    s = report['summary']
    baseline = report.get('baseline_profile') or 'baseline'
    at_baseline = s.get('hosts_at_baseline') or []
    pressure = s.get('hosts_under_pressure') or []
    out = ['<div class="cards">',
           _card('hosts audited', '%s / %s' % (s.get('hosts_audited', 0), s.get('hosts_total', 0))),
           _card('configurations (grid rows)', len(report.get('signatures') or []),
                 '<div class="names">the first %d shown</div>' % ROWS_SHOWN
                 if len(report.get('signatures') or []) > ROWS_SHOWN else ''),
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


def _example(host, count):
    """The first line of a title when the row stands for several hosts whose other fields may differ."""
    return 'e.g. %s (1 of %d hosts):\n' % (host, count) if count > 1 else ''


def _cell(entry, example):
    status = entry.get('status')
    # Marked like the report counts it: a key not ok that still has the baseline value.
    classes = STATUS_CLASS.get(status, 'st-unknown') + (' bl' if stuck_at_baseline(entry) else '')
    live = entry.get('live')
    title = example + '\n'.join('%s: %s' % (f, _expected(entry.get(f)) if f == 'expected' else _text(entry.get(f)))
                                for f in TITLE_FIELDS)
    title += ''.join('\n%s: %s' % (f, _text(entry[f])) for f in OPTIONAL_TITLE_FIELDS if entry.get(f))
    return '<td class="%s" title="%s">%s</td>' % (classes, _e(title), _e('-' if live is None else _text(live)))


def _pressure_cell(sig, hosts):
    """The signature's worst pressure verdict, how many of its hosts have it, and one such host's counters."""
    counts, example = {}, None
    for host in sig['hosts']:
        verdict = host_pressure(hosts[host])
        counts[verdict] = counts.get(verdict, 0) + 1
        if example is None and isinstance(hosts[host].get('pressure'), dict) and verdict == sig.get('pressure'):
            example = host
    if example is None:
        return '<td class="p"></td>'
    worst, pressure = sig.get('pressure'), hosts[example]['pressure']
    verdict = pressure.get('verdict') or {}
    text = worst or '-'
    usage = pressure.get('tw_usage')
    if sig['count'] > 1:
        text += ' on %d of %d' % (counts.get(worst, 0), sig['count'])
    elif isinstance(usage, (int, float)) and not isinstance(usage, bool):
        text += ' tw %.0f%%' % (usage * 100)
    lines = ['%s: %d host%s' % (v or 'no data', n, '' if n == 1 else 's') for v, n in sorted(
        counts.items(), key=lambda item: str(item[0]))] + ['e.g. %s:' % example] if sig['count'] > 1 else []
    lines.extend('%s: %s' % (limit, _text(verdict[limit])) for limit in sorted(verdict))
    lines.extend('%s: %s' % (f, _text(pressure.get(f))) for f in PRESSURE_FIELDS if f in pressure)
    return '<td class="p %s" title="%s">%s</td>' % (PRESSURE_CLASS.get(worst, ''), _e('\n'.join(lines)), _e(text))


def _host_cell(names, title, label, reasons=None):
    """The first cell of a row: the host's name, or the count and the names on demand (<details>)."""
    if len(names) == 1:
        return '<td class="h" title="%s">%s</td>' % (_e(title), _e(names[0]))
    shown = [name if reasons is None else '%s: %s' % (name, reasons[i]) for i, name in enumerate(names[:NAMES_SHOWN])]
    if len(names) > NAMES_SHOWN:
        shown.append('... and %d more' % (len(names) - NAMES_SHOWN))
    return ('<td class="h" title="%s"><details><summary><span class="c">%d</span> %s, e.g. %s</summary>'
            '<div class="hl">%s</div></details></td>' % (_e(title), len(names), _e(label), _e(names[0]),
                                                         _e('\n'.join(shown))))


def _signature_row(index, sig, hosts, keys, with_pressure):
    first = sig['hosts'][0]
    result = hosts[first]
    entries = result.get('sysctl') or {}
    summary = result.get('summary') or {}
    example = _example(first, sig['count'])
    title = '%s%s\nworst status: %s\nboot applier: %s\n%s' % (
        'signature %s: %d hosts, %d at baseline values\n' % (sig['id'], sig['count'], sig.get('at_baseline') or 0)
        if sig['count'] > 1 else '', example.rstrip(':\n') if example else first, sig['status'],
        _text(result.get('boot_applier')), ', '.join('%s %s' % (k, _text(summary[k])) for k in sorted(summary)))
    cells = ['<tr data-row="%d" class="row-%s">' % (index, _e(sig['status'])),
             _host_cell(sig['hosts'], title, 'hosts')]
    if with_pressure:
        cells.append(_pressure_cell(sig, hosts))
    for key in keys:
        entry = entries.get(key)
        cells.append(_cell(entry, example) if isinstance(entry, dict) else '<td class="na" title="not audited">.</td>')
    cells.append('</tr>')
    return ''.join(cells)


def _gone_row(index, kind, gone, span):
    """One row for all the unreachable (or failed) hosts, with the first one's reason."""
    names = list(gone)
    reasons = [_text(gone[name]) for name in names]
    cell = '%s: %s%s' % (kind, 'e.g. %s: ' % names[0] if len(names) > 1 else '', reasons[0])
    return ('<tr data-row="%d" class="gone row-%s">%s<td colspan="%d" title="%s">%s</td></tr>' % (
        index, kind, _host_cell(names, '%s\n%s' % (kind, cell), kind + ' hosts', reasons), span, _e(reasons[0]),
        _e(cell)))


def _more_row(index, rest, span):
    """One row for the hosts of the signatures beyond ROWS_SHOWN."""
    names = [host for sig in rest for host in sig['hosts']]
    text = ('%d more configuration%s, not shown: the grid shows the first %d (worst first); report.csv and report.json '
            'have every host' % (len(rest), '' if len(rest) == 1 else 's', ROWS_SHOWN))
    return '<tr data-row="%d" class="gone row-more">%s<td colspan="%d">%s</td></tr>' % (
        index, _host_cell(names, text, 'hosts in %d more configurations' % len(rest)), span, _e(text)), names


def _reasons(title, hosts):
    if not hosts:
        return []
    items = list(hosts.items())
    more = len(items) - REASONS_SHOWN
    return ['<h2>%s (%d)</h2><ul class="reasons">' % (_e(title), len(items))] + [
        '<li><b>%s</b>: %s</li>' % (_e(host), _e(reason)) for host, reason in items[:REASONS_SHOWN]] + [
        '<li>... and %d more (report.json, report.csv)</li>' % more if more > 0 else '', '</ul>']


def render_html(report):
    """Return the report as one self-contained HTML page (a str, ASCII only)."""
    hosts = report.get('hosts') or {}
    sigs = report.get('signatures') or []
    unreachable = report.get('unreachable') or {}
    failed = report.get('failed') or {}
    baseline = report.get('baseline_profile') or 'baseline'
    # The keys are part of a signature: the union over one host of each is the union over all hosts.
    keys = sorted(set(key for sig in sigs for key in (hosts[sig['hosts'][0]].get('sysctl') or {})))
    with_pressure = any(isinstance(result.get('pressure'), dict) for result in hosts.values())
    out = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>sysctl fleet audit: %s</title><style>%s</style></head><body>' % (
               _e(report.get('profile') or 'no profile'), CSS),
           '<h1>sysctl fleet audit</h1><div class="meta">profile <b>%s</b> &middot; baseline <b>%s</b> &middot; '
           'generated %s</div>' % (_e(report.get('profile') or '-'), _e(baseline),
                                   _e(report.get('generated') or '-')),
           _since(report.get('changes'))]
    out.extend(_summary(report))
    out.append('<div class="tools"><label>Filter hosts <input id="filter" type="search" autocomplete="off"'
               ' placeholder="host name contains"></label><span id="shown"></span>%s</div>' % _legend(baseline))
    head = ['<th class="h" title="one row per configuration: hosts with the same keys, statuses and live values">'
            'hosts</th>']
    if with_pressure:
        head.append('<th class="p" title="worst TIME_WAIT/backlog verdict of the row\'s hosts; on one host, its '
                    'TIME_WAIT usage of tcp_max_tw_buckets">pressure</th>')
    head.extend('<th title="%s">%s</th>' % (_e(k), _e(k).replace('.', '.<wbr>').replace('_', '_<wbr>')) for k in keys)
    out.append('<div class="wrap"><table class="grid" id="grid"><thead><tr>%s</tr></thead><tbody>' % ''.join(head))
    names, reasons = [], {}
    for sig in sigs[:ROWS_SHOWN]:
        out.append(_signature_row(len(names), sig, hosts, keys, with_pressure))
        names.append(sig['hosts'])
    span = max(len(keys) + (1 if with_pressure else 0), 1)
    if len(sigs) > ROWS_SHOWN:
        row, more = _more_row(len(names), sigs[ROWS_SHOWN:], span)
        out.append(row)
        names.append(more)
    for kind, gone in (('unreachable', unreachable), ('failed', failed)):
        if gone:
            out.append(_gone_row(len(names), kind, gone, span))
            reasons[len(names)] = [_text(reason) for reason in gone.values()]
            names.append(list(gone))
    out.append('</tbody></table></div>')
    out.extend(_reasons('Unreachable hosts', unreachable))
    out.extend(_reasons('Failed hosts', failed))
    out.append('<script type="application/json" id="kt-hosts">%s</script>' % _json_block(dict(rows=names, reasons=reasons)))
    out.append('<script>%s</script></body></html>\n' % JS)
    return ''.join(out).encode('ascii', 'xmlcharrefreplace').decode('ascii')

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import ast
import copy
import html
import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils import _report_html
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import changes_line, compare
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import COLOURS, JS, render_html

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
COOKIES = 'net.ipv4.tcp_syncookies'
EVIL = '<script>alert(1)</script>'


def entry(status, live, baseline=None, at_baseline=None, expected='1', boot='same', source='/etc/sysctl.conf:3'):
    return dict(live=live, boot=live if boot == 'same' else boot, boot_source=source, expected=expected,
                baseline=baseline, at_baseline=at_baseline, status=status)


def results():
    return {
        'web1': dict(sysctl={TW: entry('drift', '5000', '5000', True, {'min': 262144}),
                             SYN: entry('drift', '1024', '1024', True, {'min': 8192}),
                             COOKIES: entry('ok', '1', '1', True)},
                     summary={'drift': 2, 'ok': 1}, boot_applier='systemd_rhel7',
                     pressure=dict(time_wait=4990, tw_buckets=5000, tw_usage=0.998, tw_overflows=7,
                                   verdict={TW: 'overflowed', SYN: 'ok'})),
        'web2': dict(sysctl={TW: entry('ok', '262144', '5000', False, {'min': 262144}),
                             SYN: entry('ok', '8192', '1024', False, {'min': 8192}),
                             COOKIES: entry('ok', '1', '1', True)},
                     pressure=dict(time_wait=220000, tw_buckets=262144, tw_usage=0.8392, verdict={TW: 'near_limit'})),
        'api1': dict(sysctl={TW: entry('boot_drift', '262144', '5000', False, {'min': 262144}, boot='5000'),
                             COOKIES: entry('ok', '1', '1', True)}),
        'ctr1': dict(sysctl={TW: entry('missing', None, '5000', None, {'min': 262144}, boot=None, source=None),
                             SYN: entry('ok', '8192', '1024', False, {'min': 8192})}),
    }


def make_report(res=None, unreachable=None, failed=None, baseline='alibaba_cloud_default', changes=None):
    report = build_report(results() if res is None else res,
                          {'lb1': 'ssh: connect to host lb1 port 22: No route to host'} if unreachable is None
                          else unreachable,
                          {'batch1': 'MODULE FAILURE'} if failed is None else failed,
                          'high_connection', baseline, '2026-01-15T09:30:00Z')
    report['changes'] = changes
    return report


def fleet():
    """web1 x3 (same keys, statuses and live values; other boot sources), web2, a 30-host signature, ctr1."""
    res = results()
    for name, source in (('web1b', '/etc/sysctl.d/99-b.conf:1'), ('web1c', '/etc/sysctl.d/99-c.conf:2')):
        res[name] = copy.deepcopy(res['web1'])
        res[name]['sysctl'][TW]['boot_source'] = source
        res[name]['pressure']['verdict'][TW] = 'ok'
    for i in range(30):
        res['bulk%02d' % i] = copy.deepcopy(res['web2'])
        res['bulk%02d' % i].pop('pressure')
    return res


@pytest.fixture(scope='module')
def page():
    return render_html(make_report())


@pytest.fixture(scope='module')
def grouped():
    return render_html(make_report(fleet()))


def data(text):
    return json.loads(re.search(r'<script type="application/json" id="kt-hosts">(.*?)</script>', text).group(1))


def rows(text):
    """(host names, row html) of each grid row, in page order."""
    names = data(text)['rows']
    found = [(int(m.group(1)), m.group(0)) for m in re.finditer(r'<tr data-row="(\d+)"[^>]*>.*?</tr>', text, re.S)]
    assert [index for index, dummy in found] == list(range(len(names)))
    return [(names[index], row) for index, row in found]


def row_of(text, host):
    return [row for names, row in rows(text) if host in names][0]


def cell(text, host, key_index):
    """The <td> of one host's row and key (0: first key column), skipping host and pressure cells."""
    cells = re.findall(r'<td class="(?!h"|p[ "])[^"]*".*?</td>', row_of(text, host), re.S)
    return cells[key_index]


def title(td):
    return html.unescape(re.search(r'title="([^"]*)"', td).group(1)).split('\n')


def words(text):
    return ' '.join(re.sub(r'<[^>]+>', ' ', text).split())


def test_document_is_self_contained(page):
    assert page.startswith('<!DOCTYPE html>')
    assert page.rstrip().endswith('</html>')
    lowered = page.lower()
    for needle in ('http://', 'https://', '<link', ' src=', '@import', 'url(', '<img', '<iframe', 'fetch(',
                   'xmlhttprequest'):
        assert needle not in lowered, needle
    assert lowered.count('<script') == 2 and lowered.count('<script>') == 1 and lowered.count('<style>') == 1
    assert '<script type="application/json" id="kt-hosts">' in page


def test_ascii_and_deterministic():
    res = results()
    res[u'h\u00f4te-\u00e9t\u00e9'] = dict(sysctl={TW: entry('drift', u'caf\u00e9')})
    first = render_html(make_report(res))
    shuffled = dict(reversed(list(results().items())))
    shuffled[u'h\u00f4te-\u00e9t\u00e9'] = dict(sysctl={TW: entry('drift', u'caf\u00e9')})
    assert render_html(make_report(shuffled)) == first
    assert render_html(make_report(res)) == first
    first.encode('ascii')
    assert 'h&#244;te-&#233;t&#233;' in first and 'caf&#233;' in first
    assert [u'h\u00f4te-\u00e9t\u00e9'] in data(first)['rows']  # \u escapes in the JSON block


def test_one_row_per_signature_then_gone_hosts(grouped):
    report = make_report(fleet())
    assert [names for names, dummy in rows(grouped)] == [sig['hosts'] for sig in report['signatures']] + [
        ['lb1'], ['batch1']]
    assert [names for names, dummy in rows(grouped)][:2] == [
        ['web1', 'web1b', 'web1c'], ['web2'] + ['bulk%02d' % i for i in range(30)]]
    assert len(rows(grouped)) == 6  # 35 hosts, 4 configurations, 1 unreachable, 1 failed


def test_one_row_per_host_without_shared_signatures(page):
    assert [names for names, dummy in rows(page)] == [['web1'], ['web2'], ['api1'], ['ctr1'], ['lb1'], ['batch1']]
    assert '<td class="h" title="web1&#10;worst status: drift' in row_of(page, 'web1').replace('\n', '&#10;')


def test_host_names_on_demand(grouped):
    row = row_of(grouped, 'bulk00')
    summary = re.search(r'<summary>(.*?)</summary>', row).group(1)
    assert summary == '<span class="c">31</span> hosts, e.g. web2'
    listed = re.search(r'<div class="hl">(.*?)</div>', row, re.S).group(1).split('\n')
    assert listed == ['web2'] + ['bulk%02d' % i for i in range(19)] + ['... and 11 more']
    # every name beyond the first 20 is in the page once: in the JSON block the filter reads
    assert grouped.count('bulk29') == 1 and grouped.count('"bulk29"') == 1
    assert '<details>' not in row_of(grouped, 'ctr1')


def test_a_huge_signature_stays_small():
    res = dict(('node-%05d.example.internal' % i, dict(sysctl={TW: entry('drift', '5000'), SYN: entry('ok', '1')}))
               for i in range(9000))
    text = render_html(make_report(res, {}, {}))
    assert len(rows(text)) == 1
    assert len(text) < 300 * 1024 + 9000 * 40, len(text)  # the names once, in the JSON block
    assert text.count('node-08999.example.internal') == 1


def test_configurations_beyond_the_cap_share_one_row(monkeypatch):
    monkeypatch.setattr(_report_html, 'ROWS_SHOWN', 2)
    report = make_report(fleet())
    text = render_html(report)
    sigs = report['signatures']
    assert len(sigs) == 4
    found = rows(text)
    assert [names for names, dummy in found] == [sigs[0]['hosts'], sigs[1]['hosts'], sigs[2]['hosts'] + sigs[3]['hosts'],
                                                 ['lb1'], ['batch1']]
    more = found[2][1]
    assert 'class="gone row-more"' in more and '<span class="c">2</span> hosts in 2 more configurations, e.g.' in more
    assert ('>2 more configurations, not shown: the grid shows the first 2 (worst first); report.csv and report.json '
            'have every host</td>') in more
    assert 'configurations (grid rows) 4 the first 2 shown' in words(text)
    assert not re.findall(r'<td class="st-', more)


def test_cell_titles_of_a_shared_signature_name_one_host(grouped):
    first = title(cell(grouped, 'web1c', 1))
    assert first[0] == 'e.g. web1 (1 of 3 hosts):'
    assert first[1:] == ['live: 5000', 'boot: 5000', 'boot_source: /etc/sysctl.conf:3', 'expected: >= 262144',
                         'baseline: 5000', 'at_baseline: true', 'status: drift']
    host_title = title(re.search(r'<td class="h".*?>', row_of(grouped, 'web1'), re.S).group(0))
    assert host_title[:3] == ['signature %s: 3 hosts, 3 at baseline values' % make_report(fleet())['signatures'][0]['id'],
                              'e.g. web1 (1 of 3 hosts)', 'worst status: drift']


def test_columns_union_of_keys_sorted(page):
    headers = re.findall(r'<th title="([^"]*)">', page)
    assert headers == [SYN, TW, COOKIES]
    # api1 has no tcp_max_syn_backlog: a "not audited" cell keeps the columns aligned
    assert 'class="na"' in cell(page, 'api1', 0)
    assert all(len(re.findall(r'<td', row)) == 5 for names, row in rows(page) if names[0] not in ('lb1', 'batch1'))


@pytest.mark.parametrize('host, key_index, css_class, text', [
    ('web1', 1, 'st-drift', '5000'),
    ('web1c', 1, 'st-drift', '5000'),
    ('web2', 1, 'st-ok', '262144'),
    ('bulk17', 1, 'st-ok', '262144'),
    ('api1', 1, 'st-boot_drift', '262144'),
    ('ctr1', 1, 'st-missing', '-'),
    ('ctr1', 2, 'na', '.'),
])
def test_cell_status_class_and_live_value(grouped, host, key_index, css_class, text):
    td = cell(grouped, host, key_index)
    assert re.match(r'<td class="%s[ "]' % css_class, td), td
    assert td.endswith('>%s</td>' % text)


@pytest.mark.parametrize('status, colour', sorted(COLOURS.items()))
def test_status_colours_in_css_and_legend(page, status, colour):
    assert '.st-%s{background:%s;' % (status, colour) in page
    legend = re.search(r'<div class="legend">.*?</div>', page).group(0)
    assert '<span class="st-%s">%s</span>' % (status, status) in legend


def test_every_status_has_a_colour_a_class_and_a_legend_entry(page):
    assert sorted(COLOURS) == sorted(STATUSES)
    legend = re.search(r'<div class="legend">.*?</div>', page).group(0)
    for status in STATUSES:
        assert '.st-%s{background:%s;' % (status, COLOURS[status]) in page
        assert '<span class="st-%s">%s</span>' % (status, status) in legend


def test_unknown_status_gets_the_unknown_class():
    text = render_html(make_report({'odd': dict(sysctl={TW: entry('brand_new', '1')})}, {}, {}))
    assert cell(text, 'odd', 0).startswith('<td class="st-unknown"')
    assert '<tr data-row="0" class="row-brand_new">' in text


FLUSH = 'net.ipv4.route.flush'
FLUSH_ERROR = 'cannot read net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: Permission denied'


def test_unreadable_cell():
    flush = entry('unreadable', None, boot='1')
    flush['error'] = FLUSH_ERROR
    res = {'hard1': dict(sysctl={TW: entry('ok', '262144'), FLUSH: flush})}
    text = render_html(make_report(res, {}, {}))
    td = cell(text, 'hard1', 0)
    assert re.match(r'<td class="st-unreadable"', td) and td.endswith('>-</td>')
    assert title(td)[-2:] == ['status: unreadable', 'error: ' + FLUSH_ERROR]
    assert not any(line.startswith('error:') for line in title(cell(text, 'hard1', 1)))
    assert '<tr data-row="0" class="row-unreadable">' in text


def test_cell_title_has_every_field(page):
    assert title(cell(page, 'api1', 1)) == ['live: 262144', 'boot: 5000', 'boot_source: /etc/sysctl.conf:3',
                                            'expected: >= 262144', 'baseline: 5000', 'at_baseline: false',
                                            'status: boot_drift']
    lines = title(cell(page, 'ctr1', 1))
    assert 'live: null' in lines and 'boot_source: null' in lines and 'at_baseline: null' in lines


def test_malformed_expectation_is_shown_as_it_is():
    text = render_html(make_report({'odd': dict(sysctl={TW: entry('drift', '1', expected={'one_of': [1, None]})})},
                                   {}, {}))
    assert 'expected: {"one_of": [1, null]}' in title(cell(text, 'odd', 0))


@pytest.mark.parametrize('host, key_index, marked', [
    ('web1', 0, True),    # drift, still at the baseline value
    ('web1', 1, True),
    ('web1', 2, False),   # tcp_syncookies 1: at the baseline, but ok (the report does not count it either)
    ('web2', 1, False),   # ok, tuned away from the baseline
    ('ctr1', 1, False),   # missing: at_baseline null
])
def test_baseline_marker(page, host, key_index, marked):
    classes = re.match(r'<td class="([^"]*)"', cell(page, host, key_index)).group(1).split()
    assert ('bl' in classes) is marked


def test_summary(page):
    text = words(page[:page.index('<table class="grid"')])
    assert 'hosts audited 4 / 6' in text and 'configurations (grid rows) 4' in text
    assert 'unreachable 1 lb1' in text and 'failed 1 batch1' in text
    assert 'hosts at alibaba_cloud_default values 1 web1' in text
    assert 'hosts under TIME_WAIT/backlog pressure 2 web1, web2' in text
    assert 'hosts by worst status drift 1 boot_drift 1 undecided 0 unreadable 0 missing 1 ok 1' in text
    assert 'keys by status (host x key) drift 2 boot_drift 1 undecided 0 unreadable 0 missing 1 ok 6' in text
    assert ('Keys drifting most key not_ok drift boot_drift undecided unreadable missing at alibaba_cloud_default'
            in text)
    assert '%s 3 1 1 0 0 1 1' % TW in text and '%s 1 1 0 0 0 0 1' % SYN in text
    assert 'profile high_connection' in text and 'generated 2026-01-15T09:30:00Z' in text


def test_summary_names_are_capped():
    res = dict(('host%03d' % i, dict(sysctl={TW: entry('drift', '5000', '5000', True)})) for i in range(25))
    text = render_html(make_report(res, {}, {}, baseline=None))
    assert 'hosts at baseline values' in text
    assert 'host019 ... and 5 more' in text and 'host020,' not in text


@pytest.mark.parametrize('host, css_class, text, title_parts', [
    ('web1', 'pr-over', 'overflowed tw 100%', ['%s: overflowed' % TW, '%s: ok' % SYN, 'tw_overflows: 7',
                                               'time_wait: 4990', 'tw_usage: 0.998']),
    ('web2', 'pr-near', 'near_limit tw 84%', ['%s: near_limit' % TW, 'tw_buckets: 262144']),
    ('api1', None, '', []),
])
def test_pressure_column(page, host, css_class, text, title_parts):
    assert '<th class="p"' in page
    td = re.search(r'<td class="p[ "].*?</td>', row_of(page, host), re.S).group(0)
    if css_class is None:
        assert td == '<td class="p"></td>'
        return
    assert td.startswith('<td class="p %s"' % css_class) and td.endswith('>%s</td>' % text)
    assert all(part in title(td) for part in title_parts), title(td)


@pytest.mark.parametrize('host, css_class, text, title_parts', [
    # web1 overflowed, web1b and web1c ok: the row shows the worst and one host that has it
    ('web1b', 'pr-over', 'overflowed on 1 of 3', ['ok: 2 hosts', 'overflowed: 1 host', 'e.g. web1:',
                                                  '%s: overflowed' % TW, 'tw_overflows: 7']),
    # web2 near its limit, the 30 bulk hosts without pressure data
    ('bulk03', 'pr-near', 'near_limit on 1 of 31', ['near_limit: 1 host', 'no data: 30 hosts', 'e.g. web2:']),
])
def test_pressure_column_of_a_shared_signature(grouped, host, css_class, text, title_parts):
    td = re.search(r'<td class="p[ "].*?</td>', row_of(grouped, host), re.S).group(0)
    assert td.startswith('<td class="p %s"' % css_class) and td.endswith('>%s</td>' % text)
    assert all(part in title(td) for part in title_parts), title(td)


def test_no_pressure_column_without_pressure_data():
    res = results()
    for value in res.values():
        value.pop('pressure', None)
    text = render_html(make_report(res))
    assert '<th class="p"' not in text and '<td class="p' not in text
    assert '<td colspan="3"' in text


@pytest.mark.parametrize('host, kind, reason', [
    ('lb1', 'unreachable', 'ssh: connect to host lb1 port 22: No route to host'),
    ('batch1', 'failed', 'MODULE FAILURE'),
])
def test_unreachable_and_failed(page, host, kind, reason):
    row = row_of(page, host)
    assert 'class="gone row-%s"' % kind in row
    assert '<td class="h" title="%s&#10;%s: %s">%s</td>' % (kind, kind, reason, host) in row.replace('\n', '&#10;')
    assert '<td colspan="4" title="%s">%s: %s</td>' % (reason, kind, reason) in row
    assert '<li><b>%s</b>: %s</li>' % (host, reason) in page
    assert '<h2>%s hosts (1)</h2>' % kind.capitalize() in page


def test_unreachable_hosts_share_one_row():
    down = dict(('down%03d' % i, 'timed out %d' % i) for i in range(60))
    text = render_html(make_report(unreachable=down, failed={}))
    gone = [(names, row) for names, row in rows(text) if 'gone' in row]
    assert len(gone) == 1 and gone[0][0] == sorted(down)
    row = gone[0][1]
    assert '<summary><span class="c">60</span> unreachable hosts, e.g. down000</summary>' in row
    assert 'down000: timed out 0\ndown001: timed out 1' in row and '... and 40 more' in row
    assert '>unreachable: e.g. down000: timed out 0</td>' in row
    assert data(text)['reasons'][str(len(rows(text)) - 1)] == [down[name] for name in sorted(down)]
    assert '<li><b>down049</b>: timed out 49</li><li>... and 10 more (report.json, report.csv)</li>' in text


def test_filter_legend_and_sticky(page):
    assert '<input id="filter" type="search"' in page
    assert "names[j].indexOf(text) !== -1" in page and 'textContent = out.join' in page
    assert 'innerHTML' not in JS and 'insertAdjacentHTML' not in JS and 'eval(' not in JS
    assert "document.body.setAttribute('data-rendered', '1')" in page
    assert 'position:sticky;top:0' in page and 'position:sticky;left:0' in page
    assert '<div class="legend">' in page and 'drift, still at alibaba_cloud_default value' in page


def changed_report():
    """web2 drifted since, web1 resolved, api1 gone, new1 added, lb1 newly unreachable."""
    before_results = results()
    before_results['web1']['sysctl'][TW] = entry('ok', '262144')
    before_results['web2']['sysctl'][TW] = entry('drift', '5000')
    before_results['api1'] = before_results.pop('ctr1')
    before_results['lb1'] = copy.deepcopy(before_results['web1'])
    previous = json.loads(json.dumps(build_report(before_results, {}, {}, 'high_connection', None,
                                                  '2026-01-14T09:30:00Z')))
    now = make_report()
    now['changes'] = compare(previous, now, 'report-20260114T093000Z.json')
    return now


def test_since_header():
    report = changed_report()
    text = render_html(report)
    since = re.search(r'<div class="since">.*?</div>', text, re.S).group(0)
    assert text.index('class="since"') < text.index('class="cards"')
    line = changes_line(report['changes'])
    assert line.startswith('since 2026-01-14T09:30:00Z: ')
    assert words(since).startswith('Since 2026-01-14T09:30:00Z (report-20260114T093000Z.json): %s'
                                   % line[len('since 2026-01-14T09:30:00Z: '):])
    assert 'newly unreachable 1 (lb1)' in since and 'hosts added' in since
    table = re.findall(r'<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>', since)
    shown = [(item['host'], item['key'], item['change']) + tuple('%s %s' % (item[when + '_status'], json.dumps(
        item[when + '_live']).strip('"')) for when in ('before', 'after')) for item in report['changes']['keys']]
    assert table == shown and len(table) == 3
    assert ('web1', TW, 'new_drift', 'ok 262144', 'drift 5000') in table
    assert ('web2', TW, 'resolved', 'drift 5000', 'ok 262144') in table


def test_since_header_caps_the_key_changes():
    report = changed_report()
    item = report['changes']['keys'][0]
    report['changes']['keys'] = [dict(item, host='h%03d' % i) for i in range(120)]
    text = render_html(report)
    assert '<summary>120 key changes, the first 50</summary>' in text
    assert '<td>h049</td>' in text and '<td>h050</td>' not in text
    assert 'all of them in report.json and in the change column of report.csv' in text


def test_first_report_header(page):
    assert '<div class="since first">First report: no earlier report to compare with.</div>' in page


UNTRUSTED = [
    ('host', EVIL),
    ('host', '" onmouseover="alert(1)'),
    ('host', '</script><script>alert(1)</script>'),
    ('host', '<!--'),
    ('key', 'net.<img src=x onerror=alert(1)>'),
    ('live', '</td><script>alert(1)</script>'),
    ('status', EVIL),
    ('boot_source', "/etc/x' onclick='alert(1)"),
    ('expected', {'<b>': '"&"'}),
    ('reason', EVIL),
    ('unreachable_host', EVIL),
    ('unreachable_host', '</script>'),
    ('profile', EVIL),
    ('generated', EVIL),
    ('verdict', EVIL),
    ('since', EVIL),
    ('previous', EVIL),
    ('gone_host', EVIL),
    ('before_live', '</td><script>alert(1)</script>'),
]


COUNTS = dict(new_drift=0, resolved=0, status_changed=0, value_changed=1, hosts_added=0, hosts_gone=1,
              newly_unreachable=0, newly_failed=0, reachable_again=0)


@pytest.mark.parametrize('where, value', UNTRUSTED)
def test_everything_is_escaped(where, value):
    host, key = 'web1', TW
    sysctl_entry = entry('drift', '5000', '5000', True)
    unreachable = {'lb1': 'down', 'lb2': 'down'}
    pressure = dict(tw_usage=0.5, verdict={TW: 'ok'})
    profile, generated = 'high_connection', 'now'
    changes = dict(since='2026-01-01T00:00:00Z', previous='report.json', hosts_added=[], hosts_gone=['old1'],
                   newly_unreachable=[], newly_failed=[], reachable_again=[],
                   keys=[dict(host='web1', key=TW, change='value_changed', before_status='drift', before_live='1',
                              after_status='drift', after_live='5000')], counts=COUNTS)
    if where == 'host':
        host = value
    elif where == 'key':
        key = value
    elif where in ('live', 'boot_source', 'expected', 'status'):
        sysctl_entry[where] = value
    elif where == 'reason':
        unreachable = {'lb1': value, 'lb2': value}
    elif where == 'unreachable_host':
        unreachable = {value: 'down', 'lb2': 'down'}
    elif where == 'verdict':
        pressure['verdict'] = {value: value}
    elif where in ('since', 'previous'):
        changes[where] = value
    elif where == 'gone_host':
        changes['hosts_gone'] = [value]
    elif where == 'before_live':
        changes['keys'][0]['before_live'] = value
    else:
        profile, generated = value, value
    res = {host: dict(sysctl={key: sysctl_entry}, boot_applier=EVIL, summary={EVIL: 1}, pressure=pressure)}
    res['twin'] = copy.deepcopy(res[host])  # a shared signature: names in <details> and in the JSON block
    report = build_report(res, unreachable, {}, profile, EVIL, generated)
    report['changes'] = changes
    check_page(render_html(report), report)


class Structure(HTMLParser):
    """Tags, attributes and script bodies of a page, as a browser's tokenizer splits them."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.tags, self.attrs, self.scripts, self.text, self.rows = [], set(), [], [], []
        self._script = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.update(name for name, dummy in attrs)
        self.rows.extend(value for name, value in attrs if name == 'data-row')
        if tag == 'script':
            self._script = []

    def handle_endtag(self, tag):
        if tag == 'script':
            self.scripts.append(''.join(self._script))
            self._script = None

    def handle_data(self, data):
        (self._script if self._script is not None else self.text).append(data)


TAGS = {'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'div', 'b', 'span', 'table', 'thead', 'tbody',
        'tr', 'th', 'td', 'wbr', 'label', 'input', 'details', 'summary', 'ul', 'li', 'script'}
ATTRS = {'lang', 'charset', 'name', 'content', 'class', 'title', 'id', 'type', 'autocomplete', 'placeholder',
         'data-row', 'colspan'}


def check_page(text, report):
    """The page parses into the tags and attributes it is made of, two scripts: our JS and the JSON of the names."""
    text.encode('ascii')
    parser = Structure()
    parser.feed(text)
    parser.close()
    assert set(parser.tags) <= TAGS, set(parser.tags) - TAGS
    assert parser.attrs <= ATTRS, parser.attrs - ATTRS
    assert parser.tags.count('script') == 2 and len(parser.scripts) == 2
    assert parser.scripts[1] == JS
    names = json.loads(parser.scripts[0])['rows']
    expected = [sig['hosts'] for sig in report['signatures']] + [
        list(report[kind]) for kind in ('unreachable', 'failed') if report[kind]]
    assert names == expected
    assert parser.rows == [str(index) for index in range(len(expected))]


SNIPPETS = ['<script>', '</script>', '"', "'", '</td>', '<!--', '-->', '&amp;', '&#60;', ']]>', '\u2028', '\x00',
            '\\u003c', '`', '<![CDATA[', '\ufeff']
# Control characters and noncharacters left out of the free text: HTML maps &#128; to a Euro sign (cp1252), and
# html.unescape drops &#65534;, where a browser keeps it.
TEXT = st.text(st.characters(blacklist_categories=('Cs', 'Cc', 'Cn')), max_size=10)
HOSTILE = st.builds(lambda head, snippet, tail: head + '<kt-evil x="' + snippet + tail,
                    TEXT, st.sampled_from(SNIPPETS), TEXT)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile=st.lists(HOSTILE, min_size=6, max_size=6, unique=True), shared=st.booleans())
def test_hostile_strings_never_break_the_page(hostile, shared):
    """Arbitrary strings anywhere a host can put one: the page keeps its structure, no string becomes markup."""
    name, key, live, status, reason, prior = hostile
    entries = {key: dict(status=status, live=live, boot=live, boot_source=reason, expected={'min': live},
                         error=reason, reason=reason)}
    res = {name: dict(sysctl=entries, boot_applier=reason, summary={reason: 1},
                      pressure=dict(tw_usage=0.5, verdict={key: status}))}
    if shared:
        res[name + '-twin'] = copy.deepcopy(res[name])
    report = build_report(res, {reason + '-down': reason, 'x' + name: reason}, {prior: reason}, live, status, prior)
    report['changes'] = dict(since=prior, previous=name, hosts_added=[name], hosts_gone=[prior], newly_unreachable=[],
                             newly_failed=[prior], reachable_again=[], counts=dict(COUNTS, new_drift=1),
                             keys=[dict(host=name, key=key, change='new_drift', before_status=prior, before_live=prior,
                                        after_status=status, after_live=live)])
    text = render_html(report)
    check_page(text, report)
    assert '<kt-evil' not in text.lower()
    visible = html.unescape(re.sub(r'<[^>]*>', ' ', text))
    for value in hostile:  # each one is on the page as text (the parts of it outside any tag)
        assert value.split('<kt-evil')[0] in visible


def test_empty_report():
    text = render_html(build_report({}, {}, {}, None, None, None))
    assert '<tbody></tbody>' in text and 'hosts audited 0 / 0' in words(text)
    assert data(text) == dict(rows=[], reasons={})


def test_source_stays_small_and_python36():
    path = _report_html.__file__
    with open(path) as handle:
        source = handle.read()
    assert len(source.splitlines()) < 400
    assert source.startswith('# -*- coding: utf-8 -*-\n# Copyright (c) 2026 kerneltune.sysctl contributors\n')
    assert 'from __future__ import annotations' not in source
    ast.parse(source, feature_version=(3, 6))
    for node in ast.walk(ast.parse(source)):
        assert not isinstance(node, ast.NamedExpr)
        if isinstance(node, ast.FormattedValue):
            raise AssertionError('f-strings: keep %-formatting')

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import ast
import html
import re

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils import _report_html
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import COLOURS, render_html

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


def make_report(res=None, unreachable=None, failed=None, baseline='alibaba_cloud_default'):
    return build_report(results() if res is None else res,
                        {'lb1': 'ssh: connect to host lb1 port 22: No route to host'} if unreachable is None
                        else unreachable,
                        {'batch1': 'MODULE FAILURE'} if failed is None else failed,
                        'high_connection', baseline, '2026-01-15T09:30:00Z')


@pytest.fixture(scope='module')
def page():
    return render_html(make_report())


def rows(text):
    """(host, row html) of each grid row, in page order."""
    return [(html.unescape(m.group(1)), m.group(0))
            for m in re.finditer(r'<tr data-host="([^"]*)"[^>]*>.*?</tr>', text, re.S)]


def cell(text, host, key_index):
    """The <td> of one host and key (0: first key column), skipping host and pressure cells."""
    row = dict(rows(text))[host]
    cells = re.findall(r'<td class="(?!h"|p[ "])[^"]*".*?</td>', row, re.S)
    return cells[key_index]


def test_document_is_self_contained(page):
    assert page.startswith('<!DOCTYPE html>')
    assert page.rstrip().endswith('</html>')
    lowered = page.lower()
    for needle in ('http://', 'https://', '<link', ' src=', '@import', 'url(', '<img', '<iframe', 'fetch(',
                   'xmlhttprequest'):
        assert needle not in lowered, needle
    assert lowered.count('<script>') == 1 and lowered.count('<style>') == 1


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


def test_rows_worst_first_then_gone_hosts(page):
    report = make_report()
    assert [host for host, dummy in rows(page)] == report['host_order'] + ['lb1', 'batch1']
    assert report['host_order'] == ['web1', 'web2', 'api1', 'ctr1']  # pressure, then status


def test_columns_union_of_keys_sorted(page):
    headers = re.findall(r'<th title="([^"]*)">', page)
    assert headers == [SYN, TW, COOKIES]
    # api1 has no tcp_max_syn_backlog: a "not audited" cell keeps the columns aligned
    assert 'class="na"' in cell(page, 'api1', 0)
    assert all(len(re.findall(r'<td', row)) == 5 for host, row in rows(page) if host not in ('lb1', 'batch1'))


@pytest.mark.parametrize('host, key_index, css_class, text', [
    ('web1', 1, 'st-drift', '5000'),
    ('web2', 1, 'st-ok', '262144'),
    ('api1', 1, 'st-boot_drift', '262144'),
    ('ctr1', 1, 'st-missing', '-'),
    ('ctr1', 2, 'na', '.'),
])
def test_cell_status_class_and_live_value(page, host, key_index, css_class, text):
    td = cell(page, host, key_index)
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


FLUSH = 'net.ipv4.route.flush'
FLUSH_ERROR = 'cannot read net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: Permission denied'


def test_unreadable_cell():
    flush = entry('unreadable', None, boot='1')
    flush['error'] = FLUSH_ERROR
    res = {'hard1': dict(sysctl={TW: entry('ok', '262144'), FLUSH: flush})}
    text = render_html(make_report(res, {}, {}))
    td = cell(text, 'hard1', 0)
    assert re.match(r'<td class="st-unreadable"', td) and td.endswith('>-</td>')
    title = html.unescape(re.search(r'title="([^"]*)"', td).group(1)).split('\n')
    assert title[-2:] == ['status: unreadable', 'error: ' + FLUSH_ERROR]
    assert 'error:' not in html.unescape(re.search(r'title="([^"]*)"', cell(text, 'hard1', 1)).group(1))
    assert re.search(r'<tr data-host="hard1" class="row-unreadable">', text)


def test_cell_title_has_every_field(page):
    title = html.unescape(re.search(r'title="([^"]*)"', cell(page, 'api1', 1)).group(1))
    assert title.split('\n') == ['live: 262144', 'boot: 5000', 'boot_source: /etc/sysctl.conf:3',
                                 'expected: >= 262144', 'baseline: 5000', 'at_baseline: false',
                                 'status: boot_drift']
    title = html.unescape(re.search(r'title="([^"]*)"', cell(page, 'ctr1', 1)).group(1))
    assert 'live: null' in title and 'boot_source: null' in title and 'at_baseline: null' in title


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
    summary = page[:page.index('<table class="grid"')]
    text = re.sub(r'<[^>]+>', ' ', summary)
    text = ' '.join(text.split())
    assert 'hosts audited 4 / 6' in text
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
    row = dict(rows(page))[host]
    td = re.search(r'<td class="p[ "].*?</td>', row, re.S).group(0)
    if css_class is None:
        assert td == '<td class="p"></td>'
        return
    assert td.startswith('<td class="p %s"' % css_class) and td.endswith('>%s</td>' % text)
    title = html.unescape(re.search(r'title="([^"]*)"', td).group(1)).split('\n')
    assert all(part in title for part in title_parts), title


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
    row = dict(rows(page))[host]
    assert 'class="gone row-%s"' % kind in row
    assert '<td colspan="4" title="%s">%s: %s</td>' % (reason, kind, reason) in row
    assert '<li><b>%s</b>: %s</li>' % (host, reason) in page
    assert '<h2>%s hosts (1)</h2>' % kind.capitalize() in page


def test_filter_legend_and_sticky(page):
    assert '<input id="filter" type="search"' in page
    assert "getAttribute('data-host').toLowerCase().indexOf(text)" in page
    assert "document.body.setAttribute('data-rendered', '1')" in page
    assert 'position:sticky;top:0' in page and 'position:sticky;left:0' in page
    assert '<div class="legend">' in page and 'drift, still at alibaba_cloud_default value' in page


UNTRUSTED = [
    ('host', EVIL),
    ('host', '" onmouseover="alert(1)'),
    ('key', 'net.<img src=x onerror=alert(1)>'),
    ('live', '</td><script>alert(1)</script>'),
    ('boot_source', "/etc/x' onclick='alert(1)"),
    ('expected', {'<b>': '"&"'}),
    ('reason', EVIL),
    ('unreachable_host', EVIL),
    ('profile', EVIL),
    ('generated', EVIL),
    ('verdict', EVIL),
]


@pytest.mark.parametrize('where, value', UNTRUSTED)
def test_everything_is_escaped(where, value):
    host, key = 'web1', TW
    sysctl_entry = entry('drift', '5000', '5000', True)
    unreachable = {'lb1': 'down'}
    pressure = dict(tw_usage=0.5, verdict={TW: 'ok'})
    profile, generated = 'high_connection', 'now'
    if where == 'host':
        host = value
    elif where == 'key':
        key = value
    elif where in ('live', 'boot_source', 'expected'):
        sysctl_entry[where] = value
    elif where == 'reason':
        unreachable = {'lb1': value}
    elif where == 'unreachable_host':
        unreachable = {value: 'down'}
    elif where == 'verdict':
        pressure['verdict'] = {value: value}
    else:
        profile, generated = value, value
    res = {host: dict(sysctl={key: sysctl_entry}, boot_applier=EVIL, summary={EVIL: 1}, pressure=pressure)}
    report = build_report(res, unreachable, {}, profile, EVIL, generated)
    text = render_html(report)
    assert text.count('<script>') == 1
    assert '<img' not in text and '<b>"' not in text and '</td><script>' not in text
    assert 'onmouseover="' not in text and "onclick='" not in text
    assert EVIL not in text
    assert html.escape(EVIL) in text
    # the attribute values stay closed: every tag's quotes are balanced
    for tag in re.findall(r'<[a-zA-Z][^>]*>', text):
        assert tag.count('"') % 2 == 0, tag


def test_empty_report():
    text = render_html(build_report({}, {}, {}, None, None, None))
    assert '<tbody></tbody>' in text and 'hosts audited 0 / 0' in ' '.join(re.sub(r'<[^>]+>', ' ', text).split())


def test_source_stays_small_and_python36():
    path = _report_html.__file__
    with open(path) as handle:
        source = handle.read()
    assert len(source.splitlines()) < 300
    assert source.startswith('# -*- coding: utf-8 -*-\n# Copyright (c) 2026 kerneltune.sysctl contributors\n')
    assert 'from __future__ import annotations' not in source
    ast.parse(source, feature_version=(3, 6))
    for node in ast.walk(ast.parse(source)):
        assert not isinstance(node, ast.NamedExpr)
        if isinstance(node, ast.FormattedValue):
            raise AssertionError('f-strings: keep %-formatting')

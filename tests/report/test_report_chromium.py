# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report rendered by a real browser: Debian's chromium, headless, driven over the DevTools pipe.

Skipped without chromium, except with CI=true where chromium is required
(apt-get install chromium). The screenshot is decoded with the standard
library only (zlib, struct) to check that the status colours are painted; the
filter is typed into the page and its result read back from the browser.
The 10,000-host page is measured by scripts/benchmark.py (section controller).
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib

import pytest

from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_changes import compare
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import COLOURS, render_html

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _cdp  # noqa: E402  (tests/report/_cdp.py, shared with scripts/benchmark.py)

WIDTH, HEIGHT = 1400, 900
KEYS = ('net.core.somaxconn', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_max_syn_backlog',
        'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_tw_reuse')
STATUSES = {  # host -> status of every key; the three web-drift hosts share one signature (one grid row)
    'web-drift-1.example': ['drift'] * 5,
    'web-drift-2.example': ['drift'] * 5,
    'web-drift-3.example': ['drift'] * 5,
    'web-ok.example': ['ok'] * 5,
    'api-boot.example': ['boot_drift', 'ok', 'boot_drift', 'unreadable', 'missing'],
}
UNREACHABLE = {'gone-<b>lb</b>.example': 'ssh: connect to host port 22: No route to host',
               'gone-2.example': 'ssh: connect to host port 22: Connection timed out'}
SINCE = '2026-01-14T09:30:00Z'


def chromium():
    path = _cdp.find_chromium()
    if path:
        return path
    if os.environ.get('CI', '').lower() == 'true':
        pytest.fail('chromium is required when CI=true (Debian: apt-get install chromium)')
    pytest.skip('chromium is not installed (Debian: apt-get install chromium)')


def entry(status, index):
    live = {'drift': '1024', 'ok': '262144', 'boot_drift': '262144', 'unreadable': None, 'missing': None}[status]
    return dict(live=live, boot='1024' if status != 'ok' else live, boot_source='/etc/sysctl.conf:%d' % index,
                expected={'min': 8192}, baseline='1024', at_baseline=None if live is None else live == '1024',
                status=status)


def results(statuses):
    return dict((host, dict(sysctl=dict((key, entry(s, index + len(host))) for index, (key, s) in enumerate(
        zip(KEYS, row))), summary={}, boot_applier='procps')) for host, row in statuses.items())


def make_report():
    before = dict(STATUSES, **{'web-ok.example': ['drift'] * 5})  # web-ok was drifting: 5 keys resolved since
    previous = json.loads(json.dumps(build_report(results(before), {}, {}, 'high_connection', None, SINCE)))
    report = build_report(results(STATUSES), UNREACHABLE, {}, 'high_connection', 'alibaba_cloud_default',
                          '2026-01-15T09:30:00Z')
    report['changes'] = compare(previous, report, 'report-20260114T093000Z.json')
    return report


# Run in the page, one step at a time: what the browser computed and painted, then the filter typed in.
CELLS = """(function () {
  var out = {colours: {}, cells: {}, rows: []};
  ['st-ok', 'st-drift', 'st-boot_drift', 'st-unreadable', 'st-missing'].forEach(function (name) {
    var td = document.querySelector('#grid tbody td.' + name);
    if (!td) { return; }
    var r = td.getBoundingClientRect();
    out.colours[name] = getComputedStyle(td).backgroundColor;
    out.cells[name] = [Math.ceil(r.left), Math.ceil(r.top), Math.floor(r.right), Math.floor(r.bottom)];
  });
  document.querySelectorAll('#grid tbody tr').forEach(function (tr) {
    out.rows.push([tr.className, Array.prototype.map.call(tr.querySelectorAll('td[class^="st-"]'), function (td) {
      return td.className; })]);
  });
  var since = document.querySelector('.since'), r = since.getBoundingClientRect();
  out.since = {text: since.innerText, top: r.top, bottom: r.bottom, background: getComputedStyle(since).backgroundColor};
  out.rendered = document.body.getAttribute('data-rendered');
  out.shown = document.getElementById('shown').textContent;
  return out;
})()"""
FILTER = """(function (text) {
  var box = document.getElementById('filter');
  box.value = text;
  box.dispatchEvent(new Event('input'));
  var visible = Array.prototype.filter.call(document.querySelectorAll('#grid tbody tr'), function (tr) {
    return getComputedStyle(tr).display !== 'none';
  });
  return {shown: document.getElementById('shown').textContent,
          rows: visible.map(function (tr) {
            var count = tr.querySelector('.c'), list = tr.querySelector('.hl');
            return {hosts: tr.querySelector('td.h').innerText.split('\\n')[0], count: count && count.textContent,
                    list: list && list.style.display !== 'none' && tr.querySelector('details').open ? list.textContent : null};
          })};
})(%s)"""
# Open the <details> of the row holding this host: the list comes from the 'toggle' handler, after the event.
OPEN = """new Promise(function (done) {
  var data = JSON.parse(document.getElementById('kt-hosts').textContent), wanted = %s;
  var index = data.rows.findIndex(function (names) { return names.indexOf(wanted) !== -1; });
  var details = document.querySelector('#grid tbody tr[data-row="' + index + '"] details');
  details.addEventListener('toggle', function () {
    setTimeout(function () { done(details.querySelector('.hl').textContent); }, 0);
  }, {once: true});
  details.open = true;
})"""


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    binary = chromium()
    tmp = tmp_path_factory.mktemp('chromium')
    (tmp / 'report.html').write_text(render_html(make_report()))
    with _cdp.Browser(binary, WIDTH, HEIGHT) as chrome:
        page = chrome.open((tmp / 'report.html').as_uri())
        png = tmp / 'report.png'
        png.write_bytes(page.screenshot())
        state = dict(png=png, cells=page.evaluate(CELLS))
        for name, text in (('drift2', 'DRIFT-2'), ('ex', '.ex'), ('lb', '<b>lb'), ('none', 'nomatch')):
            state[name] = page.evaluate(FILTER % json.dumps(text))
        page.evaluate(FILTER % json.dumps('drift-2'))
        state['opened'] = page.evaluate(OPEN % json.dumps('web-drift-3.example'))
        state['open_filtered'] = page.evaluate(FILTER % json.dumps('DRIFT-1'))
        state['open_all'] = page.evaluate(FILTER % json.dumps(''))
        yield state


def read_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA non-interlaced PNG, with zlib and struct only."""
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour_type, dummy, dummy, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b''.join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        filt, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if filt == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xff
        elif filt == 2:
            line = bytearray((a + b) & 0xff for a, b in zip(line, prev))
        elif filt == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 0xff
        elif filt == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        else:
            assert filt == 0, filt
        rows.append(list(zip(line[0::bpp], line[1::bpp], line[2::bpp])))
        prev = line
    return width, height, rows


def rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def near(pixel, target, tolerance=6):
    return all(abs(p - t) <= tolerance for p, t in zip(pixel, target))


@pytest.fixture(scope='module')
def image(browser):
    return read_png(browser['png'])


def test_screenshot_is_a_real_page(browser, image):
    assert browser['png'].stat().st_size > 10000
    width, height, rows = image
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(set(pixel for row in rows[::4] for pixel in row[::4])) > 20  # not blank


@pytest.mark.parametrize('status', ['drift', 'ok', 'boot_drift', 'unreadable', 'missing'])
def test_status_colours_are_painted(image, status):
    dummy, dummy, rows = image
    target = rgb(COLOURS[status])
    count = sum(1 for row in rows for pixel in row if near(pixel, target))
    assert count > 500, (status, count)


@pytest.mark.parametrize('status', ['drift', 'ok', 'boot_drift', 'unreadable', 'missing'])
def test_cells_painted_in_their_colour(browser, image, status):
    """The first grid cell of each status, located by the browser, is mostly its colour in the screenshot."""
    cells = browser['cells']
    assert cells['colours']['st-' + status] == 'rgb(%d, %d, %d)' % rgb(COLOURS[status])
    left, top, right, bottom = cells['cells']['st-' + status]
    assert 0 <= left < right <= WIDTH and 0 <= top < bottom <= HEIGHT, cells
    dummy, dummy, rows = image
    pixels = [pixel for row in rows[top:bottom] for pixel in row[left:right]]
    share = sum(1 for pixel in pixels if near(pixel, rgb(COLOURS[status]))) / float(len(pixels))
    assert share > 0.5, (status, share)


def test_since_header_is_rendered_at_the_top(browser, image):
    since = browser['cells']['since']
    assert since['text'].startswith('Since %s (report-20260114T093000Z.json): 0 keys newly not ok on 0 hosts; '
                                    '5 resolved;' % SINCE), since
    assert '5 key changes' in since['text']
    assert 0 < since['top'] < since['bottom'] < 200, since
    assert since['background'] == 'rgb(241, 245, 254)'
    dummy, dummy, rows = image  # and painted: its background fills most of its box
    band = [pixel for row in rows[int(since['top']) + 2:int(since['bottom']) - 2] for pixel in row[20:600]]
    assert sum(1 for pixel in band if near(pixel, (241, 245, 254))) > 0.5 * len(band)


def test_one_row_per_signature(browser):
    rows = browser['cells']['rows']
    assert [classes for classes, cells in rows] == ['row-drift', 'row-boot_drift', 'row-ok', 'gone row-unreachable']
    assert rows[0][1] == ['st-drift bl'] * 5  # the three web-drift hosts, all still at the baseline
    assert rows[1][1] == ['st-' + s for s in STATUSES['api-boot.example']]
    assert browser['cells']['rendered'] == '1'
    assert browser['cells']['shown'] == '7 hosts, 4 of 4 rows shown'


def test_filter_matches_a_host_name_inside_a_signature(browser):
    result = browser['drift2']
    assert result['shown'] == '1 of 7 hosts match, 1 of 4 rows shown'
    assert result['rows'] == [dict(hosts='1 of 3 hosts, e.g. web-drift-1.example', count='1 of 3', list=None)]


def test_filter_counts_every_row(browser):
    result = browser['ex']  # '.ex' is in every name
    assert result['shown'] == '7 of 7 hosts match, 4 of 4 rows shown'
    assert [row['count'] for row in result['rows']] == ['3 of 3', None, None, '2 of 2']
    assert browser['none']['shown'] == '0 of 7 hosts match, 0 of 4 rows shown' and browser['none']['rows'] == []


def test_filter_finds_an_unreachable_host_by_its_name_as_text(browser):
    result = browser['lb']
    assert result['shown'] == '1 of 7 hosts match, 1 of 4 rows shown'
    assert result['rows'][0]['count'] == '1 of 2'


def test_names_on_demand_follow_the_filter(browser):
    assert browser['opened'] == 'web-drift-2.example'  # opened while the filter is 'drift-2'
    assert browser['open_filtered']['rows'][0]['list'] == 'web-drift-1.example'
    assert browser['open_all']['rows'][0]['list'] == 'web-drift-1.example\nweb-drift-2.example\nweb-drift-3.example'
    assert browser['open_all']['shown'] == '7 hosts, 4 of 4 rows shown'

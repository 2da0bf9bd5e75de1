# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report rendered by a real browser: Debian's chromium, headless.

Skipped without chromium, except with CI=true where chromium is required
(apt-get install chromium). The screenshot is decoded with the standard
library only (zlib, struct) to check that the status colours are painted.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib

import pytest

from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import COLOURS, render_html

WIDTH, HEIGHT = 1400, 900
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--force-device-scale-factor=1', '--window-size=%d,%d' % (WIDTH, HEIGHT)]
KEYS = ('net.core.somaxconn', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_max_syn_backlog',
        'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_tw_reuse')
STATUSES = {  # host -> status of every key
    'web-drift.example': ['drift'] * 5,
    'web-ok.example': ['ok'] * 5,
    'api-boot.example': ['boot_drift', 'ok', 'boot_drift', 'unreadable', 'missing'],
}
UNREACHABLE = 'gone-<b>lb</b>.example'

# Test-only probe appended to a copy of the page: what the browser computed, written into the DOM.
PROBE = """<script>
(function () {
  var out = {colours: {}, cells: {}};
  ['st-ok', 'st-drift', 'st-boot_drift', 'st-unreadable', 'st-missing'].forEach(function (name) {
    var td = document.querySelector('#grid tbody td.' + name);
    if (!td) { return; }
    var r = td.getBoundingClientRect();
    out.colours[name] = getComputedStyle(td).backgroundColor;
    out.cells[name] = [Math.ceil(r.left), Math.ceil(r.top), Math.floor(r.right), Math.floor(r.bottom)];
  });
  var box = document.getElementById('filter');
  box.value = 'OK.EX';
  box.dispatchEvent(new Event('input'));
  out.visible = Array.prototype.filter.call(document.querySelectorAll('#grid tbody tr'), function (tr) {
    return getComputedStyle(tr).display !== 'none';
  }).map(function (tr) { return tr.getAttribute('data-host'); });
  out.shown = document.getElementById('shown').textContent;
  document.body.setAttribute('data-probe', JSON.stringify(out));
})();
</script></body>"""


def chromium():
    path = shutil.which('chromium') or shutil.which('chromium-browser')
    if path:
        return path
    if os.environ.get('CI', '').lower() == 'true':
        pytest.fail('chromium is required when CI=true (Debian: apt-get install chromium)')
    pytest.skip('chromium is not installed (Debian: apt-get install chromium)')


def run_chromium(binary, args, tmp):
    profile = tempfile.mkdtemp(prefix='profile-', dir=str(tmp))
    proc = subprocess.run([binary] + FLAGS + ['--user-data-dir=' + profile] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr.decode('utf-8', 'replace')[-2000:]
    return proc.stdout.decode('utf-8')


def entry(status, key):
    live = {'drift': '1024', 'ok': '262144', 'boot_drift': '262144', 'unreadable': None, 'missing': None}[status]
    return dict(live=live, boot='1024' if status != 'ok' else live, boot_source='/etc/sysctl.conf:9',
                expected={'min': 8192}, baseline='1024', at_baseline=None if live is None else live == '1024',
                status=status)


def make_report():
    results = dict((host, dict(sysctl=dict((key, entry(s, key)) for key, s in zip(KEYS, statuses)),
                               summary={}, boot_applier='procps'))
                   for host, statuses in STATUSES.items())
    return build_report(results, {UNREACHABLE: 'ssh: connect to host port 22: No route to host'}, {},
                        'high_connection', 'alibaba_cloud_default', '2026-01-15T09:30:00Z')


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    binary = chromium()
    tmp = tmp_path_factory.mktemp('chromium')
    page = render_html(make_report())
    (tmp / 'report.html').write_text(page)
    (tmp / 'probe.html').write_text(page.replace('</body>', PROBE))
    png = tmp / 'report.png'
    run_chromium(binary, ['--screenshot=%s' % png, (tmp / 'report.html').as_uri()], tmp)
    return dict(png=png, dom=run_chromium(binary, ['--dump-dom', (tmp / 'report.html').as_uri()], tmp),
                probe=run_chromium(binary, ['--dump-dom', (tmp / 'probe.html').as_uri()], tmp))


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
def image(rendered):
    return read_png(rendered['png'])


def test_screenshot_is_a_real_page(rendered, image):
    assert rendered['png'].stat().st_size > 10000
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
def test_cells_painted_in_their_colour(rendered, image, status):
    """The first grid cell of each status, located by the browser, is mostly its colour in the screenshot."""
    probe = probe_of(rendered)
    assert probe['colours']['st-' + status] == 'rgb(%d, %d, %d)' % rgb(COLOURS[status])
    left, top, right, bottom = probe['cells']['st-' + status]
    assert 0 <= left < right <= WIDTH and 0 <= top < bottom <= HEIGHT, probe
    dummy, dummy, rows = image
    pixels = [pixel for row in rows[top:bottom] for pixel in row[left:right]]
    share = sum(1 for pixel in pixels if near(pixel, rgb(COLOURS[status]))) / float(len(pixels))
    assert share > 0.5, (status, share)


def probe_of(rendered):
    return json.loads(html.unescape(re.search(r'<body[^>]*data-probe="([^"]*)"', rendered['probe']).group(1)))


def test_filter_hides_other_hosts(rendered):
    probe = probe_of(rendered)
    assert probe['visible'] == ['web-ok.example']  # case-insensitive substring of the host name
    assert probe['shown'] == '1 of 4 hosts shown'


def test_dom_after_script(rendered):
    dom = rendered['dom']
    assert re.search(r'<body[^>]*\bdata-rendered="1"', dom)
    assert '<span id="shown">4 of 4 hosts shown</span>' in dom


def test_dom_has_every_host_and_status_class(rendered):
    dom = rendered['dom']
    for host in list(STATUSES) + [UNREACHABLE]:
        assert 'data-host="%s"' % html.escape(host) in dom, host
    assert '<b>lb</b>' not in dom  # the unreachable host's name stayed text
    rows = dict((html.unescape(m.group(1)), m.group(2)) for m in
                re.finditer(r'<tr data-host="([^"]*)"[^>]*>(.*?)</tr>', dom, re.S))
    for host, statuses in STATUSES.items():
        classes = re.findall(r'<td class="(st-[a-z_]+)', rows[host])
        assert classes == ['st-' + s for s in statuses], host
    assert 'unreachable: ssh: connect to host port 22: No route to host' in rows[UNREACHABLE]
    assert rows['web-drift.example'].count(' bl"') == 5  # all drift, all still at the baseline

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of Prometheus text exposition by real parsers, for the report.prom and textfile tests.

``parse``: prometheus_client's parser, plus what a scrape of node_exporter
would refuse and that parser lets through (a series twice, a family split in
two, a sample of no declared family). ``promtool_check``: Prometheus' own
``promtool check metrics`` (parser and linter), from Debian's prometheus
package unpacked by tests/tools/promtool.sh; absent, the test is skipped with
the reason, or fails when CI=true.
"""

import math
import os
import shutil
import subprocess

import pytest

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # requirements/test.txt installs it; ansible-test units' own venv may lack it
    text_string_to_metric_families = None

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
UNPACKED = os.path.join(ROOT, '.build', 'promtool', 'usr', 'bin', 'promtool')


def required(reason):
    """Skip with the reason, or fail when CI=true (CI has everything)."""
    if os.environ.get('CI') == 'true':
        pytest.fail(reason)
    pytest.skip(reason)


def parse(text):
    """{(sample name, ((label, value), ...)): value} of ``text``, and {family name: type}; asserts the structure."""
    if text_string_to_metric_families is None:
        required('prometheus_client is not installed (requirements/test.txt)')
    assert text == '' or text.endswith('\n'), 'the text does not end with a line feed'
    samples, types = {}, {}
    for family in text_string_to_metric_families(text):
        assert family.name not in types, 'family %s appears twice (its samples are not together)' % family.name
        assert family.type != 'unknown', 'samples of no declared family: %r' % (family.samples[:3],)
        types[family.name] = family.type
        for sample in family.samples:
            series = (sample.name, tuple(sorted(sample.labels.items())))
            assert series not in samples, 'series twice: %r' % (series,)
            assert sample.timestamp is None, 'a sample with a timestamp (node_exporter refuses them): %r' % (series,)
            assert isinstance(sample.value, (int, float)) and math.isfinite(sample.value), series
            samples[series] = sample.value
    return samples, types


def promtool():
    """The path of promtool, or None: $KT_PROMTOOL, the binary tests/tools/promtool.sh unpacks, or one on PATH."""
    for candidate in (os.environ.get('KT_PROMTOOL'), UNPACKED, shutil.which('promtool')):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_promtool():
    path = promtool()
    if path is None:
        required('promtool not found: run tests/tools/promtool.sh (unpacks Debian\'s prometheus package into .build)')
    return path


def promtool_check(text):
    """Run ``promtool check metrics`` on ``text``; assert it found nothing to say, return its output."""
    run = subprocess.run([require_promtool(), 'check', 'metrics'], input=text.encode('utf-8'),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, check=False)
    output = run.stdout.decode('utf-8', 'replace')
    assert run.returncode == 0 and output.strip() == '', 'promtool check metrics: exit %d\n%s' % (
        run.returncode, output[:4000])
    return output

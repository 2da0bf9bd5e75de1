# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property (#23): whatever the report directory holds as the previous report.json and as slice files (any JSON
shape, any bytes, deep nesting, huge numbers, lone surrogates, FIFOs, symlinks, directories), and whatever the hosts
sent, the audit_report action never hangs, never raises anything but AnsibleActionFail, and either writes a whole
report set or leaves the previous one whole (the same bytes, the same files)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from unittest import mock

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible.errors import AnsibleActionFail

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # ansible-test units imports tests as packages
from test_audit_report import fleet_vars, run  # noqa: E402  # pylint: disable=import-error

NAMES = ['report.csv', 'report.html', 'report.json', 'report.junit.xml', 'report.prom']
TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=8)  # lone surrogates included
SCALARS = st.none() | st.booleans() | st.integers(min_value=-10 ** 400, max_value=10 ** 400) | st.floats() | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=12)
STATUS = st.sampled_from(['ok', 'drift', 'boot_drift', 'missing', 'unknown', '', None, 7])


def report_like():
    """Documents shaped like a report or a slice, with any value in any place."""
    entry = st.fixed_dictionaries({}, optional={'status': STATUS, 'live': JSON, 'boot': JSON, 'expected': JSON})
    host = st.fixed_dictionaries({}, optional={'sysctl': st.dictionaries(TEXT, entry | JSON, max_size=2),
                                               'status': STATUS, 'pressure': JSON, 'summary': JSON})
    return st.fixed_dictionaries({}, optional={
        'hosts': st.dictionaries(TEXT, host | JSON, max_size=3), 'generated': JSON, 'profile': JSON,
        'baseline_profile': JSON, 'host_status': JSON, 'unreachable': JSON, 'failed': JSON, 'summary': JSON,
        'made': JSON, 'version': JSON, 'kind': JSON, 'slice': JSON})


# What a planted file is: (kind, data)
FILES = st.one_of(
    st.tuples(st.just('json'), report_like() | JSON),
    st.tuples(st.just('bytes'), st.binary(max_size=64)),
    st.tuples(st.just('nested'), st.sampled_from([100, 3000, 100000])),
    st.tuples(st.just('fifo'), st.none()),
    st.tuples(st.just('symlink'), st.sampled_from(['/dev/zero', 'outside.json', 'missing'])),
    st.tuples(st.just('directory'), st.none()),
)


def plant(path, kind, data, outside):
    if kind == 'json':
        with open(path, 'w') as handle:
            handle.write(json.dumps(data))  # ensure_ascii: a lone surrogate is written as \ud800
    elif kind == 'bytes':
        with open(path, 'wb') as handle:
            handle.write(data)
    elif kind == 'nested':
        with open(path, 'w') as handle:
            handle.write('[' * data + ']' * data)
    elif kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'symlink':
        os.symlink(data if data.startswith('/') else os.path.join(outside, data), path)
    else:
        os.mkdir(path)


def alarm(signum, frame):
    raise AssertionError('the action blocked')


def snapshot(dest):
    return dict((name, (open(os.path.join(dest, name), 'rb').read(), os.lstat(os.path.join(dest, name)).st_ino))
                for name in NAMES if os.path.isfile(os.path.join(dest, name)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(previous=st.none() | FILES, slices=st.lists(FILES, max_size=3), merge=st.booleans(),
       hostile=st.dictionaries(st.sampled_from(['live', 'boot', 'status', 'expected']), JSON, max_size=2))
def test_any_directory_content_gives_a_whole_report_set_or_leaves_the_previous_one(previous, slices, merge, hostile):
    base = tempfile.mkdtemp(prefix='kt-report-property-')
    previous_handler = signal.signal(signal.SIGALRM, alarm)
    try:
        dest, outside = os.path.join(base, 'reports'), os.path.join(base, 'outside')
        os.mkdir(outside)
        with open(os.path.join(outside, 'outside.json'), 'w') as handle:
            handle.write('{"hosts": {}}')
        run({'dest': dest, 'history': 0}, fleet_vars({'web1': 'ok'}), ('web1',))  # a whole previous set
        if previous is not None:
            os.unlink(os.path.join(dest, 'report.json'))
            plant(os.path.join(dest, 'report.json'), previous[0], previous[1], outside)
        os.mkdir(os.path.join(dest, 'slices'))
        for number, (kind, data) in enumerate(slices):
            plant(os.path.join(dest, 'slices', 'slice-%016x.json' % number), kind, data, outside)
        before = snapshot(dest)
        hostvars = fleet_vars({'web1': 'drift', 'web2': 'ok'})
        hostvars['web1']['kerneltune_audit']['sysctl']['net.core.somaxconn'].update(hostile)
        signal.alarm(20)
        try:
            with mock.patch('ansible.plugins.action.display'):
                if merge:
                    result = run({'dest': dest, 'merge': True, 'history': 0})
                else:
                    result = run({'dest': dest, 'history': 0}, hostvars, ('web1', 'web2'))
        except AnsibleActionFail as exc:
            assert snapshot(dest) == before, exc  # the previous set is whole
        else:
            after = snapshot(dest)
            assert sorted(after) == NAMES, result  # a whole new set
            assert all(after[name][1] != before.get(name, (None, None))[1] for name in NAMES)
            with open(os.path.join(dest, 'report.json')) as handle:
                assert isinstance(json.load(handle)['host_status'], dict)
        finally:
            signal.alarm(0)
        assert sorted(os.listdir(outside)) == ['outside.json']
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        shutil.rmtree(base)

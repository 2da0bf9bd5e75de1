# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_report action in a report directory someone else can write: what is planted there never blocks the
task, is never followed out of the directory, and too deep a nesting is an unreadable file like any other."""

from __future__ import annotations

import os
import signal
import sys
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # ansible-test units imports tests as packages
from test_audit_report import fleet_vars, run  # noqa: E402  # pylint: disable=import-error


@pytest.fixture
def no_hang():
    """Fail a test that blocks for 10 s instead of hanging the run."""
    def alarm(signum, frame):
        raise AssertionError('blocked')

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_fifo_as_the_previous_report_is_a_warning(tmp_path, no_hang):
    os.mkfifo(str(tmp_path / 'report.json'))
    with mock.patch('ansible.plugins.action.display') as display:
        result = run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert result['changes'] is None and 'not a regular file' in str(display.warning.call_args)
    assert os.path.isfile(str(tmp_path / 'report.json'))


def test_a_symlinked_previous_report_is_not_followed(tmp_path):
    secret = tmp_path / 'secret.json'
    secret.write_text('{"hosts": {}}')
    dest = tmp_path / 'reports'
    dest.mkdir()
    os.symlink(str(secret), str(dest / 'report.json'))
    with mock.patch('ansible.plugins.action.display') as display:
        result = run({'dest': str(dest), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert result['changes'] is None and 'it is a symlink' in str(display.warning.call_args)
    assert not (dest / 'history').exists() and secret.read_text() == '{"hosts": {}}'


@pytest.mark.parametrize('kind', ['fifo', 'symlink'])
def test_a_planted_lock_file_is_refused(tmp_path, kind, no_hang):
    lock = tmp_path / '.kerneltune-report.lock'
    outside = tmp_path / 'outside.lock'
    if kind == 'fifo':
        os.mkfifo(str(lock))
    else:
        os.symlink(str(outside), str(lock))
    with pytest.raises(AnsibleActionFail, match='cannot use the lock file .*: it is (not a regular file|a symlink)'):
        run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert not outside.exists() and not (tmp_path / 'report.json').exists()


@pytest.mark.parametrize('name, args', [('history', {'formats': ['json'], 'history': 1}),
                                        ('slices', {'slice': True}), ('slices', {'merge': True})])
def test_a_symlinked_history_or_slices_directory_is_refused(tmp_path, name, args):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    (elsewhere / 'report-20200101T000000Z.json').write_text('{}')
    (elsewhere / 'slice-0123456789abcdef.json').write_text('{}')
    dest = tmp_path / 'reports'
    dest.mkdir()
    (dest / 'report.json').write_text('{}')  # an earlier report to keep in history
    os.symlink(str(elsewhere), str(dest / name))
    with pytest.raises(AnsibleActionFail, match='refusing to use .*%s as the %s directory: it is a symlink'
                       % (name, name)):
        run(dict(args, dest=str(dest)), fleet_vars({'web1': 'ok'}), ('web1',))
    assert sorted(os.listdir(str(elsewhere))) == ['report-20200101T000000Z.json', 'slice-0123456789abcdef.json']


def test_a_deeply_nested_slice_is_named(tmp_path, no_hang):
    (tmp_path / 'slices').mkdir()
    (tmp_path / 'slices' / 'slice-0123456789abcdef.json').write_text('[' * 100000)
    with pytest.raises(AnsibleActionFail, match='cannot read the slice report .*slice-0123456789abcdef.json: '
                                                'nested too deeply'):
        run({'dest': str(tmp_path), 'merge': True})


def test_a_fifo_slice_is_named(tmp_path, no_hang):
    (tmp_path / 'slices').mkdir()
    os.mkfifo(str(tmp_path / 'slices' / 'slice-0123456789abcdef.json'))
    with pytest.raises(AnsibleActionFail, match='cannot read the slice report .*slice-0123456789abcdef.json'):
        run({'dest': str(tmp_path), 'merge': True})


def test_a_deeply_nested_previous_report_is_a_warning(tmp_path):
    (tmp_path / 'report.json').write_text('[' * 100000)
    with mock.patch('ansible.plugins.action.display') as display:
        result = run({'dest': str(tmp_path), 'formats': ['json']}, fleet_vars({'web1': 'ok'}), ('web1',))
    assert result['changes'] is None and 'nested too deeply' in str(display.warning.call_args)


@pytest.mark.parametrize('value', [10 ** 400, float('inf'), float('nan')], ids=['huge', 'inf', 'nan'])
def test_a_host_with_a_counter_out_of_range_is_malformed_not_the_fleet(tmp_path, value):
    hostvars = fleet_vars({'web1': 'ok', 'web2': 'drift'})
    hostvars['web1']['kerneltune_audit']['pressure'] = {'tw_usage': value}
    result = run({'dest': str(tmp_path)}, hostvars, ('web1', 'web2'))
    assert result['failed_hosts']['web1'].startswith('malformed audit result: pressure.tw_usage is not a counter')
    assert result['host_status'] == {'web2': 'drift'}
    assert sorted(os.listdir(str(tmp_path))) == ['.kerneltune-report.lock', 'report.csv', 'report.html',
                                                 'report.json', 'report.junit.xml', 'report.prom']


def test_a_lone_surrogate_is_written_to_the_csv_as_a_replacement_character(tmp_path):
    hostvars = fleet_vars({'web1': 'drift'})
    hostvars['web1']['kerneltune_audit']['sysctl']['net.core.somaxconn']['live'] = '\ud800'
    result = run({'dest': str(tmp_path)}, hostvars, ('web1',))
    assert result['host_status'] == {'web1': 'drift'}
    assert u'\ufffd' in (tmp_path / 'report.csv').read_text(encoding='utf-8')


def test_a_writer_that_fails_leaves_the_previous_report_set_whole(tmp_path):
    run({'dest': str(tmp_path)}, fleet_vars({'web1': 'ok'}), ('web1',))
    names = ['report.csv', 'report.html', 'report.json', 'report.junit.xml', 'report.prom']
    before = dict((name, ((tmp_path / name).read_bytes(), os.stat(str(tmp_path / name)).st_ino)) for name in names)

    def broken(report, out):
        out.write(b'half')
        raise OverflowError('int too large to convert to float')

    with mock.patch.dict('ansible_collections.kerneltune.sysctl.plugins.action.audit_report.WRITERS',
                         {'html': broken}):
        with pytest.raises(AnsibleActionFail, match='cannot write the report file .*report.html: OverflowError: int '
                                                    'too large to convert to float; no report file was changed'):
            run({'dest': str(tmp_path), 'history': 0}, fleet_vars({'web1': 'drift'}), ('web1',))
    after = dict((name, ((tmp_path / name).read_bytes(), os.stat(str(tmp_path / name)).st_ino)) for name in names)
    assert after == before
    assert sorted(os.listdir(str(tmp_path))) == ['.kerneltune-report.lock'] + names  # no temporary file is left


def test_a_directory_in_place_of_a_report_file_leaves_the_previous_set_whole(tmp_path):
    # found by test_audit_report_files_property: the rename failed after other report files were replaced
    run({'dest': str(tmp_path)}, fleet_vars({'web1': 'ok'}), ('web1',))
    os.unlink(str(tmp_path / 'report.json'))
    (tmp_path / 'report.json').mkdir()
    before = dict((name, (tmp_path / name).read_bytes()) for name in ('report.csv', 'report.html', 'report.prom'))
    with mock.patch('ansible.plugins.action.display'):
        with pytest.raises(AnsibleActionFail, match='cannot write the report file .*report.json: it is a directory; '
                                                    'no report file was changed'):
            run({'dest': str(tmp_path)}, fleet_vars({'web1': 'drift'}), ('web1',))
    assert dict((name, (tmp_path / name).read_bytes()) for name in before) == before


def test_a_slice_whose_profile_is_not_a_name_is_named(tmp_path):
    # found by test_audit_report_files_property: a list as the profile raised TypeError (unhashable)
    (tmp_path / 'slices').mkdir()
    (tmp_path / 'slices' / 'slice-0123456789abcdef.json').write_text('{"hosts": {}, "profile": []}')
    with pytest.raises(AnsibleActionFail, match='slice-0123456789abcdef.json is not a slice report of '
                                                'kerneltune.sysctl.audit_report: its profile is list, not a profile'):
        run({'dest': str(tmp_path), 'merge': True})

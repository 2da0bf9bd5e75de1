# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit module's textfile_dir: main() run for real on a host under a temporary root, the file in a real directory.

What node_exporter would read is checked: only whole files named *.prom
(dot-files included) ever appear, the text parses (prometheus_client, promtool
check metrics) and holds the module's own results.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host, _textfile
from ansible_collections.kerneltune.sysctl.plugins.modules import audit as audit_module

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'tools')))
from prom_check import parse, promtool_check  # noqa: E402

TW = 'net.ipv4.tcp_max_tw_buckets'
NAME = 'kerneltune_sysctl.prom'
ARGS = {'profile': 'high_connection', 'baseline_profile': 'alibaba_cloud_default', 'boot_applier': 'procps',
        'kernel_check': False}


def run_module(args, capsys):
    """Run the audit module's main() with ``args``; return its result (the JSON it printed)."""
    try:
        from ansible.module_utils.testing import patch_module_args
        patched = patch_module_args(args)
    except ImportError:  # ansible-core before 2.19
        patched = mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode())
    with patched:
        with pytest.raises(SystemExit):
            audit_module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def host(tune_root, monkeypatch, tmp_path):
    """(root of the audited host, its textfile directory): the audit module bound to the host under tune_root."""
    monkeypatch.setattr(audit_module, 'appliers', lambda choice: _host.appliers(choice, tune_root))
    monkeypatch.setattr(audit_module, 'read_host', lambda *args, **kwargs: _host.read_host(*args, root=tune_root,
                                                                                           **kwargs))
    monkeypatch.setattr(audit_module, 'read_pressure', lambda live: _host.read_pressure(live, tune_root))
    proc_net = os.path.join(tune_root, 'proc', 'net')
    os.makedirs(proc_net)
    with open(os.path.join(proc_net, 'sockstat'), 'w') as handle:
        handle.write('sockets: used 5\nTCP: inuse 3 orphan 0 tw 4990 alloc 9 mem 1\n')
    with open(os.path.join(proc_net, 'netstat'), 'w') as handle:
        handle.write('TcpExt: ListenOverflows ListenDrops TCPTimeWaitOverflow SyncookiesSent\n'
                     'TcpExt: 0 0 1602 0\n')
    directory = tmp_path / 'textfile'
    directory.mkdir()
    return tune_root, str(directory)


def listing(directory):
    return sorted(os.listdir(directory))


def test_writes_the_results_then_leaves_an_equal_file_alone(host, capsys):
    root, directory = host
    result = run_module(dict(ARGS, textfile_dir=directory), capsys)
    path = os.path.join(directory, NAME)
    assert result['changed'] is True and result['textfile'] == {'path': path, 'state': 'written'}, result
    assert listing(directory) == [NAME]  # no temporary file left
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    samples, types = parse(text)
    # the file holds what the module returned
    statuses = dict((dict(labels)['key'], dict(labels)['status']) for (name, labels) in samples
                    if name == 'kerneltune_sysctl_key_status')
    assert statuses == dict((key, entry['status']) for key, entry in result['sysctl'].items())
    assert statuses[TW] == 'drift'
    assert samples[('kerneltune_sysctl_live_value', (('key', TW),))] == int(result['sysctl'][TW]['live']) == 5000
    assert samples[('kerneltune_sysctl_at_baseline', (('key', TW),))] == 1
    assert samples[('kerneltune_sysctl_tcp_time_wait_overflow_total', (('key', TW),))] == 1602
    assert samples[('kerneltune_sysctl_time_wait_sockets', (('key', TW),))] == 4990
    assert all('host' not in dict(labels) for (name, labels) in samples)  # the scrape's instance names the host
    promtool_check(text)
    before = os.stat(path)
    again = run_module(dict(ARGS, textfile_dir=directory), capsys)
    assert again['changed'] is False and again['textfile'] == {'path': path, 'state': 'unchanged'}
    after = os.stat(path)
    # Not rewritten (same inode), but touched: node_textfile_mtime_seconds is the time of the last audit.
    assert after.st_ino == before.st_ino and after.st_mtime_ns >= before.st_mtime_ns
    assert listing(directory) == [NAME]


def test_only_whole_files_named_prom_appear(host, capsys, monkeypatch):
    """The new content goes to a temporary file not named *.prom in the same directory, renamed over the old one."""
    root, directory = host
    path = os.path.join(directory, NAME)
    with open(path, 'w') as handle:
        handle.write('# an older audit\n')
    seen = []
    real_replace = os.rename

    def replace(src, dst):
        seen.append((src, dst, listing(directory)))
        with open(path) as handle:
            assert handle.read() == '# an older audit\n'  # the old file is whole until the rename
        with open(src, encoding='utf-8') as handle:
            parse(handle.read())  # the new one is whole before it
        assert stat.S_IMODE(os.stat(src).st_mode) == 0o644
        return real_replace(src, dst)

    monkeypatch.setattr(_textfile.os, 'rename', replace)
    result = run_module(dict(ARGS, textfile_dir=directory), capsys)
    assert result['textfile']['state'] == 'written'
    (src, dst, names), = seen
    temp = os.path.basename(src)
    assert os.path.dirname(src) == directory and dst == path
    assert temp.startswith('.kerneltune_sysctl.') and temp.endswith('.tmp') and not temp.endswith('.prom')
    assert [name for name in names if name.endswith('.prom')] == [NAME]  # node_exporter's glob sees the old file only
    assert listing(directory) == [NAME]


def test_check_mode_writes_nothing(host, capsys):
    root, directory = host
    result = run_module(dict(ARGS, textfile_dir=directory, _ansible_check_mode=True), capsys)
    path = os.path.join(directory, NAME)
    assert result['changed'] is True and result['textfile'] == {'path': path, 'state': 'check_mode'}
    assert listing(directory) == []
    run_module(dict(ARGS, textfile_dir=directory), capsys)
    with open(path, 'rb') as handle:
        written = handle.read()
    result = run_module(dict(ARGS, textfile_dir=directory, _ansible_check_mode=True), capsys)
    assert result['changed'] is False and result['textfile']['state'] == 'unchanged'
    with open(os.path.join(root, 'proc', 'sys', 'net', 'core', 'somaxconn'), 'w') as handle:
        handle.write('65535\n')  # the host changes: check mode says the file would change, and leaves it
    result = run_module(dict(ARGS, textfile_dir=directory, _ansible_check_mode=True), capsys)
    assert result['changed'] is True and result['textfile']['state'] == 'check_mode'
    with open(path, 'rb') as handle:
        assert handle.read() == written
    assert listing(directory) == [NAME]


def test_no_textfile_dir_no_file_and_no_change(host, capsys):
    root, directory = host
    result = run_module(ARGS, capsys)
    assert result['changed'] is False and 'textfile' not in result
    assert listing(directory) == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_missing_directory_fails_naming_it(host, capsys, check_mode):
    root, directory = host
    missing = os.path.join(directory, 'node-exporter')
    result = run_module(dict(ARGS, textfile_dir=missing, _ansible_check_mode=check_mode), capsys)
    assert result['failed'] is True and 'sysctl' not in result  # the fleet report lists the host as failed
    assert result['msg'].startswith('textfile_dir %s does not exist' % missing)
    assert listing(directory) == []
    with open(os.path.join(directory, 'file'), 'w'):
        pass
    result = run_module(dict(ARGS, textfile_dir=os.path.join(directory, 'file')), capsys)
    assert result['failed'] is True and result['msg'] == ('textfile_dir %s is not a directory; nothing was written'
                                                          % os.path.join(directory, 'file'))


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(host, capsys, monkeypatch):
    root, directory = host
    path = os.path.join(directory, NAME)
    with open(path, 'w') as handle:
        handle.write('# an older audit\n')

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)

    monkeypatch.setattr(_textfile.os, 'rename', disk_full)
    result = run_module(dict(ARGS, textfile_dir=directory), capsys)
    assert result['failed'] is True and result['msg'] == (
        'cannot write %s: No space left on device; nothing was changed' % path)
    assert listing(directory) == [NAME]
    with open(path) as handle:
        assert handle.read() == '# an older audit\n'


def test_fail_on_drift_writes_the_file_first(host, capsys):
    """The file shows the drift that fails the task."""
    root, directory = host
    result = run_module(dict(ARGS, textfile_dir=directory, fail_on_drift=True), capsys)
    assert result['failed'] is True and result['msg'].startswith('sysctl keys not ok: ')
    assert result['textfile']['state'] == 'written'
    with open(os.path.join(directory, NAME), encoding='utf-8') as handle:
        samples, types = parse(handle.read())
    assert samples[('kerneltune_sysctl_key_status', (('key', TW), ('status', 'drift')))] == 1

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sysctl files of a host: listed, ordered, read and decoded one way (Latin-1)."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host_files
from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import (
    APPLIERS,
    UnknownApplierError,
    reads_sysctl_conf_last,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Assignment, Problem
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import (
    BLOCKS,
    HANGS,
    DECODING,
    conf_files,
    decode,
    encode,
    problem_report,
    read_assignments,
    read_bytes,
    read_conf,
    read_texts,
    sysctl_d_dirs,
    sysctl_d_listing,
    under,
)


def _conf_files(applier, dirs, sysctl_conf, planned=None):
    """conf_files of the listing of ``dirs``."""
    return conf_files(applier, sysctl_d_listing(dirs)[0], sysctl_conf, planned)


@pytest.fixture
def tree(tmp_path, write_file):
    etc = tmp_path / 'etc' / 'sysctl.d'
    run = tmp_path / 'run' / 'sysctl.d'
    usr = tmp_path / 'usr' / 'lib' / 'sysctl.d'
    write_file(etc / '90-tuning.conf', 'net.core.somaxconn = 8192\n')
    write_file(etc / '50-default.conf', '# masks the vendor file\n')
    write_file(etc / 'README', 'not a conf file\n')
    write_file(run / '10-run.conf', 'vm.swappiness = 30\n')
    write_file(usr / '50-default.conf', 'vm.swappiness = 60\n')
    write_file(usr / '60-vendor.conf', 'net.ipv4.conf.*.rp_filter = 2\n')
    write_file(usr / '60-vendor.conf.rpmnew', 'garbage\n')
    write_file(tmp_path / 'not-a-dir', 'file\n')
    write_file(tmp_path / 'etc' / 'sysctl.conf', 'net.core.somaxconn = 4096\n')
    dirs = [str(etc), str(run), str(tmp_path / 'usr' / 'local' / 'lib' / 'sysctl.d'), str(usr),
            str(tmp_path / 'not-a-dir')]
    return tmp_path, dirs, str(tmp_path / 'etc' / 'sysctl.conf')


def _expected_files(root):
    return [
        str(root / 'run' / 'sysctl.d' / '10-run.conf'),
        str(root / 'etc' / 'sysctl.d' / '50-default.conf'),
        str(root / 'usr' / 'lib' / 'sysctl.d' / '60-vendor.conf'),
        str(root / 'etc' / 'sysctl.d' / '90-tuning.conf'),
    ]


def _procps(key, value, source, line, ignore_failure=False, is_glob=False):
    """An assignment as procps reads it (its target is the /proc/sys path it opens)."""
    path = '/'.join(part.replace('/', '.') for part in key.split('.'))
    return Assignment(key, value, ignore_failure, is_glob, source, line, '/proc/sys/' + path)


def _systemd(key, value, source, line, ignore_failure=False, is_glob=False):
    """An assignment as systemd-sysctl reads it (its target is the normalised key)."""
    path = '/'.join(part.replace('/', '.') for part in key.split('.'))
    return Assignment(key, value, ignore_failure, is_glob, source, line, path)


@pytest.mark.parametrize('applier', APPLIERS)
def test_conf_files(tree, applier):
    # /etc/sysctl.conf last where the applier reads it last (the table of test_appliers)
    root, dirs, sysctl_conf = tree
    expected = _expected_files(root) + ([sysctl_conf] if reads_sysctl_conf_last(applier) else [])
    assert _conf_files(applier, dirs, sysctl_conf) == expected


@pytest.mark.parametrize('applier', APPLIERS)
def test_conf_files_without_sysctl_conf(tree, applier):
    root, dirs, sysctl_conf = tree
    os.unlink(sysctl_conf)
    assert _conf_files(applier, dirs, sysctl_conf) == _expected_files(root)


@pytest.mark.parametrize('applier', APPLIERS)
def test_conf_files_sysctl_conf_not_a_file(tree, applier):
    root, dirs, sysctl_conf = tree
    os.unlink(sysctl_conf)
    os.mkdir(sysctl_conf)
    assert _conf_files(applier, dirs, sysctl_conf) == _expected_files(root)


@pytest.mark.parametrize('applier, hidden', [('procps', True), ('procps3', True), ('systemd', False),
                                             ('systemd239', False), ('systemd_rhel7', False)])
def test_conf_files_hidden(tree, applier, hidden, write_file):
    root, dirs, sysctl_conf = tree
    write_file(root / 'etc' / 'sysctl.d' / '.99-hidden.conf', 'vm.swappiness = 1\n')
    write_file(root / 'usr' / 'lib' / 'sysctl.d' / '.conf', 'vm.swappiness = 2\n')
    files = _conf_files(applier, dirs, str(root / 'no-sysctl.conf'))
    extra = [str(root / 'etc' / 'sysctl.d' / '.99-hidden.conf'), str(root / 'usr' / 'lib' / 'sysctl.d' / '.conf')]
    assert files == (extra if hidden else []) + _expected_files(root)


def test_conf_files_planned(tree):
    root, dirs, sysctl_conf = tree
    planned = os.path.join(dirs[0], '70-kerneltune.conf')
    files = _conf_files('procps', dirs, sysctl_conf, planned=planned)
    assert files == _expected_files(root)[:3] + [planned] + _expected_files(root)[3:] + [sysctl_conf]
    assert not os.path.exists(planned)
    # a planned file of the same name as an existing one takes its place once
    again = _conf_files('systemd', dirs, sysctl_conf, planned=os.path.join(dirs[0], '90-tuning.conf'))
    assert again == _expected_files(root)
    # a planned file outside the directories read is not read
    assert _conf_files('systemd', dirs, sysctl_conf, planned=str(root / 'elsewhere.conf')) == _expected_files(root)


def test_conf_files_no_directories(tmp_path):
    assert _conf_files('systemd', [str(tmp_path / 'missing')], str(tmp_path / 'sysctl.conf')) == []


def test_conf_files_unknown_applier(tree):
    dirs, sysctl_conf = tree[1:]
    with pytest.raises(UnknownApplierError) as exc:
        _conf_files('auto', dirs, sysctl_conf)
    assert str(exc.value) == ("unknown applier 'auto', expected one of procps, procps3, systemd, systemd245, "
                              "systemd239, systemd_rhel7")


def test_conf_files_dev_null_mask(tmp_path, write_file):
    etc = tmp_path / 'etc'
    usr = tmp_path / 'usr'
    write_file(usr / '50-pid-max.conf', 'kernel.pid_max = 4194304\n')
    write_file(usr / '60-other.conf', 'vm.swappiness = 10\n')
    etc.mkdir()
    os.symlink(os.devnull, str(etc / '50-pid-max.conf'))
    for applier in APPLIERS:
        files = _conf_files(applier, [str(etc), str(usr)], str(tmp_path / 'sysctl.conf'))
        assert files == [str(etc / '50-pid-max.conf'), str(usr / '60-other.conf')]
    assignments, problems = read_assignments(files, 'systemd')
    assert assignments == [_systemd('vm.swappiness', '10', str(usr / '60-other.conf'), 1)]
    assert problems == []


def test_read_assignments(tree, write_file):
    root, dirs, sysctl_conf = tree
    bad = write_file(root / 'bad.conf', 'vm.swappiness = 1\nthis is garbage\n')
    files = _conf_files('procps', dirs, sysctl_conf) + [str(bad)]
    assignments, problems = read_assignments(files, 'procps')
    run, vendor, tuning = [_expected_files(root)[index] for index in (0, 2, 3)]
    assert assignments == [
        _procps('vm.swappiness', '30', run, 1),
        _procps('net.ipv4.conf.*.rp_filter', '2', vendor, 1, is_glob=True),
        _procps('net.core.somaxconn', '8192', tuning, 1),
        _procps('net.core.somaxconn', '4096', sysctl_conf, 1),
        _procps('vm.swappiness', '1', str(bad), 1),
    ]
    assert problems == [Problem(str(bad), 2, 'this is garbage', 'not an assignment (no "=")')]


def test_read_assignments_per_applier(tmp_path, write_file):
    path = write_file(tmp_path / 'a.conf', b'- vm.swappiness = 1\rnet.ipv4.conf.*.rp_filter = 2\n\xe9\n')
    name = str(path)
    assert read_assignments([name], 'procps') == (
        [Assignment(' vm.swappiness', '1\rnet.ipv4.conf.*.rp_filter = 2', True, False, name, 1,
                    '/proc/sys/ vm/swappiness')], [])
    assert read_assignments([name], 'systemd') == (
        [_systemd('vm.swappiness', '1', name, 1, ignore_failure=True),
         _systemd('net.ipv4.conf.*.rp_filter', '2', name, 2, is_glob=True)],
        [Problem(name, 3, '\ufffd', 'not an assignment (no "=")')])
    assert read_assignments([name], 'systemd239') == (
        [Assignment('- vm.swappiness', '1', False, False, name, 1, '- vm/swappiness')],
        [Problem(name, 2, 'net.ipv4.conf.*.rp_filter = 2',
                 'this applier (systemd-sysctl 239 (RHEL 8, Alibaba Cloud Linux 3; modelled)) does not expand globs'),
         Problem(name, 3, '\ufffd', 'not an assignment (no "=")')])


def test_read_assignments_texts_instead_of_files(tmp_path, write_file):
    on_disk = write_file(tmp_path / 'a.conf', 'vm.swappiness = 1\n')
    planned = str(tmp_path / 'b.conf')
    texts = {str(on_disk): ('vm.swappiness = 2\n', None), planned: ('vm.dirty_ratio = 5\n', 'a note')}
    assert read_assignments([str(on_disk), planned], 'procps', texts) == (
        [_procps('vm.swappiness', '2', str(on_disk), 1), _procps('vm.dirty_ratio', '5', planned, 1)],
        [Problem(planned, 0, '', 'a note')])


@pytest.mark.parametrize('kind, reason', [
    ('vanished', 'cannot read: No such file or directory'),
    ('fifo', BLOCKS),
], ids=['vanished', 'fifo'])
def test_read_assignments_unreadable(tmp_path, kind, reason, write_file):
    unreadable = tmp_path / 'unreadable.conf'
    if kind == 'fifo':
        os.mkfifo(str(unreadable))
    good = write_file(tmp_path / 'good.conf', 'vm.swappiness = 10\n')
    assignments, problems = read_assignments([str(unreadable), str(good)], 'procps')
    assert assignments == [_procps('vm.swappiness', '10', str(good), 1)]
    assert problems == [Problem(str(unreadable), 0, '', reason)]


# procps 3.3 applies each file as it reads it: a FIFO stops it there (the files before it apply; run: Debian 11's
# procps 3.3.17 in tests/differential); the others read every file first and apply nothing.
@pytest.mark.parametrize('applier, expected, reason', [
    ('procps3', ['before'], HANGS),
    ('procps', ['before', 'after'], BLOCKS),
    ('systemd', ['before', 'after'], BLOCKS),
    ('systemd245', ['before', 'after'], BLOCKS),
])
def test_read_assignments_fifo_between_files(tmp_path, write_file, applier, expected, reason):
    before = write_file(tmp_path / '10-before.conf', 'vm.swappiness = 10\n')
    fifo = tmp_path / '20-fifo.conf'
    os.mkfifo(str(fifo))
    after = write_file(tmp_path / '30-after.conf', 'vm.dirty_ratio = 20\n')
    assignments, problems = read_assignments([str(before), str(fifo), str(after)], applier)
    sources = {str(before): 'before', str(after): 'after'}
    assert [sources[item.source] for item in assignments] == expected
    assert problems == [Problem(str(fifo), 0, '', reason)]


def test_read_assignments_directory_reads_as_empty(tmp_path):
    (tmp_path / 'dir.conf').mkdir()
    assert read_assignments([str(tmp_path / 'dir.conf')], 'systemd') == ([], [])


@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root reads files whatever their mode')
def test_read_assignments_permission_denied(tmp_path, write_file):
    path = write_file(tmp_path / 'secret.conf', 'vm.swappiness = 10\n')
    path.chmod(0)
    try:
        assert read_assignments([str(path)], 'procps') == (
            [], [Problem(str(path), 0, '', 'cannot read: Permission denied')])
    finally:
        path.chmod(0o644)


def test_read_assignments_permission_denied_mocked(tmp_path, monkeypatch):
    path = str(tmp_path / 'secret.conf')
    real_open = os.open

    def refuse(name, *args, **kwargs):
        if name == path:
            raise PermissionError(errno.EACCES, 'Permission denied', name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(_host_files.os, 'open', refuse)
    assert read_assignments([path], 'procps') == ([], [Problem(path, 0, '', 'cannot read: Permission denied')])


def test_read_assignments_nothing():
    assert read_assignments([], 'procps') == ([], [])


READ_CONF_CASES = [
    ('file', ('kernel.domainname = caf\xe9\r\n\x00x\n', None)),
    ('utf8', ('kernel.domainname = caf\xc3\xa9\n', None)),
    ('empty', ('', None)),
    ('missing', ('', 'cannot read: No such file or directory')),
    ('directory', ('', None)),
    ('dev-null', ('', None)),
    ('dev-null-link', ('', None)),
    ('fifo', ('', BLOCKS)),
    ('fifo-with-a-writer', ('', BLOCKS)),
    ('dangling-link', ('', 'cannot read: No such file or directory')),
    ('big', ('vm.swappiness = 1\n' * 100000, None)),
]


@pytest.mark.parametrize('kind, expected', READ_CONF_CASES, ids=[case[0] for case in READ_CONF_CASES])
def test_read_conf(tmp_path, kind, expected, no_block):
    path = tmp_path / 'x.conf'
    writer = None
    if kind == 'file':
        path.write_bytes(b'kernel.domainname = caf\xe9\r\n\x00x\n')
    elif kind == 'utf8':
        path.write_bytes('kernel.domainname = caf\xe9\n'.encode('utf-8'))
    elif kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'directory':
        path.mkdir()
    elif kind == 'dev-null':
        path = Path(os.devnull)
    elif kind == 'dev-null-link':
        os.symlink(os.devnull, str(path))
    elif kind in ('fifo', 'fifo-with-a-writer'):
        os.mkfifo(str(path))
        if kind == 'fifo-with-a-writer':
            reader = os.open(str(path), os.O_RDONLY | os.O_NONBLOCK)
            writer = os.open(str(path), os.O_WRONLY)
            os.write(writer, b'vm.swappiness = 1\n')
            os.close(reader)
    elif kind == 'dangling-link':
        os.symlink(str(tmp_path / 'nowhere'), str(path))
    elif kind == 'big':
        path.write_bytes(b'vm.swappiness = 1\n' * 100000)
    no_block()
    try:
        assert read_conf(str(path)) == expected
    finally:
        signal.alarm(0)
        if writer is not None:
            os.close(writer)


def test_read_texts(tmp_path, write_file):
    good = write_file(tmp_path / 'a.conf', b'vm.swappiness = \xe9\n')
    missing = str(tmp_path / 'b.conf')
    assert read_texts([str(good), missing]) == {
        str(good): ('vm.swappiness = \xe9\n', None),
        missing: ('', 'cannot read: No such file or directory'),
    }
    assert read_texts([]) == {}


def test_under():
    assert under('/', '/etc/sysctl.conf') == '/etc/sysctl.conf'
    assert under(None, '/proc/sys') == '/proc/sys'
    assert under('/tmp/host', '/etc/sysctl.d') == '/tmp/host/etc/sysctl.d'
    assert sysctl_d_dirs('/tmp/host') == ['/tmp/host/etc/sysctl.d', '/tmp/host/run/sysctl.d',
                                          '/tmp/host/usr/local/lib/sysctl.d', '/tmp/host/usr/lib/sysctl.d',
                                          '/tmp/host/lib/sysctl.d']


# (bytes, text): one character per byte, whatever the encoding
DECODE_CASES = [
    (b'', ''),
    (b'vm.swappiness = 0\n', 'vm.swappiness = 0\n'),
    (b'# caf\xc3\xa9\n', '# caf\xc3\xa9\n'),
    (b'# caf\xe9\n', '# caf\xe9\n'),
    (b'\xff\xfe\x00\r\n\x0c', '\xff\xfe\x00\r\n\x0c'),
    (b'\xe2\x80\xa8', '\xe2\x80\xa8'),
]


@pytest.mark.parametrize('data, text', DECODE_CASES,
                         ids=['empty', 'ascii', 'utf-8', 'latin-1', 'control', 'line-separator'])
def test_decode_is_one_character_per_byte(data, text):
    assert DECODING == 'latin-1'
    assert decode(data) == text
    assert len(decode(data)) == len(data)
    assert encode(text) == data


def test_every_byte_round_trips():
    data = bytes(range(256))
    assert encode(decode(data)) == data
    # always valid Unicode: Ansible returns it as JSON
    decode(data).encode('utf-8')


def test_read_conf_and_read_bytes_agree(tmp_path, write_file):
    data = b'# caf\xe9 \xe4\xb8\xad\nnet.core.somaxconn = 8192\r\n'
    path = write_file(tmp_path / 'a.conf', data)
    assert read_conf(str(path)) == (decode(data), None)
    assert read_bytes(str(path)) == data


def test_read_bytes_missing_is_none(tmp_path):
    assert read_bytes(str(tmp_path / 'missing.conf')) is None
    assert read_bytes(str(tmp_path / 'no-dir' / 'missing.conf')) is None


def test_read_bytes_of_a_dangling_symlink_raises(tmp_path):
    # The name exists (a link to nowhere): not a missing file, so the error is not hidden.
    link = str(tmp_path / '99-sysctl.conf')
    os.symlink(str(tmp_path / 'gone.conf'), link)
    with pytest.raises(FileNotFoundError):
        read_bytes(link)


@pytest.fixture
def sysctl_d(tmp_path):
    """The five sysctl.d directories under tmp_path, /lib a symlink to /usr/lib as on merged-/usr systems."""
    for relative in ('etc', 'run', 'usr/local/lib', 'usr/lib'):
        (tmp_path / relative / 'sysctl.d').mkdir(parents=True)
    os.symlink('usr/lib', str(tmp_path / 'lib'))
    (tmp_path / 'usr/lib/sysctl.d/50-default.conf').write_bytes(b'kernel.kptr_restrict = 1\n')
    (tmp_path / 'usr/lib/sysctl.d/99-protect-links.conf').write_bytes(b'fs.protected_fifos = 1\n')
    (tmp_path / 'run/sysctl.d/99-protect-links.conf').write_bytes(b'')
    return sysctl_d_dirs(str(tmp_path))


def test_sysctl_d_listing_lists_each_real_directory_once(sysctl_d):
    listing, problems = sysctl_d_listing(sysctl_d)
    assert [directory for directory, dummy in listing] == sysctl_d[:4]
    assert [sorted(names) for dummy, names in listing] == [
        [], ['99-protect-links.conf'], [], ['50-default.conf', '99-protect-links.conf']]
    assert problems == []


def test_sysctl_d_listing_missing_directories(tmp_path):
    assert sysctl_d_listing([str(tmp_path / 'a'), str(tmp_path / 'b')]) == (
        [(str(tmp_path / 'a'), []), (str(tmp_path / 'b'), [])], [])


def test_sysctl_d_listing_unlistable_directory(sysctl_d, monkeypatch):
    real_listdir = os.listdir

    def listdir(path):
        if path == sysctl_d[0]:
            raise PermissionError(errno.EACCES, 'Permission denied', path)
        return real_listdir(path)

    monkeypatch.setattr(_host_files.os, 'listdir', listdir)
    listing, problems = sysctl_d_listing(sysctl_d)
    assert listing[0] == (sysctl_d[0], [])
    assert problems == [Problem(sysctl_d[0], 0, '', 'cannot read: Permission denied')]


def test_problem_report_warns_once_per_place(tmp_path, write_file):
    conf = write_file(tmp_path / 'sysctl.conf', 'garbage\n')
    link = tmp_path / '99-sysctl.conf'
    os.symlink(str(conf), str(link))
    problems = [Problem(str(link), 1, 'garbage', 'not an assignment (no "=")'),
                Problem(str(conf), 1, 'garbage', 'not an assignment (no "=")'),
                Problem(str(conf), 0, '', BLOCKS)]
    entries, warnings = problem_report(problems)
    assert entries == [dict(file=p.source, line=p.line, text=p.text, reason=p.reason) for p in problems]
    assert warnings == ['%s:1: not an assignment (no "=")' % link, '%s:0: %s' % (conf, BLOCKS)]
    assert problem_report([]) == ([], [])

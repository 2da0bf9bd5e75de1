# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live writes of _apply: in key order, all or nothing, the refused key written back too."""

from __future__ import annotations

import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import HostWriter
from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply_live import apply_live, restore_live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import ApplyError, KernelRejectedError

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'
SWAPPINESS = 'vm.swappiness'


@pytest.fixture
def proc_sys(tmp_path):
    root = tmp_path / 'proc' / 'sys'
    for relative, value in (('net/ipv4/tcp_max_tw_buckets', '5000'), ('net/core/somaxconn', '4096')):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + '\n')
    return str(root)


def read(root, relative):
    with open(os.path.join(root, relative)) as handle:
        return handle.read()


class FakeWriter(object):
    """Record every write; refuse the keys of ``refuse`` (every time) with the kernel's EINVAL."""

    def __init__(self, refuse=(), refuse_restore=(), values=None):
        self.calls = []
        self.refuse = set(refuse)
        self.refuse_restore = set(refuse_restore)
        self.written = set()
        self.values = dict(PREVIOUS if values is None else values)

    def write_live(self, key, value):
        self.calls.append((key, value))
        if key in self.refuse or (key in self.written and key in self.refuse_restore):
            raise KernelRejectedError('the kernel rejected %s = %s: Invalid argument' % (key, value),
                                      key=key, reason='Invalid argument')
        self.written.add(key)
        self.values[key] = value

    def read_live(self, key):
        return self.values.get(key)


CHANGES = {TW: '262144', SOMAXCONN: '8192', SYN: '8192', 'net.ipv4.tcp_fin_timeout': '30'}
PREVIOUS = {TW: '5000', SOMAXCONN: '4096', SYN: '1024', 'net.ipv4.tcp_fin_timeout': '60', SWAPPINESS: '60'}


def test_apply_live_writes_in_key_order():
    writer = FakeWriter()
    assert apply_live(CHANGES, PREVIOUS, writer) == {}
    assert writer.calls == [
        (SOMAXCONN, '8192'),
        ('net.ipv4.tcp_fin_timeout', '30'),
        (SYN, '8192'),
        (TW, '262144'),
    ]


def test_apply_live_nothing():
    writer = FakeWriter()
    apply_live({}, PREVIOUS, writer)
    assert writer.calls == []


# (refused key, expected calls after the failing one: the restores, the refused key first)
ROLLBACK_CASES = [
    (SOMAXCONN, [(SOMAXCONN, '4096')]),
    ('net.ipv4.tcp_fin_timeout', [('net.ipv4.tcp_fin_timeout', '60'), (SOMAXCONN, '4096')]),
    (SYN, [(SYN, '1024'), ('net.ipv4.tcp_fin_timeout', '60'), (SOMAXCONN, '4096')]),
    (TW, [(TW, '5000'), (SYN, '1024'), ('net.ipv4.tcp_fin_timeout', '60'), (SOMAXCONN, '4096')]),
]
ROLLBACK_IDS = ['first-fails', 'second-fails', 'third-fails', 'last-fails']


@pytest.mark.parametrize('refused, restores', ROLLBACK_CASES, ids=ROLLBACK_IDS)
def test_apply_live_restores_in_reverse_order(refused, restores):
    writer = FakeWriter(refuse=[refused])
    with pytest.raises(ApplyError) as exc:
        apply_live(CHANGES, PREVIOUS, writer)
    assert str(exc.value) == ('the kernel rejected %s = %s: Invalid argument; values already written were restored, '
                              'no file was changed' % (refused, CHANGES[refused]))
    assert exc.value.changed is False
    order = sorted(CHANGES)
    attempted = [(key, CHANGES[key]) for key in order[:order.index(refused) + 1]]
    assert writer.calls == attempted + list(restores)


def test_apply_live_failed_restore_is_named_and_the_others_restored():
    writer = FakeWriter(refuse=[TW], refuse_restore=['net.ipv4.tcp_fin_timeout'])
    with pytest.raises(ApplyError) as exc:
        apply_live(CHANGES, PREVIOUS, writer)
    assert str(exc.value) == ('the kernel rejected %s = 262144: Invalid argument; no file was changed, but restoring '
                              'failed: net.ipv4.tcp_fin_timeout is left changed (was 60: Invalid argument)' % TW)
    assert (exc.value.changed, exc.value.left) == (True, ['net.ipv4.tcp_fin_timeout'])
    assert writer.calls[4:] == [
        (TW, '5000'),
        (SYN, '1024'),
        ('net.ipv4.tcp_fin_timeout', '60'),
        (SOMAXCONN, '4096'),
    ]


class HalfWriter(object):
    """A kernel with integer vectors: stores each integer in turn, rejects the first one below ``minimum``.

    As proc_dointvec_minmax does, the integers before the rejected one stay written.
    """

    def __init__(self, state, minimum=1):
        self.state = dict((key, value.split()) for key, value in state.items())
        self.minimum = minimum

    def write_live(self, key, value):
        for index, token in enumerate(str(value).split()):
            if int(token) < self.minimum:
                raise KernelRejectedError('the kernel rejected %s = %s: Invalid argument' % (key, value),
                                          key=key, reason='Invalid argument')
            self.state[key][index] = token

    def read_live(self, key):
        return '\t'.join(self.state[key])

    def values(self):
        return dict((key, '\t'.join(tokens)) for key, tokens in self.state.items())


RMEM = 'net.ipv4.tcp_rmem'
WMEM = 'net.ipv4.tcp_wmem'
VECTORS = {SOMAXCONN: '4096', RMEM: '4096\t131072\t6291456', WMEM: '4096\t16384\t4194304'}

# (changes, the key the kernel rejects)
HALF_CASES = [
    ({RMEM: '8192 0 0'}, RMEM),
    ({RMEM: '8192 131072 0'}, RMEM),
    ({SOMAXCONN: '8192', RMEM: '8192 0 0'}, RMEM),
    ({SOMAXCONN: '8192', RMEM: '8192 262144 8388608', WMEM: '8192 0 4194304'}, WMEM),
    ({SOMAXCONN: '0', RMEM: '8192 262144 8388608'}, SOMAXCONN),
]
HALF_IDS = ['only-key-first-integer-kept', 'two-integers-kept', 'after-a-written-key', 'last-of-three',
            'first-key-rejected-whole']


@pytest.mark.parametrize('changes, refused', HALF_CASES, ids=HALF_IDS)
def test_apply_live_restores_a_key_the_kernel_rejected_half_way(changes, refused):
    kernel = HalfWriter(VECTORS)
    with pytest.raises(ApplyError) as exc:
        apply_live(changes, VECTORS, kernel)
    assert str(exc.value).startswith('the kernel rejected %s = ' % refused)
    assert kernel.values() == VECTORS


def test_apply_live_does_not_write_back_a_key_that_had_no_value():
    writer = FakeWriter(refuse=['net.netfilter.nf_conntrack_max'])
    with pytest.raises(ApplyError):
        apply_live({SOMAXCONN: '8192', 'net.netfilter.nf_conntrack_max': '262144'},
                   {SOMAXCONN: '4096', 'net.netfilter.nf_conntrack_max': None}, writer)
    assert writer.calls == [(SOMAXCONN, '8192'), ('net.netfilter.nf_conntrack_max', '262144'),
                            (SOMAXCONN, '4096')]


def test_apply_live_with_write_live(proc_sys):
    writer = HostWriter(os.path.dirname(os.path.dirname(proc_sys)))
    changes = {TW: 262144, SOMAXCONN: 8192, 'net.netfilter.nf_conntrack_max': 262144}
    previous = {TW: '5000', SOMAXCONN: '4096', 'net.netfilter.nf_conntrack_max': None}
    with pytest.raises(ApplyError) as exc:
        apply_live(changes, previous, writer)
    assert str(exc.value) == ('the kernel rejected net.netfilter.nf_conntrack_max = 262144: '
                              'No such file or directory; values already written were restored, no file was changed')
    assert read(proc_sys, 'net/ipv4/tcp_max_tw_buckets') == '5000\n'
    assert read(proc_sys, 'net/core/somaxconn') == '4096\n'

    apply_live({TW: 262144, SOMAXCONN: 8192}, previous, writer)
    assert read(proc_sys, 'net/ipv4/tcp_max_tw_buckets') == '262144\n'
    assert read(proc_sys, 'net/core/somaxconn') == '8192\n'


def test_apply_live_a_value_with_no_bytes_is_rolled_back_not_a_traceback(proc_sys):
    # a lone surrogate cannot be encoded: the key before it is written back, the module's own error names the key
    writer = HostWriter(os.path.dirname(os.path.dirname(proc_sys)))
    with pytest.raises(ApplyError) as exc:
        apply_live({TW: '262144', SOMAXCONN: '\ud800'}, {TW: '5000', SOMAXCONN: '4096'}, writer)
    assert str(exc.value) == ("net.core.somaxconn = '\\ud800' was not written: it is not text that can be written (a "
                              "lone surrogate); values already written were restored, no file was changed")
    assert read(proc_sys, 'net/ipv4/tcp_max_tw_buckets') == '5000\n'
    assert read(proc_sys, 'net/core/somaxconn') == '4096\n'


def test_apply_live_non_ascii_is_written_as_utf8_whatever_the_locale(proc_sys):
    writer = HostWriter(os.path.dirname(os.path.dirname(proc_sys)))
    apply_live({SOMAXCONN: u'8192 \u00fc'}, {SOMAXCONN: '4096'}, writer)
    with open(os.path.join(proc_sys, 'net', 'core', 'somaxconn'), 'rb') as handle:
        assert handle.read() == b'8192 \xc3\xbc\n'


def test_apply_live_any_failure_restores_what_was_written():
    class Broken(FakeWriter):
        def write_live(self, key, value):
            if key == SYN:
                raise RuntimeError('surprise')
            FakeWriter.write_live(self, key, value)

    writer = Broken()
    with pytest.raises(ApplyError) as exc:
        apply_live(CHANGES, PREVIOUS, writer)
    # the failing key's own write back fails too, and the key still reads as before: nothing is left changed
    assert str(exc.value) == ("writing net.ipv4.tcp_max_syn_backlog = '8192' failed: RuntimeError: surprise; values "
                              "already written were restored, no file was changed")
    assert writer.values == PREVIOUS


def test_restore_live_any_failure_is_named_and_the_others_restored():
    class Broken(FakeWriter):
        def write_live(self, key, value):
            if key == SOMAXCONN and value == PREVIOUS[SOMAXCONN]:
                raise RuntimeError('surprise')
            FakeWriter.write_live(self, key, value)

    writer = Broken()
    writer.values.update({TW: '262144', SOMAXCONN: '8192'})
    assert restore_live([TW, SOMAXCONN], PREVIOUS, writer) == [(SOMAXCONN, 'RuntimeError: surprise')]
    assert writer.values[TW] == PREVIOUS[TW]


def test_restore_live_reports_what_it_cannot_write_back():
    previous = {SOMAXCONN: '4096', SYN: '1024', 'net.netfilter.nf_conntrack_max': None}
    writer = FakeWriter(refuse=[SYN], values={SOMAXCONN: '8192', SYN: '8192'})
    assert restore_live([SOMAXCONN, SYN, 'net.netfilter.nf_conntrack_max'], previous, writer) == [
        (SYN, 'Invalid argument')]
    assert writer.calls == [(SYN, '1024'), (SOMAXCONN, '4096')]
    # refused, but never changed (a read-only mount refuses every write): nothing is left
    writer = FakeWriter(refuse=[SYN], values={SOMAXCONN: '8192', SYN: '1024'})
    assert restore_live([SOMAXCONN, SYN], previous, writer) == []

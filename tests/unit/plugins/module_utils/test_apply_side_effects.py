# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tune's rollback restores what the kernel changed besides the keys written (#23 item 1).

The kernel here is a tree of plain files under a HostWriter whose
write_live does what Linux's devinet_sysctl_forward and inet_forward_change
do when ipv4 forwarding changes (written out here, not taken from the
model): every ``conf.*.forwarding`` gets the value and
``conf.all.accept_redirects`` its negation. The real kernel's behaviour is
checked in tests/integration/kernel/test_rollback_side_effects.py.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import HostWriter, apply_plan
from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply_live import apply_live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import ApplyError, KernelRejectedError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._replay import causes_side_effects, side_effects

FORWARD = 'net.ipv4.ip_forward'
DEVICES = ('all', 'default', 'lo', 'eth0')
# A host that forwards on nothing, with lo's forwarding set apart by hand and ICMP redirects off.
BEFORE = {
    FORWARD: '0', 'net.ipv4.conf.all.forwarding': '0', 'net.ipv4.conf.default.forwarding': '0',
    'net.ipv4.conf.lo.forwarding': '0', 'net.ipv4.conf.eth0.forwarding': '0',
    'net.ipv4.conf.all.accept_redirects': '0', 'net.ipv4.conf.default.accept_redirects': '1',
    'net.core.somaxconn': '4096', 'net.ipv4.ip_local_port_range': '32768\t60999',
    'net.ipv4.tcp_max_tw_buckets': '5000', 'vm.swappiness': '60',
}


class ForwardingKernel(HostWriter):
    """Plain files as /proc/sys, with ipv4 forwarding's side effects, refusing a port range whose low end is above
    its high end (as Linux does), and failing the write number ``fail_at`` (1-based; 0: none) with ``error``."""

    def __init__(self, root, fail_at=0, error=None, fail_restore=()):
        HostWriter.__init__(self, root)
        self.fail_at = fail_at
        self.error = error or OSError(5, 'Input/output error')
        self.fail_restore = set(fail_restore)
        self.writes = 0

    def write_live(self, key, value):
        self.writes += 1
        if self.writes == self.fail_at:
            raise self.error
        if key in self.fail_restore and self.writes > 1:
            raise KernelRejectedError('the kernel rejected %s' % key, key=key, reason='Permission denied')
        if key == 'net.ipv4.ip_local_port_range':
            low, high = str(value).split()
            if int(low) > int(high):
                raise KernelRejectedError('the kernel rejected %s = %s: Invalid argument' % (key, value),
                                          key=key, reason='Invalid argument')
        old = self.read_live(key)
        HostWriter.write_live(self, key, value)
        if key in (FORWARD, 'net.ipv4.conf.all.forwarding') and old != str(value):
            for device in DEVICES:
                HostWriter.write_live(self, 'net.ipv4.conf.%s.forwarding' % device, value)
            HostWriter.write_live(self, FORWARD, value)
            HostWriter.write_live(self, 'net.ipv4.conf.all.accept_redirects', '0' if str(value) != '0' else '1')


@pytest.fixture
def root(tmp_path):
    base = tmp_path / 'proc' / 'sys'
    for key, value in BEFORE.items():
        path = base.joinpath(*key.split('.'))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + '\n')
    return str(tmp_path)


def state(root):
    kernel = HostWriter(root)
    return dict((key, kernel.read_live(key)) for key in BEFORE)


def test_a_refused_key_after_ip_forward_leaves_every_key_as_before(root):
    # the case: before the fix accept_redirects was left at 1 and lo's forwarding at 0 ... of a host
    # whose forwarding was on; here the reverse (off, turned on, rolled back): every key reads as before
    kernel = ForwardingKernel(root)
    with pytest.raises(ApplyError) as exc:
        apply_live({FORWARD: '1', 'net.ipv4.ip_local_port_range': '5000 1000'}, BEFORE, kernel)
    assert str(exc.value) == ('the kernel rejected net.ipv4.ip_local_port_range = 5000 1000: Invalid argument; '
                              'values already written were restored, no file was changed')
    assert exc.value.changed is False
    assert state(root) == BEFORE


def test_keys_set_apart_from_forwarding_are_restored_too(root):
    # ip_forward on: lo's own forwarding 0 and accept_redirects 0 (set by hand after it) are what the host had
    on = dict(BEFORE, **{FORWARD: '1', 'net.ipv4.conf.all.forwarding': '1', 'net.ipv4.conf.default.forwarding': '1',
                         'net.ipv4.conf.eth0.forwarding': '1'})
    kernel = HostWriter(root)
    for key, value in on.items():
        kernel.write_live(key, value)
    with pytest.raises(ApplyError) as exc:
        apply_live({FORWARD: '0', 'net.ipv4.ip_local_port_range': '5000 1000'}, on, ForwardingKernel(root))
    assert exc.value.changed is False
    assert state(root) == on


def test_a_side_effect_that_cannot_be_restored_is_named_with_changed(root):
    kernel = ForwardingKernel(root, fail_restore=['net.ipv4.conf.all.accept_redirects'])
    with pytest.raises(ApplyError) as exc:
        apply_live({FORWARD: '1', 'net.ipv4.ip_local_port_range': '5000 1000'}, BEFORE, kernel)
    assert str(exc.value) == ('the kernel rejected net.ipv4.ip_local_port_range = 5000 1000: Invalid argument; no file '
                              'was changed, but restoring failed: net.ipv4.conf.all.accept_redirects is left changed '
                              '(was 0: Permission denied)')
    assert (exc.value.changed, exc.value.left) == (True, ['net.ipv4.conf.all.accept_redirects'])
    after = state(root)
    assert [key for key in BEFORE if after[key] != BEFORE[key]] == ['net.ipv4.conf.all.accept_redirects']


def test_no_side_effect_no_extra_reads(root):
    class Counting(ForwardingKernel):
        listed = 0

        def all_keys(self):
            Counting.listed += 1
            return ForwardingKernel.all_keys(self)

    assert apply_live({'net.core.somaxconn': '8192'}, BEFORE, Counting(root)) == {}
    assert Counting.listed == 0


class Plan(object):
    """What apply_plan reads of a _tune.Plan."""

    def __init__(self, writes, live, path):
        self.writes, self.live, self.path = writes, live, path
        self.writes_dropin, self.data, self.edits = True, b'# kerneltune\n', []


def test_a_failed_drop_in_restores_the_side_effects_too(root, tmp_path):
    class NoFiles(ForwardingKernel):
        def replace(self, path, data, mode=None, label=None):
            raise OSError(28, 'No space left on device')

    directory = tmp_path / 'etc' / 'sysctl.d'
    directory.mkdir(parents=True)
    plan = Plan({FORWARD: '1', 'net.core.somaxconn': '8192'}, BEFORE, str(directory / '90-kerneltune.conf'))
    with pytest.raises(ApplyError) as exc:
        apply_plan(plan, NoFiles(root))
    assert str(exc.value) == ('writing the sysctl files failed ([Errno 28] No space left on device); live values and '
                              'files were restored')
    assert state(root) == BEFORE
    assert os.listdir(str(directory)) == []


KEYS = sorted(set(BEFORE) - {'net.ipv4.ip_local_port_range'})
VALUES = {FORWARD: st.sampled_from(['0', '1']), 'net.ipv4.conf.lo.forwarding': st.sampled_from(['0', '1']),
          'net.ipv4.conf.all.accept_redirects': st.sampled_from(['0', '1'])}


@st.composite
def plans(draw):
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True))
    if FORWARD not in keys:
        keys.append(FORWARD)
    return dict((key, draw(VALUES.get(key, st.sampled_from(['1', '7', '8192'])))) for key in keys)


ERRORS = [OSError(5, 'Input/output error'), RuntimeError('surprise'),
          UnicodeEncodeError('ascii', u'\u00fc', 0, 1, 'ordinal not in range(128)'),
          KernelRejectedError('the kernel rejected it', key='k', reason='Invalid argument')]


@settings(max_examples=150, deadline=None)
@given(plan=plans(), fail_at=st.integers(min_value=1, max_value=12), error=st.sampled_from(ERRORS))
def test_a_failure_at_any_write_leaves_the_host_as_before_or_names_what_differs(
        tmp_path_factory, plan, fail_at, error):
    base = tmp_path_factory.mktemp('host')
    for key, value in BEFORE.items():
        path = base.joinpath('proc', 'sys', *key.split('.'))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + '\n')
    kernel = ForwardingKernel(str(base), fail_at=fail_at, error=error)
    try:
        apply_live(plan, BEFORE, kernel)
    except ApplyError as exc:
        differ = sorted(key for key, value in state(str(base)).items() if value != BEFORE[key])
        # the injected failure hits a write back when fail_at is past the plan's writes: then it is named
        assert sorted(exc.left) == differ
        assert exc.changed is bool(differ)
    else:
        assert fail_at > len(plan)  # no write failed


# Every key some rule of side_effects names, and neighbours that name none.
CANDIDATES = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.default.forwarding',
              'net.ipv4.conf.lo.forwarding', 'net.ipv4.conf.all.accept_redirects', 'net.ipv6.conf.all.forwarding',
              'net.ipv6.conf.lo.forwarding', 'net.ipv6.conf.all.disable_ipv6', 'net.ipv6.conf.lo.disable_ipv6',
              'net.ipv6.conf.lo.stable_secret', 'net.ipv6.conf.lo.addr_gen_mode', 'net.core.somaxconn']


@pytest.mark.parametrize('key', CANDIDATES)
def test_causes_side_effects_agrees_with_side_effects(key):
    # apply_live reads the other keys only for a key causes_side_effects names: it must name every key side_effects
    # gives effects for, or a rollback would miss them
    assert causes_side_effects(key) is bool(side_effects(key, '0', '1', CANDIDATES))

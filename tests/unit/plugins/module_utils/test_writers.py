# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The other writers at boot: the kernel command line and tuned (pure parts; real boots: tests/boot)."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _writers
from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write

# (command line, (param, value) pairs as the kernel's next_arg() splits them)
PARAMS = [
    ('', []),
    ('ro quiet', [('ro', None), ('quiet', None)]),
    ('BOOT_IMAGE=/vmlinuz root=/dev/vda rw', [('BOOT_IMAGE', '/vmlinuz'), ('root', '/dev/vda'), ('rw', None)]),
    ('  a=1\tb=2\n', [('a', '1'), ('b', '2')]),
    # quotes keep blanks inside a value and are dropped around it, or around the whole parameter
    ('sysctl.net.ipv4.tcp_rmem="4096 87380 6291456" x',
     [('sysctl.net.ipv4.tcp_rmem', '4096 87380 6291456'), ('x', None)]),
    ('"sysctl.kernel.domainname=a b"', [('sysctl.kernel.domainname', 'a b')]),
    # the first "=" splits; the rest is the value
    ('a=b=c', [('a', 'b=c')]),
    # "--": what follows is init's, not the kernel's
    ('a=1 -- sysctl.vm.swappiness=1', [('a', '1')]),
    ('x=', [('x', '')]),
]


@pytest.mark.parametrize('text, expected', PARAMS, ids=[repr(case[0]) for case in PARAMS])
def test_cmdline_params(text, expected):
    assert _writers.cmdline_params(text) == expected


def _cmdline(name, value):
    return Write(name, value, 'kernel command line (%s)' % ('sysctl.%s=%s' % (name, value)), True, None, 'cmdline')


def test_cmdline_writes_in_order():
    text = ('BOOT_IMAGE=/boot/vmlinuz root=/dev/vda sysctl.net.ipv4.tcp_fin_timeout=45 '
            'sysctl.vm.swappiness=33 sysctl/net/core/somaxconn=1000 sysctlx.vm.a=1 nosysctl.vm.b=2')
    writes, problems = _writers.cmdline_writes(text, '6.12.48+deb13-cloud-amd64')
    assert [(item.key, item.value, item.writer) for item in writes] == [
        ('net.ipv4.tcp_fin_timeout', '45', 'cmdline'), ('vm.swappiness', '33', 'cmdline'),
        ('net.core.somaxconn', '1000', 'cmdline')]
    assert writes[0].source == 'kernel command line (sysctl.net.ipv4.tcp_fin_timeout=45)'
    assert problems == []


def test_cmdline_repeated_separators_collapse():
    # the kernel's path walk under /proc/sys: sys/vm//swappiness is sys/vm/swappiness
    writes, dummy = _writers.cmdline_writes('sysctl..vm..swappiness=1', '6.1.0')
    assert [item.key for item in writes] == ['vm.swappiness']
    # and ".." is two separators for it, not the parent directory
    writes, dummy = _writers.cmdline_writes('sysctl.vm/../vm/swappiness=1', '6.1.0')
    assert [item.key for item in writes] == ['vm.vm.swappiness']


def test_cmdline_every_dot_is_a_separator():
    # the kernel replaces every "." of the name with "/": a VLAN device name with a dot cannot be reached
    writes, dummy = _writers.cmdline_writes('sysctl.net.ipv4.conf.eth0.100.rp_filter=2', '6.1.0')
    assert [item.key for item in writes] == ['net.ipv4.conf.eth0.100.rp_filter']


@pytest.mark.parametrize('text, problem', [
    ('sysctl.vm.swappiness', 'no value'),
    ('sysctl.vm.swappiness.=1', 'ends with a separator'),
    ('sysctl.vm.sw\x7fppiness=1', 'not allowed'),
])
def test_cmdline_problems(text, problem):
    writes, problems = _writers.cmdline_writes(text, '6.1.0')
    assert writes == [] and len(problems) == 1 and problem in problems[0] and text.split('=')[0] in problems[0]


@pytest.mark.parametrize('release, applies', [
    ('5.8.0', True), ('5.10.0-32-cloud-amd64', True), ('6.18.44-fc-v1300', True),
    ('5.7.19', False), ('4.18.0-553.el8_10.x86_64', False), ('3.10.0-1160.el7.x86_64', False),
    ('', True),  # unknown: as a current kernel
])
def test_cmdline_needs_linux_5_8(release, applies):
    writes, problems = _writers.cmdline_writes('sysctl.vm.swappiness=1', release)
    assert bool(writes) == applies
    assert bool(problems) != applies


TUNED_PROFILE = '''
[main]
summary=Example
include=throughput-performance

[variables]
backlog=4096

[cpu]
governor=performance

[sysctl]
net.core.somaxconn=>${backlog}
net.ipv4.tcp_max_syn_backlog = 8192
vm.swappiness="10"
net/ipv4/tcp_fin_timeout=<30

[my_sysctl]
type=sysctl
enabled=true
kernel.sched_min_granularity_ns=${f:virt_check:1:2}
'''


def test_tuned_profile_writes():
    sections = _writers.parse_ini(TUNED_PROFILE)
    assert _writers.profile_includes(sections) == ['throughput-performance']
    options, variables = _writers.merge_profile_options([{'sysctl': {'vm.swappiness': '60', 'vm.dirty_ratio': '40'}},
                                                         sections])
    writes, problems = _writers.profile_writes(options, variables, 'tuned profile p')
    assert [(item.key, item.value, item.condition, item.writer) for item in writes] == [
        ('vm.dirty_ratio', '40', None, 'tuned'),
        ('net.core.somaxconn', '4096', '>', 'tuned'),
        ('net.ipv4.tcp_max_syn_backlog', '8192', None, 'tuned'),
        ('vm.swappiness', '10', None, 'tuned'),  # the including profile wins; quotes dropped
        ('net.ipv4.tcp_fin_timeout', '30', '<', 'tuned'),
    ]
    assert writes[1].source == 'tuned profile p: net.core.somaxconn'
    assert len(problems) == 1 and 'kernel.sched_min_granularity_ns' in problems[0]


@pytest.mark.parametrize('text, reapplies', [
    ('', True), ('daemon = 1\n', True), ('reapply_sysctl = 1\n', True), ('reapply_sysctl = 0\n', False),
    ('# reapply_sysctl = 0\nreapply_sysctl=false\n', False), ('reapply_sysctl = True', True),
])
def test_reapply_setting(text, reapplies):
    assert _writers.reapplies(_writers.parse_main_conf(text)) is reapplies


def test_reapply_files_mask_and_order():
    listings = [('/run/sysctl.d', ['50-a.conf']),
                ('/etc/sysctl.d', ['50-a.conf', '10-b.conf', 'README', '.hidden.conf', 'x.conf~', '99-sysctl.conf'])]
    assert _writers.reapply_files(listings) == [
        '/etc/sysctl.d/.hidden.conf', '/etc/sysctl.d/10-b.conf', '/run/sysctl.d/50-a.conf',
        '/etc/sysctl.d/99-sysctl.conf', '/etc/sysctl.conf']


def test_reapply_lines_tuned_grammar():
    text = ('# c\n; c\n  net.core.somaxconn = 8192  # not a comment\r\n-vm.swappiness=1\rkernel.a\n'
            'net/ipv4/conf/eth0.100/rp_filter=2\n=5\nnet.ipv4.tcp_*=1\nvm.dirty_ratio=\x0c20\x0c\n')
    writes = _writers.reapply_writes('/etc/sysctl.d/x.conf', text)
    assert [(item.key, item.value, item.source) for item in writes] == [
        # the value is the rest of the line, stripped
        ('net.core.somaxconn', '8192  # not a comment', 'tuned re-apply: /etc/sysctl.d/x.conf:3'),
        # a "." inside a slash-form component is a separator for tuned too
        ('net.ipv4.conf.eth0.100.rp_filter', '2', 'tuned re-apply: /etc/sysctl.d/x.conf:6'),
        # Python's strip() takes form feeds
        ('vm.dirty_ratio', '20', 'tuned re-apply: /etc/sysctl.d/x.conf:9'),
    ]

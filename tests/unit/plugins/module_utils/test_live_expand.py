# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Globs and writable keys under /proc/sys, as the appliers expand them."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write, write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import expand, writable


@pytest.fixture
def writable_tree(tmp_path, write_file):
    root = tmp_path / 'proc' / 'sys'
    for name in ('all', 'default', 'eth0', 'eth0.100', 'lo', 'docker0'):
        write_file(root / 'net' / 'ipv4' / 'conf' / name / 'rp_filter', '0\n')
        write_file(root / 'net' / 'ipv4' / 'conf' / name / 'arp_filter', '0\n')
    write_file(root / 'net' / 'ipv4' / 'conf' / '.hidden' / 'rp_filter', '0\n')
    write_file(root / 'net' / 'core' / 'somaxconn', '4096\n')
    write_file(root / 'net' / 'core' / 'rmem_max', '212992\n')
    read_only = write_file(root / 'net' / 'core' / 'read_only', '1\n')
    read_only.chmod(0o444)
    (root / 'net' / 'core' / 'subdir').mkdir()
    write_file(root / 'vm' / 'swappiness', '60\n')
    return str(root)


# (pattern, expected (path, key) pairs)
EXPAND_CASES = [
    # a trailing slash (procps' "key." globs): nothing when the wildcard is in the last component (procps'
    # net.ipv4.tcp_*_timeout. = 20 sets nothing), the keys when it is literal (net.ipv4.conf.*.rp_filter. = 2 sets
    # them); both seen on the real procps 4.0.2 and 4.0.4
    ('net/core/somax*/', []),
    ('net/c*/somaxconn/', [('net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/ipv4/conf/*/rp_filter', [
        ('net/ipv4/conf/all/rp_filter', 'net.ipv4.conf.all.rp_filter'),
        ('net/ipv4/conf/default/rp_filter', 'net.ipv4.conf.default.rp_filter'),
        ('net/ipv4/conf/docker0/rp_filter', 'net.ipv4.conf.docker0.rp_filter'),
        ('net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
        ('net/ipv4/conf/eth0/rp_filter', 'net.ipv4.conf.eth0.rp_filter'),
        ('net/ipv4/conf/lo/rp_filter', 'net.ipv4.conf.lo.rp_filter'),
    ]),
    ('net/ipv4/conf/[^d]*/arp_filter', [
        ('net/ipv4/conf/all/arp_filter', 'net.ipv4.conf.all.arp_filter'),
        ('net/ipv4/conf/eth0.100/arp_filter', 'net.ipv4.conf.eth0/100.arp_filter'),
        ('net/ipv4/conf/eth0/arp_filter', 'net.ipv4.conf.eth0.arp_filter'),
        ('net/ipv4/conf/lo/arp_filter', 'net.ipv4.conf.lo.arp_filter'),
    ]),
    ('net/ipv4/conf/eth?/rp_filter', [('net/ipv4/conf/eth0/rp_filter', 'net.ipv4.conf.eth0.rp_filter')]),
    ('net/ipv4/conf/.*/rp_filter', [('net/ipv4/conf/.hidden/rp_filter', 'net.ipv4.conf./hidden.rp_filter')]),
    ('net/core/*', [('net/core/rmem_max', 'net.core.rmem_max'), ('net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/*', []),
    ('*/swappiness', [('vm/swappiness', 'vm.swappiness')]),
    ('net/ipv6/conf/*/rp_filter', []),
    # glob(3) prints the pattern's literal parts as written: a doubled or leading slash stays in the path (procps
    # compares these paths with those of its explicit lines as strings)
    ('net//core/soma*', [('net//core/somaxconn', 'net.core.somaxconn')]),
    ('/net/core/soma*', [('/net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/core/some*', []),
    ('net/core/somaxconn', [('net/core/somaxconn', 'net.core.somaxconn')]),
    ('net/core/read_only', []),
    ('net/core/sub*', []),
]


@pytest.mark.parametrize('pattern, expected', EXPAND_CASES, ids=[case[0] for case in EXPAND_CASES])
def test_expand(writable_tree, pattern, expected):
    assert expand(pattern, writable_tree) == expected


# (key, writable)
WRITABLE_CASES = [
    ('net.core.somaxconn', True),
    ('net/core/somaxconn', True),
    ('net.ipv4.conf.eth0/100.rp_filter', True),
    ('net.core.read_only', False),
    ('net.core.subdir', False),
    ('net.core', False),
    ('net.core.missing', False),
    ('net.core.somaxconn.x', False),
    ('net/../../etc/passwd', False),
    ('net.core.some maxconn', False),
]


@pytest.mark.parametrize('key, expected', WRITABLE_CASES, ids=[case[0] for case in WRITABLE_CASES])
def test_writable(writable_tree, key, expected):
    assert writable(key, writable_tree) is expected


def test_writable_key_with_leading_space(writable_tree):
    # Regression (fixed in 061f471): writable() stripped the key, so " net.core.somaxconn" (procps reads
    # "- net.core.somaxconn = 1" so) counted as writable though procps opens "/proc/sys/ net/core/somaxconn", which
    # does not exist.
    assert writable(' net.core.somaxconn', writable_tree) is False


RP_FILTER = 'net.ipv4.conf.%s.rp_filter'
RP_FILTER_DEVICES = ['all', 'default', 'docker0', 'eth0/100', 'eth0', 'lo']  # as glob(3) sorts their paths


def test_expand_spells_a_leading_slash_as_written(writable_tree):
    assert expand('/net/ipv4/conf/*/rp_filter', writable_tree) == [
        ('/net/ipv4/conf/%s/rp_filter' % device.replace('/', '.'), RP_FILTER % device)
        for device in RP_FILTER_DEVICES]


# (applier, the writes of the two lines below)
LEADING_SLASH_GLOB = 'net.ipv4.conf.lo.rp_filter = 1\n/net/ipv4/conf/*/rp_filter = 2\n'
LEADING_SLASH_CASES = [
    # procps globs "/proc/sys//net/ipv4/conf/*/rp_filter": glob(3) prints "/proc/sys//net/ipv4/conf/lo/rp_filter",
    # which is not the string "/proc/sys/net/ipv4/conf/lo/rp_filter" of the explicit line, so the glob writes lo too,
    # after it (as real procps 4.0.2 and 4.0.4 do in the differential tests)
    ('procps', [Write(RP_FILTER % 'lo', '1', 'F:1', False)]
     + [Write(RP_FILTER % device, '2', 'F:2', False) for device in RP_FILTER_DEVICES]),
    # systemd-sysctl normalises the pattern (the leading slash goes) and skips the keys it has an entry for
    ('systemd', [Write(RP_FILTER % 'lo', '1', 'F:1', False)]
     + [Write(RP_FILTER % device, '2', 'F:2', False) for device in RP_FILTER_DEVICES if device != 'lo']),
]


@pytest.mark.parametrize('applier, expected', LEADING_SLASH_CASES, ids=[case[0] for case in LEADING_SLASH_CASES])
def test_write_sequence_of_a_glob_with_a_leading_slash(writable_tree, applier, expected):
    assignments, problems = parse_conf(LEADING_SLASH_GLOB, 'F', applier)
    assert problems == []
    assert write_sequence(assignments, applier, lambda pattern: expand(pattern, writable_tree),
                          lambda key: writable(key, writable_tree)) == expected

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""write_sequence: the writes each applier family performs, in its order, and what the keys end with."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write, write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._replay import replay

F1 = '/usr/lib/sysctl.d/50-default.conf'
F2 = '/etc/sysctl.d/90-local.conf'
F3 = '/etc/sysctl.conf'
RP = 'net.ipv4.conf.%s.rp_filter'
ALL = RP % 'all'
DEFAULT = RP % 'default'
ETH0 = RP % 'eth0'
LO = RP % 'lo'
VLAN = RP % 'eth0/100'

# The keys of the fake /proc/sys, as paths below it, and their values now.
PROC = {
    'net/ipv4/conf/all/rp_filter': '0',
    'net/ipv4/conf/default/rp_filter': '0',
    'net/ipv4/conf/eth0/rp_filter': '0',
    'net/ipv4/conf/eth0.100/rp_filter': '0',
    'net/ipv4/conf/lo/rp_filter': '0',
    'net/ipv4/conf/eth0/accept_redirects': '1',
    'net/ipv4/ip_forward': '0',
    'net/ipv4/ip_local_port_range': '32768\t60999',
    'vm/swappiness': '60',
    'kernel/domainname': '(none)',
    'kernel/pid_max': '4194304',
}


def _key(path):
    return '.'.join(part.replace('.', '/') for part in path.split('/'))


KEYS = dict((_key(path), value) for path, value in PROC.items())


class FakeProc(object):
    """expand() and exists() of write_sequence on PROC, recording the patterns asked for."""

    def __init__(self):
        self.patterns = []

    def expand(self, pattern):
        self.patterns.append(pattern)
        components = pattern.split('/')
        wanted = [part for part in components if part]
        found = []
        for path in PROC:
            parts = path.split('/')
            if len(parts) == len(wanted) and all(fnmatchcase(part, glob) for part, glob in zip(parts, wanted)):
                # spelled as glob(3) prints it: empty components (doubled or leading slashes) kept
                names = iter(parts)
                found.append(('/'.join(next(names) if part else '' for part in components), _key(path)))
        return sorted(found)

    @staticmethod
    def exists(key):
        return key in KEYS


def parsed(files, applier):
    assignments = []
    for source, text in files:
        found, problems = parse_conf(text, source, applier)
        assert problems == []
        assignments.extend(found)
    return assignments


def writes(files, applier):
    fake = FakeProc()
    return write_sequence(parsed(files, applier), applier, fake.expand, fake.exists)


def W(key, value, source, ignore_failure=False):
    return Write(key, value, source, ignore_failure)


# glob(3) sorts the paths: ".../eth0.100/..." before ".../eth0/..."
MATCHED = (ALL, DEFAULT, VLAN, ETH0, LO)
GLOB_WRITES_2 = [W(key, '2', F1 + ':1') for key in MATCHED]

# (files, procps writes, systemd writes); None: as procps
SEQUENCE_CASES = [
    ([], [], None),
    ([(F1, 'vm.swappiness = 10\n')], [W('vm.swappiness', '10', F1 + ':1')], None),
    # procps writes every line; systemd once per key, its last value at the position of its last change
    ([(F1, 'vm.swappiness = 10\nvm.swappiness = 20\nvm.swappiness = 10\n')],
     [W('vm.swappiness', '10', F1 + ':1'), W('vm.swappiness', '20', F1 + ':2'), W('vm.swappiness', '10', F1 + ':3')],
     [W('vm.swappiness', '10', F1 + ':3')]),
    # the same value again keeps the first position and line
    ([(F1, 'vm.swappiness = 10\nkernel.domainname = x\n'), (F2, 'vm.swappiness = 10\n')],
     [W('vm.swappiness', '10', F1 + ':1'), W('kernel.domainname', 'x', F1 + ':2'), W('vm.swappiness', '10', F2 + ':1')],
     [W('vm.swappiness', '10', F1 + ':1'), W('kernel.domainname', 'x', F1 + ':2')]),
    # a different value moves the key to the end
    ([(F1, 'vm.swappiness = 10\nkernel.domainname = x\n'), (F2, 'vm.swappiness = 20\n')],
     [W('vm.swappiness', '10', F1 + ':1'), W('kernel.domainname', 'x', F1 + ':2'), W('vm.swappiness', '20', F2 + ':1')],
     [W('kernel.domainname', 'x', F1 + ':2'), W('vm.swappiness', '20', F2 + ':1')]),
    # ... compared as text, not as the kernel reads it
    ([(F1, 'vm.swappiness = 10\nkernel.domainname = x\n'), (F2, 'vm.swappiness = 010\n')],
     [W('vm.swappiness', '10', F1 + ':1'), W('kernel.domainname', 'x', F1 + ':2'), W('vm.swappiness', '010', F2 + ':1')],
     [W('kernel.domainname', 'x', F1 + ':2'), W('vm.swappiness', '010', F2 + ':1')]),
    # a glob: each key it matches, in the order glob(3) sorts the paths
    ([(F1, 'net.ipv4.conf.*.rp_filter = 2\n')], GLOB_WRITES_2, None),
    ([(F1, 'net.ipv4.conf.*.no_such_key = 2\n')], [], None),
    # a glob skips the keys an explicit line or "-key" names, wherever they stand
    ([(F1, 'net.ipv4.conf.*.rp_filter = 2\n'), (F2, 'net.ipv4.conf.eth0.rp_filter = 1\n-net.ipv4.conf.lo.rp_filter\n')],
     [W(ALL, '2', F1 + ':1'), W(DEFAULT, '2', F1 + ':1'), W(VLAN, '2', F1 + ':1'), W(ETH0, '1', F2 + ':1')], None),
    ([(F1, '-net.ipv4.conf.lo.rp_filter\nnet/ipv4/conf/eth0/rp_filter = 1\n'), (F2, 'net.ipv4.conf.*.rp_filter = 2\n')],
     [W(ETH0, '1', F1 + ':2'), W(ALL, '2', F2 + ':1'), W(DEFAULT, '2', F2 + ':1'), W(VLAN, '2', F2 + ':1')], None),
    # ... with exactly the same path for procps (a doubled separator names another path); systemd normalises first
    ([(F1, 'net.ipv4.conf.*.rp_filter = 2\nnet/ipv4//conf/eth0/rp_filter = 1\n')],
     GLOB_WRITES_2 + [W(ETH0, '1', F1 + ':2')],
     [W(ALL, '2', F1 + ':1'), W(DEFAULT, '2', F1 + ':1'), W(VLAN, '2', F1 + ':1'), W(LO, '2', F1 + ':1'),
      W(ETH0, '1', F1 + ':2')]),
    # ... and a glob with a doubled separator matches paths glob(3) prints doubled: none is named for procps
    ([(F1, 'net/ipv4//conf/*/rp_filter = 2\n-net.ipv4.conf.lo.rp_filter\n')],
     GLOB_WRITES_2,
     [W(ALL, '2', F1 + ':1'), W(DEFAULT, '2', F1 + ':1'), W(VLAN, '2', F1 + ':1'), W(ETH0, '2', F1 + ':1')]),
    # ... "- key" names " key" for procps, which never exists and hides nothing
    ([(F1, 'net.ipv4.conf.*.rp_filter = 2\n- net.ipv4.conf.eth0.rp_filter = 1\n')],
     GLOB_WRITES_2,
     [W(ALL, '2', F1 + ':1'), W(DEFAULT, '2', F1 + ':1'), W(VLAN, '2', F1 + ':1'), W(LO, '2', F1 + ':1'),
      W(ETH0, '1', F1 + ':2', True)]),
    # "-glob" excludes nothing for procps; for systemd it cancels the glob when it comes after it
    ([(F1, 'net.ipv4.conf.*.rp_filter = 2\n'), (F2, '-net.ipv4.conf.*.rp_filter\n')], GLOB_WRITES_2, []),
    ([(F1, '-net.ipv4.conf.*.rp_filter\n'), (F2, 'net.ipv4.conf.*.rp_filter = 2\n')],
     [W(key, '2', F2 + ':1') for key in MATCHED], None),
    # a later glob writes after an earlier one
    ([(F1, 'net.ipv4.conf.*.rp_filter = 1\n'), (F2, 'net.ipv4.conf.eth*.rp_filter = 2\n')],
     [W(key, '1', F1 + ':1') for key in MATCHED] + [W(VLAN, '2', F2 + ':1'), W(ETH0, '2', F2 + ':1')], None),
    # the exclusion of an explicit key after it drops it for systemd, not for procps
    ([(F1, 'vm.swappiness = 10\n'), (F2, '-vm.swappiness\n')], [W('vm.swappiness', '10', F1 + ':1')], []),
    ([(F1, '-vm.swappiness\n'), (F2, 'vm.swappiness = 10\n')], [W('vm.swappiness', '10', F2 + ':1')], None),
    # keys that do not exist are left out
    ([(F1, 'net.ipv4.conf.eth9.rp_filter = 1\nvm.swappiness = 1\n')], [W('vm.swappiness', '1', F1 + ':2')], None),
    ([(F1, '-vm.swappiness = 10\n')], [W('vm.swappiness', '10', F1 + ':1', True)], None),
    ([(F1, 'kernel.domainname =\n')], [W('kernel.domainname', '', F1 + ':1')], None),
    ([(F1, 'net.ipv4.ip_local_port_range = 32768\t60999\n')],
     [W('net.ipv4.ip_local_port_range', '32768\t60999', F1 + ':1')], None),
    # the glob matches a component holding a dot
    ([(F1, 'net.ipv4.conf.eth0/*.rp_filter = 2\n')], [W(VLAN, '2', F1 + ':1')], None),
]
SEQUENCE_IDS = [
    'nothing', 'one-line', 'every-line-or-last-value', 'same-value-keeps-first-position',
    'other-value-moves-to-the-end', 'values-compared-as-text', 'glob', 'glob-matching-nothing',
    'glob-skips-named-keys', 'glob-skips-keys-named-before', 'glob-skips-only-exactly-the-same-path',
    'doubled-separator-glob-skips-nothing',
    'dash-space-key', 'dash-glob-after-the-glob', 'dash-glob-before-the-glob', 'later-glob', 'exclusion-after-key',
    'exclusion-before-key', 'missing-keys-left-out', 'ignore-failure', 'empty-value', 'value-verbatim',
    'glob-component-with-dot',
]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
@pytest.mark.parametrize('files, procps, systemd', SEQUENCE_CASES, ids=SEQUENCE_IDS)
def test_write_sequence(files, procps, systemd, applier):
    expected = procps if applier == 'procps' or systemd is None else systemd
    assert writes(files, applier) == expected


@pytest.mark.parametrize('applier, family', [('procps3', 'procps'), ('systemd239', 'systemd'),
                                             ('systemd_rhel7', 'systemd')])
def test_write_sequence_of_the_older_appliers(applier, family):
    files = [(F1, 'vm.swappiness = 10\nkernel.domainname = x\nvm.swappiness = 20\n'), (F2, 'vm.swappiness = 20\n')]
    assert writes(files, applier) == writes(files, family)


@pytest.mark.parametrize('applier, pattern', [('procps', 'net/ipv4/conf/*/rp_filter'),
                                              ('systemd', 'net/ipv4/conf/*/rp_filter')])
def test_expand_gets_a_pattern_below_proc_sys(applier, pattern):
    fake = FakeProc()
    write_sequence(parsed([(F1, 'net.ipv4.conf.*.rp_filter = 2\n')], applier), applier, fake.expand, fake.exists)
    assert fake.patterns == [pattern]


def test_exclusions_are_not_expanded():
    fake = FakeProc()
    for applier in ('procps', 'systemd'):
        write_sequence(parsed([(F1, '-net.ipv4.conf.*.rp_filter\n')], applier), applier, fake.expand, fake.exists)
    assert fake.patterns == []


def test_systemd_same_value_again_ors_ignore_failure():
    # systemd-sysctl: existing->ignore_failure = existing->ignore_failure || ignore_failure
    assert writes([(F1, 'vm.swappiness = 10\n-vm.swappiness = 10\n')], 'systemd') == [
        W('vm.swappiness', '10', F1 + ':1', True)]


def test_unknown_applier():
    with pytest.raises(ValueError):
        write_sequence([], 'auto', FakeProc().expand, FakeProc.exists)


def current(key):
    return KEYS.get(key)


def boot(files, applier, keys):
    """``{key: (value, source)}`` the keys read back after the applier's writes (the former resolve_boot)."""
    finals = replay(writes(files, applier), keys, current)
    return dict((key, (final.value, final.source)) for key, final in finals.items())


NOTHING = (None, None)
SW = 'vm.swappiness'
GLOB_LINE = 'net.ipv4.conf.*.rp_filter = %s\n'
EXCLUDE_ETH0 = '-net.ipv4.conf.eth0.rp_filter\n'
ETH0_LINE = 'net.ipv4.conf.eth0.rp_filter = %s\n'

# (files, keys, procps result, systemd result); None: as procps
RESOLVE_CASES = [
    ([], [SW], {SW: NOTHING}, None),
    ([(F1, '\n\nvm.swappiness = 10\n')], [SW], {SW: ('10', F1 + ':3')}, None),
    ([(F1, 'vm.swappiness = 10\n')], [], {}, None),
    ([(F1, '\n\nvm.swappiness = 10\n'), (F2, 'vm.swappiness = 30\n'), (F3, 'vm.swappiness = 60\n')], [SW],
     {SW: ('60', F3 + ':1')}, None),
    ([(F1, 'vm.swappiness = 10\nvm.swappiness = 20\n')], [SW], {SW: ('20', F1 + ':2')}, None),
    ([(F1, ETH0_LINE % 1), (F2, GLOB_LINE % 2)], [ETH0, LO], {ETH0: ('1', F1 + ':1'), LO: ('2', F2 + ':1')}, None),
    ([(F1, GLOB_LINE % 2), (F2, '\n' * 6 + ETH0_LINE % 1)], [ETH0, LO],
     {ETH0: ('1', F2 + ':7'), LO: ('2', F1 + ':1')}, None),
    ([(F1, GLOB_LINE % 1), (F2, '\nnet.ipv4.conf.eth*.rp_filter = 2\n')], [ETH0, LO],
     {ETH0: ('2', F2 + ':2'), LO: ('1', F1 + ':1')}, None),
    ([(F1, 'net.ipv4.conf.eth*.rp_filter = 2\n'), (F2, '\n' + GLOB_LINE % 1)], [ETH0, LO],
     {ETH0: ('1', F2 + ':2'), LO: ('1', F2 + ':2')}, None),
    # "-key" hides eth0 from the glob, but the glob writes conf.default too, which the kernel copies to every
    # device whose own value was never written
    ([(F1, GLOB_LINE % 2), (F2, EXCLUDE_ETH0)], [ETH0, LO], {ETH0: ('2', F1 + ':1'), LO: ('2', F1 + ':1')}, None),
    ([(F1, EXCLUDE_ETH0), (F2, GLOB_LINE % 2)], [ETH0, LO], {ETH0: ('2', F2 + ':1'), LO: ('2', F2 + ':1')}, None),
    ([(F1, 'net.ipv4.conf.[!d]*.rp_filter = 2\n'), (F2, EXCLUDE_ETH0)], [ETH0, LO],
     {ETH0: NOTHING, LO: ('2', F1 + ':1')}, None),
    # "-key" after an explicit line: procps still writes the line; systemd drops it
    ([(F1, ETH0_LINE % 1), (F2, EXCLUDE_ETH0)], [ETH0], {ETH0: ('1', F1 + ':1')}, {ETH0: NOTHING}),
    ([(F1, ETH0_LINE % 1 + GLOB_LINE % 2), (F2, EXCLUDE_ETH0)], [ETH0], {ETH0: ('1', F1 + ':1')},
     {ETH0: ('2', F1 + ':2')}),
    ([(F1, EXCLUDE_ETH0), (F2, '\n' * 4 + ETH0_LINE % 1)], [ETH0], {ETH0: ('1', F2 + ':5')}, None),
    ([(F1, GLOB_LINE % 2)], ['net.ipv4.conf.eth0.accept_redirects', 'net.ipv4.ip_forward'],
     {'net.ipv4.conf.eth0.accept_redirects': NOTHING, 'net.ipv4.ip_forward': NOTHING}, None),
    ([(F1, GLOB_LINE % 2)], [VLAN], {VLAN: ('2', F1 + ':1')}, None),
    ([(F1, 'net.ipv4.conf.eth0/100.rp_filter = 0\n')], [VLAN, ETH0], {VLAN: ('0', F1 + ':1'), ETH0: NOTHING}, None),
    ([(F1, '-vm.swappiness = 10\n')], [SW], {SW: ('10', F1 + ':1')}, None),
    ([(F1, '\nkernel.domainname =\n')], ['kernel.domainname'], {'kernel.domainname': ('', F1 + ':2')}, None),
    # the value as the kernel reads it back: tab-separated
    ([(F1, 'net.ipv4.ip_local_port_range = 1024  65000\n')], ['net.ipv4.ip_local_port_range'],
     {'net.ipv4.ip_local_port_range': ('1024\t65000', F1 + ':1')}, None),
    # a later line the kernel rejects: procps leaves the earlier value; systemd writes only the last one
    ([(F1, 'vm.swappiness = 10\n'), (F3, 'vm.swappiness = 1#0\n')], [SW], {SW: ('10', F1 + ':1')}, {SW: NOTHING}),
    ([(F1, 'vm.swappiness = 10 # ten\n')], [SW], {SW: ('10', F1 + ':1')}, None),
]
RESOLVE_IDS = [
    'nothing-persists', 'single-explicit', 'no-keys', 'last-explicit-wins-across-files',
    'last-explicit-wins-in-file', 'explicit-before-glob-wins', 'explicit-after-glob-wins', 'later-glob-wins',
    'later-broader-glob-wins', 'exclusion-after-glob-blocks-it', 'exclusion-before-glob-blocks-it',
    'exclusion-blocks-a-glob-without-default', 'exclusion-as-last-word', 'exclusion-as-last-word-with-glob', 'explicit-after-exclusion-wins',
    'glob-not-matching', 'glob-matches-component-with-dot', 'explicit-dot-in-component',
    'ignore-failure-still-applies', 'empty-value-is-a-value', 'value-as-the-kernel-reads-it',
    'rejected-later-line', 'comment-after-value',
]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
@pytest.mark.parametrize('files, keys, procps, systemd', RESOLVE_CASES, ids=RESOLVE_IDS)
def test_boot_values(files, keys, procps, systemd, applier):
    expected = procps if applier == 'procps' or systemd is None else systemd
    assert boot(files, applier, keys) == expected

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import (
    APPLIERS,
    SYSCTL_CONF,
    SYSCTL_D_DIRS,
    BootValue,
    detect_applier,
    order_conf_files,
    reads_sysctl_conf_last,
    resolve_boot,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Assignment
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_glob

ETC = '/etc/sysctl.d'
RUN = '/run/sysctl.d'
USR = '/usr/lib/sysctl.d'


def test_constants():
    assert SYSCTL_D_DIRS == ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d',
                             '/lib/sysctl.d')
    assert SYSCTL_CONF == '/etc/sysctl.conf'
    assert APPLIERS == ('procps', 'systemd', 'systemd_rhel7')


# (listing, expected files)
ORDER_CASES = [
    ([], []),
    ([(ETC, [])], []),
    ([(ETC, ['99-b.conf', '10-a.conf', '50-c.conf'])],
     ['/etc/sysctl.d/10-a.conf', '/etc/sysctl.d/50-c.conf', '/etc/sysctl.d/99-b.conf']),
    ([(ETC, ['a.conf', 'README', 'b.conf.bak', 'c.conf~', 'd.CONF', '.conf', 'conf', 'e.conf.d', 'f.conf.rpmsave'])],
     ['/etc/sysctl.d/a.conf']),
    ([(ETC, ['50-x.conf']), (RUN, ['50-x.conf', '10-y.conf']), (USR, ['50-x.conf', '99-z.conf'])],
     ['/run/sysctl.d/10-y.conf', '/etc/sysctl.d/50-x.conf', '/usr/lib/sysctl.d/99-z.conf']),
    ([(RUN, ['50-x.conf']), (ETC, ['50-x.conf'])], ['/run/sysctl.d/50-x.conf']),
    ([(ETC, ['99-local.conf']), (USR, ['10-default.conf'])],
     ['/usr/lib/sysctl.d/10-default.conf', '/etc/sysctl.d/99-local.conf']),
    ([('/etc/sysctl.d/', ['a.conf'])], ['/etc/sysctl.d/a.conf']),
    ([(ETC, ['B.conf', 'a.conf', '9.conf', '10.conf'])],
     ['/etc/sysctl.d/10.conf', '/etc/sysctl.d/9.conf', '/etc/sysctl.d/B.conf', '/etc/sysctl.d/a.conf']),
    ([(ETC, ('x.conf',)), (USR, iter(['w.conf']))], ['/usr/lib/sysctl.d/w.conf', '/etc/sysctl.d/x.conf']),
]
ORDER_IDS = [
    'no-directories', 'empty-directory', 'sorted-by-name', 'only-dot-conf', 'first-directory-masks',
    'precedence-is-listing-order', 'sorted-by-name-not-directory', 'trailing-slash', 'plain-string-order',
    'any-iterables',
]


@pytest.mark.parametrize('listing, expected', ORDER_CASES, ids=ORDER_IDS)
def test_order_conf_files(listing, expected):
    assert order_conf_files(listing) == expected


@pytest.mark.parametrize('applier, expected', [
    ('procps', True),
    ('systemd', False),
    ('systemd_rhel7', True),
], ids=['procps', 'systemd', 'systemd_rhel7'])
def test_reads_sysctl_conf_last(applier, expected):
    assert reads_sysctl_conf_last(applier) is expected


@pytest.mark.parametrize('applier', ['auto', '', None, 'Systemd', 'sysvinit'],
                         ids=['auto', 'empty', 'none', 'wrong-case', 'other'])
def test_reads_sysctl_conf_last_unknown(applier):
    with pytest.raises(ValueError) as exc:
        reads_sysctl_conf_last(applier)
    assert str(exc.value) == 'unknown boot applier %r, expected one of procps, systemd, systemd_rhel7' % (applier,)


# (init_comm, systemd_sysctl_present, os_id, os_version_id, expected)
DETECT_CASES = [
    ('systemd', True, 'ubuntu', '22.04', 'systemd'),
    ('systemd', True, 'debian', '12', 'systemd'),
    ('systemd', True, 'centos', '7', 'systemd_rhel7'),
    ('systemd', True, 'rhel', '7.9', 'systemd_rhel7'),
    ('systemd', True, 'ol', '7.9', 'systemd_rhel7'),
    ('systemd', True, 'scientific', '7.4', 'systemd_rhel7'),
    ('systemd', True, 'centos', '8', 'systemd'),
    ('systemd', True, 'rhel', '9.3', 'systemd'),
    ('systemd', True, 'rhel', '17', 'systemd'),
    ('systemd', True, 'centos', '', 'systemd'),
    ('systemd', True, 'centos', None, 'systemd'),
    ('systemd', True, 'ubuntu', '7', 'systemd'),
    ('systemd', True, '', '', 'systemd'),
    ('init', True, 'centos', '7', 'procps'),
    ('init', True, 'ubuntu', '22.04', 'procps'),
    ('bash', False, 'alpine', '3.19.1', 'procps'),
    ('sh', True, 'debian', '12', 'procps'),
    ('', False, '', '', 'procps'),
    ('systemd', False, 'ubuntu', '22.04', 'procps'),
    ('systemd', False, 'centos', '7', 'procps'),
]
DETECT_IDS = [
    'ubuntu', 'debian', 'centos7', 'rhel7-minor', 'oracle7', 'scientific7', 'centos8', 'rhel9', 'rhel17-not-7',
    'no-version', 'none-version', 'non-rhel-version-7', 'no-os-release', 'sysv-init-centos7', 'sysv-init-ubuntu',
    'container-shell', 'container-shell-with-binary', 'nothing-known', 'systemd-init-without-binary',
    'systemd-init-without-binary-centos7',
]


@pytest.mark.parametrize('init_comm, present, os_id, version, expected', DETECT_CASES, ids=DETECT_IDS)
def test_detect_applier(init_comm, present, os_id, version, expected):
    assert detect_applier(init_comm, present, os_id, version) == expected


F1 = '/usr/lib/sysctl.d/50-default.conf'
F2 = '/etc/sysctl.d/90-local.conf'
F3 = '/etc/sysctl.conf'
RP = 'net.ipv4.conf.%s.rp_filter'
ETH0 = RP % 'eth0'
LO = RP % 'lo'
VLAN = RP % 'eth0/100'
GLOB = RP % '*'


def A(key, value, source, line, ignore_failure=False):
    return Assignment(key, value, ignore_failure, is_glob(key), source, line)


def X(key, source, line):
    """An exclusion line ``-key``."""
    return Assignment(key, None, True, False, source, line)


# (assignments, keys, expected)
RESOLVE_CASES = [
    ([], ['vm.swappiness'], {'vm.swappiness': BootValue(None, None)}),
    ([A('vm.swappiness', '10', F1, 3)], ['vm.swappiness'], {'vm.swappiness': BootValue('10', F1 + ':3')}),
    ([A('vm.swappiness', '10', F1, 3)], [], {}),
    ([A('vm.swappiness', '10', F1, 3), A('vm.swappiness', '30', F2, 1), A('vm.swappiness', '60', F3, 12)],
     ['vm.swappiness'], {'vm.swappiness': BootValue('60', F3 + ':12')}),
    ([A('vm.swappiness', '10', F1, 3), A('vm.swappiness', '20', F1, 4)],
     ['vm.swappiness'], {'vm.swappiness': BootValue('20', F1 + ':4')}),
    ([A(ETH0, '1', F1, 1), A(GLOB, '2', F2, 1)], [ETH0, LO],
     {ETH0: BootValue('1', F1 + ':1'), LO: BootValue('2', F2 + ':1')}),
    ([A(GLOB, '2', F1, 1), A(ETH0, '1', F2, 7)], [ETH0, LO],
     {ETH0: BootValue('1', F2 + ':7'), LO: BootValue('2', F1 + ':1')}),
    ([A(GLOB, '1', F1, 1), A(RP % 'eth*', '2', F2, 2)], [ETH0, LO],
     {ETH0: BootValue('2', F2 + ':2'), LO: BootValue('1', F1 + ':1')}),
    ([A(RP % 'eth*', '2', F1, 1), A(GLOB, '1', F2, 2)], [ETH0, LO],
     {ETH0: BootValue('1', F2 + ':2'), LO: BootValue('1', F2 + ':2')}),
    ([A(GLOB, '2', F1, 1), X(ETH0, F2, 1)], [ETH0, LO],
     {ETH0: BootValue(None, None), LO: BootValue('2', F1 + ':1')}),
    ([X(ETH0, F1, 1), A(GLOB, '2', F2, 1)], [ETH0, LO],
     {ETH0: BootValue(None, None), LO: BootValue('2', F2 + ':1')}),
    ([A(ETH0, '1', F1, 1), X(ETH0, F2, 1)], [ETH0], {ETH0: BootValue(None, None)}),
    ([A(ETH0, '1', F1, 1), A(GLOB, '2', F1, 2), X(ETH0, F2, 1)], [ETH0], {ETH0: BootValue(None, None)}),
    ([X(ETH0, F1, 1), A(ETH0, '1', F2, 5)], [ETH0], {ETH0: BootValue('1', F2 + ':5')}),
    ([A(GLOB, '2', F1, 1)], ['net.ipv4.conf.eth0.accept_redirects', 'net.ipv4.ip_forward'],
     {'net.ipv4.conf.eth0.accept_redirects': BootValue(None, None), 'net.ipv4.ip_forward': BootValue(None, None)}),
    ([A(GLOB, '2', F1, 1)], [VLAN], {VLAN: BootValue('2', F1 + ':1')}),
    ([A(VLAN, '0', F1, 1)], [VLAN, ETH0], {VLAN: BootValue('0', F1 + ':1'), ETH0: BootValue(None, None)}),
    ([A('vm.swappiness', '10', F1, 1, ignore_failure=True)], ['vm.swappiness'],
     {'vm.swappiness': BootValue('10', F1 + ':1')}),
    ([A('kernel.domainname', '', F1, 2)], ['kernel.domainname'], {'kernel.domainname': BootValue('', F1 + ':2')}),
    ([A('net.ipv4.ip_local_port_range', '32768\t60999', F1, 1)], ['net.ipv4.ip_local_port_range'],
     {'net.ipv4.ip_local_port_range': BootValue('32768\t60999', F1 + ':1')}),
]
RESOLVE_IDS = [
    'nothing-persists', 'single-explicit', 'no-keys', 'last-explicit-wins-across-files',
    'last-explicit-wins-in-file', 'explicit-before-glob-wins', 'explicit-after-glob-wins', 'later-glob-wins',
    'later-broader-glob-wins', 'exclusion-after-glob-blocks-it', 'exclusion-before-glob-blocks-it',
    'exclusion-as-last-word-unsets', 'exclusion-as-last-word-beats-glob-too', 'explicit-after-exclusion-wins',
    'glob-not-matching', 'glob-matches-component-with-dot', 'explicit-dot-in-component',
    'ignore-failure-still-applies', 'empty-value-is-a-value', 'value-kept-verbatim',
]


@pytest.mark.parametrize('assignments, keys, expected', RESOLVE_CASES, ids=RESOLVE_IDS)
def test_resolve_boot(assignments, keys, expected):
    assert resolve_boot(assignments, keys) == expected

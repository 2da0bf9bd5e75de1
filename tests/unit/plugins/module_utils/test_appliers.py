# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The applier families: their traits, the files each reads and in what order, and which one a host has."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import (
    APPLIER_TRAITS,
    APPLIERS,
    LONG_LINE_MAX,
    RELOAD_APPLIER,
    SYSCTL_CONF,
    SYSCTL_D_DIRS,
    SYSTEMD_SYSCTL_BINARIES,
    UnknownApplierError,
    detect_applier,
    detect_reload_applier,
    order_conf_files,
    reads_sysctl_conf_last,
    traits,
)

ETC = '/etc/sysctl.d'
RUN = '/run/sysctl.d'
USR = '/usr/lib/sysctl.d'
UNKNOWN = 'unknown applier %r, expected one of procps, procps3, systemd, systemd245, systemd239, systemd_rhel7'


def test_constants():
    assert SYSCTL_D_DIRS == ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d',
                             '/lib/sysctl.d')
    assert SYSCTL_CONF == '/etc/sysctl.conf'
    assert SYSTEMD_SYSCTL_BINARIES == ('/usr/lib/systemd/systemd-sysctl', '/lib/systemd/systemd-sysctl')
    assert APPLIERS == ('procps', 'procps3', 'systemd', 'systemd245', 'systemd239', 'systemd_rhel7')
    assert LONG_LINE_MAX == 1024 * 1024


def test_every_applier_has_traits_and_a_reload_applier():
    assert sorted(APPLIER_TRAITS) == sorted(APPLIERS)
    assert sorted(RELOAD_APPLIER) == sorted(APPLIERS)
    # "sysctl --system" is procps everywhere: the old one where the boot applier is an old one.
    assert RELOAD_APPLIER == {'procps': 'procps', 'procps3': 'procps3', 'systemd': 'procps',
                              'systemd245': 'procps3', 'systemd239': 'procps3', 'systemd_rhel7': 'procps3'}
    for name in RELOAD_APPLIER.values():
        assert traits(name).grammar == name


# (applier, grammar, writes, globs, dash, normalise, dotdot, hidden, conf_last, line_max, line_split)
TRAITS_CASES = [
    ('procps', 'procps', 'every', True, True, True, True, True, True, None, False),
    ('procps3', 'procps3', 'every', False, True, True, True, True, True, None, False),
    ('systemd', 'systemd', 'last', True, True, True, False, False, False, LONG_LINE_MAX, False),
    ('systemd245', 'systemd', 'last', True, True, True, True, False, False, LONG_LINE_MAX, False),
    ('systemd239', 'systemd', 'last', False, False, False, True, False, False, LONG_LINE_MAX, False),
    ('systemd_rhel7', 'systemd', 'last', False, False, False, True, False, True, 2047, True),
]


@pytest.mark.parametrize('applier, grammar, writes, globs, dash, normalise, dotdot, hidden, conf_last, line_max, '
                         'line_split', TRAITS_CASES, ids=[case[0] for case in TRAITS_CASES])
def test_traits(applier, grammar, writes, globs, dash, normalise, dotdot, hidden, conf_last, line_max, line_split):
    kind = traits(applier)
    assert (kind.grammar, kind.writes, kind.globs, kind.dash, kind.normalise, kind.dotdot, kind.hidden, kind.conf_last,
            kind.line_max, kind.line_split) == (grammar, writes, globs, dash, normalise, dotdot, hidden, conf_last,
                                                line_max, line_split)
    assert kind.versions


@pytest.mark.parametrize('applier', ['auto', '', None, 'Systemd', 'sysvinit', 'procps4'],
                         ids=['auto', 'empty', 'none', 'wrong-case', 'other', 'near-miss'])
def test_unknown_applier(applier):
    with pytest.raises(UnknownApplierError) as exc:
        traits(applier)
    assert str(exc.value) == UNKNOWN % (applier,)
    assert isinstance(exc.value, ValueError)
    with pytest.raises(UnknownApplierError):
        reads_sysctl_conf_last(applier)
    with pytest.raises(UnknownApplierError):
        order_conf_files([(ETC, ['a.conf'])], applier)


# (listing, expected files, for every applier)
ORDER_CASES = [
    ([], []),
    ([(ETC, [])], []),
    ([(ETC, ['99-b.conf', '10-a.conf', '50-c.conf'])],
     ['/etc/sysctl.d/10-a.conf', '/etc/sysctl.d/50-c.conf', '/etc/sysctl.d/99-b.conf']),
    ([(ETC, ['a.conf', 'README', 'b.conf.bak', 'c.conf~', 'd.CONF', 'conf', 'e.conf.d', 'f.conf.rpmsave'])],
     ['/etc/sysctl.d/a.conf']),
    ([(ETC, ['50-x.conf']), (RUN, ['50-x.conf', '10-y.conf']), (USR, ['50-x.conf', '99-z.conf'])],
     ['/run/sysctl.d/10-y.conf', '/etc/sysctl.d/50-x.conf', '/usr/lib/sysctl.d/99-z.conf']),
    ([(RUN, ['50-x.conf']), (ETC, ['50-x.conf'])], ['/run/sysctl.d/50-x.conf']),
    ([(ETC, ['99-local.conf']), (USR, ['10-default.conf'])],
     ['/usr/lib/sysctl.d/10-default.conf', '/etc/sysctl.d/99-local.conf']),
    ([('/etc/sysctl.d/', ['a.conf'])], ['/etc/sysctl.d/a.conf']),
    ([(ETC, ['B.conf', 'a.conf', '9.conf', '10.conf'])],
     ['/etc/sysctl.d/10.conf', '/etc/sysctl.d/9.conf', '/etc/sysctl.d/B.conf', '/etc/sysctl.d/a.conf']),
]
ORDER_IDS = [
    'no-directories', 'empty-directory', 'sorted-by-name', 'only-dot-conf', 'first-directory-masks',
    'precedence-is-listing-order', 'sorted-by-name-not-directory', 'trailing-slash', 'plain-string-order',
]


@pytest.mark.parametrize('applier', APPLIERS)
@pytest.mark.parametrize('listing, expected', ORDER_CASES, ids=ORDER_IDS)
def test_order_conf_files(listing, expected, applier):
    assert order_conf_files(listing, applier) == expected


@pytest.mark.parametrize('applier', APPLIERS)
def test_order_conf_files_any_iterables(applier):
    listing = iter([(ETC, ('x.conf',)), (USR, iter(['w.conf']))])
    assert order_conf_files(listing, applier) == ['/usr/lib/sysctl.d/w.conf', '/etc/sysctl.d/x.conf']


HIDDEN_LISTING = [(ETC, ['.x.conf', '.conf', 'a.conf', '.hidden', '.conf.conf']), (USR, ['.x.conf', 'b.conf'])]

# procps (any version) reads dot-files of sysctl.d, even one named ".conf"; systemd-sysctl skips them.
# A hidden file masks the same name in later directories only for the appliers that read it.
HIDDEN_CASES = [
    ('procps', ['/etc/sysctl.d/.conf', '/etc/sysctl.d/.conf.conf', '/etc/sysctl.d/.x.conf', '/etc/sysctl.d/a.conf',
                '/usr/lib/sysctl.d/b.conf']),
    ('procps3', ['/etc/sysctl.d/.conf', '/etc/sysctl.d/.conf.conf', '/etc/sysctl.d/.x.conf', '/etc/sysctl.d/a.conf',
                 '/usr/lib/sysctl.d/b.conf']),
    ('systemd', ['/etc/sysctl.d/a.conf', '/usr/lib/sysctl.d/b.conf']),
    ('systemd239', ['/etc/sysctl.d/a.conf', '/usr/lib/sysctl.d/b.conf']),
    ('systemd_rhel7', ['/etc/sysctl.d/a.conf', '/usr/lib/sysctl.d/b.conf']),
]


@pytest.mark.parametrize('applier, expected', HIDDEN_CASES, ids=[case[0] for case in HIDDEN_CASES])
def test_order_conf_files_hidden(applier, expected):
    assert order_conf_files(HIDDEN_LISTING, applier) == expected


@pytest.mark.parametrize('applier, expected', [
    ('procps', True),
    ('procps3', True),
    ('systemd', False),
    ('systemd239', False),
    ('systemd_rhel7', True),
], ids=['procps', 'procps3', 'systemd', 'systemd239', 'systemd_rhel7'])
def test_reads_sysctl_conf_last(applier, expected):
    assert reads_sysctl_conf_last(applier) is expected


# (init_comm, systemd_sysctl_present, os_id, os_version_id, expected)
DETECT_CASES = [
    ('systemd', True, 'ubuntu', '22.04', 'systemd245'),  # systemd 249
    ('systemd', True, 'ubuntu', '20.04', 'systemd245'),  # systemd 245
    ('systemd', True, 'debian', '12', 'systemd'),
    ('systemd', True, 'centos', '7', 'systemd_rhel7'),
    ('systemd', True, 'rhel', '7.9', 'systemd_rhel7'),
    ('systemd', True, 'ol', '7.9', 'systemd_rhel7'),
    ('systemd', True, 'scientific', '7.4', 'systemd_rhel7'),
    ('systemd', True, 'alinux', '2', 'systemd_rhel7'),
    ('systemd', True, 'centos', '8', 'systemd239'),
    ('systemd', True, 'rhel', '8.10', 'systemd239'),
    ('systemd', True, 'rocky', '8.9', 'systemd239'),
    ('systemd', True, 'almalinux', '8', 'systemd239'),
    ('systemd', True, 'anolis', '8.8', 'systemd239'),
    ('systemd', True, 'alinux', '3', 'systemd239'),
    ('systemd', True, 'rhel', '9.3', 'systemd'),
    ('systemd', True, 'rhel', '17', 'systemd'),
    ('systemd', True, 'alinux', '4', 'systemd'),
    ('systemd', True, 'centos', '', 'systemd'),
    ('systemd', True, 'centos', None, 'systemd'),
    ('systemd', True, 'ubuntu', '7', 'systemd'),
    ('systemd', True, 'ubuntu', '8', 'systemd'),
    ('systemd', True, '', '', 'systemd'),
    ('init', True, 'centos', '7', 'procps3'),
    ('init', True, 'rhel', '8.10', 'procps3'),
    ('init', True, 'alinux', '3', 'procps3'),
    ('init', True, 'ubuntu', '22.04', 'procps3'),
    ('init', True, 'ubuntu', '20.04', 'procps3'),
    ('init', True, 'ubuntu', '24.04', 'procps'),
    ('init', True, 'rhel', '9.3', 'procps3'),  # RHEL 9 ships procps-ng 3.3.17
    ('bash', False, 'alpine', '3.19.1', 'procps'),
    ('sh', True, 'debian', '12', 'procps'),
    ('', False, '', '', 'procps'),
    ('', False, None, None, 'procps'),
    ('systemd', False, 'ubuntu', '24.04', 'procps'),
    ('systemd', False, 'ubuntu', '22.04', 'procps3'),
    ('systemd', False, 'centos', '7', 'procps3'),
    ('systemd', True, 'amzn', '2', 'systemd_rhel7'),
    ('systemd', True, 'amzn', '2023', 'systemd'),
    ('systemd', True, 'debian', '10', 'systemd239'),
    ('systemd', True, 'debian', '11', 'systemd245'),  # systemd 247 (run: Debian 11's own, tests/differential)
    ('systemd', True, 'debian', '11.11', 'systemd245'),
    ('systemd', True, 'debian', '13', 'systemd'),
    ('systemd', True, 'ubuntu', '24.04', 'systemd'),  # systemd 255
    ('systemd', True, 'ubuntu', '21.10', 'systemd'),  # not a release this collection knows: the newest family
    ('systemd', True, 'linuxmint', '21', 'systemd'),
]
DETECT_IDS = [
    'ubuntu-22', 'ubuntu-20', 'debian', 'centos7', 'rhel7-minor', 'oracle7', 'scientific7', 'alinux2', 'centos8',
    'rhel8', 'rocky8', 'alma8', 'anolis8', 'alinux3', 'rhel9', 'rhel17-not-7', 'alinux4', 'no-version',
    'none-version', 'non-rhel-version-7', 'non-rhel-version-8', 'no-os-release', 'sysv-init-centos7',
    'sysv-init-rhel8', 'sysv-init-alinux3', 'sysv-init-ubuntu22', 'sysv-init-ubuntu20', 'sysv-init-ubuntu24',
    'sysv-init-rhel9', 'container-shell', 'container-shell-with-binary', 'nothing-known', 'nothing-known-none',
    'systemd-init-without-binary', 'systemd-init-without-binary-ubuntu22', 'systemd-init-without-binary-centos7',
    'amazon2', 'amazon2023', 'debian10', 'debian11', 'debian11-point', 'debian13', 'ubuntu24', 'ubuntu21-10',
    'other-id-same-version',
]


@pytest.mark.parametrize('init_comm, present, os_id, version, expected', DETECT_CASES, ids=DETECT_IDS)
def test_detect_applier(init_comm, present, os_id, version, expected):
    assert detect_applier(init_comm, present, os_id, version) == expected
    assert expected in APPLIERS


# The procps family of "sysctl --system" follows the distribution, whatever the boot applier.
@pytest.mark.parametrize('os_id, version, expected', [
    ('debian', '12', 'procps'), ('debian', '13', 'procps'), ('debian', '11', 'procps3'), ('debian', '10', 'procps3'),
    ('ubuntu', '24.04', 'procps'), ('ubuntu', '22.04', 'procps3'), ('ubuntu', '20.04', 'procps3'),
    ('rhel', '9.4', 'procps3'), ('rocky', '8.9', 'procps3'), ('centos', '7', 'procps3'), ('alinux', '3', 'procps3'),
    ('alinux', '2', 'procps3'), ('amzn', '2', 'procps3'), ('fedora', '40', 'procps'), ('', '', 'procps'),
    ('rhel', None, 'procps'),
])
def test_detect_reload_applier(os_id, version, expected):
    assert detect_reload_applier(os_id, version) == expected

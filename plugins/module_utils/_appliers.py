# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sysctl appliers this collection models, and how each one reads its files.

One place owns these facts. Each applier family is a set of traits read from
the appliers' own sources. The differential tests check four of them against
the real programs: ``procps`` (procps-ng 4.0.x ``sysctl --system``) and
``systemd`` (systemd-sysctl 250 to 257) on Debian 12 and 13, ``procps3``
(procps-ng 3.3.15 to 3.3.17: no globs, its own line grammar, each file
applied as it is read) and ``systemd245`` (systemd-sysctl 245 to 249: as
``systemd``, but a ``..`` in a key is written as is) on Debian 11. The others
are modelled from their sources only:

* ``systemd239`` (RHEL 8, Alibaba Cloud Linux 3): no globs, no ``-`` prefix,
  keys written as spelt (no normalisation);
* ``systemd_rhel7`` (RHEL/CentOS 7, Alibaba Cloud Linux 2): as ``systemd239``,
  lines cut at 2047 bytes, and /etc/sysctl.conf parsed again after every
  sysctl.d file (Red Hat's patch), so it beats them all.
"""

from collections import namedtuple

SYSCTL_D_DIRS = (
    '/etc/sysctl.d',
    '/run/sysctl.d',
    '/usr/local/lib/sysctl.d',
    '/usr/lib/sysctl.d',
    '/lib/sysctl.d',
)
SYSCTL_CONF = '/etc/sysctl.conf'
SYSTEMD_SYSCTL_BINARIES = ('/usr/lib/systemd/systemd-sysctl', '/lib/systemd/systemd-sysctl')
LONG_LINE_MAX = 1024 * 1024

# grammar: 'procps' (4.0.x), 'procps3' (3.3.x: strtok-based, applies each file as
# it reads it) or 'systemd' (how a line is cut, stripped and split);
# writes: 'every' (each line, in order) or 'last' (one write per key, the last
# value, at the position of its last change); globs: '*?[' expand; dash: a
# leading '-' means "ignore failure" (and '-key' alone excludes it from globs);
# normalise: collapse doubled separators and drop a leading '/' and a trailing one
# (else the key is written as spelt: a trailing separator names no key);
# dotdot: a '..' in a key is written as is and the kernel resolves it (else
# systemd 250+ refuses it, EINVAL; procps resolves it, under /proc/sys only);
# hidden: dot-files of sysctl.d are read; conf_last: /etc/sysctl.conf is
# applied after every sysctl.d file; line_max: longest line (None: unlimited);
# line_split: a longer line is cut into pieces (True) or ends the file (False).
Traits = namedtuple('Traits', 'grammar writes globs dash normalise dotdot hidden conf_last line_max line_split '
                    'versions')

APPLIER_TRAITS = {
    'procps': Traits('procps', 'every', True, True, True, True, True, True, None, False,
                     'procps-ng 4.0.x sysctl --system'),
    'procps3': Traits('procps3', 'every', False, True, True, True, True, True, None, False,
                      'procps-ng 3.3.15-3.3.17 sysctl --system'),
    'systemd': Traits('systemd', 'last', True, True, True, False, False, False, LONG_LINE_MAX, False,
                      'systemd-sysctl 250-257'),
    'systemd245': Traits('systemd', 'last', True, True, True, True, False, False, LONG_LINE_MAX, False,
                         'systemd-sysctl 245-249'),
    'systemd239': Traits('systemd', 'last', False, False, False, True, False, False, LONG_LINE_MAX, False,
                         'systemd-sysctl 239 (RHEL 8, Alibaba Cloud Linux 3; modelled)'),
    'systemd_rhel7': Traits('systemd', 'last', False, False, False, True, False, True, 2047, True,
                            'systemd-sysctl 219 with Red Hat patches (RHEL/CentOS 7, Alibaba Cloud Linux 2; modelled)'),
}
APPLIERS = ('procps', 'procps3', 'systemd', 'systemd245', 'systemd239', 'systemd_rhel7')
# What "sysctl --system" is on hosts of each boot applier (an operator, a
# package script or tuned re-applying the files).
RELOAD_APPLIER = {
    'procps': 'procps',
    'procps3': 'procps3',
    'systemd': 'procps',
    'systemd245': 'procps3',  # Debian 11, Ubuntu 20.04 and 22.04: procps-ng 3.3.16/3.3.17
    'systemd239': 'procps3',
    'systemd_rhel7': 'procps3',
}


class UnknownApplierError(ValueError):
    """An applier name outside APPLIERS (the modules' choices prevent it)."""


def traits(applier):
    """Return the Traits of an applier family, or raise UnknownApplierError."""
    try:
        return APPLIER_TRAITS[applier]
    except KeyError:
        raise UnknownApplierError('unknown applier %r, expected one of %s' % (applier, ', '.join(APPLIERS)))


def order_conf_files(listing, applier):
    """Return the configuration files the applier reads, in application order.

    ``listing`` is a sequence of ``(directory, names)`` in directory
    precedence order (as SYSCTL_D_DIRS). Only names ending in ``.conf``
    count (procps also reads dot-files such as ``.conf``); the first
    directory holding a name masks it in the others. /etc/sysctl.conf is not
    part of it (see ``reads_sysctl_conf_last``).
    """
    hidden = traits(applier).hidden
    chosen = {}
    for directory, names in listing:
        for name in names:
            if not name.endswith('.conf') or name in chosen:
                continue
            if name.startswith('.') and not hidden:
                continue
            if len(name) == len('.conf') and not hidden:
                continue
            chosen[name] = directory.rstrip('/') + '/' + name
    return [chosen[name] for name in sorted(chosen)]


def reads_sysctl_conf_last(applier):
    """True when the applier applies /etc/sysctl.conf after all sysctl.d files."""
    return traits(applier).conf_last


_RHEL_FAMILY = ('rhel', 'centos', 'ol', 'scientific', 'rocky', 'almalinux', 'anolis')


def _old_procps(os_id, major):
    """True where the distribution ships procps-ng 3.3 (its sysctl --system expands no globs)."""
    return ((os_id in _RHEL_FAMILY and major in ('7', '8', '9')) or (os_id == 'alinux' and major in ('2', '3'))
            or (os_id == 'ubuntu' and major in ('18', '20', '22')) or (os_id == 'debian' and major in ('10', '11'))
            or (os_id == 'amzn' and major == '2'))


def detect_applier(init_comm, systemd_sysctl_present, os_id, os_version_id):
    """Choose the boot applier family from facts of the host.

    systemd is the applier when it runs as init (``/proc/1/comm``) and ships
    systemd-sysctl; its version family follows the distribution (Amazon Linux
    2 is taken to carry Red Hat's systemd 219 patch, like CentOS 7; Debian 11
    has systemd 247, Ubuntu 20.04 245, 22.04 249); anything else (SysV init,
    containers, busybox) gets procps ``sysctl --system``.
    """
    major = (os_version_id or '').split('.')[0]
    if init_comm != 'systemd' or not systemd_sysctl_present:
        return detect_reload_applier(os_id, os_version_id)
    if (os_id in _RHEL_FAMILY and major == '7') or (os_id == 'alinux' and major == '2') \
            or (os_id == 'amzn' and major == '2'):
        return 'systemd_rhel7'
    if (os_id in _RHEL_FAMILY and major == '8') or (os_id == 'alinux' and major == '3') \
            or (os_id == 'debian' and major == '10'):
        return 'systemd239'  # systemd 239 (RHEL 8) and 241 (Debian 10): no globs, no "-" prefix
    if (os_id == 'debian' and major == '11') or (os_id == 'ubuntu' and major in ('20', '22')):
        return 'systemd245'
    return 'systemd'


def detect_reload_applier(os_id, os_version_id):
    """The procps family of the host's ``sysctl --system``, from ``/etc/os-release``."""
    return 'procps3' if _old_procps(os_id, (os_version_id or '').split('.')[0]) else 'procps'

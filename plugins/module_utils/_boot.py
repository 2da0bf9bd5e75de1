# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Predict what the boot-time sysctl applier will write, and from where.

Both appliers read ``*.conf`` files from the same directories, the first file
of a given name masking the same name in later directories (a symlink to
/dev/null masks too: it is read as empty), and apply them in order of file
name. They differ in /etc/sysctl.conf:

* ``procps`` (``sysctl --system``) applies /etc/sysctl.conf **last**, after
  every sysctl.d file, so it undoes a drop-in that sets the same key;
* ``systemd`` (systemd-sysctl) does not read it, except through the
  ``99-sysctl.conf`` symlink that distributions ship;
* ``systemd_rhel7`` (RHEL/CentOS 7's patched systemd) reads it last, like procps.

An explicit assignment of a key beats any glob that matches it, wherever
either stands; among explicit assignments (and among globs) the last one
applied wins; ``-key`` alone excludes the key from globs.
"""

from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import glob_matches

SYSCTL_D_DIRS = (
    '/etc/sysctl.d',
    '/run/sysctl.d',
    '/usr/local/lib/sysctl.d',
    '/usr/lib/sysctl.d',
    '/lib/sysctl.d',
)
SYSCTL_CONF = '/etc/sysctl.conf'
APPLIERS = ('procps', 'systemd', 'systemd_rhel7')
SYSTEMD_SYSCTL_BINARIES = ('/usr/lib/systemd/systemd-sysctl', '/lib/systemd/systemd-sysctl')

# value: the string the applier writes (None: nothing persists the key);
# source: "file:line" of the winning assignment, or None.
BootValue = namedtuple('BootValue', 'value source')


def order_conf_files(listing):
    """Return the configuration files in application order.

    ``listing`` is a sequence of ``(directory, names)`` in directory
    precedence order (as SYSCTL_D_DIRS). Only names ending in ``.conf``
    count; the first directory holding a name masks it in the others.
    """
    chosen = {}
    for directory, names in listing:
        for name in names:
            if name.startswith('.') or len(name) <= len('.conf') or not name.endswith('.conf') or name in chosen:
                continue
            chosen[name] = directory.rstrip('/') + '/' + name
    return [chosen[name] for name in sorted(chosen)]


def reads_sysctl_conf_last(applier):
    """True when the applier reads /etc/sysctl.conf after all sysctl.d files."""
    if applier not in APPLIERS:
        raise ValueError('unknown boot applier %r, expected one of %s' % (applier, ', '.join(APPLIERS)))
    return applier in ('procps', 'systemd_rhel7')


def detect_applier(init_comm, systemd_sysctl_present, os_id, os_version_id):
    """Choose the boot applier from facts of the host.

    systemd is the applier when it runs as init (``/proc/1/comm``) and
    ships systemd-sysctl; RHEL-family 7 uses the patched variant; anything
    else (SysV init, containers, busybox) gets procps ``sysctl --system``.
    """
    if init_comm != 'systemd' or not systemd_sysctl_present:
        return 'procps'
    rhel_family = ('rhel', 'centos', 'ol', 'scientific')
    major = (os_version_id or '').split('.')[0]
    # Alibaba Cloud Linux 2 is built on CentOS 7 and ships its systemd 219.
    if (os_id in rhel_family and major == '7') or (os_id == 'alinux' and major == '2'):
        return 'systemd_rhel7'
    return 'systemd'


def resolve_boot(assignments, keys):
    """Return ``{key: BootValue}`` for each canonical key of ``keys``.

    ``assignments`` is every Assignment of every file, in application order.
    """
    explicit = {}
    globs = []
    for item in assignments:
        if item.is_glob:
            globs.append(item)
        else:
            # The last explicit line wins; "-key" alone (value None) as the
            # last word on a key means: nothing sets it, not even a glob.
            explicit[item.key] = item
    result = {}
    for key in keys:
        winner = explicit.get(key)
        if winner is None:
            winner = next((item for item in reversed(globs) if glob_matches(item.key, key)), None)
        if winner is None or winner.value is None:
            result[key] = BootValue(None, None)
        else:
            result[key] = BootValue(winner.value, '%s:%d' % (winner.source, winner.line))
    return result

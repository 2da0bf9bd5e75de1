# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The boot_applier option, shared by the modules that predict the next boot."""

    DOCUMENTATION = r'''
options:
  boot_applier:
    description:
      - Which boot-time applier to model when predicting what the next boot applies.
      - V(auto) picks V(systemd) when systemd runs as init and ships C(systemd-sysctl), V(systemd_rhel7) for that
        on RHEL-family 7 and Alibaba Cloud Linux 2, and V(procps) (C(sysctl --system)) otherwise, for example in
        containers or under SysV init.
      - V(procps) and V(systemd_rhel7) apply C(/etc/sysctl.conf) after every sysctl.d file; V(systemd) reads it only
        through the C(99-sysctl.conf) symlink most distributions ship.
    type: str
    choices: [auto, procps, systemd, systemd_rhel7]
    default: auto
'''

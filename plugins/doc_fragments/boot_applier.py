# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The boot_applier and kernel_check options, shared by the modules that predict the next boot."""

    DOCUMENTATION = r'''
options:
  boot_applier:
    description:
      - Which boot-time applier, and which version family of it, to model when predicting what the next boot
        applies. Each family reads the files its own way (see the README, "How the next boot is predicted").
      - V(procps) is procps-ng 4.0 C(sysctl --system) (Debian 12/13, Ubuntu 24.04, containers, SysV init);
        V(systemd) is systemd-sysctl 250 to 257 (Debian 12/13, Ubuntu 24.04, RHEL 9). Both are checked against the
        real programs of Debian 12 and 13 by the collection's differential tests.
      - V(procps3) is procps-ng 3.3.15 to 3.3.17 (no globs, a line grammar of its own, each file applied as it is
        read); V(systemd245) is systemd-sysctl 245 to 249 (Debian 11, Ubuntu 20.04 and 22.04; as V(systemd), but
        a C(..) in a key is written as it is). Both are checked against the real programs of Debian 11.
      - V(systemd239) (RHEL 8, Alibaba Cloud Linux 3; without globs nor the C(-) prefix, keys written as spelt) and
        V(systemd_rhel7) (RHEL/CentOS 7, Alibaba Cloud Linux 2; as V(systemd239), and C(/etc/sysctl.conf) applied
        after every sysctl.d file) are modelled from those programs' sources only.
      - V(auto) picks the family from the init system (systemd as PID 1 with C(systemd-sysctl) present) and
        C(/etc/os-release).
      - What the next C(sysctl --system) leaves (the reload prediction) is modelled with the host's procps
        family. With V(auto) it comes from C(/etc/os-release), V(procps3) on distributions with procps-ng 3.3
        (RHEL/CentOS 7 to 9 and their rebuilds, Alibaba Cloud Linux 2 and 3, Amazon Linux 2, Ubuntu 20.04 and
        22.04, Debian 10 and 11); with a given family it is V(procps3) for the old ones (V(procps3), V(systemd245),
        V(systemd239), V(systemd_rhel7)), else V(procps).
    type: str
    choices: [auto, procps, procps3, systemd, systemd245, systemd239, systemd_rhel7]
    default: auto
  kernel_check:
    description:
      - Let the kernel itself decide what it makes of the values written to C(net.*) keys. A child process
        replays the applier's writes, in order, in a new network namespace created for the purpose and discarded
        at once (it needs C(CAP_SYS_ADMIN), and the host's own namespace is never written). This catches per-key
        ranges and checks between keys that the model does not know, and returns the kernel's own default of
        each key.
      - Without the privilege, or for keys that do not exist in a new namespace (interfaces other than C(lo)),
        and for host-wide keys, the model of the kernel's parser answers; a value it cannot decide makes the key
        V(undecided).
    type: bool
    default: true
'''

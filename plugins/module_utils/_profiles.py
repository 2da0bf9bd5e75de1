# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profiles shipped with the collection: the one source of truth.

Modules take a profile by name (``profile`` / ``baseline_profile``) and
take their choices from here. The YAML that names profiles cannot import
this file: the role's argument spec and defaults, the audit playbook's
argument spec, the audit_report documentation and the README's profile
tables are written out, and tests/unit/test_contracts.py fails when one of
them differs from what is defined here (names, kinds, values,
DEFAULT_PROFILE and BASELINE_PROFILE).
Each setting has a value (the same forms as the audit module's ``expect``)
and a one-line reason, written as a comment into the drop-in.
"""

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError

_ALIBABA = 'Alibaba Cloud ECS image /etc/sysctl.conf'

PROFILES = {
    'alibaba_cloud_default': {
        'kind': 'baseline',
        'description': 'The values the Alibaba Cloud ECS images ship in /etc/sysctl.conf: the baseline '
                       'that drift is reported against, not a target.',
        'settings': {
            'vm.swappiness': {'value': 0, 'reason': _ALIBABA},
            'kernel.sysrq': {'value': 1, 'reason': _ALIBABA},
            'net.ipv4.neigh.default.gc_stale_time': {'value': 120, 'reason': _ALIBABA},
            'net.ipv4.conf.all.rp_filter': {'value': 0, 'reason': _ALIBABA},
            'net.ipv4.conf.default.rp_filter': {'value': 0, 'reason': _ALIBABA},
            'net.ipv4.conf.default.arp_announce': {'value': 2, 'reason': _ALIBABA},
            'net.ipv4.conf.lo.arp_announce': {'value': 2, 'reason': _ALIBABA},
            'net.ipv4.conf.all.arp_announce': {'value': 2, 'reason': _ALIBABA},
            'net.ipv4.tcp_max_tw_buckets': {'value': 5000, 'reason': _ALIBABA},
            'net.ipv4.tcp_syncookies': {'value': 1, 'reason': _ALIBABA},
            'net.ipv4.tcp_max_syn_backlog': {'value': 1024, 'reason': _ALIBABA},
            'net.ipv4.tcp_synack_retries': {'value': 2, 'reason': _ALIBABA},
        },
    },
    'high_connection': {
        'kind': 'target',
        'description': 'A busy server with many short connections: TIME_WAIT and SYN/accept queues large '
                       'enough that bursts never make the kernel drop sockets. Every key is per network '
                       'namespace, so it applies inside containers too.',
        'settings': {
            'net.ipv4.tcp_max_tw_buckets': {
                'value': {'min': 262144},
                'reason': 'TIME_WAIT table: on overflow the kernel destroys closing sockets at once '
                          '(TCPTimeWaitOverflow), losing data still in flight',
            },
            'net.ipv4.tcp_max_syn_backlog': {
                'value': {'min': 8192},
                'reason': 'half-open connections queued per listener before SYNs are dropped or cookied',
            },
            'net.core.somaxconn': {
                'value': {'min': 8192},
                'reason': 'cap of every listen() backlog; with syncookies on it also bounds the SYN queue',
            },
            'net.ipv4.tcp_syncookies': {
                'value': 1,
                'reason': 'keep SYN-flood protection on when the SYN queue is full',
            },
            'net.ipv4.tcp_fin_timeout': {
                'value': {'max': 30},
                'reason': 'reclaim orphaned FIN_WAIT2 sockets after at most 30 s instead of 60 s',
            },
            'net.ipv4.tcp_tw_reuse': {
                'value': 1,
                'reason': 'let new outgoing connections reuse TIME_WAIT ports safely (timestamps)',
            },
        },
    },
}

# The defaults of the YAML interfaces: the profile the role applies and the audit playbook audits against
# (sysctl_tuning_profile, sysctl_audit_profile), and the baseline both compare with
# (sysctl_tuning_baseline_profile, sysctl_audit_baseline_profile).
DEFAULT_PROFILE = 'high_connection'
BASELINE_PROFILE = 'alibaba_cloud_default'


def profile_names():
    return sorted(PROFILES)


def baseline_profile_names():
    """Profiles of plain values that live values can be compared with (image defaults)."""
    return sorted(name for name, profile in PROFILES.items() if profile['kind'] == 'baseline')


def target_profile_names():
    """Profiles meant to be applied (a baseline such as the image defaults is only compared with)."""
    return sorted(name for name, profile in PROFILES.items() if profile['kind'] == 'target')


def _profile(name):
    if name not in PROFILES:
        raise SysctlError('unknown profile %r; the collection ships: %s' % (name, ', '.join(profile_names())))
    return PROFILES[name]['settings']


def profile_values(name):
    """Return ``{key: value}`` of a profile (values in the audit module's ``expect`` forms)."""
    return dict((key, setting['value']) for key, setting in _profile(name).items())


def profile_reasons(name):
    """Return ``{key: reason}`` of a profile."""
    return dict((key, setting['reason']) for key, setting in _profile(name).items())

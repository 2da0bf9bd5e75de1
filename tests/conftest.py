"""What every test session guarantees: this machine's own host-wide sysctl values stay as they were.

The containers of the kernel, differential and report tests make the
host-wide /proc/sys trees read-only inside (tests/containers/kt-init); this
guard fails the session if a value changed all the same.
"""

import pytest

# Host-wide values the containers' sysctl files try to set (Alibaba's sysctl.conf, Debian's /usr/lib/sysctl.d,
# the corpus of the differential tests), and net.* values of this machine's own namespace.
HOST_KEYS = ('vm/swappiness', 'vm/overcommit_memory', 'vm/max_map_count', 'kernel/pid_max', 'kernel/sysrq',
             'kernel/kptr_restrict', 'kernel/dmesg_restrict', 'kernel/core_pattern', 'kernel/unprivileged_bpf_disabled',
             'kernel/yama/ptrace_scope', 'fs/protected_fifos', 'fs/protected_regular', 'fs/protected_symlinks',
             'fs/protected_hardlinks', 'fs/inotify/max_user_watches', 'fs/inotify/max_user_instances',
             'fs/file-max', 'fs/suid_dumpable', 'net/core/rmem_max', 'net/core/wmem_max',
             'net/core/somaxconn', 'net/ipv4/tcp_fin_timeout', 'net/ipv4/ip_forward')


def _host_values():
    values = {}
    for key in HOST_KEYS:
        try:
            with open('/proc/sys/' + key) as handle:
                values[key] = handle.read()
        except OSError:
            values[key] = None
    return values


@pytest.fixture(scope='session', autouse=True)
def host_kernel_untouched():
    """Fail the session if any test changed this machine's own sysctl values."""
    before = _host_values()
    yield
    assert _host_values() == before

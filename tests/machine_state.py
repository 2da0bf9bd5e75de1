"""This machine's own kernel settings that no test may change, read from /proc/sys.

One list for the session guard of every pytest run (tests/conftest.py) and for the
last step of scripts/test.sh (``python tests/machine_state.py`` prints them), which
also covers what runs outside pytest (image builds, Molecule).
"""

# Host-wide values the containers' sysctl files try to set (Alibaba's sysctl.conf, Debian's /usr/lib/sysctl.d,
# the corpus of the differential tests), net.* values of this machine's own namespace, and the forwarding
# switches a container network (a bridge) would turn on.
HOST_KEYS = ('vm/swappiness', 'vm/overcommit_memory', 'vm/max_map_count', 'kernel/pid_max', 'kernel/sysrq',
             'kernel/kptr_restrict', 'kernel/dmesg_restrict', 'kernel/core_pattern', 'kernel/unprivileged_bpf_disabled',
             'kernel/yama/ptrace_scope', 'fs/protected_fifos', 'fs/protected_regular', 'fs/protected_symlinks',
             'fs/protected_hardlinks', 'fs/inotify/max_user_watches', 'fs/inotify/max_user_instances',
             'fs/file-max', 'fs/suid_dumpable', 'net/core/rmem_max', 'net/core/wmem_max',
             'net/core/somaxconn', 'net/ipv4/tcp_fin_timeout', 'net/ipv4/ip_forward',
             'net/ipv4/conf/all/forwarding', 'net/ipv6/conf/all/forwarding')


def host_values():
    """{key path: its text, or None when absent or unreadable}."""
    values = {}
    for key in HOST_KEYS:
        try:
            with open('/proc/sys/' + key) as handle:
                values[key] = handle.read()
        except OSError:
            values[key] = None
    return values


if __name__ == '__main__':
    for key, value in sorted(host_values().items()):
        print('/proc/sys/%s\t%r' % (key, value))

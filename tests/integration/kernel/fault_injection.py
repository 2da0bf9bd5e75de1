"""Run inside a privileged test container (PYTHONPATH=/kt, the checkout mounted there): tune's write path on the
real /proc/sys of the container's network namespace, with a failure injected at write N, for every N.

Each run starts from the same state (ip_forward on; lo's forwarding off and ICMP redirects accepted, each set
apart afterwards), runs apply_plan of a plan that touches ip_forward with a HostWriter whose writes numbered
in fail_at raise OSError(EIO) (the live writes, then the write backs; see main), and reads every key of the
namespace afterwards, with plain reads, not the module's. Prints one JSON list, one entry per run:
{fail_at, writes, failed, changed, left, differ, side_effects_seen, msg}.
"""

import errno
import json
import os
import shutil
import subprocess
import tempfile

from ansible_collections.kerneltune.sysctl.plugins.module_utils._apply import HostWriter, apply_plan
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import ApplyError

PLAN = {'net.core.somaxconn': '8192', 'net.ipv4.conf.lo.accept_local': '1', 'net.ipv4.ip_forward': '0',
        'net.ipv4.tcp_fin_timeout': '17', 'net.ipv4.tcp_max_tw_buckets': '262144'}
SET_APART = (('net.ipv4.ip_forward', '1'), ('net.ipv4.conf.lo.forwarding', '0'),
             ('net.ipv4.conf.all.accept_redirects', '1'), ('net.core.somaxconn', '4096'),
             ('net.ipv4.conf.lo.accept_local', '0'), ('net.ipv4.tcp_fin_timeout', '60'),
             ('net.ipv4.tcp_max_tw_buckets', '5000'))
SKIP = ('stable_secret', 'base_reachable_time', 'retrans_time')  # unreadable, or alias the _ms entries


def net_values():
    values = {}
    for directory, dummy, files in os.walk('/proc/sys/net'):
        for name in files:
            path = os.path.join(directory, name)
            if name in SKIP or '/netfilter/' in path:
                continue
            try:
                with open(path) as handle:
                    values[path[len('/proc/sys/'):].replace('/', '.')] = handle.read()
            except OSError:
                pass
    return values


def set_apart():
    for key, value in SET_APART:
        subprocess.run(['sysctl', '-q', '-w', '%s=%s' % (key, value)], check=True)


class Failing(HostWriter):
    """The writes numbered in ``fail_at`` (1-based) raise; ``seen``: a write of ip_forward changed other keys
    (conf.default.forwarding followed it)."""

    def __init__(self, *fail_at):
        HostWriter.__init__(self)
        self.fail_at = fail_at
        self.writes = 0
        self.seen = False

    def write_live(self, key, value):
        self.writes += 1
        if self.writes in self.fail_at:
            raise OSError(errno.EIO, 'injected failure at write %d' % self.writes)
        HostWriter.write_live(self, key, value)
        if key == 'net.ipv4.ip_forward' and value == '0':
            with open('/proc/sys/net/ipv4/conf/default/forwarding') as handle:
                self.seen = self.seen or handle.read() == '0\n'


class NoDropin(Failing):
    def replace(self, path, data, mode=None, label=None):
        raise OSError(errno.ENOSPC, 'injected: no space left for the drop-in')


class Plan(object):
    def __init__(self, path):
        self.writes, self.path = PLAN, path
        self.writes_dropin, self.data, self.edits = True, b'# kerneltune test\n', []
        self.live = None


def run(writer, directory):
    """apply_plan with ``writer`` from the state SET_APART leaves; the run's entry, or None if nothing failed."""
    set_apart()
    before = net_values()
    plan = Plan(os.path.join(directory, '90-kerneltune.conf'))
    plan.live = dict((key, before[key].strip()) for key in PLAN)
    try:
        apply_plan(plan, writer)
        return None
    except ApplyError as exc:
        result = {'failed': True, 'changed': exc.changed, 'left': exc.left, 'msg': str(exc)}
    after = net_values()
    result.update(fail_at=writer.fail_at, writes=writer.writes, side_effects_seen=writer.seen,
                  differ=sorted(key for key in before if after.get(key) != before[key]))
    return result


def main():
    """A failure at each write i of the plan; with each, a second one at each write back j after it; the drop-in
    failing after every live write, alone and with a failure at each write back."""
    directory = tempfile.mkdtemp(prefix='kt-fault-')
    runs = []
    first = 0
    while True:
        first += 1
        single = run(Failing(first), directory)
        if single is None:  # past the plan's last write: nothing failed
            break
        runs.append(single)
        runs.extend(run(Failing(first, second), directory) for second in range(first + 1, single['writes'] + 1))
    dropin = run(NoDropin(), directory)
    runs.append(dropin)
    runs.extend(run(NoDropin(second), directory) for second in range(first, dropin['writes'] + 1))
    set_apart()
    shutil.rmtree(directory)
    print(json.dumps(runs))


main()

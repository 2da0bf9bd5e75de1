# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: fleet audit and tuning cost of kerneltune.sysctl side by side with ansible.posix.sysctl.

Run it through scripts/benchmark.sh, which starts the containers kt-bench-1..N
and removes them afterwards. Measures the wall time of whole ansible-playbook
runs (what a user waits for), contenders alternated round by round (ABAB...)
so that background load hits them alike, with the same settings for all:
pipelining on, the same forks, gather_facts false, the default stdout callback.

  audit     kerneltune.sysctl.audit (24 keys) vs an ansible.posix.sysctl loop
            in check mode (24 keys) vs ansible.builtin.ping (the floor)
  scale     kerneltune.sysctl.audit with 1 key vs 100 keys
  converge  role kerneltune.sysctl.sysctl_tuning vs the equivalent role built on
            an ansible.posix.sysctl loop, each on freshly reset hosts
  ssh       an SSH fleet (kt-bench-ssh-1..N, the bookworm-ssh image, started and
            removed here with the pieces of tests/integration/ssh/conftest.py):
            user kt, sudo (become), pipelining on; ansible.builtin.ping vs the
            role's first converge (hosts reset, untimed), the role's rerun and
            the tune module alone, both changing nothing (checked)
  controller  build_report + JSON/CSV/HTML writers on synthetic results

This is a benchmark to run and read, not a timed test: nothing fails on a missed target.
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
BENCH = os.path.join(REPO, 'benchmarks')
WORK = os.path.join(REPO, '.build', 'benchmark')
KEYS24 = os.path.join(BENCH, 'keys24.yml')
ALIBABA_CONF = '/usr/local/share/kerneltune/alibaba-sysctl.conf'
DEFAULTS = '/run/kt-bench-defaults.conf'
PROBE = 'net.ipv4.tcp_max_tw_buckets'  # 5000 at Alibaba defaults, 262144 once converged
TUNED_KEYS = ('net.core.somaxconn', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_tw_reuse',
              'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_syncookies')
# Untimed: back to the state the container started in (Alibaba Cloud image defaults).
RESET = ('rm -f /etc/sysctl.d/90-kerneltune.conf /etc/sysctl.d/90-posix.conf /etc/sysctl.conf.*~ && '
         'cp %s /etc/sysctl.conf && sysctl -q -p %s && { sysctl -q -p /etc/sysctl.conf 2>/dev/null; true; } && '
         'sysctl -n %s' % (ALIBABA_CONF, DEFAULTS, PROBE))

# A contender: (name, playbook, extra arguments, what it must do). 'reset': the hosts are put back to the
# Alibaba Cloud defaults before the run (untimed) and the run must converge them; 'unchanged': every host's recap
# must say changed=0 (a rerun on converged hosts); None: nothing is checked.
RESET_AND_CONVERGE, UNCHANGED = 'reset', 'unchanged'
SSH_PING = 'ssh: ansible.builtin.ping'
SSH_TUNE = 'ssh: tune module alone, rerun (no change)'
SSH_RERUN = 'ssh: role sysctl_tuning, rerun (no change)'
SSH_CONVERGE = 'ssh: role sysctl_tuning, first converge'
# (name, title, [contender], the floor of the section's "/ ping" column)
SECTIONS = {
    'audit': ('Fleet audit, 24 net.* keys, --check', [
        ('ping', 'ping.yml', ['--check'], None),
        ('kerneltune.sysctl.audit (24 keys)', 'audit.yml', ['--check', '-e', '@' + KEYS24], None),
        ('ansible.posix.sysctl loop (24 keys)', 'posix_check.yml', ['--check', '-e', '@' + KEYS24], None),
    ], 'ping'),
    'scale': ('Audit cost, 1 key vs 100 keys, --check', [
        ('kerneltune.sysctl.audit (1 key)', 'audit.yml', ['--check', '-e', '@' + os.path.join(WORK, 'keys1.json')],
         None),
        ('kerneltune.sysctl.audit (100 keys)', 'audit.yml',
         ['--check', '-e', '@' + os.path.join(WORK, 'keys100.json')], None),
    ], 'ping'),
    'converge': ('Converge from Alibaba Cloud defaults (reset before each run, untimed)', [
        ('role kerneltune.sysctl.sysctl_tuning', 'converge_kerneltune.yml', [], RESET_AND_CONVERGE),
        ('role posix_sysctl_tuning (ansible.posix.sysctl loop)', 'converge_posix.yml', [], RESET_AND_CONVERGE),
    ], 'ping'),
    # The first converge comes first in each round, so the reruns after it find converged hosts.
    'ssh': ('SSH fleet: user kt, sudo, pipelining on', [
        (SSH_CONVERGE, 'converge_kerneltune.yml', ['--become'], RESET_AND_CONVERGE),
        (SSH_PING, 'ping.yml', ['--become'], None),
        (SSH_TUNE, 'tune_module.yml', ['--become'], UNCHANGED),
        (SSH_RERUN, 'converge_kerneltune.yml', ['--become'], UNCHANGED),
    ], SSH_PING),
}
# (label, numerator, denominator, comparison, goal); goal None: shown, no goal
TARGETS = [
    ('audit / ping', 'kerneltune.sysctl.audit (24 keys)', 'ping', '<=', 1.3),
    ('posix loop / audit (24 keys)', 'ansible.posix.sysctl loop (24 keys)', 'kerneltune.sysctl.audit (24 keys)',
     '>=', 15.0),
    ('posix-loop role / role converge', 'role posix_sysctl_tuning (ansible.posix.sysctl loop)',
     'role kerneltune.sysctl.sysctl_tuning', '>=', 5.0),
    ('audit 100 keys / 1 key', 'kerneltune.sysctl.audit (100 keys)', 'kerneltune.sysctl.audit (1 key)', '<=', 1.10),
    ('ssh: role rerun / ping', SSH_RERUN, SSH_PING, '<=', 1.25),
    ('ssh: role first converge / ping', SSH_CONVERGE, SSH_PING, '<=', 1.5),
    ('ssh: tune module alone / ping', SSH_TUNE, SSH_PING, '<=', None),
    ('ssh: role rerun / tune module alone', SSH_RERUN, SSH_TUNE, '<=', None),
]


def sh(argv, check=True, **kwargs):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                            check=False, **kwargs)
    if check and result.returncode:
        tail = (result.stdout[-3000:], result.stderr[-3000:])
        sys.exit('%s failed (%d):\n%s\n%s' % ((' '.join(argv), result.returncode) + tail))
    return result


def in_all(hosts, script):
    """Run a shell script in every container at once; return {host: stdout}."""
    procs = dict((h, subprocess.Popen(['podman', 'exec', h, '/bin/sh', '-c', script], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, universal_newlines=True)) for h in hosts)
    out = {}
    for host, proc in procs.items():
        stdout, stderr = proc.communicate()
        if proc.returncode:
            sys.exit('%s: %s failed (%d): %s' % (host, script, proc.returncode, stderr))
        out[host] = stdout.strip()
    return out


def expect_all(hosts, script, value, when):
    got = in_all(hosts, script)
    wrong = dict((h, v.splitlines()[-1] if v else v) for h, v in got.items()
                 if not v or v.splitlines()[-1] != value)
    if wrong:
        sys.exit('%s: %s is not %s on %s' % (when, PROBE, value, wrong))


def ansible_env(args, extra=None):
    env = dict(os.environ)
    env.update(extra or {})
    env.update(ANSIBLE_PIPELINING='1', ANSIBLE_FORKS=str(args.forks), ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default',
               ANSIBLE_ROLES_PATH=os.path.join(BENCH, 'roles'), ANSIBLE_HOST_KEY_CHECKING='False',
               ANSIBLE_RETRY_FILES_ENABLED='False', ANSIBLE_NOCOLOR='1', ANSIBLE_GATHERING='explicit',
               LC_ALL='C.UTF-8')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    if args.profile_tasks:
        env['ANSIBLE_CALLBACKS_ENABLED'] = 'ansible.posix.profile_tasks'
    return env


def playbook(args, inventory, playbook_name, extra, env):
    """Run one whole ansible-playbook; return its wall time in seconds (the only timed region) and its output."""
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
            os.path.join(BENCH, playbook_name)] + extra
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                            env=env, cwd=REPO, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit('%s failed (%d):\n%s' % (' '.join(argv), result.returncode, result.stdout[-6000:]))
    if args.log_dir:
        with open(os.path.join(args.log_dir, '%s-%d.log' % (playbook_name, int(time.time() * 1000))), 'w') as out:
            out.write(result.stdout)
    return elapsed, result.stdout


def changed_hosts(stdout, hosts):
    """The hosts whose PLAY RECAP line counts a change (each host must have one)."""
    changed = []
    for host in hosts:
        match = re.search(r'^%s\s*:.*\bchanged=(\d+)' % re.escape(host), stdout, re.M)
        if not match:
            sys.exit('no recap line for %s:\n%s' % (host, stdout[-3000:]))
        if int(match.group(1)):
            changed.append(host)
    return changed


def prepare_fleet(hosts):
    """Write the inventory, save the tuned keys' start values, pick the 1- and 100-key sets."""
    os.makedirs(WORK, exist_ok=True)
    inventory = os.path.join(WORK, 'inventory-%d.ini' % len(hosts))
    with open(inventory, 'w') as out:
        out.write('[bench]\n' + ''.join('%s ansible_connection=containers.podman.podman '
                                        'ansible_python_interpreter=/usr/bin/python3\n' % h for h in hosts))
    in_all(hosts, 'sysctl %s > %s' % (' '.join(TUNED_KEYS), DEFAULTS))
    listing = sh(['podman', 'exec', hosts[0], 'sysctl', '-a'], check=False)
    unreadable = set(line.split('"')[1] for line in listing.stderr.splitlines() if line.count('"') >= 2)
    values = {}
    for line in listing.stdout.splitlines():
        key, sep, value = line.partition(' = ')
        if sep and key.startswith('net.') and key not in unreadable:
            values[key] = value
    keys = sorted(values)
    if len(keys) < 100:
        sys.exit('only %d readable net.* keys in %s' % (len(keys), hosts[0]))
    picked = [keys[i * len(keys) // 100] for i in range(100)]  # evenly spread over the sorted keys
    for name, chosen in (('keys1.json', [PROBE]), ('keys100.json', picked)):
        with open(os.path.join(WORK, name), 'w') as out:
            json.dump({'bench_keys': dict((k, values[k]) for k in chosen)}, out, indent=1, sort_keys=True)
    return inventory, len(keys)


def validate_audits(args, inventory, env):
    """Untimed: each audit key set reaches every host and finds every key (no 'missing')."""
    env = dict(env, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    for keys_file in (KEYS24, os.path.join(WORK, 'keys1.json'), os.path.join(WORK, 'keys100.json')):
        result = sh([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
                     os.path.join(BENCH, 'audit.yml'), '--check', '-e', '@' + keys_file], env=env, cwd=REPO)
        hosts = json.loads(result.stdout[result.stdout.index('{'):])['plays'][0]['tasks'][0]['hosts']
        for host, res in hosts.items():
            if res.get('failed') or res['summary']['missing']:
                sys.exit('audit of %s on %s: %s' % (keys_file, host, res.get('msg') or res['summary']))
        if len(hosts) != len(args.hosts):
            sys.exit('audit of %s reached %d of %d hosts' % (keys_file, len(hosts), len(args.hosts)))


def measure(args, hosts, inventory, env, section):
    title, contenders, floor = SECTIONS[section]
    times = dict((contender[0], []) for contender in contenders)
    for round_no in range(-args.warmup, args.runs):
        for name, playbook_name, extra, must in contenders:
            if must == RESET_AND_CONVERGE:
                expect_all(hosts, RESET, '5000', 'after reset')
            elapsed, stdout = playbook(args, inventory, playbook_name, extra, env)
            if must == RESET_AND_CONVERGE:
                expect_all(hosts, 'sysctl -n %s' % PROBE, '262144', 'after %s' % name)
                if sorted(changed_hosts(stdout, hosts)) != sorted(hosts):
                    sys.exit('%s did not change every host:\n%s' % (name, stdout[-3000:]))
            if must == UNCHANGED and changed_hosts(stdout, hosts):
                sys.exit('%s changed %s:\n%s' % (name, ', '.join(changed_hosts(stdout, hosts)), stdout[-3000:]))
            if round_no >= 0:
                times[name].append(round(elapsed, 3))
            print('  %s round %s: %-52s %7.2f s' % (section, round_no + 1 if round_no >= 0 else 'warm-up', name,
                                                    elapsed), flush=True)
    if any(contender[3] == RESET_AND_CONVERGE for contender in contenders):
        expect_all(hosts, RESET, '5000', 'after reset')
    return dict(title=title, runs=times, median=dict((n, statistics.median(t)) for n, t in times.items()),
                floor=floor)


def load_ssh_fixtures():
    """tests/integration/ssh/conftest.py (start_fleet, Fleet) and the kernel harness it imports."""
    import importlib.util
    path = os.path.join(REPO, 'tests', 'integration', 'ssh', 'conftest.py')
    spec = importlib.util.spec_from_file_location('kt_ssh_conftest', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_ssh(args):
    """The ssh section on its own fleet, kt-bench-ssh-1..N, removed afterwards with its work directory."""
    fixtures = load_ssh_fixtures()
    harness = fixtures._harness
    names = ['kt-bench-ssh-%d' % i for i in range(1, args.fleet + 1)]
    workdir = tempfile.mkdtemp(prefix='kt-bench-ssh-')
    fleet = None
    try:
        key = os.path.join(workdir, 'id_ed25519')
        harness.run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'kerneltune-benchmark', '-f', key)
        os.mkdir(os.path.join(workdir, 'fleet'))
        try:
            fleet = fixtures.start_fleet(names, os.path.join(workdir, 'fleet'), key)
        except BaseException as exc:  # the fixtures skip (pytest's outcome exceptions) when something is missing
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            sys.exit('cannot start the SSH fleet: %s' % exc)
        in_all(names, 'sysctl %s > %s' % (' '.join(TUNED_KEYS), DEFAULTS))
        ssh_env = ansible_env(args, fleet.env(pipelining=True))
        python = in_all(names[:1], '/usr/bin/python3 --version')[names[0]]
        result = measure(args, names, fleet.inventory, ssh_env, 'ssh')
        result.update(hosts=names, host_python=python, connection='ssh as %s, become (sudo), pipelining, ControlPersist '
                      '(masters kept between runs), sshd reached through podman exec' % fixtures.USER)
        return result
    finally:
        if fleet is not None:
            fleet.close_control_masters()
        for name in names:
            harness.remove_container(name)
        shutil.rmtree(workdir, ignore_errors=True)


def synthetic(hosts, keys, seed=20260101):
    rng = random.Random(seed)
    names = ['net.ipv4.synthetic_key_%02d' % i for i in range(keys)]
    results, unreachable = {}, {}
    for number in range(hosts):
        host = 'host-%05d.example.internal' % number
        if rng.random() < 0.01:
            unreachable[host] = 'Failed to connect to the host via ssh: Connection timed out'
            continue
        entries, summary = {}, dict(ok=0, drift=0, boot_drift=0, missing=0, at_baseline=0)
        for index, key in enumerate(names):
            status = rng.choices(('ok', 'drift', 'boot_drift', 'missing'), (85, 9, 5, 1))[0]
            live = None if status == 'missing' else str(rng.choice((5000, 262144, 1024, 8192)))
            entries[key] = dict(live=live, boot=live if status == 'ok' else '5000',
                                boot_source='/etc/sysctl.conf:%d' % (index + 1), expected={'min': 8192},
                                baseline='5000', at_baseline=live == '5000', status=status)
            summary[status] += 1
            summary['at_baseline'] += live == '5000'
        verdict = rng.choice(('ok', 'ok', 'ok', 'near_limit', 'overflowed'))
        results[host] = dict(sysctl=entries, summary=summary, boot_applier='procps', pressure=dict(
            time_wait=rng.randint(0, 5000), tw_buckets=5000, tw_overflows=rng.randint(0, 50),
            verdict={'net.ipv4.tcp_max_tw_buckets': verdict, 'net.core.somaxconn': 'ok'}))
    return results, unreachable


def controller(args):
    """Aggregation and report writing for many hosts, on synthetic results: time, then peak memory."""
    from ansible_collections.kerneltune.sysctl.plugins.plugin_utils import _report
    try:
        from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_html import render_html
    except ImportError:
        render_html = None

    def write_html(report, path):
        with open(path, 'w') as out:
            out.write(render_html(report))

    workdir = tempfile.mkdtemp(prefix='kt-bench-report-')
    stages = [('build_report', None), ('write_json', _report.write_json), ('write_csv', _report.write_csv)]
    if render_html:
        stages.append(('render_html', write_html))

    def pipeline(results, unreachable, marks):
        report = None
        for name, writer in stages:
            if tracemalloc.is_tracing():
                tracemalloc.reset_peak()
            start = time.perf_counter()
            if writer is None:
                report = _report.build_report(results, unreachable, {}, 'high_connection', 'alibaba_cloud_default',
                                              '2026-01-01T00:00:00Z')
            else:
                writer(report, os.path.join(workdir, 'report.' + name.rsplit('_', 1)[-1]))
            marks.setdefault(name, []).append(time.perf_counter() - start)
            if tracemalloc.is_tracing():
                marks.setdefault(name + '_peak', []).append(tracemalloc.get_traced_memory()[1])

    seconds = {}
    results, unreachable = synthetic(args.synthetic_hosts, 30)
    for dummy in range(args.runs):  # timed without tracemalloc, which slows allocation down
        pipeline(results, unreachable, seconds)
    del results, unreachable
    tracemalloc.start()  # then once more, traced, the synthetic input included
    results, unreachable = synthetic(args.synthetic_hosts, 30)
    input_bytes = tracemalloc.get_traced_memory()[0]
    memory = {}
    pipeline(results, unreachable, memory)
    tracemalloc.stop()
    sizes = dict((name, os.path.getsize(os.path.join(workdir, name))) for name in sorted(os.listdir(workdir)))
    for name in sizes:
        os.unlink(os.path.join(workdir, name))
    os.rmdir(workdir)
    return dict(hosts=args.synthetic_hosts, keys_per_host=30, audited=len(results), unreachable=len(unreachable),
                seconds=dict((n, round(statistics.median(t), 4)) for n, t in seconds.items()),
                total_seconds=round(sum(statistics.median(t) for t in seconds.values()), 4),
                input_mib=round(input_bytes / 1048576.0, 1),
                peak_mib=dict((n[:-5], round(v[0] / 1048576.0, 1)) for n, v in memory.items() if n.endswith('_peak')),
                file_bytes=sizes, html=bool(render_html))


def machine(args):
    def first(argv):
        result = sh(argv, check=False)
        return (result.stdout or result.stderr).strip().splitlines()[0] if result.returncode == 0 else 'unknown'

    meminfo = dict(line.split(':', 1) for line in open('/proc/meminfo') if ':' in line)
    cpu = [line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')]
    import ansible.release
    versions = {}
    for name in ('ansible.posix', 'containers.podman'):
        module = __import__('ansible_collections.' + name, fromlist=['x'])
        with open(os.path.join(list(module.__path__)[0], 'MANIFEST.json')) as handle:
            versions[name] = json.load(handle)['collection_info']['version']
    return dict(nproc=os.cpu_count(), cpu=cpu[0] if cpu else platform.machine(),
                memory_mib=int(meminfo['MemTotal'].split()[0]) // 1024, kernel=platform.release(),
                python=platform.python_version(), ansible_core=ansible.release.__version__,
                collections=versions, podman=first(['podman', '--version']),
                host_python=first(['podman', 'exec', args.hosts[0], '/usr/bin/python3', '--version']),
                loadavg_start=list(os.getloadavg()))


def ratios(medians, runs):
    rows = []
    for label, top, bottom, op, goal in TARGETS:
        if top not in medians or bottom not in medians:
            continue
        value = medians[top] / medians[bottom]
        rounds = [a / b for a, b in zip(runs[top], runs[bottom])]
        met = None if goal is None else value <= goal if op == '<=' else value >= goal
        rows.append(dict(label=label, ratio=round(value, 3), goal='' if goal is None else '%s %g' % (op, goal),
                         met=met, per_round=[round(r, 3) for r in rounds]))
    return rows


def report(data):
    m = data['machine']
    lines = ['## kerneltune.sysctl benchmark: %d hosts, %d runs each (median), forks %d' % (
        len(data['hosts']), data['runs'], data['forks']), '',
        '- machine: %s CPUs (%s), %s MiB, kernel %s; load average %s at start, %s at end' % (
            m['nproc'], m['cpu'], m['memory_mib'], m['kernel'], ' '.join('%.2f' % x for x in m['loadavg_start']),
            ' '.join('%.2f' % x for x in data['loadavg_end'])),
        '- Python %s (controller), %s (hosts); ansible-core %s; %s; %s' % (
            m['python'], m['host_python'], m['ansible_core'],
            ', '.join('%s %s' % kv for kv in sorted(m['collections'].items())), m['podman']),
        '- settings: ANSIBLE_PIPELINING=1 (a no-op with containers.podman.podman, which has no pipelining), forks %d, '
        'gather_facts false, stdout callback ansible.builtin.default, contenders alternated each round, '
        '%d untimed warm-up round(s)' % (data['forks'], data['warmup'])]
    if 'ssh' in data['sections']:
        ssh = data['sections']['ssh']
        lines.append('- ssh section: %d hosts (%s), %s; the "/ ping" column divides by its own ping'
                     % (len(ssh['hosts']), ssh['host_python'], ssh['connection']))
    lines.append('')
    if data['sections']:
        lines += ['| Section | Contender | Median (s) | Runs (s) | Spread | / ping |', '|---|---|---:|---|---:|---:|']
    for name, section in data['sections'].items():
        floor = dict(kv for s in data['sections'].values() for kv in s['median'].items()).get(section.get('floor'))
        for contender, times in section['runs'].items():
            median = section['median'][contender]
            lines.append('| %s | %s | %.2f | %s | %.0f%% | %s |' % (
                name, contender, median, ' '.join('%.2f' % t for t in times),
                100.0 * (max(times) - min(times)) / median, '%.2fx' % (median / floor) if floor else ''))
    if data['ratios']:
        lines += ['', '| Target | Ratio of medians | Per round | Goal | Met |', '|---|---:|---|---|---|']
    for row in data['ratios']:
        lines.append('| %s | %.2fx | %s | %s | %s |' % (row['label'], row['ratio'], ' '.join(
            '%.2f' % r for r in row['per_round']), row['goal'] or '-',
            '-' if row['met'] is None else 'yes' if row['met'] else '**no**'))
    ctl = data.get('controller')
    if ctl:
        lines += ['', '### Controller: aggregation and reports, %d synthetic hosts x %d keys (%d unreachable)' % (
            ctl['hosts'], ctl['keys_per_host'], ctl['unreachable']), '',
            'Time: median of %d runs, no tracing. Peak: tracemalloc, Python heap incl. the synthetic input '
            '(%.1f MiB) and the report built so far.' % (data['runs'], ctl['input_mib']), '',
            '| Stage | Time (s) | Peak traced memory (MiB) | Output |', '|---|---:|---:|---:|']
        for stage, seconds in ctl['seconds'].items():
            out = 'report.' + stage.rsplit('_', 1)[-1]
            size = '%.1f MiB' % (ctl['file_bytes'][out] / 1048576.0) if out in ctl['file_bytes'] else ''
            lines.append('| %s | %.3f | %.1f | %s |' % (stage, seconds, ctl['peak_mib'].get(stage, 0), size))
        lines.append('| total | %.3f | %.1f (max) | |' % (ctl['total_seconds'], max(ctl['peak_mib'].values())))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--fleet', type=int, default=6, help='hosts kt-bench-1..N (started by benchmark.sh)')
    parser.add_argument('--runs', type=int, default=3, help='timed runs per contender (default 3)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed rounds first (default 1)')
    parser.add_argument('--forks', type=int, help='ansible forks (default: the number of hosts)')
    parser.add_argument('--sections', default='audit,scale,converge,ssh,controller',
                        help='comma-separated subset of audit,scale,converge,ssh,controller')
    parser.add_argument('--synthetic-hosts', type=int, default=1000, help='hosts of the controller section')
    parser.add_argument('--output', help='JSON results (default benchmarks/results-N.json)')
    parser.add_argument('--profile-tasks', action='store_true',
                        help='enable ansible.posix.profile_tasks in every run (adds its own cost; for investigation)')
    parser.add_argument('--log-dir', help='keep the output of every ansible-playbook run here')
    args = parser.parse_args()
    if args.runs < 1 or args.fleet < 1:
        parser.error('--runs and --fleet must be at least 1')
    args.hosts = ['kt-bench-%d' % i for i in range(1, args.fleet + 1)]
    args.forks = args.forks or args.fleet
    sections = [s.strip() for s in args.sections.split(',') if s.strip()]
    unknown = set(sections) - set(SECTIONS) - {'controller'}
    if unknown:
        parser.error('unknown sections: %s' % ', '.join(sorted(unknown)))
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    data = dict(hosts=args.hosts, runs=args.runs, warmup=args.warmup, forks=args.forks, machine=machine(args),
                sections={})
    env = ansible_env(args)
    if set(sections) & {'audit', 'scale', 'converge'}:
        inventory, readable = prepare_fleet(args.hosts)
        data['readable_net_keys'] = readable
        print('validating the audit key sets (untimed) on %d hosts' % len(args.hosts), flush=True)
        validate_audits(args, inventory, env)
        for section in ('audit', 'scale', 'converge'):
            if section in sections:
                data['sections'][section] = measure(args, args.hosts, inventory, env, section)
    if 'ssh' in sections:
        data['sections']['ssh'] = measure_ssh(args)
    if 'controller' in sections:
        data['controller'] = controller(args)
    medians = dict(kv for s in data['sections'].values() for kv in s['median'].items())
    runs = dict(kv for s in data['sections'].values() for kv in s['runs'].items())
    data['ratios'] = ratios(medians, runs)
    data['loadavg_end'] = list(os.getloadavg())
    output = args.output or os.path.join(BENCH, 'results-%d.json' % args.fleet)
    with open(output, 'w') as out:
        json.dump(data, out, indent=1, sort_keys=True)
        out.write('\n')
    print('\n' + report(data) + '\n\nresults: %s' % os.path.relpath(output, os.getcwd()))


if __name__ == '__main__':
    main()

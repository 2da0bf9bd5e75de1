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
  controller  the audit_report action's work on synthetic results (10,000 hosts x
            30 keys in 5 configurations by default): build, compare with the
            previous report, keep it in history/, write every format the action
            writes (JSON, CSV, HTML, Prometheus, JUnit), in a child process (time,
            peak RSS); then report.html in headless Chromium (load and filter,
            timed in the page)

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
    try:
        key = os.path.join(workdir, 'id_ed25519')
        harness.run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'kerneltune-benchmark', '-f', key)
        os.mkdir(os.path.join(workdir, 'fleet'))
        try:
            with fixtures.running_fleet(names, os.path.join(workdir, 'fleet'), key) as fleet:
                in_all(names, 'sysctl %s > %s' % (' '.join(TUNED_KEYS), DEFAULTS))
                ssh_env = ansible_env(args, fleet.env(pipelining=True))
                python = in_all(names[:1], '/usr/bin/python3 --version')[names[0]]
                result = measure(args, names, fleet.inventory, ssh_env, 'ssh')
        except BaseException as exc:  # the fixtures skip (pytest's outcome exceptions) when something is missing
            if isinstance(exc, (KeyboardInterrupt, SystemExit)) or not type(exc).__module__.startswith('_pytest'):
                raise
            sys.exit('cannot start the SSH fleet: %s' % exc)
        result.update(hosts=names, host_python=python, connection='ssh as %s, become (sudo), pipelining, ControlPersist '
                      '(masters kept between runs), sshd reached through podman exec' % fixtures.USER)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# The synthetic fleet's configurations: per configuration, a share of the hosts and how its keys stand.
# 'tuned': every key ok; 'stock': the image defaults (drift at the baseline on a third of the keys);
# 'half': half tuned, a few keys lost at the next boot; 'container': two keys missing; 'odd': hand-tuned values.
CONFIGURATIONS = (('tuned', 55), ('stock', 20), ('half', 12), ('container', 8), ('odd', 5))
UNREACHABLE_SHARE = 0.01


def _configuration(kind, keys, variant):
    """key -> (status, live) of one configuration (variant > 0: one more configuration of the same kind)."""
    entries = {}
    for index, key in enumerate(keys):
        status, live = 'ok', '262144'
        if kind == 'stock' and index % 3 == 0 or kind == 'half' and index % 6 == 0:
            status, live = 'drift', '5000'
        elif kind == 'half' and index % 6 == 1:
            status = 'boot_drift'
        elif kind == 'container' and index in (1, 2):
            status, live = 'missing', None
        elif kind == 'odd' and index % 4 == 0:
            status, live = 'drift', str(1024 + index)
        entries[key] = (status, live)
    if variant:  # another value on the last key: another signature
        entries[keys[-1]] = ('drift', str(6000 + variant))
    return entries


def synthetic(hosts, keys, configurations=5, seed=20260101, moved=0.0):
    """(results, unreachable) of a synthetic fleet: ``hosts`` hosts x ``keys`` keys in ``configurations`` signatures.

    About 1 % of the hosts unreachable; the other fields (boot source lines, pressure counters and verdicts)
    vary from host to host, as in a real fleet, without making more signatures. ``moved``: this share of the
    hosts gets another configuration (the previous run of the same fleet, for the "since" comparison).
    """
    rng = random.Random(seed)
    names = ['net.ipv4.synthetic_key_%02d' % i for i in range(keys)]
    kinds = [CONFIGURATIONS[i % len(CONFIGURATIONS)] for i in range(configurations)]
    table = [_configuration(kind, names, i // len(CONFIGURATIONS)) for i, (kind, dummy) in enumerate(kinds)]
    weights = [weight for dummy, weight in kinds]
    other = random.Random(seed + 1)
    results, unreachable = {}, {}
    for number in range(hosts):
        host = 'host-%05d.example.internal' % number
        if rng.random() < UNREACHABLE_SHARE:
            unreachable[host] = 'Failed to connect to the host via ssh: ssh: connect to host %s port 22: ' \
                                'Connection timed out' % host
            continue
        config = rng.choices(range(len(table)), weights)[0]
        if moved and other.random() < moved:
            config = (config + 1) % len(table)
        entries, summary = {}, dict(ok=0, drift=0, boot_drift=0, missing=0, at_baseline=0)
        line = rng.randint(1, 40)
        for index, key in enumerate(names):
            status, live = table[config][key]
            source = '/etc/sysctl.d/90-kerneltune.conf:%d' % (line + index)
            boot = live if status == 'ok' else '5000'
            # every field the audit module returns for a key (plugins/modules/audit.py, RETURN sysctl)
            entries[key] = dict(live=live, boot=boot, boot_source=source, reload=boot, reload_source=source,
                                checked_by='kernel', kernel_default='131072', rejected=[], undecided=None,
                                blocked=None, expected={'min': 8192}, baseline='5000', at_baseline=live == '5000',
                                reason='the next boot applies 5000 from %s' % source if status == 'boot_drift'
                                else None, status=status)
            summary[status] += 1
            summary['at_baseline'] += live == '5000'
        verdict = rng.choice(('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'near_limit', 'overflowed'))
        time_wait = rng.randint(0, 5000)
        results[host] = dict(sysctl=entries, summary=summary, boot_applier='procps', pressure=dict(
            time_wait=time_wait, tw_buckets=5000, tw_usage=round(time_wait / 5000.0, 4),
            tw_overflows=rng.randint(0, 50) if verdict == 'overflowed' else 0,
            verdict={'net.ipv4.tcp_max_tw_buckets': verdict, 'net.core.somaxconn': 'ok'}))
    return results, unreachable


def _report_modules():
    """The report's modules (build, compare)."""
    import importlib
    base = 'ansible_collections.kerneltune.sysctl.plugins.plugin_utils.'
    return dict((name, importlib.import_module(base + name)) for name in ('_report', '_report_changes'))


def _peak_rss_mib():
    """The peak RSS of this process since the last _reset_peak (VmHWM; ru_maxrss would carry the parent's)."""
    with open('/proc/self/status') as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def _reset_peak():
    """Start the peak RSS again from the current RSS (Linux >= 4.0: 5 > /proc/self/clear_refs), if allowed."""
    try:
        with open('/proc/self/clear_refs', 'w') as handle:
            handle.write('5')
    except OSError:
        pass


def controller_child(params):
    """In a fresh process: the synthetic input, then what the audit_report action does, timed stage by stage.

    The action's own functions where they exist: the previous report.json read and compared, kept in
    history/, every file written atomically. Prints one JSON line: seconds per stage, the peak RSS after
    the imports, after the input and after each stage, the file sizes.
    """
    from ansible_collections.kerneltune.sysctl.plugins.action import audit_report as action
    modules = _report_modules()
    # every format the action writes (json, csv, html, prom, junit), with its own writers and file names
    writers = [(name, action.FILE_NAMES[name], action.WRITERS[name]) for name in action.FORMATS]
    rss = dict(imports=_peak_rss_mib())

    def stage(name, function, *args):
        _reset_peak()
        start = time.perf_counter()
        value = function(*args)
        seconds[name] = time.perf_counter() - start
        rss[name] = _peak_rss_mib()
        return value

    results, unreachable = synthetic(params['hosts'], params['keys'], params['configurations'],
                                     moved=params.get('moved', 0.0))
    rss['input'] = _peak_rss_mib()
    seconds, dest = {}, params['workdir']
    report = stage('build_report', modules['_report'].build_report, results, unreachable, {}, 'high_connection',
                   'alibaba_cloud_default', params['generated'])
    report['changes'] = None
    previous = os.path.join(dest, 'report.json')
    if os.path.exists(previous):
        document = {}

        def compare():  # as the action does: the earlier report read slim, then compared
            document.update(action._read_json(previous, slim=True))
            return modules['_report_changes'].compare(document, report, os.path.basename(previous))
        report['changes'] = stage('compare', compare)
        stage('history', action._keep_history, dest, 30, document.get('generated'))
        document.clear()
    for name, file_name, writer in writers:
        stage('write_' + name, action._write, os.path.join(dest, file_name), writer, report)
    sizes = dict((name, os.path.getsize(os.path.join(dest, name))) for name in sorted(os.listdir(dest))
                 if name.startswith('report.'))
    print(json.dumps(dict(seconds=seconds, total=sum(seconds.values()), rss_mib=rss, file_bytes=sizes,
                          outputs=dict(('write_' + name, file_name) for name, file_name, dummy in writers),
                          signatures=len(report['signatures']), audited=len(results), unreachable=len(unreachable),
                          changes=report['changes'] and report['changes']['counts'])))


def load_cdp():
    """tests/report/_cdp.py: headless Chromium over the DevTools pipe."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('kt_cdp', os.path.join(REPO, 'tests', 'report', '_cdp.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Measured in the page with the Performance API. FILTER: the time from a filter input to the re-rendered count
# (the handler, then a forced style and layout), and to the next frame after it (painted).
NAVIGATION = """(function () {
  var nav = performance.getEntriesByType('navigation')[0], paint = {};
  performance.getEntriesByType('paint').forEach(function (p) { paint[p.name] = p.startTime; });
  return {load_event_end_ms: nav.loadEventEnd, dom_content_loaded_ms: nav.domContentLoadedEventEnd,
          first_contentful_paint_ms: paint['first-contentful-paint'] || null, transfer_bytes: nav.decodedBodySize,
          rows: document.querySelectorAll('#grid tbody tr').length, shown: document.getElementById('shown').textContent};
})()"""
FILTER = """new Promise(function (done) {
  var box = document.getElementById('filter'), shown = document.getElementById('shown');
  var start = performance.now();
  box.value = %s;
  box.dispatchEvent(new Event('input'));
  var text = shown.textContent, height = document.body.offsetHeight, counted = performance.now() - start;
  requestAnimationFrame(function () {
    setTimeout(function () { done({query: box.value, shown: text, counted_ms: counted, frame_ms: performance.now() - start}); }, 0);
  });
})"""
OPEN_BIGGEST = """new Promise(function (done) {
  var details = document.querySelector('#grid tbody tr details'), start = performance.now();
  details.addEventListener('toggle', function () {
    var lines = details.querySelector('.hl').textContent.split('\\n').length;
    requestAnimationFrame(function () {
      setTimeout(function () { done({lines: lines, frame_ms: performance.now() - start}); }, 0);
    });
  }, {once: true});
  details.open = true;
})"""
QUERIES = ('host-0999', 'HOST-', 'no-such-host', '')


def chromium_timing(html_path, runs):
    """Load report.html in headless Chromium ``runs`` times (a new tab each); the page's own timings."""
    cdp = load_cdp()
    binary = cdp.find_chromium()
    if not binary:
        return dict(skipped='chromium not found (Debian: apt-get install chromium)')
    loads, filters, opened = [], [], []
    with cdp.Browser(binary, 1400, 900) as browser:
        version = browser.call('Browser.getVersion')['product']
        for dummy in range(runs + 1):  # the first one warms the browser up, untimed
            page = browser.open('file://' + os.path.abspath(html_path))
            navigation = page.evaluate(NAVIGATION)
            timed = [page.evaluate(FILTER % json.dumps(query)) for query in QUERIES]
            biggest = page.evaluate(OPEN_BIGGEST)
            if dummy:
                loads.append(navigation)
                filters.append(timed)
                opened.append(biggest)

    def median(values):
        return round(statistics.median(values), 1)

    return dict(
        browser=version, runs=runs, rows=loads[0]['rows'], shown=loads[0]['shown'],
        load_event_end_ms=median([n['load_event_end_ms'] for n in loads]),
        dom_content_loaded_ms=median([n['dom_content_loaded_ms'] for n in loads]),
        # headless Chromium may record no paint entries: None then
        first_contentful_paint_ms=median([n['first_contentful_paint_ms'] for n in loads])
        if all(n['first_contentful_paint_ms'] for n in loads) else None,
        filter=[dict(query=QUERIES[i], shown=filters[0][i]['shown'],
                     counted_ms=median([f[i]['counted_ms'] for f in filters]),
                     frame_ms=median([f[i]['frame_ms'] for f in filters])) for i in range(len(QUERIES))],
        filter_max_frame_ms=max(median([f[i]['frame_ms'] for f in filters]) for i in range(len(QUERIES))),
        open_biggest=dict(lines=opened[0]['lines'], frame_ms=median([o['frame_ms'] for o in opened])))


def controller(args):
    """What the audit_report action does for a large fleet, on synthetic results, in a child process each run.

    The child builds the report, compares it with the previous report.json (3 % of the hosts moved to another
    configuration), keeps that in history/ and writes every output; its time per stage and its peak RSS (VmHWM
    of the whole process: interpreter, synthetic input and report) are read back. Then report.html is loaded in
    headless Chromium.
    """
    workdir = tempfile.mkdtemp(prefix='kt-bench-report-')
    try:
        out = os.path.join(workdir, 'out')
        os.mkdir(out)
        params = dict(hosts=args.synthetic_hosts, keys=args.synthetic_keys, configurations=args.synthetic_configs,
                      workdir=out, generated='2026-01-01T00:00:00Z', moved=0.03)
        # untimed: the previous run's report.json (3 % of the hosts in another configuration then)
        sh([sys.executable, os.path.abspath(__file__), '--controller-child', json.dumps(params)])
        for name in os.listdir(out):
            if name != 'report.json':
                os.unlink(os.path.join(out, name))
        os.rename(os.path.join(out, 'report.json'), os.path.join(workdir, 'previous.json'))
        params.update(generated='2026-01-02T00:00:00Z', moved=0.0)
        runs = []
        for number in range(args.runs):
            shutil.rmtree(out)
            os.mkdir(out)
            shutil.copy(os.path.join(workdir, 'previous.json'), os.path.join(out, 'report.json'))
            child = sh([sys.executable, os.path.abspath(__file__), '--controller-child', json.dumps(params)])
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
            print('  controller run %d: %.2f s, peak RSS %.0f MiB' % (
                number + 1, runs[-1]['total'], max(runs[-1]['rss_mib'].values())), flush=True)
        stages = list(runs[0]['seconds'])
        result = dict(hosts=args.synthetic_hosts, keys_per_host=args.synthetic_keys,
                      configurations=args.synthetic_configs, audited=runs[0]['audited'],
                      unreachable=runs[0]['unreachable'], signatures=runs[0]['signatures'],
                      changes=runs[0]['changes'], runs=len(runs),
                      seconds=dict((s, round(statistics.median(r['seconds'][s] for r in runs), 4)) for s in stages),
                      total_seconds=round(statistics.median(r['total'] for r in runs), 3),
                      total_runs=[round(r['total'], 3) for r in runs],
                      peak_rss_mib=round(max(max(r['rss_mib'].values()) for r in runs), 1),
                      rss_mib=dict((k, round(max(r['rss_mib'][k] for r in runs), 1)) for k in runs[0]['rss_mib']),
                      file_bytes=runs[0]['file_bytes'], outputs=runs[0]['outputs'],
                      goal=dict(seconds=10.0, peak_rss_mib=500.0, chromium_ms=2000.0))
        print('  controller: Chromium, report.html of %d hosts' % args.synthetic_hosts, flush=True)
        result['chromium'] = chromium_timing(os.path.join(out, 'report.html'), args.runs)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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


def controller_lines(ctl):
    """The controller section in markdown."""
    goal = ctl['goal']
    lines = ['', '### Controller: the report of %d synthetic hosts x %d keys in %d configurations (%d signatures, '
             '%d unreachable)' % (ctl['hosts'], ctl['keys_per_host'], ctl['configurations'], ctl['signatures'],
                                  ctl['unreachable']), '',
             'Each of %d runs in a fresh process, with the audit_report action\'s own functions: build, compare with '
             'the previous report.json (3 %% of the hosts were in another configuration), keep it in history/, write '
             'every output. Time: median; peak RSS of the process (VmHWM, reset before each stage), input included: '
             '%.0f MiB after the imports, %.0f MiB with the input.' % (
                 ctl['runs'], ctl['rss_mib']['imports'], ctl['rss_mib']['input']), '',
             '| Stage | Time (s) | Peak RSS during it (MiB) | Output |', '|---|---:|---:|---:|']
    for stage, seconds in ctl['seconds'].items():
        out = ctl['outputs'].get(stage)
        size = '%.1f MiB' % (ctl['file_bytes'][out] / 1048576.0) if out in ctl['file_bytes'] else ''
        lines.append('| %s | %.3f | %.0f | %s |' % (stage, seconds, ctl['rss_mib'][stage], size))
    lines.append('| **total** | **%.2f** (goal <= %g; runs %s) | **%.0f** (goal <= %g) | |' % (
        ctl['total_seconds'], goal['seconds'], ' '.join('%.2f' % t for t in ctl['total_runs']), ctl['peak_rss_mib'],
        goal['peak_rss_mib']))
    chrome = ctl.get('chromium') or {}
    if 'skipped' in chrome:
        lines += ['', 'Chromium: skipped, %s' % chrome['skipped']]
    elif chrome:
        worst = chrome['load_event_end_ms'] + chrome['filter_max_frame_ms']
        paint = chrome['first_contentful_paint_ms']
        lines += ['', 'report.html in headless %s (%d rows; Performance API in the page, median of %d loads): '
                  'loadEventEnd %.0f ms (DOMContentLoaded %.0f ms%s); filter input to the re-rendered count, and to '
                  'the next frame:' % (chrome['browser'], chrome['rows'], chrome['runs'], chrome['load_event_end_ms'],
                                       chrome['dom_content_loaded_ms'],
                                       '' if paint is None else ', first contentful paint %.0f ms' % paint), '',
                  '| Filter | Count shown | Counted (ms) | Next frame (ms) |', '|---|---|---:|---:|']
        for item in chrome['filter']:
            lines.append('| `%s` | %s | %.1f | %.1f |' % (item['query'] or '(cleared)', item['shown'],
                                                          item['counted_ms'], item['frame_ms']))
        lines += ['', 'Opening the biggest row\'s host list (%d lines): %.1f ms to the next frame. Load + slowest '
                  'filter: %.0f ms (goal <= %g).' % (chrome['open_biggest']['lines'], chrome['open_biggest']['frame_ms'],
                                                     worst, goal['chromium_ms'])]
    return lines


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
    if data.get('controller'):
        lines += controller_lines(data['controller'])
    return '\n'.join(lines)


def main():
    if sys.argv[1:2] == ['--controller-child']:  # the controller section's measured process
        controller_child(json.loads(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--fleet', type=int, default=6, help='hosts kt-bench-1..N (started by benchmark.sh)')
    parser.add_argument('--runs', type=int, default=3, help='timed runs per contender (default 3)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed rounds first (default 1)')
    parser.add_argument('--forks', type=int, help='ansible forks (default: the number of hosts)')
    parser.add_argument('--sections', default='audit,scale,converge,ssh,controller',
                        help='comma-separated subset of audit,scale,converge,ssh,controller')
    parser.add_argument('--synthetic-hosts', type=int, default=10000, help='hosts of the controller section')
    parser.add_argument('--synthetic-keys', type=int, default=30, help='keys per host of the controller section')
    parser.add_argument('--synthetic-configs', type=int, default=5,
                        help='configurations (signatures) of the controller section\'s hosts (default 5)')
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

"""The boot tests' harness: per Debian release one VM (tests/boot/_vm.py) and a sequence of stages on it.

A stage places a configuration with ansible-playbook over SSH as kt with sudo
(become), as fleets do, then, in the same play: reads which keys the host's
configuration sets and their live values (_probe.py), runs the audit module
kerneltune.sysctl.audit in check mode with ``expect`` = those keys at their live
values; the VM reboots for real (systemctl reboot, _vm.VM.reboot); a second
play waits until the boot has finished (systemd, udev, tuned), reads the keys
again and audits again. The results go to the work directory as JSON;
test_boot.py compares them.

Stages of a release, in order (each stage starts from what the one before left; the VM keeps its first
command line):
  files            started with sysctl.* on the kernel command line; the Alibaba Cloud /etc/sysctl.conf, a
                   buffers drop-in, a somaxconn drop-in, a dummy0 netdev with its per-interface keys, and a
                   first sample of the differential corpus (tests/differential/corpus.json)
  role             the sample removed; the kerneltune.sysctl.tune playbook (role sysctl_tuning, high_connection
                   and net.core.rmem_max >= 8388608) with become
  tuned            tuned enabled with a profile of our own (reapply_sysctl on, the default), a
                   /usr/lib/sysctl.d file for a key only tuned sets too, a second corpus sample
  tuned-noreapply  reapply_sysctl = 0 in tuned-main.conf, a third corpus sample
"""

import base64
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time

import _vm
from _plays import STAGE_AFTER, STAGE_BEFORE

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration', 'kernel'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'differential'))
import _corpus  # noqa: E402  (tests/differential: the real-world files)
import _harness  # noqa: E402  (tests/integration/kernel: commands, ansible-playbook)

from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import (  # noqa: E402
    DEFAULT_PROFILE, profile_values,
)

RELEASES = ('bullseye', 'bookworm', 'trixie', 'trixie-backports')
CACHE = os.path.join(REPO, '.build', 'vm')
PROFILE = DEFAULT_PROFILE  # high_connection
# The stage "files" boots with these on the kernel command line: a key no file sets, a key a drop-in sets too
# (the file wins), a host-wide key the Alibaba file sets too (it wins where systemd-sysctl reads
# /etc/sysctl.conf), and a host-wide key no file sets.
CMDLINE = ('sysctl.net.ipv4.tcp_fin_timeout=45 sysctl.net.core.somaxconn=1000 sysctl.vm.swappiness=33 '
           'sysctl.vm.dirty_ratio=15')
BUFFERS = 'net.core.rmem_max = 8388608\nnet.core.wmem_max = 8388608\n'
TUNED_PROFILE = 'kt-boot'
# The tuned profile: a key the role's drop-in sets higher (tcp_max_syn_backlog), a key only a /usr/lib/sysctl.d
# file sets too (tcp_keepalive_time: tuned does not re-apply /usr/lib/sysctl.d), and a host-wide key.
TUNED_SYSCTL = {'net.ipv4.tcp_max_syn_backlog': '4096', 'net.ipv4.tcp_keepalive_time': '300',
                'vm.dirty_background_ratio': '7'}
KEEPALIVE_FILE = '/usr/lib/sysctl.d/50-kt-keepalive.conf'
STAGES = ('files', 'role', 'tuned', 'tuned-noreapply')
# Test ids (configurations) per stage: (id, sources or None). A key belongs to every configuration that has one of
# its sources (a file, "cmdline", "profile", "tuned"); None: the keys no other configuration of the stage claims.
CORPUS_SAMPLES = 3


def selected_releases():
    """KT_BOOT_RELEASES (spaces or commas; default all four)."""
    value = os.environ.get('KT_BOOT_RELEASES', '').replace(',', ' ').split()
    unknown = sorted(set(value) - set(RELEASES))
    if unknown:
        raise ValueError('KT_BOOT_RELEASES: unknown %s (known: %s)' % (', '.join(unknown), ', '.join(RELEASES)))
    return tuple(r for r in RELEASES if r in value) if value else RELEASES


def image_dir(release):
    """The newest complete image of a release under .build/vm (build-vm.sh writes 'ok' last), or None."""
    found = []
    if os.path.isdir(CACHE):
        for name in os.listdir(CACHE):
            path = os.path.join(CACHE, name)
            rest = name[len(release) + 1:]
            if name.startswith(release + '-') and '-' not in rest and os.path.exists(os.path.join(path, 'ok')):
                found.append((os.path.getmtime(os.path.join(path, 'ok')), path))
    return max(found)[1] if found else None


def _sets(data, keys):
    """Whether a sysctl file's text assigns one of ``keys`` (dotted or with "/" separators)."""
    for line in data.decode('utf-8', 'replace').splitlines():
        line = line.strip()
        if line and line[0] not in '#;' and '=' in line:
            if line.split('=', 1)[0].strip().lstrip('-').strip('/').replace('/', '.') in keys:
                return True
    return False


def corpus_samples():
    """The corpus files split into CORPUS_SAMPLES samples, as file entries {'path', 'data', 'id'}: round robin in
    manifest order, but the files that set a key of CMDLINE go to the later samples, so that in the first (stage
    files, booted with CMDLINE) the command line's keys keep the meaning the configuration "cmdline" gives them.
    Left out: the files the distributions ship themselves (the 99-sysctl.conf link, /etc/sysctl.conf,
    50-pid-max.conf, 99-protect-links.conf, README.sysctl), which the images already have."""
    own = ('/etc/sysctl.conf', '99-sysctl.conf', '50-pid-max.conf', '99-protect-links.conf', 'README.sysctl')
    files = _corpus.load()
    chosen = []
    for ident, item in sorted(files.items(), key=lambda pair: [e[0] for e in _corpus.entries()].index(pair[0])):
        path = item['install_at']
        if path in own or os.path.basename(path) in own or item['entry'].get('type') == 'symlink':
            continue
        data = item['entry']['data']
        if item['uncomment']:
            data = _corpus.uncomment(data)
        chosen.append({'id': ident, 'path': path, 'data': data})
    cmdline_keys = {word.split('=', 1)[0][len('sysctl.'):] for word in CMDLINE.split()}
    samples = [[] for dummy in range(CORPUS_SAMPLES)]
    clashing = [item for item in chosen if _sets(item['data'], cmdline_keys)]
    for number, item in enumerate(item for item in chosen if item not in clashing):
        samples[number % CORPUS_SAMPLES].append(item)
    for number, item in enumerate(clashing):
        samples[1 + number % (CORPUS_SAMPLES - 1)].append(item)
    return samples


def stage_configs(name, samples):
    """[(test id, sources or None)] of a stage."""
    if name == 'files':
        return [('alibaba', {'/etc/sysctl.conf', 'profile'}),
                ('buffers', {'/etc/sysctl.d/60-buffers.conf'}),
                ('cmdline', {'cmdline', '/etc/sysctl.d/60-somaxconn.conf'}),
                ('dummy', {'/etc/sysctl.d/60-dummy0.conf'}),
                ('corpus-1', {f['path'] for f in samples[0]}),
                ('distro', None)]
    if name == 'role':
        return [('alibaba-role', None)]
    if name == 'tuned':
        return [('tuned', None), ('corpus-2', {f['path'] for f in samples[1]})]
    return [('tuned-noreapply', None), ('corpus-3', {f['path'] for f in samples[2]})]


def config_ids():
    """Every test id, in stage order (the samples do not change the ids)."""
    fake = [[{'path': 'x'}]] * CORPUS_SAMPLES
    return [ident for stage in STAGES for ident, dummy in stage_configs(stage, fake)]


def stage_of(config):
    fake = [[{'path': 'x'}]] * CORPUS_SAMPLES
    for stage in STAGES:
        if config in [ident for ident, dummy in stage_configs(stage, fake)]:
            return stage
    raise KeyError(config)


class StageFailed(Exception):
    pass


class Release(object):
    """One release's VM and the results of its stages."""

    def __init__(self, release, accel_name, samples):
        self.release = release
        self.image = image_dir(release)
        if self.image is None:
            raise StageFailed('no image of %s under %s (tests/boot/build-vm.sh %s)' % (release, CACHE, release))
        self.samples = samples
        self.workdir = tempfile.mkdtemp(prefix='kt-boot-%s-' % release)
        self.vm = _vm.VM(self.image, self.workdir, accel_name)
        self.control_dir = os.path.join(self.workdir, 'cp')
        os.mkdir(self.control_dir, 0o700)
        self.results = {}  # stage -> dict (or the StageFailed of a stage that failed)
        self.kernel = None
        self.timings = []  # (what, seconds)
        self.slowest = []  # (task, seconds): the slowest tasks of each playbook (profile_tasks)

    # Ansible ---------------------------------------------------------------------------------------------------
    def env(self):
        return {'ANSIBLE_SSH_CONTROL_PATH_DIR': self.control_dir,
                'ANSIBLE_LOCAL_TEMP': os.path.join(self.workdir, 'local-tmp'),
                'ANSIBLE_PIPELINING': '1', 'ANSIBLE_TIMEOUT': '30', 'ANSIBLE_VERBOSITY': '0',
                # each task's time, printed in the summary (the ansible package's ansible.posix)
                'ANSIBLE_CALLBACKS_ENABLED': 'ansible.posix.profile_tasks', 'PROFILE_TASKS_TASK_OUTPUT_LIMIT': '8'}

    def inventory(self, with_localhost):
        """The VM as host ``vm`` (and localhost for the results' copies when asked); return its path."""
        options = ' '.join(_vm.SSH_OPTIONS)
        lines = ['[vm]', 'vm ansible_host=127.0.0.1 ansible_port=%d ansible_user=%s ansible_connection=ssh '
                 'ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3 '
                 "ansible_ssh_common_args='%s'" % (self.vm.port, _vm.USER, self.vm.key, options)]
        if with_localhost:
            lines += ['[local]', 'localhost ansible_connection=local ansible_python_interpreter=%s '
                      'ansible_remote_tmp=%s' % (sys.executable, os.path.join(self.workdir, 'tmp'))]
        path = os.path.join(self.workdir, 'inventory-%s.ini' % ('all' if with_localhost else 'vm'))
        with open(path, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
        return path

    def playbook(self, play, extra_vars, with_localhost):
        rc, out, err = _harness.playbook(play, self.inventory(with_localhost), extra_vars=extra_vars,
                                         expect_rc=None, env=self.env())
        if rc != 0:
            raise StageFailed('ansible-playbook %s: rc %d\n%s\n%s\n%s' % (os.path.basename(play), rc, out[-8000:],
                                                                          err[-3000:], self.vm.serial_tail(60)))
        recap = out[out.rfind('=' * 20):]
        self.slowest.extend(match.groups() for match in re.finditer(r'(?m)^(.+?) -{3,} (\d+\.\d+)s$', recap))
        return out

    def _close_masters(self):
        """End Ansible's SSH master connections (ControlPersist) to the VM."""
        if os.path.isdir(self.control_dir):
            for name in os.listdir(self.control_dir):
                _harness.run('ssh', '-o', 'ControlPath=%s' % os.path.join(self.control_dir, name), '-O', 'exit',
                             'kt-boot-control', check=False)

    def close(self):
        self._close_masters()
        self.vm.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # Stages ----------------------------------------------------------------------------------------------------
    def stage(self, name):
        """Run the stages up to ``name`` (those not run yet); return the result of ``name`` or raise
        StageFailed (also for a stage after one that failed: they build on each other)."""
        for stage in STAGES[:STAGES.index(name) + 1]:
            if stage not in self.results:
                try:
                    self.results[stage] = self._run(stage)
                except (StageFailed, _vm.VMError, AssertionError, OSError) as exc:
                    self.results[stage] = StageFailed('%s: stage %s failed: %s' % (self.release, stage, exc))
            if isinstance(self.results[stage], StageFailed):
                if stage != name:
                    raise StageFailed('%s: an earlier stage (%s) failed, this one builds on it:\n%s'
                                      % (self.release, stage, self.results[stage]))
                raise self.results[stage]
        return self.results[name]

    def _timed(self, what, func, *args):
        start = time.time()
        try:
            return func(*args)
        finally:
            self.timings.append((what, time.time() - start))

    def _run(self, name):
        files = []
        spec = {'remove': [], 'archive': '', 'commands': [], 'before_reboot': [],
                'settle': 'true', 'checks': [], 'extra': {}}
        for key in profile_values(PROFILE):
            spec['extra'][key] = 'profile'
        out = os.path.join(self.workdir, name)
        os.mkdir(out)

        def place(path, data):
            files.append((path, data if isinstance(data, bytes) else data.encode('utf-8')))

        started, timed, slow = time.time(), len(self.timings), len(self.slowest)
        if name == 'files':
            self._timed('boot (start, %s)' % name, self.vm.start, CMDLINE)
            self.kernel = self.vm.kernel_release()
            spec['commands'].append('install -m 0644 /usr/local/share/kerneltune/alibaba-sysctl.conf '
                                    '/etc/sysctl.conf')
            place('/etc/sysctl.d/60-buffers.conf', BUFFERS)
            place('/etc/sysctl.d/60-somaxconn.conf', 'net.core.somaxconn = 8192\n')
            place('/etc/systemd/network/60-dummy0.netdev', '[NetDev]\nName=dummy0\nKind=dummy\n')
            place('/etc/systemd/network/60-dummy0.network',
                  '[Match]\nName=dummy0\n\n[Network]\nAddress=192.168.77.1/24\nLinkLocalAddressing=no\n')
            place('/etc/sysctl.d/60-dummy0.conf',
                  'net.ipv4.conf.dummy0.rp_filter = 2\nnet.ipv6.conf.dummy0.accept_ra = 0\n')
            for item in self.samples[0]:
                place(item['path'], item['data'])
            spec['checks'].append({'expect': {'net.core.rmem_max': {'min': 8388608},
                                              'net.core.wmem_max': {'min': 8388608}}, 'pressure': False})
        elif name == 'role':
            # The first corpus sample goes before the role runs (the role's test is the Alibaba host's).
            self.vm.ssh('sudo -n rm -f -- %s' % ' '.join(_shell_quote(item['path']) for item in self.samples[0]))
            self._timed('role sysctl_tuning', self.playbook, 'kerneltune.sysctl.tune', {
                'sysctl_tuning_hosts': 'vm', 'sysctl_tuning_become': True, 'sysctl_tuning_profile': PROFILE,
                'sysctl_tuning_settings': {'net.core.rmem_max': {'min': 8388608}}}, False)
            spec['checks'].append({'profile': PROFILE, 'expect': {'net.core.rmem_max': {'min': 8388608}},
                                   'pressure': False})
        elif name in ('tuned', 'tuned-noreapply'):
            extra = dict(TUNED_SYSCTL)
            for key in extra:
                spec['extra'][key] = 'tuned'
            if name == 'tuned':
                place(KEEPALIVE_FILE, 'net.ipv4.tcp_keepalive_time = 600\n')
                place('/root/kt-tuned.conf', '[main]\nsummary=kerneltune boot tests\n\n[sysctl]\n' + ''.join(
                    '%s=%s\n' % item for item in sorted(extra.items())))
                # tuned 2.23 and later read /etc/tuned/profiles/NAME, older ones /etc/tuned/NAME.
                spec['commands'] += [
                    'if [ -d /usr/lib/tuned/profiles ]; then d=/etc/tuned/profiles/%s; else d=/etc/tuned/%s; fi; '
                    'mkdir -p "$d" && mv /root/kt-tuned.conf "$d/tuned.conf"' % (TUNED_PROFILE, TUNED_PROFILE),
                    'echo %s > /etc/tuned/active_profile && echo manual > /etc/tuned/profile_mode' % TUNED_PROFILE,
                    'systemctl enable tuned.service']
                sample = self.samples[1]
            else:
                spec['remove'] = [item['path'] for item in self.samples[1]]
                spec['commands'].append("sed -i 's/^\\s*reapply_sysctl\\s*=.*/reapply_sysctl = 0/' "
                                        '/etc/tuned/tuned-main.conf && grep -q "^reapply_sysctl = 0" '
                                        '/etc/tuned/tuned-main.conf')
                sample = self.samples[2]
            for item in sample:
                place(item['path'], item['data'])
            spec['before_reboot'].append('rm -f /var/log/tuned/tuned.log')
            spec['settle'] = ('for i in $(seq 300); do grep -q "static tuning from profile" /var/log/tuned/tuned.log '
                              '2>/dev/null && exit 0; sleep 1; done; echo tuned applied no profile >&2; exit 1')
        if files:
            spec['archive'] = _archive(os.path.join(out, 'files.tar'), files)
        spec['probe'] = os.path.join(HERE, '_probe.py')
        spec['extra'] = base64.b64encode(json.dumps({'extra': spec['extra']}).encode('utf-8')).decode('ascii')
        spec['out'] = out
        play = self._write_play(out, 'before', STAGE_BEFORE)
        self._timed('stage %s: place, audit' % name, self.playbook, play, {'kt': spec}, True)
        with open(os.path.join(out, 'before.json')) as handle:
            before = json.load(handle)
        self._timed('reboot', self.vm.reboot, before['probe']['boot_id'])
        self._close_masters()  # their connections went with the boot before
        play = self._write_play(out, 'after', STAGE_AFTER)
        self._timed('stage %s: wait, audit' % name, self.playbook, play, {'kt': spec}, True)
        with open(os.path.join(out, 'after.json')) as handle:
            after = json.load(handle)
        if before['probe']['boot_id'] == after['probe']['boot_id']:
            raise StageFailed('the VM did not reboot (same boot_id)')
        return {'stage': name, 'before': before, 'after': after, 'seconds': time.time() - started,
                'timings': self.timings[timed:], 'slowest': self.slowest[slow:],
                'kernel': after['probe']['kernel'], 'cmdline': after['probe']['cmdline'],
                'configs': stage_configs(name, self.samples)}

    @staticmethod
    def _write_play(out, label, play):
        path = os.path.join(out, '%s.yml' % label)
        with open(path, 'w') as handle:
            json.dump(play, handle, indent=1)
        return path


def _archive(path, files):
    """A tar archive of ``files`` ([(absolute path, bytes)]): root's, mode 0644, paths relative to /."""
    with tarfile.open(path, 'w') as archive:
        for name, data in files:
            info = tarfile.TarInfo(name.lstrip('/'))
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return path


def _shell_quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"

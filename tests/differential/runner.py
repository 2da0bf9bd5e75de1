"""Differential runner: the real boot appliers against our prediction, inside one test container.

Started once per container (the checkout bind-mounted read-only at
/kt/ansible_collections/kerneltune/sysctl, see tests/containers/start.sh --repo):

    podman exec -i CONTAINER python3 /kt/ansible_collections/kerneltune/sysctl/tests/differential/runner.py

Standard library only; runs on the container's python3 (3.9 on bullseye, 3.11 on bookworm, 3.13 on trixie).

Protocol: one JSON object per line on stdin, one JSON object per line on stdout.
The first line out is a greeting (``"hello": true``): versions, the keys left
out of every comparison and why, the image's own sysctl files. Then for each
request line one answer line. A request is a case::

    {"id": 7,
     "files": [{"path": "/etc/sysctl.d/10-a.conf", "type": "file", "data_b64": "..."},
               {"path": "/etc/sysctl.d/99-sysctl.conf", "type": "symlink", "target": "../sysctl.conf"},
               {"path": "/etc/sysctl.d/20-b.conf", "type": "fifo"},
               {"path": "/run/sysctl.d/x.conf", "type": "dir"}],
     "links": ["eth0.100"],                     # optional: interfaces created in each fresh netns
     "appliers": ["procps", "systemd"],
     "predict": [{"applier": "procps", "family": "procps3", "oracle": true},
                 {"applier": "systemd", "oracle": false}],
     "predictor": "ansible_collections.kerneltune.sysctl.plugins.module_utils._host"}   # optional

For each case the runner empties /etc/sysctl.d, /run/sysctl.d,
/usr/local/lib/sysctl.d, /usr/lib/sysctl.d, /lib/sysctl.d (the same
directory as /usr/lib/sysctl.d on merged-/usr images), removes
/etc/sysctl.conf and the scratch directory /run/kt-case, then creates the
case's files in order (parents as needed, bytes exact; only under those
paths). Each applier then runs in a fresh network namespace, so it starts
from the kernel's defaults as at boot and never touches the container's own:
``sysctl --system`` (procps) or the systemd-sysctl binary run directly
(systemd), with LC_ALL=C and a timeout (a FIFO named *.conf blocks a reader
forever). The answer holds every readable net.* value of that namespace
before the applier ran (``before``), the values it changed (``after_diff``,
None for a key no longer readable), exit code, stdout, stderr (truncated)
and ``timeout``. Each entry of ``predict`` then runs our prediction in
another fresh network namespace::

    predict(family, keys, oracle=oracle)    # from the predictor module

with ``family`` the applier family modelled for that real applier (default:
the applier's own name) and ``keys`` every stable readable net.* key there;
the answer, under the real applier's name and with its family, carries its
result (fields that are None are left out) or ``error``/``timeout``.

A namespace is entered the way ``unshare --net`` does it (unshare(2) in a
forked child), which saves starting a new interpreter per run: the
predictor module is imported once, in this process, and every prediction
runs in a fresh fork of it.

Keys are dotted as ``sysctl -a`` prints them: a dot inside a /proc/sys path
component is shown as ``/`` (net/ipv4/conf/eth0.100/rp_filter is
net.ipv4.conf.eth0/100.rp_filter). Left out of every comparison, computed
once per runner: keys that cannot be read, and volatile keys (a different
value in two fresh namespaces with nothing applied, such as
net.ipv4.tcp_fastopen_key).
"""

import base64
import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import traceback

PROC_NET = '/proc/sys/net'
SYSCTL_DIRS = ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d')
SYSCTL_CONF = '/etc/sysctl.conf'
SCRATCH = '/run/kt-case'
SYSTEMD_SYSCTL = ('/lib/systemd/systemd-sysctl', '/usr/lib/systemd/systemd-sysctl')
COLLECTION_ROOT = '/kt'
DEFAULT_PREDICTOR = 'ansible_collections.kerneltune.sysctl.plugins.module_utils._host'
APPLIER_TIMEOUT = float(os.environ.get('KT_DIFF_APPLIER_TIMEOUT', '3'))
PREDICT_TIMEOUT = float(os.environ.get('KT_DIFF_PREDICT_TIMEOUT', '20'))
OUTPUT_LIMIT = 6000
CLONE_NEWNET = 0x40000000
ENV = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL': 'C',
       # systemd tools log to the console (here: stderr), never to the host's /dev/kmsg.
       'SYSTEMD_LOG_TARGET': 'console', 'SYSTEMD_LOG_COLOR': '0', 'SYSTEMD_COLORS': '0'}

sys.pycache_prefix = '/tmp/kt-pycache'  # the checkout is mounted read-only
if COLLECTION_ROOT not in sys.path:
    sys.path.insert(0, COLLECTION_ROOT)


# ---- /proc/sys/net -------------------------------------------------------

def path_to_key(path):
    parts = os.path.relpath(path, '/proc/sys').split('/')
    return '.'.join(part.replace('.', '/') for part in parts)


def read_net():
    """Every readable net.* key of this process's network namespace: ({key: value}, [unreadable keys])."""
    values, unreadable = {}, []
    for dirpath, dirnames, filenames in os.walk(PROC_NET):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                with open(path, 'rb') as handle:
                    data = handle.read()
            except OSError:
                unreadable.append(path_to_key(path))
                continue
            values[path_to_key(path)] = data.decode('utf-8', 'backslashreplace').rstrip('\n')
    return values, unreadable


# ---- fresh network namespaces ----------------------------------------------

def enter_fresh_netns():
    if hasattr(os, 'unshare'):  # Python >= 3.12
        os.unshare(os.CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, 'unshare(CLONE_NEWNET): %s' % os.strerror(err))


def add_links(links):
    """Create interfaces in this namespace (veth pairs: peer kt-peerN), as a host would have them at boot."""
    for index, name in enumerate(links or ()):
        peer = 'kt-peer%d' % index
        result = subprocess.run(['ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV, check=False)
        if result.returncode != 0:
            raise RuntimeError('ip link add %s: %s' % (name, result.stdout.decode('utf-8', 'replace')))


class Job(object):
    """func() running in a forked child inside a new network namespace; its JSON answer comes on a pipe."""

    def __init__(self, func, deadline):
        self.started = time.monotonic()
        self.deadline = self.started + deadline
        self.limit = deadline
        self.chunks = []
        self.answer = None
        self.finished = None
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            status = 0
            try:
                os.close(read_fd)
                os.dup2(2, 1)  # stdout is the protocol channel: whatever the child prints goes to stderr
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)  # and stdin is the runner's
                os.close(null)
                signal.signal(signal.SIGPIPE, signal.SIG_DFL)
                enter_fresh_netns()
                payload = json.dumps({'ok': func()})
            except BaseException:  # report everything, including SystemExit from the predictor
                payload = json.dumps({'error': traceback.format_exc()[-OUTPUT_LIMIT:]})
                status = 1
            try:
                data = payload.encode('utf-8', 'surrogatepass')
                while data:
                    data = data[os.write(write_fd, data):]
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid, self.fd = pid, read_fd

    def read(self):
        """Read what is there; True when the child closed its end."""
        chunk = os.read(self.fd, 1 << 20)
        if chunk:
            self.chunks.append(chunk)
            return False
        self._end(timed_out=False)
        return True

    def _end(self, timed_out):
        os.close(self.fd)
        if timed_out:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.finished = time.monotonic()
        if timed_out:
            self.answer = {'timeout': True, 'error': 'did not finish within %gs' % self.limit}
        elif not self.chunks:
            self.answer = {'error': 'the child died without an answer'}
        else:
            answer = json.loads(b''.join(self.chunks).decode('utf-8', 'surrogatepass'))
            self.answer = answer['ok'] if 'ok' in answer else answer
        if isinstance(self.answer, dict):
            self.answer['wall'] = round(self.finished - self.started, 4)


def wait_all(jobs):
    """Wait for every job (killing those past their deadline); return their answers in order."""
    running = [job for job in jobs if job.answer is None]
    while running:
        now = time.monotonic()
        for job in [job for job in running if job.deadline <= now]:
            job._end(timed_out=True)
        running = [job for job in running if job.answer is None]
        if not running:
            break
        timeout = max(0.0, min(job.deadline for job in running) - time.monotonic())
        ready = select.select([job.fd for job in running], [], [], timeout)[0]
        for job in running:
            if job.fd in ready:
                job.read()
        running = [job for job in running if job.answer is None]
    return [job.answer for job in jobs]


def in_fresh_netns(func, deadline):
    """Run func() in a forked child inside a new network namespace; return its JSON-able result.

    The child is killed after ``deadline`` seconds: then {'timeout': True, 'error': ...}.
    """
    return wait_all([Job(func, deadline)])[0]


# ---- the case's files --------------------------------------------------------

def _remove(path):
    if os.path.islink(path) or not os.path.isdir(path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    else:
        shutil.rmtree(path)


def _real_dirs():
    """The sysctl directories as real paths, each once (/lib/sysctl.d is /usr/lib/sysctl.d on merged /usr)."""
    seen = []
    for path in SYSCTL_DIRS:
        real = os.path.realpath(path)
        if real not in seen:
            seen.append(real)
    return seen


def snapshot_tree():
    """The sysctl files the image ships (read once at start, before any case replaces them)."""
    entries, seen = [], set()
    for top in SYSCTL_DIRS + (SYSCTL_CONF,):
        real = os.path.realpath(top)
        if real in seen:
            continue  # /lib/sysctl.d is /usr/lib/sysctl.d on merged /usr
        seen.add(real)
        paths = [top]
        if os.path.isdir(top) and not os.path.islink(top):
            paths = [os.path.join(top, name) for name in sorted(os.listdir(top))]
        for path in paths:
            if os.path.islink(path):
                entries.append({'path': path, 'type': 'symlink', 'target': os.readlink(path)})
            elif os.path.isfile(path):
                with open(path, 'rb') as handle:
                    entries.append({'path': path, 'type': 'file',
                                    'data_b64': base64.b64encode(handle.read()).decode('ascii')})
    return entries


def _allowed(path):
    norm = os.path.normpath(path)
    if norm != path.rstrip('/') or not os.path.isabs(norm):
        return False
    return norm == SYSCTL_CONF or any(norm.startswith(top + '/') for top in SYSCTL_DIRS + (SCRATCH,))


def reset_tree(initial_dirs):
    for real in _real_dirs():
        if os.path.lexists(real):
            _remove(real)
    for path in (SYSCTL_CONF, SCRATCH):
        if os.path.lexists(path):
            _remove(path)
    for real in initial_dirs:
        os.makedirs(real, exist_ok=True)


def create_files(files):
    for entry in files:
        path = entry['path']
        if not _allowed(path):
            raise ValueError('refusing to create %r: only under %s, %s and %s'
                             % (path, ', '.join(SYSCTL_DIRS), SYSCTL_CONF, SCRATCH))
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        if os.path.lexists(path):
            _remove(path)
        kind = entry.get('type', 'file')
        if kind == 'file':
            with open(path, 'wb') as handle:
                handle.write(base64.b64decode(entry.get('data_b64', '')))
            if 'mode' in entry:
                os.chmod(path, entry['mode'])
        elif kind == 'symlink':
            os.symlink(entry['target'], path)
        elif kind == 'fifo':
            os.mkfifo(path)
        elif kind == 'dir':
            os.makedirs(path, exist_ok=True)
        else:
            raise ValueError('unknown file type %r' % kind)


# ---- appliers and predictions ---------------------------------------------------

def _clip(data):
    text = data.decode('utf-8', 'backslashreplace') if isinstance(data, bytes) else (data or '')
    if len(text) <= OUTPUT_LIMIT:
        return text
    half = OUTPUT_LIMIT // 2
    return '%s\n[... %d characters left out ...]\n%s' % (text[:half], len(text) - 2 * half, text[-half:])


def applier_command(applier):
    if applier == 'procps':
        return ['sysctl', '--system']
    if applier == 'systemd':
        for path in SYSTEMD_SYSCTL:
            if os.path.exists(path):
                return [path]
        raise RuntimeError('no systemd-sysctl binary (%s)' % ', '.join(SYSTEMD_SYSCTL))
    raise ValueError('unknown applier %r' % applier)


def start_applier(applier, links, excluded):
    """A job: in a fresh namespace, the net.* values before, the applier, the values it changed."""
    command = applier_command(applier)

    def job():
        add_links(links)
        before, dummy = read_net()
        started = time.monotonic()
        timeout = False
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=ENV, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=APPLIER_TIMEOUT)
        except subprocess.TimeoutExpired:
            timeout = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        elapsed = time.monotonic() - started
        after, dummy = read_net()
        diff = dict((key, after.get(key)) for key in set(before) | set(after)
                    if before.get(key) != after.get(key) and key not in excluded)
        return {'before': dict((k, v) for k, v in before.items() if k not in excluded), 'after_diff': diff,
                'rc': None if timeout else proc.returncode, 'timeout': timeout,
                'stdout': _clip(out), 'stderr': _clip(err), 'seconds': round(elapsed, 4),
                'command': command}

    return Job(job, APPLIER_TIMEOUT + 30)


_PREDICTORS = {}


def load_predictor(name):
    """Import the predictor module once (in this process); return (function, error text)."""
    if name not in _PREDICTORS:
        try:
            module = importlib.import_module(name)
            _PREDICTORS[name] = (getattr(module, 'predict'), None)
        except BaseException:
            _PREDICTORS[name] = (None, 'cannot import predict from %s:\n%s'
                                 % (name, traceback.format_exc()[-OUTPUT_LIMIT:]))
    return _PREDICTORS[name]


def _compact(result):
    """Drop None fields; keep every key (an empty dict means: all fields None)."""
    out = {}
    for key, fields in result.items():
        if isinstance(fields, dict):
            out[str(key)] = dict((str(name), value if isinstance(value, (str, int, float, bool)) else repr(value))
                                 for name, value in fields.items() if value is not None)
        else:
            out[str(key)] = {'invalid': repr(fields)[:200]}
    return out


def start_predict(spec, links, keys, predictor):
    """A job: our prediction in a fresh namespace (or an answer at once when the predictor cannot be imported)."""
    applier = spec['applier']
    family = spec.get('family') or applier
    oracle = bool(spec.get('oracle', True))
    func, error = load_predictor(predictor)
    if func is None:
        return {'applier': applier, 'oracle': oracle, 'error': error}

    def job():
        add_links(links)
        started = time.monotonic()
        result = func(family, list(keys), oracle=oracle)
        elapsed = time.monotonic() - started
        if not isinstance(result, dict):
            raise TypeError('predict returned %s, not a dict' % type(result).__name__)
        return {'result': _compact(result), 'keys': len(keys), 'seconds': round(elapsed, 4)}

    return Job(job, PREDICT_TIMEOUT)


# ---- the runner -------------------------------------------------------------------

def _command_output(argv):
    try:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV, check=False,
                                timeout=30)
        return result.stdout.decode('utf-8', 'replace').strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return 'error: %s' % exc


def excluded_keys():
    """Keys left out of every comparison: unreadable ones, and those that differ between fresh namespaces."""
    samples = [in_fresh_netns(read_net, 60) for dummy in range(3)]
    for sample in samples:
        if not isinstance(sample, list):
            raise RuntimeError('cannot read /proc/sys/net in a fresh namespace: %r' % (sample,))
    values = [sample[0] for sample in samples]
    unreadable = sorted(set(key for sample in samples for key in sample[1]))
    volatile = sorted(key for key in set().union(*values)
                      if len(set(v.get(key) for v in values)) > 1)
    return {'unreadable': unreadable, 'volatile': volatile, 'stable': len(values[0]) - len(volatile)}


def hello(initial):
    os_release = {}
    try:
        with open('/etc/os-release') as handle:
            for line in handle:
                name, sep, value = line.strip().partition('=')
                if sep:
                    os_release[name] = value.strip('"')
    except OSError:
        pass
    systemd_sysctl = applier_command('systemd')[0]
    return {
        'hello': True,
        'python': sys.version.split()[0],
        'os': os_release.get('PRETTY_NAME', ''),
        'sysctl_version': _command_output(['sysctl', '--version']),
        'systemd_sysctl': systemd_sysctl,
        'systemd_version': _command_output([systemd_sysctl, '--version']).splitlines()[0],
        'packages': _command_output(['dpkg-query', '-W', '-f', '${Package} ${Version}\\n',
                                     'procps', 'systemd', 'util-linux', 'python3', 'iproute2']).splitlines(),
        'lib_is_symlink': os.path.islink('/lib'),
        'sysctl_dirs': dict((path, os.path.realpath(path)) for path in SYSCTL_DIRS),
        'initial_tree': initial,
    }


def stable_keys(links, state):
    """The stable readable net.* keys of a fresh namespace with these interfaces (read once per set of links)."""
    name = tuple(links)
    if name not in state['keys']:
        def job():
            add_links(links)
            return sorted(read_net()[0])
        keys = in_fresh_netns(job, 60)
        if not isinstance(keys, list):
            raise RuntimeError('cannot read the keys of a fresh namespace with %r: %r' % (links, keys))
        state['keys'][name] = [key for key in keys if key not in state['excluded_set']]
    return state['keys'][name]


def handle(request, state):
    """One case: the tree, then the real appliers and the predictions, all at once (each in its own namespace)."""
    started = time.monotonic()
    answer = {'id': request.get('id')}
    reset_tree(state['initial_dirs'])
    create_files(request.get('files', ()))
    links = request.get('links') or []
    appliers = list(request.get('appliers', ()))
    specs = list(request.get('predict', ()))
    predictor = request.get('predictor') or DEFAULT_PREDICTOR
    keys = stable_keys(links, state) if specs else []
    jobs = [start_applier(applier, links, state['excluded_set']) for applier in appliers]
    jobs += [start_predict(spec, links, keys, predictor) for spec in specs]
    results = wait_all([job for job in jobs if isinstance(job, Job)])
    results.reverse()
    answers = [job if not isinstance(job, Job) else results.pop() for job in jobs]
    answer['appliers'] = dict(zip(appliers, answers[:len(appliers)]))
    answer['predict'] = answers[len(appliers):]
    for spec, pred in zip(specs, answer['predict']):
        pred.update({'applier': spec['applier'], 'family': spec.get('family') or spec['applier'],
                     'oracle': bool(spec.get('oracle', True))})
    answer['seconds'] = round(time.monotonic() - started, 4)
    return answer


def writable_host_trees():
    """The host-wide /proc/sys trees this container could write (kt-init makes them all read-only)."""
    return [path for path in sorted(os.path.join('/proc/sys', name) for name in os.listdir('/proc/sys'))
            if path != PROC_NET and os.path.isdir(path) and not os.statvfs(path).f_flag & os.ST_RDONLY]


def main():
    os.environ.update(ENV)
    writable = writable_host_trees()
    if writable:  # an applier would change the machine's own settings: refuse
        sys.stdout.write(json.dumps({'hello': False, 'error': 'refusing to run: %s writable (start the container '
                                     'with tests/containers/start.sh: kt-init makes them read-only)'
                                     % ', '.join(writable)}) + '\n')
        sys.stdout.flush()
        return 2
    initial = snapshot_tree()
    initial_dirs = [real for real in _real_dirs() if os.path.isdir(real)]
    greeting = hello(initial)
    excluded = excluded_keys()
    greeting['excluded'] = excluded
    state = {'initial_dirs': initial_dirs, 'keys': {},
             'excluded_set': frozenset(excluded['unreadable']) | frozenset(excluded['volatile'])}
    out = sys.stdout
    out.write(json.dumps(greeting) + '\n')
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            answer = handle(request, state)
        except Exception:  # a broken request must not end the runner
            answer = {'id': None, 'runner_error': traceback.format_exc()[-OUTPUT_LIMIT:]}
            try:
                answer['id'] = json.loads(line).get('id')
            except Exception:
                pass
        out.write(json.dumps(answer) + '\n')
        out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())

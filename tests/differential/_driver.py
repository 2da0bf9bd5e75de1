"""Host side of the differential tests: containers, the runner in each, and the comparison.

One privileged container per Debian suite (tests/containers/start.sh --repo,
'plain' flavour: kt-init makes the host-wide /proc/sys trees read-only, so
only net.* of the container's own namespaces can change), one persistent
runner.py in each, fed one case per line.
"""

import base64
import json
import os
import select
import subprocess
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CONTAINERS = os.path.join(REPO, 'tests', 'containers')
RUNNER = '/kt/ansible_collections/kerneltune/sysctl/tests/differential/runner.py'
SUITES = ('bookworm', 'trixie', 'bullseye')
APPLIERS = ('procps', 'systemd')
# The family our prediction models (plugins/module_utils/_appliers.py) for each real applier of each suite: the
# runner calls predict(family, ...) and answers under the real applier's name, which compare() checks it against.
# The systemd family's reload (RELOAD_APPLIER) must be the suite's procps family: test_runner.py checks it.
FAMILIES = {
    'bookworm': {'procps': 'procps', 'systemd': 'systemd'},     # procps 4.0.2, systemd 252
    'trixie': {'procps': 'procps', 'systemd': 'systemd'},       # procps 4.0.4, systemd 257
    'bullseye': {'procps': 'procps3', 'systemd': 'systemd245'},  # procps 3.3.17, systemd 247
}
# Prediction requests of every case: each applier, with and without the oracle.
# KT_DIFF_PREDICT=none runs the real appliers only (their raw results, the suite differences).
ALL_PREDICT = ({'applier': 'procps', 'oracle': True}, {'applier': 'systemd', 'oracle': True},
               {'applier': 'procps', 'oracle': False}, {'applier': 'systemd', 'oracle': False})
PREDICT = () if os.environ.get('KT_DIFF_PREDICT') == 'none' else ALL_PREDICT
# Predictions whose 'reload' is compared with the real procps run (reload means sysctl --system).
RELOAD_CHECKED_FOR = ('systemd',)
ANSWER_TIMEOUT = float(os.environ.get('KT_DIFF_ANSWER_TIMEOUT', '300'))


def podman_env():
    env = dict(os.environ)
    # This checkout's Podman settings and storage (written by tests/containers/env.sh, exported by setup.sh)
    build = os.path.join(REPO, '.build', 'containers')
    env.setdefault('CONTAINERS_CONF', os.path.join(build, 'containers.conf'))
    env.setdefault('CONTAINERS_STORAGE_CONF', os.path.join(build, 'storage.conf'))
    env['LC_ALL'] = 'C.UTF-8'
    return env


def ensure_image(suite):
    """Build the suite's image when it is not cached yet (minutes the first time)."""
    subprocess.run(['bash', os.path.join(CONTAINERS, 'build-image.sh'), suite], check=True, env=podman_env(),
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


class RunnerError(Exception):
    pass


class Runner(object):
    """One container of a suite and the runner.py inside it."""

    def __init__(self, suite, name=None):
        if suite not in FAMILIES:
            raise RunnerError('unknown suite %r (%s)' % (suite, ', '.join(sorted(FAMILIES))))
        self.suite = suite
        self.name = name or 'kt-diff-%s-%d' % (suite, os.getpid())
        self.proc = None
        self.stderr = None
        self.next_id = 0
        self.stats = {'cases': 0, 'seconds': 0.0, 'runner_seconds': 0.0}
        ensure_image(suite)
        started = subprocess.run(['bash', os.path.join(CONTAINERS, 'start.sh'), '--suite', suite, '--repo',
                                  self.name, 'plain'], env=podman_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        if started.returncode != 0:
            raise RunnerError('cannot start the %s container:\n%s' % (suite, started.stdout[-4000:]))
        self.stderr = tempfile.TemporaryFile(prefix='kt-diff-runner-')
        self.proc = subprocess.Popen(['podman', 'exec', '-i', self.name, 'python3', RUNNER],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     env=podman_env(), bufsize=0)
        self._buffer = b''
        try:
            self.hello = self._read_line()
        except RunnerError:
            self.close()
            raise
        if not self.hello.get('hello'):
            self.close()
            raise RunnerError('the %s runner refused to start: %s' % (suite, self.hello.get('error', self.hello)))

    def _stderr_tail(self):
        self.stderr.seek(0)
        return self.stderr.read().decode('utf-8', 'replace')[-4000:]

    def _read_line(self, timeout=ANSWER_TIMEOUT):
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while b'\n' not in self._buffer:
            left = end - time.monotonic()
            if left <= 0:
                raise RunnerError('no answer from the %s runner within %gs; its stderr:\n%s'
                                  % (self.suite, timeout, self._stderr_tail()))
            ready = select.select([fd], [], [], left)[0]
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise RunnerError('the %s runner ended (rc %s); its stderr:\n%s'
                                  % (self.suite, self.proc.poll(), self._stderr_tail()))
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b'\n', 1)
        return json.loads(line.decode('utf-8'))

    def submit(self, files, appliers=APPLIERS, predict=PREDICT, links=(), predictor=None):
        """Send one case; receive() reads its answer. Lets several runners work at once."""
        self.next_id += 1
        families = FAMILIES[self.suite]
        request = {'id': self.next_id, 'files': [encode_entry(entry) for entry in files],
                   'appliers': list(appliers), 'links': list(links),
                   'predict': [dict(spec, family=families[spec['applier']]) for spec in predict]}
        if predictor:
            request['predictor'] = predictor
        self._started = time.monotonic()
        self.proc.stdin.write(json.dumps(request).encode('utf-8') + b'\n')
        self.proc.stdin.flush()

    def receive(self):
        answer = self._read_line()
        if answer.get('runner_error'):
            raise RunnerError('the %s runner could not run the case:\n%s' % (self.suite, answer['runner_error']))
        if answer.get('id') != self.next_id:
            raise RunnerError('answer %r to request %d' % (answer.get('id'), self.next_id))
        self.stats['cases'] += 1
        self.stats['seconds'] += time.monotonic() - self._started
        self.stats['runner_seconds'] += answer.get('seconds', 0)
        return answer

    def run(self, files, **kwargs):
        """Run one case; return the runner's answer (see runner.py)."""
        self.submit(files, **kwargs)
        return self.receive()

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        subprocess.run(['podman', 'rm', '-f', '-t', '0', self.name], env=podman_env(), check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if getattr(self, 'stderr', None) is not None:
            self.stderr.close()
            self.stderr = None


def run_everywhere(runners, files, **kwargs):
    """Run one case on every runner at once (one container per suite); return {suite: answer}."""
    for runner in runners.values():
        runner.submit(files, **kwargs)
    return dict((suite, runner.receive()) for suite, runner in runners.items())


# ---- cases ---------------------------------------------------------------------

def encode_entry(entry):
    """A file entry of a case (data as bytes or str) -> the runner's JSON form."""
    out = dict(entry)
    out.setdefault('type', 'file')
    if out['type'] == 'file':
        data = out.pop('data', b'')
        if isinstance(data, str):
            data = data.encode('utf-8')
        out['data_b64'] = base64.b64encode(data).decode('ascii')
    return out


def show_files(files, limit=1500):
    """The case's files, for a failure message: each path, its type and its bytes (repr, clipped)."""
    lines = []
    for entry in files:
        kind = entry.get('type', 'file')
        if kind == 'file':
            data = entry.get('data', b'')
            if isinstance(data, str):
                data = data.encode('utf-8')
            text = repr(data)
            if len(text) > limit:
                text = '%s ... [%d bytes in all] ... %s' % (text[:limit // 2], len(data), text[-limit // 2:])
            lines.append('  %s (%d bytes): %s' % (entry['path'], len(data), text))
        elif kind == 'symlink':
            lines.append('  %s -> %s' % (entry['path'], entry['target']))
        else:
            lines.append('  %s (%s)' % (entry['path'], kind))
    return '\n'.join(lines) or '  (no files)'


# ---- comparison ----------------------------------------------------------------

def after_values(run):
    after = dict(run['before'])
    after.update(run['after_diff'])
    return after


class Outcome(object):
    """The comparison of one answer: disagreements (failures) and tallies."""

    def __init__(self):
        self.failures = []      # (applier/prediction label, key, text)
        self.undecided = []     # (label, key, reason): allowed without the oracle
        # (label, key, text): a value the model only assumed (a range or a check between keys only the kernel
        # knows, certain=False) that the real applier's kernel did not leave: counted and printed, not failed,
        # since whether the kernel takes it depends on its build
        self.assumed_wrong = []
        self.assumed = 0        # assumed values compared (right or wrong)
        self.errors = []        # (label, text)
        self.compared = 0

    @property
    def ok(self):
        return not self.failures and not self.errors


def compare(answer):
    """Compare every prediction of an answer with the real appliers' runs."""
    outcome = Outcome()
    real = answer.get('appliers', {})
    for name, run in real.items():
        if 'before' not in run:
            outcome.errors.append((name, 'the real %s run failed: %s' % (name, run.get('error'))))
    for pred in answer.get('predict', ()):
        label = '%s predict (oracle=%s)' % (pred['applier'], pred['oracle'])
        if 'result' not in pred:
            outcome.errors.append((label, ('TIMEOUT ' if pred.get('timeout') else '') + str(pred.get('error'))))
            continue
        result = pred['result']
        checks = [('boot', pred['applier'])]
        if pred['applier'] in RELOAD_CHECKED_FOR:
            checks.append(('reload', 'procps'))
        for field, applier in checks:
            run = real.get(applier)
            if run is None or 'before' not in run:
                continue
            before, after = run['before'], after_values(run)
            for key in sorted(before):
                fields = result.get(key)
                if fields is None:
                    outcome.failures.append((label, key, 'no prediction for this key'))
                    continue
                # each prediction says on its own when it cannot be made (boot, or the reload)
                undecided = fields.get('undecided') if field == 'boot' else fields.get('reload_undecided')
                if undecided is not None:
                    if pred['oracle'] and not run.get('timeout'):
                        outcome.failures.append((label, key, '%s undecided with the oracle: %s' % (field, undecided)))
                    else:
                        outcome.undecided.append((label, key, undecided))
                    continue
                outcome.compared += 1
                predicted = fields.get(field)
                if predicted is None:
                    predicted = before[key]
                certain = fields.get('%s_certain' % field, True)
                outcome.assumed += not certain
                if predicted != after.get(key):
                    source = fields.get('boot_source') if field == 'boot' else fields.get('reload_source')
                    text = '%s: real %s left %r (default %r), predicted %r%s%s' % (
                        field, applier, after.get(key), before[key], predicted, ' from %s' % source if source else '',
                        ' [real applier timed out]' if run.get('timeout') else '')
                    (outcome.failures if certain else outcome.assumed_wrong).append((label, key, text))
    return outcome


def report(files, answer, outcome, suite='', max_keys=25):
    """A failure message: the case's files, each disagreement, the real appliers' output."""
    parts = ['%s: %d disagreement(s), %d error(s)' % (suite, len(outcome.failures), len(outcome.errors)),
             'files:', show_files(files)]
    for label, text in outcome.errors:
        parts.append('ERROR %s: %s' % (label, text))
    for label, key, text in outcome.failures[:max_keys]:
        parts.append('%s: %s: %s' % (label, key, text))
    if len(outcome.failures) > max_keys:
        parts.append('... %d more' % (len(outcome.failures) - max_keys))
    for name, run in sorted(answer.get('appliers', {}).items()):
        parts.append('real %s: %s rc=%s timeout=%s changed=%s\n  stderr: %s\n  stdout: %s' % (
            name, ' '.join(run.get('command', [])), run.get('rc'), run.get('timeout'),
            json.dumps(run.get('after_diff', {}), sort_keys=True)[:1500],
            (run.get('stderr') or '').strip()[:2000].replace('\n', '\n          '),
            (run.get('stdout') or '').strip()[:1500].replace('\n', '\n          ')))
    return '\n'.join(parts)


# ---- checking every suite's answer, with tallies for the session summary -------------------

STATS = {}      # suite -> tallies (printed at the end of the session, see conftest.py)
GREETINGS = {}  # suite -> the runner's greeting without the image's files
PROVENANCE = []  # corpus files: package, version, path, sha256
SUITE_DIFFS = {'cases': 0, 'examples': []}  # cases where the same applier left other values on two suites


class Disagreement(AssertionError):
    """The prediction disagrees with a real applier."""


_CLASSES = {}


def _disagreement(suites):
    """One exception class per set of failing suites, so Hypothesis tells distinct bugs apart."""
    name = 'Disagreement_' + '_'.join(suites)
    if name not in _CLASSES:
        _CLASSES[name] = type(name, (Disagreement,), {})
    return _CLASSES[name]


def tally(suite, answer, outcome):
    stats = STATS.setdefault(suite, {'cases': 0, 'compared': 0, 'failures': 0, 'errors': 0, 'undecided': {},
                                     'assumed': 0, 'assumed_wrong': 0, 'assumed_wrong_examples': [],
                                     'applier_timeouts': 0, 'applier_seconds': {}, 'predict_seconds': {},
                                     'case_seconds': 0.0})
    stats['cases'] += 1
    stats['compared'] += outcome.compared
    stats['failures'] += len(outcome.failures)
    stats['errors'] += len(outcome.errors)
    stats['assumed'] += outcome.assumed
    stats['assumed_wrong'] += len(outcome.assumed_wrong)
    for label, key, text in outcome.assumed_wrong:
        if len(stats['assumed_wrong_examples']) < 25:
            stats['assumed_wrong_examples'].append('%s: %s: %s' % (label, key, text))
    stats['case_seconds'] += answer.get('seconds', 0)
    for name, run in answer.get('appliers', {}).items():
        stats['applier_timeouts'] += bool(run.get('timeout'))
        stats['applier_seconds'][name] = stats['applier_seconds'].get(name, 0) + run.get('wall', 0)
    for pred in answer.get('predict', ()):
        label = '%s oracle=%s' % (pred['applier'], pred['oracle'])
        stats['predict_seconds'][label] = stats['predict_seconds'].get(label, 0) + pred.get('wall', 0)
    for label, key, reason in outcome.undecided:
        name = '%s: %s' % (label, str(reason)[:100])
        stats['undecided'][name] = stats['undecided'].get(name, 0) + 1


def note_suite_differences(files, answers, keep=25):
    """Record (not a failure) where the same real applier left other values on two suites."""
    suites = sorted(answers)
    differences = []
    for applier in APPLIERS:
        runs = [answers[suite].get('appliers', {}).get(applier) for suite in suites]
        if len(runs) < 2 or any(run is None or 'before' not in run for run in runs):
            continue
        afters = [after_values(run) for run in runs]
        for key in sorted(set().union(*afters)):
            if len(set(after.get(key) for after in afters)) > 1:
                differences.append('%s %s: %s' % (applier, key, ', '.join(
                    '%s %r' % (suite, after.get(key)) for suite, after in zip(suites, afters))))
        for field in ('timeout', 'rc'):
            if len(set(run.get(field) for run in runs)) > 1:
                differences.append('%s %s: %s' % (applier, field, ', '.join(
                    '%s %s' % (suite, run.get(field)) for suite, run in zip(suites, runs))))
        if len(set(run.get('rc') for run in runs)) > 1:
            differences.append('%s stderr: %s' % (applier, ' / '.join(
                '%s %r' % (suite, (run.get('stderr') or '')[:300]) for suite, run in zip(suites, runs))))
    if differences:
        SUITE_DIFFS['cases'] += 1
        if len(SUITE_DIFFS['examples']) < keep:
            SUITE_DIFFS['examples'].append({'files': show_files(files, limit=300), 'differences': differences[:10]})


def check(files, answers, title='', record=True):
    """Compare every suite's answer; raise a Disagreement naming all that disagree.

    ``record``: count the case in the session summary (not for the harness's own tests).
    """
    messages, failing = [], []
    if record:
        note_suite_differences(files, answers)
    for suite, answer in sorted(answers.items()):
        outcome = compare(answer)
        if record:
            tally(suite, answer, outcome)
        if not outcome.ok:
            failing.append(suite)
            messages.append(report(files, answer, outcome, suite=suite))
    if failing:
        raise _disagreement(failing)('%s\n%s' % (title, '\n\n'.join(messages)))
    return answers

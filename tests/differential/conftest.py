"""Fixtures of the differential tests: one container and runner per Debian suite, for the session.

KT_DIFF_SUITES=bookworm,trixie,bullseye (default all three) picks the suites. The
containers are privileged like tests/containers/start.sh 'plain' (kt-init
makes every host-wide /proc/sys tree read-only inside) and are removed at
the end; the session fails if this machine's own host-wide values changed.
"""

import json
import os
import signal
import threading

import pytest

import _driver

SUITES = tuple(s for s in os.environ.get('KT_DIFF_SUITES', ','.join(_driver.SUITES)).split(',') if s)
SUMMARY = os.path.join(_driver.REPO, '.build', 'differential', 'summary.json')


def _interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


@pytest.fixture(scope='session')
def runners():
    """{suite: Runner}, started in parallel; removed at the end of the session (also on SIGTERM)."""
    started, errors = {}, []
    previous = signal.signal(signal.SIGTERM, _interrupt)  # pytest then tears down: no container is left behind

    def start(suite):
        try:
            started[suite] = _driver.Runner(suite)
        except Exception as exc:  # reported below, after every start ended
            errors.append('%s: %s' % (suite, exc))

    threads = [threading.Thread(target=start, args=(suite,)) for suite in SUITES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        if errors:
            raise RuntimeError('cannot start the differential runners:\n' + '\n'.join(errors))
        for suite, runner in started.items():
            greeting = dict(runner.hello)
            greeting.pop('initial_tree', None)
            _driver.GREETINGS[suite] = greeting
        yield dict((suite, started[suite]) for suite in SUITES)
    finally:
        for runner in started.values():
            runner.close()
        signal.signal(signal.SIGTERM, previous)


def pytest_terminal_summary(terminalreporter):
    if not _driver.GREETINGS and not _driver.STATS:
        return
    write = terminalreporter.write_line
    terminalreporter.section('differential: real appliers seen')
    for suite, hello in sorted(_driver.GREETINGS.items()):
        write('%s: %s; %s; %s; python %s; %d stable net.* keys, volatile: %s, unreadable: %s' % (
            suite, hello.get('os'), hello.get('sysctl_version'), hello.get('systemd_version'), hello.get('python'),
            hello['excluded']['stable'], ' '.join(hello['excluded']['volatile']) or 'none',
            ' '.join(hello['excluded']['unreadable'])))
        write('  packages: %s' % ', '.join(hello.get('packages', ())))
    for suite, stats in sorted(_driver.STATS.items()):
        cases = max(stats['cases'], 1)
        write('%s: %d cases, %.0f ms per case in the runner; %d values compared, %d disagreements, %d errors, '
              '%d real applier timeouts' % (suite, stats['cases'], 1000 * stats['case_seconds'] / cases,
                                            stats['compared'], stats['failures'], stats['errors'],
                                            stats['applier_timeouts']))
        write('  per case: ' + ', '.join('real %s %.0f ms' % (name, 1000 * value / cases)
                                         for name, value in sorted(stats['applier_seconds'].items()))
              + ', ' + ', '.join('predict %s %.0f ms' % (name, 1000 * value / cases)
                                 for name, value in sorted(stats['predict_seconds'].items())))
        write('  assumed by the model without the kernel check (a range only the kernel knows): %d compared, '
              '%d wrong on this kernel (counted, not failed)' % (stats['assumed'], stats['assumed_wrong']))
        for example in stats['assumed_wrong_examples'][:15]:
            write('    ' + example)
        undecided = sorted(stats['undecided'].items(), key=lambda item: -item[1])
        write('  undecided (allowed without the oracle): %d' % sum(stats['undecided'].values()))
        for reason, count in undecided[:15]:
            write('    %6d  %s' % (count, reason))
    if len(_driver.GREETINGS) > 1:
        terminalreporter.section('differential: the same real applier, different values on two suites')
        write('%d cases' % _driver.SUITE_DIFFS['cases'])
        for example in _driver.SUITE_DIFFS['examples']:
            write('\n'.join(example['differences']))
            write(example['files'])
    if _driver.PROVENANCE:
        terminalreporter.section('differential: corpus provenance')
        for item in _driver.PROVENANCE:
            write('%(package)s %(version)s %(path)s sha256:%(sha256)s' % item)
    try:
        os.makedirs(os.path.dirname(SUMMARY), exist_ok=True)
        with open(SUMMARY, 'w') as handle:
            json.dump({'greetings': _driver.GREETINGS, 'stats': _driver.STATS, 'corpus': _driver.PROVENANCE,
                       'suite_differences': _driver.SUITE_DIFFS},
                      handle, indent=1, sort_keys=True)
        write('summary written to %s' % os.path.relpath(SUMMARY, _driver.REPO))
    except OSError as exc:
        write('cannot write %s: %s' % (SUMMARY, exc))

"""Session set-up of the boot tests: the VM images, the accelerator, the corpus, one VM per release and worker.

On the controller (also the one process without xdist), before any test:
build-vm.sh builds the images of the releases picked (KT_BOOT_RELEASES, default
all four; cached), the KVM probe picks kvm or tcg (KT_BOOT_ACCEL to force one),
and the corpus packages are fetched into .build/corpus. Each worker then boots
the VMs of its releases one at a time (pytest-xdist: --dist loadgroup, one group
per release). Whatever happens, every VM is killed at the end (SIGTERM too:
the session then tears down as on Ctrl-C; QEMU also dies with its worker).
Without QEMU, mmdebstrap or an image the tests are skipped with the reason;
with CI=true they fail instead.
"""

import os
import shutil
import signal
import subprocess
import time

import pytest

import _boot
import _corpus  # noqa: E402  (tests/differential, on the path from _boot)
import _harness  # noqa: E402  (tests/integration/kernel, on the path from _boot)
import _vm

BUILD = os.path.join(_boot.HERE, 'build-vm.sh')
_SETUP = {}


def _interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def pytest_configure(config):
    if hasattr(config, 'workerinput'):
        return
    try:
        releases = _boot.selected_releases()
    except ValueError as exc:
        raise pytest.UsageError(str(exc))
    missing = [tool for tool in (_vm.QEMU, 'qemu-img', 'mmdebstrap', 'ssh') if shutil.which(tool) is None]
    if missing:
        os.environ['KT_BOOT_UNAVAILABLE'] = '%s not installed (scripts/setup.sh installs them)' % ', '.join(missing)
        return
    capture = config.pluginmanager.getplugin('capturemanager')
    start = time.time()
    with capture.global_and_fixture_disabled():
        print('\nboot tests: images of %s (tests/boot/build-vm.sh)' % ' '.join(releases), flush=True)
        built = subprocess.run(['bash', BUILD] + list(releases), check=False)
    os.environ['KT_BOOT_BUILD_SECONDS'] = '%.0f' % (time.time() - start)
    if built.returncode != 0:
        os.environ['KT_BOOT_UNAVAILABLE'] = 'build-vm.sh %s failed (output above)' % ' '.join(releases)
        return
    if not os.environ.get('KT_BOOT_ACCEL'):
        os.environ['KT_BOOT_ACCEL'] = _vm.accel(_boot.image_dir(releases[0]))
    try:
        _boot.corpus_samples()  # fetches the corpus packages once, before the workers read them
    except (_corpus.CorpusError, OSError) as exc:
        os.environ['KT_BOOT_UNAVAILABLE'] = 'cannot read the differential corpus: %s' % exc


class Boots(object):
    """The releases of this worker: one VM at a time (the one of the release asked for last)."""

    def __init__(self):
        self.releases = {}
        self.samples = None

    def stage(self, release, stage):
        if release not in self.releases:
            for other in self.releases.values():
                other.vm.kill()  # its results stay
            if self.samples is None:
                self.samples = _boot.corpus_samples()
            self.releases[release] = _boot.Release(release, os.environ.get('KT_BOOT_ACCEL') or 'tcg', self.samples)
        return self.releases[release].stage(stage)

    def close(self):
        for release in self.releases.values():
            release.close()
        _vm.kill_all()


@pytest.fixture(scope='session')
def boots():
    reason = os.environ.get('KT_BOOT_UNAVAILABLE')
    if reason:
        _harness.required('boot tests: %s' % reason)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    runner = Boots()
    try:
        yield runner
    finally:
        runner.close()
        signal.signal(signal.SIGTERM, previous)


_SUMMARY = []


def pytest_runtest_logreport(report):
    if report.when == 'call' and any(name == 'boot' for name, dummy in report.user_properties):
        _SUMMARY.append((report.nodeid, report.outcome, dict(report.user_properties)['boot']))


def pytest_terminal_summary(terminalreporter):
    if not _SUMMARY:
        return
    write = terminalreporter.write_line
    terminalreporter.section('boot prediction vs real boots')
    build = os.environ.get('KT_BOOT_BUILD_SECONDS')
    write('accelerator: %s; images ready after %ss (tests/boot/build-vm.sh)'
          % (os.environ.get('KT_BOOT_ACCEL'), build))
    for dummy, outcome, row in sorted(_SUMMARY, key=lambda item: item[2]['order']):
        write('%-34s %-7s kernel %-26s compared %4d + %4d, disagreements %3d, not predicted %3d%s'
              % (row['id'], outcome, row['kernel'], row['compared_before'], row['compared_after'],
                 row['disagreements'], row['unpredicted'],
                 ', stage %.0fs' % row['stage_seconds'] if row.get('stage_seconds') else ''))
        for line in row.get('notes', []):
            write('    ' + line)

"""An SSH fleet: containers of the bookworm-ssh image, reached over SSH as a user with sudo.

Each container has sshd (tests/containers/build-image.sh) and a user ``kt``
with NOPASSWD sudo. The containers stay without a network (their own
namespace, loopback only): the SSH client's transport to each is
``podman exec -i NAME /usr/sbin/sshd -i`` (its ProxyCommand), a real sshd
per connection speaking the real protocol, with key authentication and
sudo, so no bridge, address or packet forwarding of this machine is used or
changed. A key pair is generated per test
session in a temporary directory; each fleet has another one for the SSH
control sockets, Ansible's local temp directory, the inventory and the
reports: nothing is written under the real home. ansible-playbook reaches the hosts over SSH
(ansible_connection=ssh) as kt, as a user runs it.

Without ssh, ssh-keygen or a working sshd the tests
are skipped with the reason; with CI=true they fail instead.
"""

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'kernel'))
import _harness  # noqa: E402  (tests/integration/kernel)

PREFIX = 'kt-ssh-'
SUITE = 'bookworm-ssh'
USER = 'kt'
# -F /dev/null: the real user's ~/.ssh/config (ssh reads the passwd home, not HOME) must not change the tests.
SSH_OPTIONS = ('-F', '/dev/null', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no',
               '-o', 'LogLevel=ERROR', '-o', 'ProxyCommand=podman exec -i %h /usr/sbin/sshd -i')


def unavailable(reason):
    _harness.required('SSH tests: %s' % reason)


@pytest.fixture(scope='session')
def ssh_image():
    """The bookworm-ssh image (built once, then cached), after checking the tools the tests need."""
    for tool in ('ssh', 'ssh-keygen', 'podman'):
        if shutil.which(tool) is None:
            unavailable('%s is not installed on the controller (Debian: openssh-client, podman)' % tool)
    built = _harness.run('bash', os.path.join(_harness.CONTAINERS, 'build-image.sh'), SUITE, check=False)
    if built.returncode != 0:
        unavailable('cannot build the %s image: %s' % (SUITE, (built.stdout + built.stderr).strip()[-1500:]))
    return SUITE


@pytest.fixture(scope='session')
def ssh_key(ssh_image):
    """A key pair for this test session (``<dir>/id_ed25519`` and ``.pub``), removed at the end."""
    keydir = tempfile.mkdtemp(prefix=PREFIX + 'key-')
    key = os.path.join(keydir, 'id_ed25519')
    try:
        _harness.run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'kerneltune-ssh-tests', '-f', key)
        yield key
    finally:
        shutil.rmtree(keydir, ignore_errors=True)


class Fleet(object):
    """Hosts reached over SSH as kt, and how to run ansible-playbook against them."""

    user = USER

    def __init__(self, workdir, key, hosts):
        self.workdir = workdir
        self.key = key
        self.hosts = hosts  # container names (ssh reaches each through podman exec, see SSH_OPTIONS)
        self.control_dir = os.path.join(workdir, 'cp')
        self.inventory = os.path.join(workdir, 'inventory.ini')
        self.runs = 0

    def write_inventory(self):
        lines = ['[fleet]']
        lines += sorted(self.hosts)
        lines += ['', '[fleet:vars]', 'ansible_connection=ssh', 'ansible_user=%s' % USER,
                  'ansible_ssh_private_key_file=%s' % self.key,
                  'ansible_ssh_common_args=\'%s\'' % ' '.join('"%s"' % o if ' ' in o else o for o in SSH_OPTIONS),
                  'ansible_python_interpreter=/usr/bin/python3', '']
        with open(self.inventory, 'w') as handle:
            handle.write('\n'.join(lines))

    def env(self, pipelining=False, verbose=False):
        """ansible-playbook's environment: control sockets and local temp files in the work directory."""
        return {
            'ANSIBLE_SSH_CONTROL_PATH_DIR': self.control_dir,
            'ANSIBLE_LOCAL_TEMP': os.path.join(self.workdir, 'local-tmp'),
            'ANSIBLE_PIPELINING': '1' if pipelining else '0',
            'ANSIBLE_VERBOSITY': '3' if verbose else '0',
            'ANSIBLE_TIMEOUT': '20',
        }

    def playbook(self, name, extra_vars=None, check=False, diff=False, expect_rc=0, pipelining=False,
                 verbose=False):
        """Run a playbook (FQCN or path) against the fleet; return (rc, stdout, stderr)."""
        self.runs += 1
        return _harness.playbook(name, self.inventory, extra_vars=extra_vars, check=check, diff=diff,
                                 expect_rc=expect_rc, env=self.env(pipelining, verbose))

    def report_dir(self, label):
        return os.path.join(self.workdir, 'report-%s' % label)

    @staticmethod
    def load_report(directory):
        with open(os.path.join(directory, 'report.json')) as handle:
            return json.load(handle)

    def ssh(self, host, command, check=True):
        """Run a command over SSH as kt (for checks; the tests' own runs go through ansible-playbook)."""
        return _harness.run('ssh', '-i', self.key, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3',
                            '-o', 'ControlPath=none', *(SSH_OPTIONS + ('%s@%s' % (USER, host), command)),
                            check=check)

    def close_control_masters(self):
        """Stop the ControlPersist masters Ansible left (they would outlive the test by 60 s)."""
        if not os.path.isdir(self.control_dir):
            return
        for socket_name in os.listdir(self.control_dir):
            _harness.run('ssh', '-o', 'ControlPath=%s' % os.path.join(self.control_dir, socket_name),
                         '-O', 'exit', 'kt-ssh-control', check=False)


def _authorize(container, public_key):
    _harness.run('podman', 'exec', '-i', container, '/bin/sh', '-c',
                 'install -d -m 0700 -o kt -g kt /home/kt/.ssh && umask 077 && '
                 'cat > /home/kt/.ssh/authorized_keys && chown kt:kt /home/kt/.ssh/authorized_keys',
                 input=public_key)


def start_fleet(names, workdir, key):
    """Start the containers (Alibaba-like), authorize the key, wait until sshd lets kt in with sudo."""
    fleet = Fleet(workdir, key, [])
    os.mkdir(fleet.control_dir, 0o700)
    with open(key + '.pub') as handle:
        public_key = handle.read()
    for name in names:
        try:
            _harness.start_container(name, 'alibaba', suite=SUITE)
        except AssertionError as exc:
            unavailable('cannot start a container of the %s image: %s' % (SUITE, str(exc)[-1500:]))
        _authorize(name, public_key)
        fleet.hosts.append(name)
    for name in names:
        deadline = time.time() + 15
        while True:
            result = fleet.ssh(name, 'sudo -n true', check=False)
            if result.returncode == 0:
                break
            if time.time() > deadline:
                unavailable('sshd in %s does not let kt in with sudo: %s'
                            % (name, (result.stdout + result.stderr).strip()[-800:]))
            time.sleep(0.3)
    fleet.write_inventory()
    return fleet


@contextlib.contextmanager
def running_fleet(names, workdir, key):
    """start_fleet, then whatever happens: the SSH control masters closed and the containers removed."""
    fleet = None
    try:
        fleet = start_fleet(names, workdir, key)
        yield fleet
    finally:
        if fleet is not None:
            fleet.close_control_masters()
        for name in names:
            _harness.remove_container(name)


@pytest.fixture(scope='module')
def ssh_fleet(request, ssh_key):
    """Two Alibaba-like hosts over SSH: ``<prefix>tuned`` (the tests tune it) and ``<prefix>alibaba`` (left at the
    image's defaults). The work directory is removed afterwards, the containers too."""
    base = PREFIX + request.module.__name__.replace('test_', '').replace('_', '-')
    names = [base + '-tuned', base + '-alibaba']
    workdir = tempfile.mkdtemp(prefix=PREFIX)
    try:
        with running_fleet(names, workdir, ssh_key) as fleet:
            yield fleet
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

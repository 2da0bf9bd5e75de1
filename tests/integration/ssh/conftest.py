"""An SSH fleet: containers of the bookworm-ssh image on the Podman bridge, reached as a user with sudo.

Each container runs sshd (its PID 1 wrapper, tests/containers/build-image.sh)
and has a user ``kt`` with NOPASSWD sudo. A key pair is generated per test
session in a temporary directory; each fleet has another one for the SSH
control sockets, Ansible's local temp directory, the inventory and the
reports: nothing is written under the real home. ansible-playbook reaches the hosts over SSH
(ansible_connection=ssh) as kt, as a user runs it.

Without ssh, ssh-keygen, Podman's bridge network or a working sshd the tests
are skipped with the reason; with CI=true they fail instead.
"""

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
SSH_OPTIONS = ('-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'LogLevel=ERROR')


def unavailable(reason):
    """Skip with the reason; on CI (CI=true) everything must be there, so fail."""
    if os.environ.get('CI') == 'true':
        pytest.fail('SSH tests cannot run on CI: %s' % reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope='session')
def ssh_image():
    """The bookworm-ssh image (built once, then cached), after checking the tools the tests need."""
    for tool in ('ssh', 'ssh-keygen', 'podman'):
        if shutil.which(tool) is None:
            unavailable('%s is not installed on the controller (Debian: openssh-client, podman)' % tool)
    if _harness.run('podman', 'network', 'exists', 'podman', check=False).returncode != 0:
        unavailable("Podman has no bridge network named 'podman' (podman network ls)")
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
        self.hosts = hosts  # name -> IPv4 address on the Podman bridge
        self.control_dir = os.path.join(workdir, 'cp')
        self.inventory = os.path.join(workdir, 'inventory.ini')
        self.runs = 0

    def write_inventory(self):
        lines = ['[fleet]']
        lines += ['%s ansible_host=%s' % (name, address) for name, address in sorted(self.hosts.items())]
        lines += ['', '[fleet:vars]', 'ansible_connection=ssh', 'ansible_user=%s' % USER,
                  'ansible_ssh_private_key_file=%s' % self.key,
                  "ansible_ssh_common_args='%s'" % ' '.join(SSH_OPTIONS),
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
                            '-o', 'ControlPath=none', *(SSH_OPTIONS + ('%s@%s' % (USER, self.hosts[host]), command)),
                            check=check)

    def close_control_masters(self):
        """Stop the ControlPersist masters Ansible left (they would outlive the test by 60 s)."""
        if not os.path.isdir(self.control_dir):
            return
        for socket_name in os.listdir(self.control_dir):
            _harness.run('ssh', '-o', 'ControlPath=%s' % os.path.join(self.control_dir, socket_name),
                         '-O', 'exit', 'kt-ssh-control', check=False)


def _address(container):
    result = _harness.run('podman', 'inspect', '-f', '{{json .NetworkSettings.Networks}}', container)
    networks = json.loads(result.stdout) or {}
    address = (networks.get('podman') or {}).get('IPAddress')
    if not address:
        unavailable('container %s has no address on the Podman bridge: %s' % (container, result.stdout.strip()))
    return address


def _authorize(container, public_key):
    _harness.run('podman', 'exec', '-i', container, '/bin/sh', '-c',
                 'install -d -m 0700 -o kt -g kt /home/kt/.ssh && umask 077 && '
                 'cat > /home/kt/.ssh/authorized_keys && chown kt:kt /home/kt/.ssh/authorized_keys',
                 input=public_key)


def start_fleet(names, workdir, key):
    """Start the containers (Alibaba-like), authorize the key, wait until sshd lets kt in with sudo."""
    fleet = Fleet(workdir, key, {})
    os.mkdir(fleet.control_dir, 0o700)
    with open(key + '.pub') as handle:
        public_key = handle.read()
    for name in names:
        try:
            _harness.start_container(name, 'alibaba', suite=SUITE, network='podman')
        except AssertionError as exc:
            unavailable('cannot start a container on the Podman bridge: %s' % str(exc)[-1500:])
        _authorize(name, public_key)
        fleet.hosts[name] = _address(name)
    for name in names:
        deadline = time.time() + 15
        while True:
            result = fleet.ssh(name, 'sudo -n true', check=False)
            if result.returncode == 0:
                break
            if time.time() > deadline:
                unavailable('sshd in %s (%s) does not let kt in with sudo: %s'
                            % (name, fleet.hosts[name], (result.stdout + result.stderr).strip()[-800:]))
            time.sleep(0.3)
    fleet.write_inventory()
    return fleet


@pytest.fixture(scope='module')
def ssh_fleet(request, ssh_key):
    """Two Alibaba-like hosts over SSH: ``<prefix>tuned`` (the tests tune it) and ``<prefix>alibaba`` (left at the
    image's defaults). The work directory is removed afterwards, the containers too."""
    base = PREFIX + request.module.__name__.replace('test_', '').replace('_', '-')
    names = [base + '-tuned', base + '-alibaba']
    workdir = tempfile.mkdtemp(prefix=PREFIX)
    fleet = None
    try:
        fleet = start_fleet(names, workdir, ssh_key)
        yield fleet
    finally:
        if fleet is not None:
            fleet.close_control_masters()
        for name in names:
            _harness.remove_container(name)
        shutil.rmtree(workdir, ignore_errors=True)

"""Drive real containers and real Ansible runs for the kernel tests.

Containers come from tests/containers (one image, one PID 1 script): each
has its own network namespace and host-wide /proc/sys trees read-only.
Modules run through ansible-playbook's containers.podman connection, as a
user would run them.
"""

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
CONTAINERS = os.path.join(REPO, 'tests', 'containers')
BIN = os.path.dirname(sys.executable)


def _env(overrides=None):
    env = dict(os.environ)
    env.update(overrides or {})
    env['LC_ALL'] = 'C.UTF-8'  # ansible-core needs a UTF-8 locale; C otherwise
    # This checkout's Podman settings and storage (written by tests/containers/env.sh, exported by setup.sh)
    build = os.path.join(REPO, '.build', 'containers')
    env.setdefault('CONTAINERS_CONF', os.path.join(build, 'containers.conf'))
    env.setdefault('CONTAINERS_STORAGE_CONF', os.path.join(build, 'storage.conf'))
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(REPO, '.build', 'collections'))
    env['ANSIBLE_HOST_KEY_CHECKING'] = 'False'
    env['ANSIBLE_NOCOLOR'] = '1'
    env['ANSIBLE_RETRY_FILES_ENABLED'] = 'False'
    return env


def run(*argv, **kwargs):
    """Run a command without a shell; return CompletedProcess (text)."""
    check = kwargs.pop('check', True)
    env = _env(kwargs.pop('env', None))
    result = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, env=env, check=False, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError('%s failed (%d):\n%s\n%s'
                             % (' '.join(argv), result.returncode, result.stdout[-4000:], result.stderr[-4000:]))
    return result


def required(reason):
    """A prerequisite is missing: skip with the reason on a user's machine; CI (CI=true) has everything, so fail."""
    import pytest
    if os.environ.get('CI') == 'true':
        pytest.fail('%s (required on CI)' % reason, pytrace=False)
    pytest.skip(reason)


def recap(stdout, host):
    """The PLAY RECAP counters of one host: {'ok': n, 'changed': n, 'unreachable': n, 'failed': n, ...}."""
    match = re.search(r'^%s\s*:\s*(.*)$' % re.escape(host), stdout, re.M)
    assert match, 'no recap line for %s:\n%s' % (host, stdout[-3000:])
    return dict((name, int(value)) for name, value in re.findall(r'(\w+)=(\d+)', match.group(1)))


def default_suite():
    """The Debian suite the kernel tests run on: KT_SUITE (bookworm, the default, or trixie)."""
    return os.environ.get('KT_SUITE') or 'bookworm'


def suite_name(name):
    """``name`` for a container of the kernel tests: with the suite, so that the suites' runs go side by side."""
    return '%s-%s' % (name, default_suite())


def start_container(name, flavour='alibaba', suite=None, repo=False, mounts=(), network=None):
    """Start a container (tests/containers/start.sh): ``suite`` picks the image (bookworm, trixie; default
    KT_SUITE, see default_suite()),
    ``repo`` bind-mounts this checkout read-only at /kt/ansible_collections/kerneltune/sysctl, ``mounts``
    bind-mounts paths of this machine read-only at the same path, ``network`` joins a Podman network.
    Returns ``name``."""
    options = ['--suite', suite or default_suite()] + (['--repo'] if repo else [])
    for path in mounts:
        options += ['--mount', path]
    if network:
        options += ['--network', network]
    run('bash', os.path.join(CONTAINERS, 'start.sh'), *(options + [name, flavour]))
    return name


def remove_container(name):
    run('podman', 'rm', '-f', '-t', '0', name, check=False)


def sh(container, script, check=True):
    """Run a POSIX shell script inside the container (script is ours, never user data)."""
    return run('podman', 'exec', container, '/bin/sh', '-c', script, check=check)


# Whether a suite's image links /etc/sysctl.conf into /etc/sysctl.d for systemd-sysctl (Debian 12's procps ships
# /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf; Debian 13 has neither the link nor, by default, the file).
SYSCTL_CONF_LINK = {'bookworm': True, 'trixie': False}


def sysctl_conf_link(container):
    """Whether systemd-sysctl reads /etc/sysctl.conf in this container: what the suite's image is known to do,
    checked against the container (an image that lost or gained the link fails here instead of taking the other
    branch of a test)."""
    expected = SYSCTL_CONF_LINK[default_suite()]
    present = sh(container, 'test -L /etc/sysctl.d/99-sysctl.conf', check=False).returncode == 0
    assert present == expected, 'the %s image should %shave /etc/sysctl.d/99-sysctl.conf' % (
        default_suite(), '' if expected else 'not ')
    return expected


def read_sysctl(container, keys):
    """Read keys from /proc/sys in the container, by path, as the kernel prints them."""
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import split_key
    values = {}
    for key in keys:
        path = '/proc/sys/' + '/'.join(split_key(key))
        result = run('podman', 'exec', container, 'cat', path, check=False)
        values[key] = result.stdout.rstrip('\n') if result.returncode == 0 else None
    return values


def write_sysctl(container, values):
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import split_key
    for key, value in values.items():
        path = '/proc/sys/' + '/'.join(split_key(key))
        run('podman', 'exec', container, '/bin/sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'w', str(value), path)


_SCRATCH = []


def scratch():
    """This process's temporary directory for inventories and plays, removed when it exits."""
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix='kt-harness-'))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    return _SCRATCH[0]


def inventory(hosts, extra=''):
    """Write an INI inventory of containers; return its path."""
    handle = tempfile.NamedTemporaryFile('w', suffix='.ini', delete=False, dir=scratch())
    with handle:
        handle.write('[fleet]\n')
        for host in hosts:
            handle.write('%s ansible_connection=containers.podman.podman '
                         'ansible_python_interpreter=/usr/bin/python3\n' % host)
        handle.write(extra)
    return handle.name


def playbook(path, inventory_path, extra_vars=None, check=False, diff=False, expect_rc=0, env=None):
    """Run ansible-playbook (``path`` may be a playbook FQCN); return (rc, stdout, stderr)."""
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory_path, path]
    if extra_vars is not None:
        argv += ['-e', json.dumps(extra_vars)]
    if check:
        argv.append('--check')
    if diff:
        argv.append('--diff')
    # stdin /dev/null: Ansible refuses a non-blocking one, which an ssh cut off by a reboot can leave behind
    result = run(*argv, check=False, env=env, stdin=subprocess.DEVNULL)
    if expect_rc is not None and result.returncode != expect_rc:
        raise AssertionError('ansible-playbook %s: rc %d, expected %d\n%s\n%s'
                             % (path, result.returncode, expect_rc, result.stdout[-6000:], result.stderr[-3000:]))
    return result.returncode, result.stdout, result.stderr


def module(container, name, args, check=False, expect_failed=False):
    """Run one module on one container; return its result dict."""
    play = [{
        'hosts': container, 'gather_facts': False,
        'tasks': [{'name': 'run', name: args, 'register': 'kt_result', 'ignore_errors': True},
                  {'name': 'save', 'delegate_to': 'localhost',
                   'ansible.builtin.copy': {'content': '{{ kt_result | to_json }}', 'dest': '{{ kt_out }}'},
                   'check_mode': False}],
    }]
    workdir = tempfile.mkdtemp(prefix='kt-module-', dir=scratch())
    play_path = os.path.join(workdir, 'play.yml')
    out = os.path.join(workdir, 'result.json')
    with open(play_path, 'w') as handle:
        json.dump(play, handle)
    # A task delegated to localhost takes its remote tmp from the delegating host's home (/root in the
    # container): give localhost one in the work directory so nothing is written under the real ~/.ansible.
    inv = inventory([container], extra='[local]\nlocalhost ansible_connection=local ansible_python_interpreter=%s '
                    'ansible_remote_tmp=%s\n' % (sys.executable, os.path.join(workdir, 'tmp')))
    playbook(play_path, inv, extra_vars={'kt_out': out}, check=check)
    with open(out) as handle:
        result = json.load(handle)
    assert bool(result.get('failed')) == expect_failed, result
    return result

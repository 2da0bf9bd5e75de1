"""Cells of the target-interpreter matrix (used by conftest.py and the tests): a CPython of this machine's
pyenv, bind-mounted read-only into an Alibaba-like container as the only Python there, driven by one
ansible-core release.

A cell needs the interpreter ($PYENV_ROOT/versions/X.Y.*, PYENV_ROOT defaulting to ~/.pyenv of the real home)
and a venv with its ansible-core (.venv-core-VERSION, created or reused by scripts/ansible-test.sh --venv;
the 2.19 cell uses .venv). Where either is absent the cell is skipped with the reason, and fails when CI=true.

The connection is containers.podman.podman from the pinned ``ansible`` package of .venv: its meta/runtime.yml
admits every core of the matrix, so each cell gets a collections path with this collection
(.build/collections) and a directory holding only a link to containers.podman, instead of a copy of Ansible's
whole collection set per core.
"""

import glob
import os
import pwd
import re
import sys


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'kernel'))

import _harness  # noqa: E402  (tests/integration/kernel)

try:
    from importlib.metadata import version as _dist_version
except ImportError:  # pragma: no cover
    _dist_version = None


def pinned_core(minor):
    """The pinned release of an ansible-core minor version (requirements/ansible-cores.txt, the one list)."""
    with open(os.path.join(_harness.REPO, 'requirements', 'ansible-cores.txt')) as handle:
        pins = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    (pin,) = [version for version in pins if version.startswith(minor + '.')]
    return pin


# (target Python, ansible-core): 2.16 is the last core that manages Python 3.6 targets (Alibaba Cloud Linux 3's
# /usr/bin/python3), 2.17 manages 3.7-3.12, 2.18 and 2.19 3.8-3.13. None: the ansible-core of .venv (2.19).
CELLS = [
    ('3.6', pinned_core('2.16')),
    ('3.8', pinned_core('2.18')),
    ('3.10', pinned_core('2.17')),
    ('3.12', None),
    ('3.13', None),
]


def main_core():
    return _dist_version('ansible-core') if _dist_version else 'venv'


def cell_id(cell):
    python, core = cell
    return 'py%s-core%s' % (python, core or main_core())


def absent(reason):
    _harness.required(reason)


def pyenv_root():
    return os.environ.get('PYENV_ROOT') or os.path.join(pwd.getpwuid(os.getuid()).pw_dir, '.pyenv')


def interpreter(python):
    """(install dir, interpreter path) of the newest $PYENV_ROOT/versions/<python>.N, or absent()."""
    root = pyenv_root()
    found = [path for path in glob.glob(os.path.join(root, 'versions', python + '.*'))
             if re.match(r'^\d+\.\d+\.\d+$', os.path.basename(path))
             and os.path.isfile(os.path.join(path, 'bin', 'python' + python))]
    if not found:
        absent('no CPython %s under %s/versions (PYENV_ROOT)' % (python, root))
    found.sort(key=lambda path: [int(part) for part in os.path.basename(path).split('.')])
    return found[-1], os.path.join(found[-1], 'bin', 'python' + python)


def core_bin(core):
    """The bin directory of the venv with that ansible-core (created on first use, as ansible-test.sh does)."""
    if core is None:
        return _harness.BIN
    result = _harness.run('bash', os.path.join(_harness.REPO, 'scripts', 'ansible-test.sh'), '--venv', core,
                          check=False, env={'PATH': _harness.BIN + os.pathsep + os.environ.get('PATH', '')})
    venv = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ''
    if result.returncode != 0 or not os.access(os.path.join(venv, 'bin', 'ansible-playbook'), os.X_OK):
        absent('no venv with ansible-core %s (scripts/ansible-test.sh --venv %s: rc %d, %s)'
               % (core, core, result.returncode, result.stderr.strip()[-300:]))
    return os.path.join(venv, 'bin')


def podman_collection():
    """The directory of containers.podman in .venv's ``ansible`` package, and its requires_ansible."""
    result = _harness.run(os.path.join(_harness.BIN, 'python'), '-c',
                          'import ansible_collections.containers.podman as p; print(list(p.__path__)[0])',
                          check=False, env={'PYTHONPATH': ''})
    path = result.stdout.strip()
    if result.returncode != 0 or not os.path.isdir(path):
        absent('containers.podman is not installed in .venv (the pinned "ansible" package)')
    with open(os.path.join(path, 'meta', 'runtime.yml')) as handle:
        match = re.search(r'^requires_ansible:\s*["\']?([^"\'\n]+)', handle.read(), re.M)
    return path, match.group(1).strip() if match else None


class Cell(object):
    """One container and one ansible-core; playbook() runs that core's ansible-playbook as a user would."""

    def __init__(self, python, core, workdir, name=None):
        self.python = python
        self.pyenv_dir, self.interpreter = interpreter(python)
        self.bin = core_bin(core)
        self.core = core or main_core()
        self.workdir = workdir
        self.name = name or 'kt-py-%s' % python.replace('.', '')
        self.failed_step = None

        podman, requires = podman_collection()
        from packaging.specifiers import SpecifierSet
        assert requires is None or self.core in SpecifierSet(requires), \
            'containers.podman requires ansible %s, not %s' % (requires, self.core)
        links = os.path.join(workdir, 'collections', 'ansible_collections', 'containers')
        os.makedirs(links)
        os.symlink(podman, os.path.join(links, 'podman'))
        self.env = {
            'PATH': self.bin + os.pathsep + os.environ.get('PATH', ''),
            'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([os.path.join(_harness.REPO, '.build', 'collections'),
                                                         os.path.join(workdir, 'collections')]),
            'PYTHONPATH': '',  # only the collections path: no copy of the checkout through sys.path
            # ansible's own files (local temp directory) stay in the work directory, whatever HOME is.
            'ANSIBLE_HOME': os.path.join(workdir, 'ansible-home'),
        }
        self.inventory = os.path.join(workdir, 'inventory.ini')
        with open(self.inventory, 'w') as handle:
            handle.write('[fleet]\n%s ansible_connection=containers.podman.podman ansible_python_interpreter=%s\n'
                         % (self.name, self.interpreter))

    def playbook(self, path, *options, **kwargs):
        """Run this core's ansible-playbook on the container; return its stdout."""
        expect_rc = kwargs.pop('expect_rc', 0)
        argv = [os.path.join(self.bin, 'ansible-playbook'), '-i', self.inventory, path] + list(options)
        result = _harness.run(*argv, check=False, env=self.env)
        if expect_rc is not None and result.returncode != expect_rc:
            raise AssertionError('%s (ansible-core %s, target Python %s): rc %d, expected %d\n%s\n%s'
                                 % (' '.join(argv[3:]), self.core, self.python, result.returncode, expect_rc,
                                    result.stdout[-6000:], result.stderr[-3000:]))
        return result.stdout

    def start(self):
        """A fresh privileged Alibaba-like container (Debian 12, which the pyenv builds are for) whose only Python
        is the cell's: the image's own (Debian's 3.11) is hidden, so a module that runs at all ran under it."""
        _harness.start_container(self.name, 'alibaba', suite='bookworm', mounts=[self.pyenv_dir])
        _harness.sh(self.name, 'for f in /usr/bin/python3*; do mv "$f" "/usr/bin/.hidden-${f##*/}"; done')

    def remove(self):
        _harness.remove_container(self.name)

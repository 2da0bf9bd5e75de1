"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip.py from ci-files.testing.ansible.com to put
pip into its sanity/units venvs; this machine has no such access, only a
PyPI mirror. scripts/ansible-test.sh copies this file into ansible-test's
cache under the name it looks for. It does what get-pip does: install pip
(from ensurepip), then pip-install the requested packages from the index.
"""
import subprocess
import sys

GET_PIP_ONLY = {'--no-setuptools', '--no-wheel'}

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args))

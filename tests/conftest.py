"""What every test session guarantees: this machine's own host-wide sysctl values stay as they were.

The containers of the kernel, differential and report tests make the
host-wide /proc/sys trees read-only inside (tests/containers/kt-init); this
guard fails the session if a value changed all the same.
"""

import os
import sys

import pytest

# ansible-test units loads this file without putting its directory on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from machine_state import host_values  # noqa: E402


@pytest.fixture(scope='session', autouse=True)
def host_kernel_untouched():
    """Fail the session if any test changed this machine's own sysctl values."""
    before = host_values()
    yield
    assert host_values() == before

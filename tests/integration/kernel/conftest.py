import pytest

import _harness


@pytest.fixture(scope='module')
def alibaba_host(request):
    """An Alibaba-like container (the image's sysctl.conf, its net.* values live), one per test module."""
    name = 'kt-it-%s' % request.module.__name__.replace('_', '-')
    _harness.start_container(name, 'alibaba')
    yield name
    _harness.remove_container(name)


# Host-wide keys the containers' sysctl files try to set (Alibaba's sysctl.conf,
# Debian's /usr/lib/sysctl.d): the machine running the tests must keep its own.
HOST_KEYS = ('vm/swappiness', 'kernel/pid_max', 'fs/protected_fifos', 'fs/protected_hardlinks',
             'fs/protected_regular', 'fs/protected_symlinks', 'vm/overcommit_memory')


def _host_values():
    values = {}
    for key in HOST_KEYS:
        try:
            with open('/proc/sys/' + key) as handle:
                values[key] = handle.read()
        except OSError:
            values[key] = None
    return values


@pytest.fixture(scope='session', autouse=True)
def host_kernel_untouched():
    """Fail the session if any test changed this machine's host-wide sysctl values."""
    before = _host_values()
    yield
    assert _host_values() == before

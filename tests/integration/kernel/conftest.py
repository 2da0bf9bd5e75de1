import pytest

import _harness


@pytest.fixture(scope='module')
def alibaba_host(request):
    """An Alibaba-like container (the image's sysctl.conf, its net.* values live), one per test module."""
    name = 'kt-it-%s' % request.module.__name__.replace('_', '-')
    name = _harness.start_container(_harness.suite_name(name), 'alibaba')
    yield name
    _harness.remove_container(name)

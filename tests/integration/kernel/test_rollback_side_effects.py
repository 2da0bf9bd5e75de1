"""tune's rollback on a real kernel restores what the kernel changed besides the keys written (#23 item 1).

Writing net.ipv4.ip_forward makes Linux set every conf.*.forwarding and
conf.all.accept_redirects too. A host whose lo forwarding and accept_redirects
were set apart from ip_forward (by a file or by hand) got them back wrong after
a rollback that wrote back only the keys of the plan. In a privileged container
(its own network namespace, real /proc/sys):

- the module, as a user runs it: a plan that turns ip_forward off and then
  fails on a port range the kernel refuses leaves every net.* value as it was
  and says so, changed=false;
- fault injection: the module's own write path (_apply.apply_live and
  apply_plan, run in the container by fault_injection.py on the checkout) with
  a failure injected at each write of a multi-key plan that touches ip_forward
  (its writes and its write backs), and after the last one in the drop-in: after
  each run every key of the namespace reads as before, or the error names
  exactly the keys that differ, with changed=true.
"""

import json
import os

import ansible
import pytest

import _harness

# The controller's ansible package (module_utils import ansible.module_utils), mounted read-only in the container.
SITE = os.path.dirname(os.path.dirname(os.path.abspath(ansible.__file__)))
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fault_injection.py')
# ip_forward on, then lo's forwarding off and ICMP redirects accepted, each set apart afterwards.
SET_APART = ('sysctl -q -w net.ipv4.ip_forward=1 && sysctl -q -w net.ipv4.conf.lo.forwarding=0 '
             '&& sysctl -q -w net.ipv4.conf.all.accept_redirects=1')
NET_VALUES = "sysctl -a 2>/dev/null | grep '^net\\.' | grep -v -e '^net.netfilter' -e 'stable_secret' | sort"


@pytest.fixture(scope='module')
def host():
    name = _harness.start_container(_harness.suite_name('kt-it-rollback-side-effects'), 'alibaba', repo=True, mounts=[SITE])
    yield name
    _harness.remove_container(name)


def test_a_refused_key_after_ip_forward_restores_every_net_value(host):
    _harness.sh(host, SET_APART)
    before = _harness.sh(host, NET_VALUES).stdout
    assert 'net.ipv4.conf.all.accept_redirects = 1\n' in before and 'net.ipv4.conf.lo.forwarding = 0\n' in before
    result = _harness.module(host, 'kerneltune.sysctl.tune', {
        'settings': {'net.ipv4.ip_forward': 0, 'net.ipv4.ip_local_port_range': '5000 1000'}}, expect_failed=True)
    assert 'net.ipv4.ip_local_port_range' in result['msg'], result
    assert 'values already written were restored, no file was changed' in result['msg'], result
    assert result['changed'] is False
    assert _harness.sh(host, NET_VALUES).stdout == before
    assert _harness.sh(host, 'test ! -e /etc/sysctl.d/90-kerneltune.conf', check=False).returncode == 0


def test_a_failure_at_any_write_leaves_the_namespace_as_before_or_names_what_differs(host):
    _harness.run('podman', 'cp', SCRIPT, '%s:/root/fault_injection.py' % host)
    result = _harness.run('podman', 'exec', '-e', 'PYTHONPATH=/kt:%s' % SITE, host, 'python3', '/root/fault_injection.py')
    runs = json.loads(result.stdout)
    for run in runs:
        assert sorted(run['left']) == run['differ'], run
        assert run['changed'] is bool(run['differ']), run
    # a failure at each write of the plan (5 keys), alone and with one at each of its write backs; the drop-in
    assert {(1,), (2,), (3,), (4,), (5,), ()} <= set(tuple(run['fail_at']) for run in runs), runs
    assert len(runs) > 30 and any(run['changed'] for run in runs), runs
    # the kernel's side effects did happen: ip_forward (the 3rd key) was written before most failures
    assert sum(run['side_effects_seen'] for run in runs) >= len(runs) * 2 // 3, runs

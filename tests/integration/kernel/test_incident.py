"""Reproduce the incident on a real kernel, then show the role fixes it.

An Alibaba-like container (tcp_max_tw_buckets = 5000) takes a burst of
8,000 short loopback connections whose server closes first: the TIME_WAIT
table fills at 5,000 and the kernel destroys the rest at once, counting
TcpExt TCPTimeWaitOverflow (modern kernels log nothing). The audit module's
pressure report must show it. After the role raised the limit, and once the
first burst's sockets have expired, the same burst leaves more than 5,000
TIME_WAIT sockets and the overflow counter does not move.
"""

import os
import time

import _harness

BURST = 8000
TW_KEY = 'net.ipv4.tcp_max_tw_buckets'


def _pressure(host):
    result = _harness.module(host, 'kerneltune.sysctl.audit', {'profile': 'high_connection'})
    return result['pressure']


def _burst(host):
    _harness.run('podman', 'exec', host, 'python3', '/root/burst.py', str(BURST))


def _time_wait(host):
    out = _harness.run('podman', 'exec', host, 'cat', '/proc/net/sockstat').stdout
    fields = next(line for line in out.splitlines() if line.startswith('TCP:')).split()
    return int(fields[fields.index('tw') + 1])


def test_time_wait_overflow_then_fixed_by_the_role(alibaba_host, capsys):
    _harness.run('podman', 'cp', os.path.join(os.path.dirname(__file__), 'burst.py'), alibaba_host + ':/root/burst.py')
    before = _pressure(alibaba_host)
    assert before['tw_buckets'] == 5000
    assert before['tw_overflows'] == 0

    _burst(alibaba_host)
    during = _pressure(alibaba_host)
    overflows = during['tw_overflows']
    assert during['time_wait'] >= 4990  # the table is full (a few may expire meanwhile)
    assert during['time_wait'] <= 5000
    assert overflows > 1000  # measured here: 1,602 of 8,000
    assert during['verdict'][TW_KEY] == 'overflowed'
    assert during['tw_usage'] >= 0.99

    inventory = _harness.inventory([alibaba_host])
    _harness.playbook(os.path.join(_harness.REPO, 'playbooks', 'tune.yml'), inventory)

    deadline = time.time() + 90  # TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN)
    while _time_wait(alibaba_host) > 0 and time.time() < deadline:
        time.sleep(2)
    assert _time_wait(alibaba_host) == 0

    _burst(alibaba_host)
    after = _pressure(alibaba_host)
    assert after['tw_buckets'] >= 262144
    assert after['time_wait'] > 5000
    assert after['tw_overflows'] == overflows  # did not rise
    with capsys.disabled():
        print('\nincident: %d connections at tw_buckets=5000 -> time_wait %d, TCPTimeWaitOverflow +%d; '
              'after the role (tw_buckets=%d): time_wait %d, TCPTimeWaitOverflow +0'
              % (BURST, during['time_wait'], overflows, after['tw_buckets'], after['time_wait']))

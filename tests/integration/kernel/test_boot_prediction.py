"""The audit module's boot prediction equals what the real appliers apply.

In an Alibaba-like container, sysctl.d files spread over every directory
(same-name masking, /dev/null masking, "/"-separated keys and an interface
with a dot in its name, duplicates, "-" prefixes, comments, globs with an
exclusion, an unparseable line) are resolved by the module; then every key
gets a sentinel live value, the real applier runs, and each key must read
back exactly what the module predicted (or keep its sentinel when the
module predicted that nothing sets it).
"""

import pytest

import _harness

FILES = {
    # /etc masks /usr/local/lib and /usr/lib files of the same name.
    '/etc/sysctl.d/10-net.conf': '''
# comment
; another comment
net.ipv4.tcp_fin_timeout=31
  net.ipv4.tcp_fin_timeout   =   32
net/ipv4/tcp_keepalive_probes = 7
-net.ipv4.tcp_keepalive_intvl = 21
net.ipv4.conf.*.rp_filter = 2
-net.ipv4.conf.default.rp_filter
net.ipv4.conf.lo.rp_filter = 1
net/ipv4/conf/eth0.100/arp_announce = 1
this line is not an assignment
''',
    '/usr/local/lib/sysctl.d/10-net.conf': 'net.ipv4.tcp_fin_timeout = 99\nnet.ipv4.tcp_syn_retries = 3\n',
    '/run/sysctl.d/20-run.conf': 'net.ipv4.tcp_syn_retries = 4\nnet.ipv4.conf.eth0/100.rp_filter = 0\n',
    '/usr/lib/sysctl.d/30-vendor.conf': 'net.ipv4.tcp_keepalive_time = 1234\nnet.ipv4.tcp_max_syn_backlog = 4096\n',
    '/usr/lib/sysctl.d/40-masked.conf': 'net.ipv4.tcp_keepalive_time = 4321\n',
    # A drop-in that raises the limits: /etc/sysctl.conf (applied last by procps) undoes it.
    '/etc/sysctl.d/90-tuning.conf': 'net.ipv4.tcp_max_tw_buckets = 262144\nnet.ipv4.tcp_max_syn_backlog = 8192\n'
                                    'net.core.somaxconn = 8192\nnet.ipv4.conf.all.arp_announce = 1\n',
}

KEYS = [
    'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_keepalive_intvl',
    'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_syn_retries', 'net.ipv4.tcp_synack_retries',
    'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_syncookies',
    'net.core.somaxconn',
    'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.lo.rp_filter',
    'net.ipv4.conf.eth0/100.rp_filter', 'net.ipv4.conf.all.arp_announce', 'net.ipv4.conf.lo.arp_announce',
    'net.ipv4.conf.eth0/100.arp_announce', 'net.ipv4.tcp_rfc1337',
]
# Valid values per key, none of them a value any file sets: the kernel must
# be moved away from every predicted value before the applier runs.
SENTINELS = {'rp_filter': 1, 'tcp_keepalive_probes': 11, 'arp_announce': 0, 'tcp_syncookies': 2, 'tcp_rfc1337': 1,
             'tcp_syn_retries': 5, 'tcp_synack_retries': 6}


def sentinel(key, predicted):
    base = key.rsplit('.', 1)[-1]
    value = SENTINELS.get(base, 777)
    if predicted is not None and str(value) == predicted.strip():
        value = {'rp_filter': 0, 'arp_announce': 2}.get(base, 778)
    return value


@pytest.fixture(scope='module')
def spread_host(alibaba_host):
    script = ['set -e', 'ip link add eth0.100 type veth peer name kt-peer0',
              'mkdir -p /run/sysctl.d /usr/local/lib/sysctl.d',
              'ln -sf /dev/null /etc/sysctl.d/40-masked.conf']
    for path, text in FILES.items():
        script.append("cat > %s <<'KTEOF'\n%sKTEOF" % (path, text))
    _harness.sh(alibaba_host, '\n'.join(script))
    return alibaba_host


@pytest.mark.parametrize('applier, command', [
    ('procps', ['sysctl', '--system']),
    ('systemd', ['/lib/systemd/systemd-sysctl']),
])
def test_boot_prediction_matches_real_applier(spread_host, applier, command):
    expect = dict((key, {'min': 0}) for key in KEYS)
    result = _harness.module(spread_host, 'kerneltune.sysctl.audit', {'expect': expect, 'boot_applier': applier})
    assert result['boot_applier'] == applier
    # a key nothing writes keeps the kernel's default at boot (boot_source "kernel default"): the applier leaves
    # such a key alone, so here it keeps the sentinel written below
    predicted = dict((key, None if result['sysctl'][key]['boot_source'] == 'kernel default'
                      else result['sysctl'][key]['boot']) for key in KEYS)

    # The unparseable line is reported with its file and line, not fatal.
    assert {'file': '/etc/sysctl.d/10-net.conf', 'line': 12, 'text': 'this line is not an assignment',
            'reason': 'not an assignment (no "=")'} in result['problems']
    # Masked files are not read; /etc/sysctl.conf is read last by procps only.
    assert '/usr/local/lib/sysctl.d/10-net.conf' not in result['boot_files']
    # systemd-sysctl reads /etc/sysctl.conf only through the 99-sysctl.conf link (Debian 12's procps ships it,
    # Debian 13 has neither the link nor, by default, the file).
    link = _harness.sysctl_conf_link(spread_host)
    reads_sysctl_conf = applier == 'procps' or link
    assert result['boot_files'][-1] == {'procps': '/etc/sysctl.conf'}.get(
        applier, '/etc/sysctl.d/99-sysctl.conf' if link else '/etc/sysctl.d/90-tuning.conf')

    sentinels = dict((key, sentinel(key, predicted[key])) for key in KEYS)
    _harness.write_sysctl(spread_host, sentinels)
    _harness.run('podman', 'exec', spread_host, *command, check=False)
    applied = _harness.read_sysctl(spread_host, KEYS)

    expected = dict((key, predicted[key] if predicted[key] is not None else str(sentinels[key])) for key in KEYS)
    assert applied == expected

    # The trap this collection exists for: the drop-in's raised limits are undone by
    # /etc/sysctl.conf under procps (read last) and under systemd (99-sysctl.conf symlink).
    if reads_sysctl_conf:
        assert predicted['net.ipv4.tcp_max_tw_buckets'] == '5000'
        assert result['sysctl']['net.ipv4.tcp_max_tw_buckets']['boot_source'].endswith('sysctl.conf:14')
    else:
        assert predicted['net.ipv4.tcp_max_tw_buckets'] == '262144'
        assert result['sysctl']['net.ipv4.tcp_max_tw_buckets']['boot_source'] == '/etc/sysctl.d/90-tuning.conf:1'
    assert predicted['net.core.somaxconn'] == '8192'


def test_live_values_equal_proc_sys(spread_host):
    expect = dict((key, {'min': 0}) for key in KEYS)
    expect['net.ipv4.ip_local_port_range'] = '32768 60999'
    result = _harness.module(spread_host, 'kerneltune.sysctl.audit', {'expect': expect})
    actual = _harness.read_sysctl(spread_host, list(expect))
    assert dict((key, result['sysctl'][key]['live']) for key in expect) == actual
    assert result['boot_applier'] == 'procps'  # no systemd as PID 1 in the container


def test_key_absent_from_this_network_namespace_is_missing(spread_host):
    # neigh.default is registered for the initial network namespace only (kernel 6.x):
    # in a container the Alibaba image's gc_stale_time line has nothing to set.
    result = _harness.module(spread_host, 'kerneltune.sysctl.audit',
                             {'expect': {'net.ipv4.neigh.default.gc_stale_time': 120}})
    entry = result['sysctl']['net.ipv4.neigh.default.gc_stale_time']
    assert entry['live'] is None
    assert entry['status'] == 'missing'
    # The applier has nothing to write to, so nothing is left at boot either.
    assert entry['boot'] is None
    assert entry['boot_source'] is None
    assert result['summary']['missing'] == 1

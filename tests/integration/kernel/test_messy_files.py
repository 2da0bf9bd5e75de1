"""tune and audit on real-world-messy sysctl files, checked against the real appliers afterwards.

The reproduction of issue 11: an /etc/sysctl.conf whose keys are written in forms the appliers
normalise (``net..core.somaxconn``, ``/net/ipv4/tcp_max_tw_buckets``) and values with inline
comments. tune must find and comment out every line that would undo it, so that the next
``sysctl --system`` and the next ``systemd-sysctl`` leave the tuned values; the audit must agree
with what they leave.
"""

import pytest

import _harness

MESSY = ('# Alibaba-like sysctl.conf, messy\n'
         'net..core.somaxconn = 128\n'
         '/net/ipv4/tcp_max_tw_buckets = 5000\n'
         'net.ipv4.tcp_max_syn_backlog = 1024      # ECS default\r\n'
         'net.ipv4.tcp_fin_timeout = 60\n')
SETTINGS = {'net.core.somaxconn': {'min': 8192}, 'net.ipv4.tcp_max_tw_buckets': {'min': 262144},
            'net.ipv4.tcp_max_syn_backlog': {'min': 8192}}
APPLIERS = {'procps': 'LC_ALL=C sysctl -q --system >/dev/null 2>&1; true',
            'systemd': '/lib/systemd/systemd-sysctl >/dev/null 2>&1; true'}


@pytest.fixture
def messy_host(alibaba_host):
    _harness.sh(alibaba_host, 'rm -f /etc/sysctl.d/90-kerneltune.conf /etc/sysctl.d/*~ /etc/sysctl.conf.*~')
    _harness.run('podman', 'exec', '-i', alibaba_host, '/bin/sh', '-c', 'cat > /etc/sysctl.conf', input=MESSY)
    _harness.sh(alibaba_host, APPLIERS['procps'])
    return alibaba_host


def _audit(host, applier):
    return _harness.module(host, 'kerneltune.sysctl.audit', {'expect': SETTINGS, 'boot_applier': applier})


@pytest.mark.parametrize('applier', sorted(APPLIERS))
def test_audit_sees_the_normalised_keys_and_inline_comments(messy_host, applier):
    live = _harness.read_sysctl(messy_host, list(SETTINGS))
    assert live == {'net.core.somaxconn': '128', 'net.ipv4.tcp_max_tw_buckets': '5000',
                    'net.ipv4.tcp_max_syn_backlog': '1024'}  # what the real procps left
    result = _audit(messy_host, applier)
    boot = {key: (entry['boot'], entry['boot_source']) for key, entry in result['sysctl'].items()}
    if applier == 'systemd' and not _harness.sysctl_conf_link(messy_host):
        # Debian 13: systemd-sysctl never reads /etc/sysctl.conf without the 99-sysctl.conf link: nothing writes
        # these keys, the kernel's defaults stay
        assert boot == dict((key, (entry['kernel_default'], 'kernel default'))
                            for key, entry in result['sysctl'].items())
        assert all(entry['kernel_default'] is not None for entry in result['sysctl'].values())
    else:
        source = '/etc/sysctl.conf' if applier == 'procps' else '/etc/sysctl.d/99-sysctl.conf'
        assert boot == {
            'net.core.somaxconn': ('128', source + ':2'),
            'net.ipv4.tcp_max_tw_buckets': ('5000', source + ':3'),
            'net.ipv4.tcp_max_syn_backlog': ('1024', source + ':4'),
        }
    assert all(entry['status'] == 'drift' for entry in result['sysctl'].values())
    assert result['problems'] == []  # every line is one an applier applies


def test_tune_comments_out_every_line_that_would_undo_it(messy_host):
    result = _harness.module(messy_host, 'kerneltune.sysctl.tune', {'settings': SETTINGS})
    assert result['changed'] and not result.get('failed')
    assert sorted((item['line'], item['key']) for item in result['shadowed']) == [
        (2, 'net.core.somaxconn'), (3, 'net.ipv4.tcp_max_tw_buckets'), (4, 'net.ipv4.tcp_max_syn_backlog')]
    text = _harness.sh(messy_host, 'cat /etc/sysctl.conf').stdout  # (text mode: CR LF reads as LF)
    assert text.split('\n')[4] == 'net.ipv4.tcp_fin_timeout = 60'  # a line tune does not manage stays
    assert '# net..core.somaxconn = 128  # disabled by kerneltune.sysctl' in text
    assert _harness.sh(messy_host, "tr -cd '\\r' < /etc/sysctl.conf | wc -c").stdout.strip() == '1'  # CR LF kept
    for applier, command in sorted(APPLIERS.items()):
        # reset to the image defaults, then let the real applier do what the next boot does
        _harness.write_sysctl(messy_host, {'net.core.somaxconn': 128, 'net.ipv4.tcp_max_tw_buckets': 5000,
                                           'net.ipv4.tcp_max_syn_backlog': 1024})
        _harness.sh(messy_host, command)
        assert _harness.read_sysctl(messy_host, list(SETTINGS)) == {
            'net.core.somaxconn': '8192', 'net.ipv4.tcp_max_tw_buckets': '262144',
            'net.ipv4.tcp_max_syn_backlog': '8192'}, applier
        audit = _audit(messy_host, applier)
        assert {key: entry['status'] for key, entry in audit['sysctl'].items()} == dict.fromkeys(SETTINGS, 'ok')
    again = _harness.module(messy_host, 'kerneltune.sysctl.tune', {'settings': SETTINGS})
    assert not again['changed']

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the other boot writers of a host (a tree of plain files): the kernel command line and tuned."""

from __future__ import annotations

import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._host import predict_host, tuned_writes

SYN = 'net.ipv4.tcp_max_syn_backlog'
FIN = 'net.ipv4.tcp_fin_timeout'
KEYS = ['vm.swappiness', 'vm.dirty_ratio', SYN, FIN]


@pytest.fixture
def host(tmp_path, write_file):
    """A systemd host with tuned enabled: a profile including another, a /usr/lib and an /etc sysctl file."""
    for path, value in [('vm/swappiness', '60'), ('vm/dirty_ratio', '20'), ('net/ipv4/tcp_max_syn_backlog', '2048'),
                        ('net/ipv4/tcp_fin_timeout', '60'), ('kernel/osrelease', '6.12.48+deb13-cloud-amd64')]:
        write_file(tmp_path / 'proc' / 'sys' / path, value + '\n')
    write_file(tmp_path / 'proc' / 'cmdline', 'BOOT_IMAGE=/vmlinuz root=/dev/vda sysctl.net.ipv4.tcp_fin_timeout=45\n')
    write_file(tmp_path / 'usr' / 'lib' / 'sysctl.d' / '50-pkg.conf', 'net.ipv4.tcp_max_syn_backlog = 1024\n')
    write_file(tmp_path / 'etc' / 'sysctl.d' / '60-mine.conf', 'vm.swappiness = 10\n')
    write_file(tmp_path / 'usr' / 'sbin' / 'tuned', '')
    write_file(tmp_path / 'usr' / 'lib' / 'tuned' / 'profiles' / 'base' / 'tuned.conf',
               '[sysctl]\nvm.dirty_ratio = 40\nvm.swappiness = 30\n')
    write_file(tmp_path / 'etc' / 'tuned' / 'profiles' / 'mine' / 'tuned.conf',
               '[main]\ninclude=base\n[sysctl]\nnet.ipv4.tcp_max_syn_backlog = 4096\n')
    write_file(tmp_path / 'etc' / 'tuned' / 'active_profile', 'mine\n')
    wants = tmp_path / 'etc' / 'systemd' / 'system' / 'multi-user.target.wants'
    wants.mkdir(parents=True)
    os.symlink('/usr/lib/systemd/system/tuned.service', str(wants / 'tuned.service'))
    return tmp_path


def _writers_of(prediction):
    return [(item['writer'], item['value']) for item in prediction['boot_writers']]


def test_command_line_then_applier_then_tuned_profile_then_its_reapply(host):
    dummy, dummy2, predictions = predict_host('systemd', KEYS, {}, oracle=False, root=str(host))
    # tuned's profile beats a /usr/lib file (tuned re-applies /etc and /run only) ...
    assert (predictions[SYN]['boot'], predictions[SYN]['boot_source']) == ('4096', 'tuned profile mine: ' + SYN)
    assert _writers_of(predictions[SYN]) == [('applier', '1024'), ('tuned', '4096')]
    # ... and loses to /etc/sysctl.d, which it re-applies after its profile
    assert predictions['vm.swappiness']['boot'] == '10'
    assert predictions['vm.swappiness']['boot_source'].startswith('tuned re-apply: /etc/sysctl.d/60-mine.conf:1')
    assert _writers_of(predictions['vm.swappiness']) == [('applier', '10'), ('tuned', '30'), ('tuned_reapply', '10')]
    assert predictions['vm.dirty_ratio']['boot'] == '40'
    # the kernel's command line, the first writer
    assert (predictions[FIN]['boot'], predictions[FIN]['boot_source']) == (
        '45', 'kernel command line (sysctl.net.ipv4.tcp_fin_timeout=45)')
    # the next sysctl --system is the applier alone
    assert predictions[SYN]['reload'] == '1024' and predictions[FIN]['reload'] is None


def test_without_reapply_the_profile_wins(host, write_file):
    write_file(host / 'etc' / 'tuned' / 'tuned-main.conf', 'reapply_sysctl = 0\n')
    dummy, dummy2, predictions = predict_host('systemd', KEYS, {}, oracle=False, root=str(host))
    assert (predictions['vm.swappiness']['boot'], predictions['vm.swappiness']['boot_source']) == (
        '30', 'tuned profile mine: vm.swappiness')


def test_tuned_not_enabled_writes_nothing(host):
    os.unlink(str(host / 'etc' / 'systemd' / 'system' / 'multi-user.target.wants' / 'tuned.service'))
    assert tuned_writes(str(host)) == ([], [])
    dummy, dummy2, predictions = predict_host('systemd', KEYS, {}, oracle=False, root=str(host))
    assert predictions[SYN]['boot'] == '1024'


def test_a_missing_profile_is_a_note(host, write_file):
    write_file(host / 'etc' / 'tuned' / 'active_profile', 'gone\n')
    writes, problems = tuned_writes(str(host))
    assert writes == [] and problems == [
        'tuned profile gone: no tuned.conf in /etc/tuned/profiles, /run/tuned/profiles, /etc/tuned, '
        '/usr/lib/tuned/profiles, /usr/lib/tuned']


def test_a_container_boots_without_the_command_line_and_tuned(host, write_file):
    write_file(host / 'run' / '.containerenv', '')
    dummy, dummy2, predictions = predict_host('systemd', KEYS, {}, oracle=False, root=str(host))
    assert predictions[FIN]['boot'] is None and predictions[SYN]['boot'] == '1024'


RMEM = 'net.core.rmem_max'


def test_a_key_read_only_in_a_new_namespace_but_writable_here_is_the_models(tmp_path, write_file, monkeypatch):
    # the host's initial namespace may write net.core.rmem_max; a new namespace shows it read-only and refuses
    from ansible_collections.kerneltune.sysctl.plugins.module_utils import _host

    write_file(tmp_path / 'proc' / 'sys' / 'net' / 'core' / 'rmem_max', '8388608\n')
    write_file(tmp_path / 'etc' / 'sysctl.d' / '60-buffers.conf', RMEM + ' = 8388608\n')

    def replay(keys, writes, initial=()):
        return {RMEM: '212992'}, [13] * len(writes), {RMEM: '212992'}, {}, [RMEM]

    monkeypatch.setattr(_host._netns, 'replay', replay)
    notes = []
    predictions = predict_host('systemd', [RMEM], {RMEM: '8388608'}, oracle=True, root=str(tmp_path), notes=notes)[2]
    prediction = predictions[RMEM]
    assert (prediction['boot'], prediction['boot_source'], prediction['checked_by']) == (
        '8388608', str(tmp_path / 'etc' / 'sysctl.d' / '60-buffers.conf') + ':1', 'model')
    assert prediction['boot_rejected'] == [] and prediction['kernel_default'] is None
    assert 'read-only' in prediction['model_reason'] and notes and RMEM in notes[0]
    # inside a container the new namespace speaks for it: read-only there too, the kernel's refusal stands
    write_file(tmp_path / '.dockerenv', '')
    prediction = predict_host('systemd', [RMEM], {RMEM: '8388608'}, oracle=True, root=str(tmp_path))[2][RMEM]
    assert prediction['checked_by'] == 'kernel' and prediction['boot_rejected']


def test_tuned_without_an_active_profile_is_a_note(host):
    os.unlink(str(host / 'etc' / 'tuned' / 'active_profile'))
    writes, problems = tuned_writes(str(host))
    assert writes == [] and problems[0].startswith('tuned is enabled without an active profile')


def test_a_fifo_where_tuned_reads_blocks_nothing(host):
    # tuned re-applies /etc/sysctl.d: a FIFO there, or as a profile it includes, is not opened for a blocking read
    os.mkfifo(str(host / 'etc' / 'sysctl.d' / '70-fifo.conf'))
    os.unlink(str(host / 'usr' / 'lib' / 'tuned' / 'profiles' / 'base' / 'tuned.conf'))
    os.mkfifo(str(host / 'usr' / 'lib' / 'tuned' / 'profiles' / 'base' / 'tuned.conf'))
    writes, problems = tuned_writes(str(host))
    assert [(item.writer, item.key, item.value) for item in writes] == [
        ('tuned', SYN, '4096'), ('tuned_reapply', 'vm.swappiness', '10')]
    assert problems[0].startswith('tuned profile base: no tuned.conf')


def test_tuned_reapply_reads_the_files_the_applier_read(host):
    # one reading of the host: tuned's re-apply uses the texts the applier's reading cached (``texts``)
    path = str(host / 'etc' / 'sysctl.d' / '60-mine.conf')
    writes, dummy = tuned_writes(str(host), {path: ('vm.swappiness = 5\n', None)})
    assert [(item.writer, item.value) for item in writes if item.key == 'vm.swappiness'] == [
        ('tuned', '30'), ('tuned_reapply', '5')]

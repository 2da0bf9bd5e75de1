"""Bad input is refused clearly and the host is left exactly as it was.

Each case runs the real module (or role) against an Alibaba-like container
and checks both the message and a fingerprint of the host: every net.* live
value and every sysctl configuration file (content, mode, and the names in
the directories, so no temporary or backup file is left either).
"""

import json
import os
import subprocess

import pytest

import _harness

FINGERPRINT = r'''
set -e
sysctl -a 2>/dev/null | grep '^net\.' | grep -v -e '^net.netfilter' -e 'stable_secret'
for f in /etc/sysctl.conf /etc/sysctl.d/* /run/sysctl.d/* /usr/local/lib/sysctl.d/*; do
    [ -e "$f" ] || continue
    stat -c '%n %a %s %Y' "$f"; md5sum "$f" 2>/dev/null || true
done
'''


def fingerprint(host):
    return _harness.sh(host, FINGERPRINT).stdout


def tune(host, args, expect_failed=True, check=False):
    return _harness.module(host, 'kerneltune.sysctl.tune', args, check=check, expect_failed=expect_failed)


@pytest.fixture
def host(alibaba_host):
    # /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf as on Debian 12 and the RHEL family (Debian 13 has no link).
    _harness.sh(alibaba_host, 'rm -f /etc/sysctl.d/90-kerneltune.conf /etc/sysctl.d/*~ /etc/sysctl.conf.*~; '
                'ln -sfn ../sysctl.conf /etc/sysctl.d/99-sysctl.conf; '
                "printf 'net.ipv4.tcp_keepalive_time = 600\\n' > /etc/sysctl.d/60-app.conf; "
                'cp /usr/local/share/kerneltune/alibaba-sysctl.conf /etc/sysctl.conf; '
                'sysctl -q -p /etc/sysctl.conf >/dev/null 2>&1 || true')
    return alibaba_host


BAD_TUNE = [
    ('newline-injection', {'settings': {'net.core.somaxconn': '8192\nkernel.sysrq = 1'}},
     "value '8192\\nkernel.sysrq = 1' for net.core.somaxconn contains a line break or NUL character"),
    ('carriage-return', {'settings': {'net.core.somaxconn': '8192\rx'}}, 'contains a line break or NUL character'),
    ('nul', {'settings': {'net.core.somaxconn': '8192\x00'}}, 'contains a line break or NUL character'),
    ('equals-in-key', {'settings': {'net.core.somaxconn=1 net.core': 5}},
     "sysctl key 'net.core.somaxconn=1 net.core' contains characters not allowed in a sysctl key: ' ' '='"),
    ('dotdot-escape', {'settings': {'net/../../../etc/passwd': 1}},
     "sysctl key 'net/../../../etc/passwd' has an empty, \".\" or \"..\" component"),
    ('absolute-path', {'settings': {'/etc/shadow': 1}},
     "sysctl key '/etc/shadow' must not start with a separator (no absolute paths)"),
    ('empty-segment', {'settings': {'net..core.somaxconn': 1}}, 'has an empty, "." or ".." component'),
    ('typo-with-suggestion', {'settings': {'net.ipv4.tcp_max_tw_bucket': 300000}},
     'unknown sysctl key net.ipv4.tcp_max_tw_bucket: this kernel has no /proc/sys/net/ipv4/tcp_max_tw_bucket; '
     'did you mean net.ipv4.tcp_max_tw_buckets?'),
    ('min-above-max', {'settings': {'net.core.somaxconn': {'min': 10, 'max': 5}}},
     'expectation of net.core.somaxconn: min 10 is greater than max 5'),
    ('non-integer-min', {'settings': {'net.core.somaxconn': {'min': 'lots'}}},
     "min of net.core.somaxconn must be an integer, got 'lots'"),
    ('hex-value', {'settings': {'net.core.somaxconn': '0x2000'}},
     "value '0x2000' for net.core.somaxconn: the kernel reads it as 8192; write 8192"),
    ('octal-one-of-entry', {'settings': {'net.ipv4.tcp_fin_timeout': {'one_of': ['030', 60]}}},
     "value '030' for net.ipv4.tcp_fin_timeout: the kernel reads it as 24 (a leading 0 means octal); write 24, "
     "or 30 without the leading zero"),
    ('underscore-min', {'settings': {'net.core.somaxconn': {'min': '16_384'}}},
     'min of net.core.somaxconn must be an integer without "_", got \'16_384\' (the kernel does not accept it); '
     'write 16384'),
    ('min-on-multi-value-key', {'settings': {'net.core.somaxconn': 9000, 'net.ipv4.tcp_rmem': {'min': 8192}}},
     'min/max of net.ipv4.tcp_rmem apply only to keys holding one integer, but it holds 3 values (4096 131072 '),
    ('write-only-key', {'settings': {'net.core.somaxconn': 9000, 'net.ipv4.route.flush': 1}},
     'keys that exist but cannot be read cannot be tuned (each is read back to verify it): net.ipv4.route.flush '
     '(Permission denied)'),
    ('one-of-empty-entry', {'settings': {'kernel.core_pattern': {'one_of': ['']}}},
     "one_of of kernel.core_pattern: entry 1 ('') is empty; every value must have at least one token"),
    ('kernel-rejects-mid-change', {'settings': {'net.core.somaxconn': 9000, 'net.ipv4.tcp_tw_reuse': 7}},
     'the kernel rejected net.ipv4.tcp_tw_reuse = 7: Invalid argument; values already written were restored, '
     'no file was changed'),
    ('kernel-rejects-half-way', {'settings': {'net.ipv4.tcp_rmem': '8192 0 0'}},
     'the kernel rejected net.ipv4.tcp_rmem = 8192 0 0: Invalid argument; values already written were restored, '
     'no file was changed'),
    ('path-outside-sysctl-d', {'profile': 'high_connection', 'path': '/etc/cron.d/90-kerneltune.conf'},
     'path /etc/cron.d/90-kerneltune.conf must be a .conf file directly in /etc/sysctl.d'),
    ('path-not-ours', {'profile': 'high_connection', 'path': '/etc/sysctl.d/60-app.conf'},
     'refusing to replace /etc/sysctl.d/60-app.conf: it exists and was not written by kerneltune.sysctl'),
    ('path-is-a-symlink', {'profile': 'high_connection', 'path': '/etc/sysctl.d/99-sysctl.conf'},
     'refusing to replace /etc/sysctl.d/99-sysctl.conf: it is a symlink (to ../sysctl.conf)'),
    ('path-masks-package-file', {'profile': 'high_connection', 'path': '/etc/sysctl.d/50-pid-max.conf'},
     'refusing to write /etc/sysctl.d/50-pid-max.conf: it would mask /usr/lib/sysctl.d/50-pid-max.conf '
     '(the boot reads only the first file of a name, and /etc/sysctl.d comes first), so the settings of that file '
     'would no longer apply; choose another file name'),
    ('baseline-as-target', {'profile': 'alibaba_cloud_default'}, 'value of profile must be one of: high_connection'),
    ('shadowed-fail', {'profile': 'high_connection', 'shadowed': 'fail'},
     'files applied after /etc/sysctl.d/90-kerneltune.conf would undo it at boot: '
     '/etc/sysctl.d/99-sysctl.conf:14 sets net.ipv4.tcp_max_tw_buckets = 5000'),
]


@pytest.mark.parametrize('args, message', [case[1:] for case in BAD_TUNE], ids=[case[0] for case in BAD_TUNE])
def test_bad_input_is_refused_and_host_unchanged(host, args, message):
    before = fingerprint(host)
    result = tune(host, args)
    assert message in result['msg']
    assert not result.get('changed')
    assert fingerprint(host) == before


def test_kernel_rejection_restores_the_value_already_written(host):
    # net.core.somaxconn sorts before net.ipv4.tcp_tw_reuse: it is written, then restored.
    live = _harness.read_sysctl(host, ['net.core.somaxconn'])
    assert live == {'net.core.somaxconn': '4096'}
    tune(host, {'settings': {'net.core.somaxconn': 9000, 'net.ipv4.tcp_tw_reuse': 7}})
    assert _harness.read_sysctl(host, ['net.core.somaxconn']) == live


def test_kernel_rejection_half_way_restores_the_rejected_key(host):
    # The kernel stores 8192 as the first integer of tcp_rmem, then rejects 0: the key itself is written back.
    live = _harness.read_sysctl(host, ['net.core.somaxconn', 'net.ipv4.tcp_rmem'])
    assert live['net.ipv4.tcp_rmem'].split()[0] == '4096'
    tune(host, {'settings': {'net.core.somaxconn': 9000, 'net.ipv4.tcp_rmem': '8192 0 0'}})
    assert _harness.read_sysctl(host, ['net.core.somaxconn', 'net.ipv4.tcp_rmem']) == live


def test_audit_refuses_bad_keys_and_reports_unparseable_lines(host):
    result = _harness.module(host, 'kerneltune.sysctl.audit', {'expect': {'net/../../etc/passwd': 1}},
                             expect_failed=True)
    assert result['msg'] == 'sysctl key \'net/../../etc/passwd\' has an empty, "." or ".." component'
    _harness.sh(host, "printf 'net.core.somaxconn 4096\\n' > /etc/sysctl.d/50-broken.conf")
    try:
        result = _harness.module(host, 'kerneltune.sysctl.audit', {'expect': {'net.core.somaxconn': 4096}})
    finally:
        _harness.sh(host, 'rm -f /etc/sysctl.d/50-broken.conf')
    assert result['problems'] == [{'file': '/etc/sysctl.d/50-broken.conf', 'line': 1,
                                   'text': 'net.core.somaxconn 4096', 'reason': 'not an assignment (no "=")'}]


def test_audit_refuses_min_on_a_multi_value_key(host):
    result = _harness.module(host, 'kerneltune.sysctl.audit', {'expect': {
        'net.core.somaxconn': {'min': 1}, 'net.ipv4.tcp_wmem': {'max': 1 << 30}}}, expect_failed=True)
    assert result['msg'].startswith('min/max of net.ipv4.tcp_wmem apply only to keys holding one integer, but it '
                                    'holds 3 values (4096 ')
    assert result['msg'].endswith('; expect an exact value (such as %r) or one_of' % ' '.join(
        _harness.read_sysctl(host, ['net.ipv4.tcp_wmem'])['net.ipv4.tcp_wmem'].split()))


def test_audit_reports_a_write_only_key_and_audits_the_rest(host):
    # net.ipv4.route.flush (mode 0200) is set by popular hardening files; it used to fail the whole host.
    expect = {'net.ipv4.route.flush': 1, 'net.core.somaxconn': 4096}
    before = fingerprint(host)
    result = _harness.module(host, 'kerneltune.sysctl.audit', {'expect': expect})
    flush = result['sysctl']['net.ipv4.route.flush']
    assert flush['status'] == 'unreadable' and flush['live'] is None
    assert flush['error'] == ('cannot read net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: '
                              'Permission denied')
    assert result['sysctl']['net.core.somaxconn']['live'] == '4096'
    assert 'error' not in result['sysctl']['net.core.somaxconn']
    assert result['summary']['unreadable'] == 1
    failed = _harness.module(host, 'kerneltune.sysctl.audit', {'expect': expect, 'fail_on_drift': True},
                             expect_failed=True)
    assert 'net.ipv4.route.flush (unreadable)' in failed['msg']
    assert failed['sysctl']['net.ipv4.route.flush']['status'] == 'unreadable'
    assert fingerprint(host) == before


def test_missing_skip_leaves_keys_only_some_kernels_have(host):
    result = tune(host, {'settings': {'net.core.somaxconn': {'min': 8192}, 'net.ipv4.tcp_no_such_key': 1},
                         'missing': 'skip'}, expect_failed=False)
    assert result['skipped_missing'] == ['net.ipv4.tcp_no_such_key']
    assert list(result['values']) == ['net.core.somaxconn']


def test_shadowed_lines_commented_with_backup_and_nothing_else(host):
    original = _harness.sh(host, 'cat /etc/sysctl.conf').stdout
    result = tune(host, {'profile': 'high_connection'}, expect_failed=False)
    (backup,) = result['backup_files']
    assert _harness.sh(host, 'cat %s' % backup).stdout == original
    edited = _harness.sh(host, 'cat /etc/sysctl.conf').stdout
    changed = [(a, b) for a, b in zip(original.splitlines(), edited.splitlines()) if a != b]
    assert len(original.splitlines()) == len(edited.splitlines())
    assert changed == [
        (line, '# %s  # disabled by kerneltune.sysctl, see /etc/sysctl.d/90-kerneltune.conf' % line)
        for line in ('net.ipv4.tcp_max_tw_buckets = 5000', 'net.ipv4.tcp_max_syn_backlog = 1024')]
    # The Debian symlink /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf is kept.
    assert _harness.sh(host, 'readlink /etc/sysctl.d/99-sysctl.conf').stdout.strip() == '../sysctl.conf'


def test_check_mode_changes_nothing(host):
    before = fingerprint(host)
    result = tune(host, {'profile': 'high_connection'}, check=True, expect_failed=False)
    assert result['changed']
    assert result['live_changes']['net.ipv4.tcp_max_tw_buckets'] == {'before': '5000', 'after': '262144'}
    assert fingerprint(host) == before


def test_run_killed_after_live_apply_converges_next_time(host):
    # State a run killed between writing live values and the drop-in leaves behind
    # (plus a stray temporary file, as a kill during the atomic write would).
    _harness.sh(host, 'sysctl -q -w net.ipv4.tcp_max_tw_buckets=262144 && '
                'printf "net.ipv4.tcp_max_tw_buckets = 1\\n" > /etc/sysctl.d/.kerneltune-stray')
    first = tune(host, {'profile': 'high_connection'}, expect_failed=False)
    assert first['changed']
    second = tune(host, {'profile': 'high_connection'}, expect_failed=False)
    assert not second['changed']
    audit = _harness.module(host, 'kerneltune.sysctl.audit', {'profile': 'high_connection'})
    assert audit['summary']['ok'] == 6
    _harness.sh(host, 'rm -f /etc/sysctl.d/.kerneltune-stray')


def test_two_runs_at_once_do_not_corrupt_the_drop_in(host, tmp_path):
    # Two tune runs with different values at the same moment: the module's lock
    # serialises them; the drop-in holds exactly one of the two, whole.
    inventory = _harness.inventory([host])
    procs = []
    for value in (20000, 30000):
        play = tmp_path / ('tune-%d.json' % value)
        play.write_text(json.dumps([{'hosts': host, 'gather_facts': False, 'tasks': [
            {'name': 'tune', 'kerneltune.sysctl.tune': {'settings': {'net.core.somaxconn': value}}}]}]))
        procs.append(subprocess.Popen(
            [os.path.join(_harness.BIN, 'ansible-playbook'), '-i', inventory, str(play)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_harness._env()))
    outputs = [proc.communicate()[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    text = _harness.sh(host, 'cat /etc/sysctl.d/90-kerneltune.conf').stdout
    assert text.count('net.core.somaxconn = ') == 1
    assert ('net.core.somaxconn = 20000' in text) != ('net.core.somaxconn = 30000' in text)
    live = _harness.read_sysctl(host, ['net.core.somaxconn'])['net.core.somaxconn']
    assert 'net.core.somaxconn = %s' % live in text
    assert _harness.sh(host, 'ls -a /etc/sysctl.d').stdout.split() == [
        '.', '..', '60-app.conf', '90-kerneltune.conf', '99-sysctl.conf', 'README.sysctl']


def test_read_only_proc_sys_is_a_clear_error_or_persist_only():
    name = _harness.start_container(_harness.suite_name('kt-it-readonly'), 'unprivileged')
    try:
        before = fingerprint(name)
        result = tune(name, {'settings': {'net.core.somaxconn': 9000}, 'apply_live': True})
        assert result['msg'] == ('the kernel rejected net.core.somaxconn = 9000: Read-only file system; '
                                 'values already written were restored, no file was changed')
        assert fingerprint(name) == before
        result = tune(name, {'settings': {'net.core.somaxconn': 9000}, 'apply_live': False}, expect_failed=False)
        assert result['changed'] and result['live_changes'] == {}
        assert 'net.core.somaxconn = 9000' in _harness.sh(name, 'cat /etc/sysctl.d/90-kerneltune.conf').stdout
    finally:
        _harness.remove_container(name)


ROLE_BAD = [
    ('wrong-type', {'sysctl_tuning_kernel_check': 'maybe'}, "argument 'sysctl_tuning_kernel_check' is of type str"),
    ('bad-apply-live', {'sysctl_tuning_apply_live': 'maybe'},
     'value of sysctl_tuning_apply_live must be one of: auto, true, false, got: maybe'),
    ('bad-choice', {'sysctl_tuning_profile': 'fast'}, "value of sysctl_tuning_profile must be one of"),
    ('unknown-variable', {'sysctl_tuning_profle': 'high_connection'}, 'unknown role variable(s) sysctl_tuning_profle'),
]


@pytest.mark.parametrize('extra, message', [case[1:] for case in ROLE_BAD], ids=[case[0] for case in ROLE_BAD])
def test_role_refuses_bad_variables_at_entry(host, extra, message):
    before = fingerprint(host)
    inventory = _harness.inventory([host])
    rc, out, err = _harness.playbook(os.path.join(_harness.REPO, 'playbooks', 'tune.yml'), inventory,
                                     extra_vars=extra, expect_rc=2)
    assert message in out + err
    assert fingerprint(host) == before


@pytest.mark.parametrize('playbook', ['audit.yml', 'audit_merge.yml'])
def test_audit_playbooks_refuse_an_unknown_variable(host, tmp_path, playbook):
    """A typo in a sysctl_audit_* name stops the audit (and the merge) before anything is read or written."""
    report = str(tmp_path / 'report')
    rc, out, err = _harness.playbook(os.path.join(_harness.REPO, 'playbooks', playbook), _harness.inventory([host]),
                                     extra_vars={'sysctl_audit_report_dir': report, 'sysctl_audit_formtas': ['json']},
                                     check=playbook == 'audit.yml', expect_rc=2)
    assert 'unknown variable(s) sysctl_audit_formtas; the playbook knows sysctl_audit_baseline_profile, ' in out + err
    assert not os.path.exists(report)


def test_host_wide_keys_are_persisted_but_not_written_live_in_a_container(host):
    swappiness = _harness.read_sysctl(host, ['vm.swappiness'])
    result = tune(host, {'settings': {'vm.swappiness': 10, 'net.core.somaxconn': 9000}}, expect_failed=False)
    assert result['skipped_live'] == ['vm.swappiness']
    assert list(result['live_changes']) == ['net.core.somaxconn']
    assert any('vm.swappiness is host-wide' in warning for warning in result['warnings'])
    assert 'vm.swappiness = 10' in _harness.sh(host, 'cat /etc/sysctl.d/90-kerneltune.conf').stdout
    assert _harness.read_sysctl(host, ['vm.swappiness']) == swappiness


def test_package_files_are_never_edited(host):
    _harness.sh(host, "printf 'net.core.somaxconn = 128\\n' > /usr/lib/sysctl.d/95-vendor.conf")
    try:
        before = fingerprint(host) + _harness.sh(host, 'ls -a /usr/lib/sysctl.d; cat /usr/lib/sysctl.d/*').stdout
        result = tune(host, {'profile': 'high_connection'})
        assert result['msg'].startswith('files of a package are applied after /etc/sysctl.d/90-kerneltune.conf and '
                                        'would undo it at boot: /usr/lib/sysctl.d/95-vendor.conf; they are not edited')
        assert fingerprint(host) + _harness.sh(host, 'ls -a /usr/lib/sysctl.d; cat /usr/lib/sysctl.d/*').stdout == before
        later = tune(host, {'profile': 'high_connection', 'path': '/etc/sysctl.d/99-zz-kerneltune.conf'},
                     expect_failed=False)
        assert later['after']['summary']['ok'] == 6
    finally:
        _harness.sh(host, 'rm -f /usr/lib/sysctl.d/95-vendor.conf /etc/sysctl.d/99-zz-kerneltune.conf')


def test_drop_in_named_like_a_package_file_is_refused(host):
    # systemd's /usr/lib/sysctl.d/50-default.conf holds fs.protected_* and kernel.kptr_restrict: a drop-in
    # /etc/sysctl.d/50-default.conf would hide it at every boot.
    _harness.sh(host, "printf 'kernel.kptr_restrict = 1\\nfs.protected_regular = 1\\n' "
                      '> /usr/lib/sysctl.d/50-default.conf')
    try:
        listing = 'ls -a /etc/sysctl.d /usr/lib/sysctl.d; md5sum /usr/lib/sysctl.d/*'
        before = fingerprint(host) + _harness.sh(host, listing).stdout
        for check in (True, False):
            result = tune(host, {'profile': 'high_connection', 'path': '/etc/sysctl.d/50-default.conf'}, check=check)
            assert result['msg'] == (
                'refusing to write /etc/sysctl.d/50-default.conf: it would mask /usr/lib/sysctl.d/50-default.conf '
                '(the boot reads only the first file of a name, and /etc/sysctl.d comes first), so the settings of '
                'that file would no longer apply; choose another file name')
            assert fingerprint(host) + _harness.sh(host, listing).stdout == before
    finally:
        _harness.sh(host, 'rm -f /usr/lib/sysctl.d/50-default.conf')


def test_bytes_of_untouched_lines_are_kept(host):
    # A Latin-1 comment and a UTF-8 Chinese comment in a file we edit: only the shadowing lines change.
    _harness.sh(host, "printf '# caf\\351 latin-1\\n# \\344\\270\\255\\346\\226\\207\\n' >> /etc/sysctl.conf")
    original = _harness.run('podman', 'exec', host, 'od', '-An', '-tx1', '/etc/sysctl.conf').stdout
    tune(host, {'profile': 'high_connection'}, expect_failed=False)
    edited = _harness.run('podman', 'exec', host, 'od', '-An', '-tx1', '/etc/sysctl.conf').stdout
    assert original.split()[-20:] == edited.split()[-20:]
    assert 'e9 20 6c 61 74 69 6e' in ' '.join(edited.split())


def test_failed_file_write_restores_live_values_and_files(host):
    # /etc/sysctl.conf read-only (bind mount): the drop-in was already written when the edit fails.
    before = fingerprint(host)
    _harness.sh(host, 'mount --bind /etc/sysctl.conf /etc/sysctl.conf && mount -o remount,bind,ro /etc/sysctl.conf')
    try:
        result = tune(host, {'profile': 'high_connection'})
    finally:
        _harness.sh(host, 'umount /etc/sysctl.conf')
    assert result['msg'].startswith('writing the sysctl files failed')
    assert result['changed'] is False
    assert result['msg'].endswith('live values and files were restored')
    assert fingerprint(host) == before

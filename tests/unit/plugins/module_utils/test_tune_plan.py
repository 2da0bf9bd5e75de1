# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tune's request and plan, read from a host under a temporary root (conftest.tune_root); nothing is written."""

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _live
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError, UnknownKeyError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    DISABLED_MARK,
    OWNER_MARK,
    Edit,
    Plan,
    plan_diff,
    plan_result,
    tune_request,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import make_plan

TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'
COOKIES = 'net.ipv4.tcp_syncookies'
FIN = 'net.ipv4.tcp_fin_timeout'
REUSE = 'net.ipv4.tcp_tw_reuse'
DROPIN = '/etc/sysctl.d/90-kerneltune.conf'
HIGH_CONNECTION = {TW: '262144', SYN: '8192', SOMAXCONN: '8192', COOKIES: '1', FIN: '30', REUSE: '1'}


def plan_of(root, params):
    return make_plan(tune_request(params), root)


def edited(root, lines):
    """The ECS sysctl.conf with the given lines commented out, as tune writes them."""
    with open(os.path.join(root, 'etc', 'sysctl.conf'), 'rb') as handle:
        text = handle.read()
    mark = ('  # %s %s' % (DISABLED_MARK, os.path.join(root, DROPIN.lstrip('/')))).encode()
    for line in lines:
        text = text.replace(line + b'\n', b'# ' + line + mark + b'\n')
    return text


def test_plan_of_the_ecs_image(tune_root, tune_params, tree_state):
    before = tree_state(tune_root)
    plan = plan_of(tune_root, tune_params(profile='high_connection'))
    assert tree_state(tune_root) == before  # planning reads only
    assert isinstance(plan, Plan)
    assert plan.path == os.path.join(tune_root, DROPIN.lstrip('/'))
    assert plan.values == HIGH_CONNECTION
    assert plan.writes == dict((key, value) for key, value in HIGH_CONNECTION.items() if key != COOKIES)
    assert (plan.skipped_live, plan.skipped_missing, plan.warnings) == ([], [], [])
    assert (plan.current, plan.creates_dropin, plan.writes_dropin, plan.changes_host) == (None, True, True, True)
    assert (plan.applier, plan.reload_applier) == ('procps', 'procps')
    assert OWNER_MARK in plan.text and 'net.ipv4.tcp_max_tw_buckets = 262144\n' in plan.text
    conf = os.path.join(tune_root, 'etc', 'sysctl.conf')
    (edit,) = plan.edits
    assert isinstance(edit, Edit) and edit.path == conf
    assert edit.after == edited(tune_root, [b'net.ipv4.tcp_max_tw_buckets = 5000',
                                            b'net.ipv4.tcp_max_syn_backlog = 1024'])
    assert [(shadow.key, shadow.source, shadow.line, shadow.value) for shadow in edit.shadows] == [
        (TW, conf, 5, '5000'), (SYN, conf, 7, '1024')]
    statuses = dict((key, entry['status']) for key, entry in plan.before['sysctl'].items())
    assert statuses == {TW: 'drift', SYN: 'drift', SOMAXCONN: 'drift', COOKIES: 'ok', FIN: 'drift', REUSE: 'drift'}
    assert plan.boot_only == []


def test_plan_result_and_diff(tune_root, tune_params):
    plan = plan_of(tune_root, tune_params(profile='high_connection', baseline_profile='alibaba_cloud_default'))
    result = plan_result(plan)
    conf = os.path.join(tune_root, 'etc', 'sysctl.conf')
    assert result['changed'] is True
    assert result['path'] == DROPIN
    assert result['live_changes'][TW] == {'before': '5000', 'after': '262144'}
    assert COOKIES not in result['live_changes']
    assert result['shadowed'] == [{'file': conf, 'line': 5, 'key': TW, 'value': '5000'},
                                  {'file': conf, 'line': 7, 'key': SYN, 'value': '1024'}]
    assert result['backup_files'] == []
    assert result['drift'][0] == ('net.core.somaxconn is 4096, expected >= 8192: drift')
    assert 'net.ipv4.tcp_max_tw_buckets is 5000, expected >= 262144: drift, still at alibaba_cloud_default' in (
        result['drift'])
    diff = plan_diff(plan)
    assert [(entry['before_header'], entry['after_header']) for entry in diff] == [(DROPIN, DROPIN), (conf, conf)]
    assert diff[0]['before'] == '' and diff[0]['after'] == plan.text
    # one decoder: the bytes of the file, one character each (a Latin-1 comment shows as it is stored)
    assert '# caf\xe9 /usr/lib' in diff[1]['before'] and diff[1]['after'].count(DISABLED_MARK) == 2


@pytest.mark.parametrize('params, message', [
    ({'path': '/etc/cron.d/90-kerneltune.conf'}, 'path /etc/cron.d/90-kerneltune.conf must be a .conf file directly '
                                                 'in /etc/sysctl.d'),
    ({'path': '/etc/sysctl.d/90-kerneltune'}, 'path /etc/sysctl.d/90-kerneltune must be a .conf file directly in '
                                              '/etc/sysctl.d'),
    ({'profile': None}, 'nothing to tune: settings is empty and no profile was given'),
    ({'apply_live': 'maybe'}, 'value of apply_live must be one of: auto, true, false, got: maybe'),
    ({'settings': {'net.core.somaxconn': 1, 'net/core/somaxconn': 2}},
     "settings names net.core.somaxconn twice (written as 'net/core/somaxconn' and another form)"),
], ids=['other-directory', 'not-conf', 'nothing', 'apply-live', 'twice'])
def test_request_is_refused_before_anything_is_read(tune_params, params, message):
    options = dict(profile='high_connection')
    options.update(params)
    with pytest.raises(SysctlError) as exc:
        tune_request(tune_params(**options))
    assert str(exc.value) == message


def test_request_settings_over_the_profile(tune_params):
    request = tune_request(tune_params(profile='high_connection', settings={'net/core/somaxconn': 16384}))
    assert request.wanted.overridden == frozenset([SOMAXCONN])
    assert str(request.wanted.expectations[SOMAXCONN].exact) == '16384'
    assert request.live_mode == 'auto'


def test_plan_reasons_and_header(tune_root, tune_params):
    plan = plan_of(tune_root, tune_params(profile='high_connection', settings={'net/core/somaxconn': 16384},
                                          header=['Ansible managed']))
    lines = plan.text.split('\n')
    assert lines[:2] == ['# Ansible managed', '# ' + OWNER_MARK]
    assert lines[lines.index('net.core.somaxconn = 16384') - 1] == '# set by the settings of the play'
    assert lines[lines.index('net.ipv4.tcp_max_tw_buckets = 262144') - 1].startswith('# TIME_WAIT table')


def test_plan_refuses_a_header_that_would_not_parse(tune_root, tune_params):
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(settings={SOMAXCONN: 9000}, header=['a\rkernel.sysrq = 0']))
    assert str(exc.value).startswith('refusing to write %s: it would contain a ' % DROPIN)


def test_plan_shadowed_fail_and_ignore(tune_root, tune_params):
    conf = os.path.join(tune_root, 'etc', 'sysctl.conf')
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(profile='high_connection', shadowed='fail'))
    link = os.path.join(tune_root, 'etc', 'sysctl.d', '99-sysctl.conf')
    assert str(exc.value) == ('files applied after %s would undo it at boot: %s:5 sets %s = 5000, %s:7 sets %s = 1024, '
                              '%s:5 sets %s = 5000, %s:7 sets %s = 1024' % (DROPIN, link, TW, link, SYN, conf, TW,
                                                                            conf, SYN))
    plan = plan_of(tune_root, tune_params(profile='high_connection', shadowed='ignore'))
    assert plan.edits == [] and plan.writes_dropin


def test_plan_never_edits_a_package_file(tune_root, tune_params):
    vendor = os.path.join(tune_root, 'usr', 'lib', 'sysctl.d', '95-vendor.conf')
    with open(vendor, 'w') as handle:
        handle.write('net.core.somaxconn = 128\n')
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(settings={SOMAXCONN: 9000}))
    assert str(exc.value).startswith('files of a package are applied after %s and would undo it at boot: %s; they '
                                     'are not edited' % (DROPIN, vendor))


def test_plan_missing_keys(tune_root, tune_params):
    settings = {SOMAXCONN: 9000, 'net.ipv4.tcp_max_tw_bucket': 300000}
    with pytest.raises(UnknownKeyError) as exc:
        plan_of(tune_root, tune_params(settings=settings))
    assert str(exc.value).endswith('did you mean net.ipv4.tcp_max_tw_buckets?')
    settings['vm.nothing'] = 1
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(settings=settings))
    assert str(exc.value).startswith('unknown sysctl keys on this kernel: net.ipv4.tcp_max_tw_bucket, vm.nothing (')
    plan = plan_of(tune_root, tune_params(settings=settings, missing='skip'))
    assert plan.skipped_missing == ['net.ipv4.tcp_max_tw_bucket', 'vm.nothing']
    assert plan.warnings == ['skipping net.ipv4.tcp_max_tw_bucket: this kernel does not have it',
                             'skipping vm.nothing: this kernel does not have it']
    assert plan.values == {SOMAXCONN: '9000'} and list(plan.wanted.expectations) == [SOMAXCONN]
    assert list(plan.before['sysctl']) == [SOMAXCONN]


def test_plan_refuses_a_key_it_cannot_read_back(tune_root, tune_params, monkeypatch):
    flush = os.path.join(tune_root, 'proc', 'sys', 'net', 'ipv4', 'route', 'flush')
    os.makedirs(os.path.dirname(flush))
    open(flush, 'w').close()
    real_read_text = _live.read_text

    def read_text(path):
        if path == flush:
            raise PermissionError(errno.EACCES, 'Permission denied', path)
        return real_read_text(path)

    monkeypatch.setattr(_live, 'read_text', read_text)
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(settings={SOMAXCONN: 9000, 'net.ipv4.route.flush': 1}))
    assert str(exc.value) == ('keys that exist but cannot be read cannot be tuned (each is read back to verify it): '
                              'net.ipv4.route.flush (Permission denied)')


def test_plan_refuses_bounds_on_a_multi_value_key(tune_root, tune_params):
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(settings={'net.ipv4.tcp_rmem': {'min': 8192}}))
    assert 'apply only to keys holding one integer' in str(exc.value)


def test_plan_persist_only_and_in_a_container(tune_root, tune_params):
    plan = plan_of(tune_root, tune_params(settings={SOMAXCONN: 9000, 'vm.swappiness': 10}, apply_live=False))
    assert (plan.writes, plan.skipped_live, plan.boot_only) == ({}, [], [SOMAXCONN, 'vm.swappiness'])
    open(os.path.join(tune_root, 'run', '.containerenv'), 'w').close()
    plan = plan_of(tune_root, tune_params(settings={SOMAXCONN: 9000, 'vm.swappiness': 10}))
    assert plan.writes == {SOMAXCONN: '9000'}
    assert plan.skipped_live == plan.boot_only == ['vm.swappiness']
    assert plan.warnings == ['vm.swappiness is host-wide: persisted in %s but not written live inside a container'
                             % DROPIN]


@pytest.mark.parametrize('kind', ['not-ours', 'symlink'])
def test_plan_refuses_a_drop_in_it_does_not_own(tune_root, tune_params, tree_state, kind):
    path = os.path.join(tune_root, DROPIN.lstrip('/'))
    if kind == 'symlink':
        os.symlink('60-app.conf', path)
    else:
        with open(path, 'w') as handle:
            handle.write('net.core.somaxconn = 1\n')
    before = tree_state(tune_root)
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(settings={SOMAXCONN: 9000}))
    assert str(exc.value).startswith('refusing to replace %s: ' % path)
    assert tree_state(tune_root) == before


def test_plan_rewrites_a_drop_in_of_the_wrong_mode(tune_root, tune_params):
    plan = plan_of(tune_root, tune_params(settings={SOMAXCONN: 4096}))
    path = os.path.join(tune_root, DROPIN.lstrip('/'))
    with open(path, 'wb') as handle:
        handle.write(plan.data)
    os.chmod(path, 0o644)
    again = plan_of(tune_root, tune_params(settings={SOMAXCONN: 4096}))
    assert (again.current, again.creates_dropin, again.writes_dropin, again.changes_host) == (
        plan.data, False, False, False)
    os.chmod(path, 0o600)
    again = plan_of(tune_root, tune_params(settings={SOMAXCONN: 4096}))
    assert (again.writes_dropin, again.changes_host, again.writes, again.edits) == (True, True, {}, [])


def _tuned(root, profile, main=None):
    """tuned enabled on the tree, its active profile ``mine`` with ``profile``'s [sysctl] lines."""
    def put(path, data):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as handle:
            handle.write(data)
    put('usr/sbin/tuned', '')
    put('etc/tuned/active_profile', 'mine\n')
    put('etc/tuned/profiles/mine/tuned.conf', '[sysctl]\n' + profile)
    if main is not None:
        put('etc/tuned/tuned-main.conf', main)
    wants = os.path.join(root, 'etc/systemd/system/multi-user.target.wants')
    os.makedirs(wants, exist_ok=True)
    os.symlink('/usr/lib/systemd/system/tuned.service', os.path.join(wants, 'tuned.service'))


@pytest.mark.parametrize('profile, main, fails', [
    # reapply_sysctl off: tuned's profile, written after the files, stays: the drop-in would lose
    ('net.ipv4.tcp_max_tw_buckets = 5000\n', 'reapply_sysctl = 0\n', True),
    ('net.ipv4.tcp_max_tw_buckets = >300000\n', 'reapply_sysctl = 0\n', False),  # a higher value meets min
    ('net.ipv4.tcp_max_tw_buckets = >100000\n', 'reapply_sysctl = 0\n', False),  # not written over 262144
    ('net.ipv4.tcp_max_tw_buckets = <100000\n', 'reapply_sysctl = 0\n', True),
    ('vm.swappiness = 10\n', 'reapply_sysctl = 0\n', False),  # a key the drop-in does not set
    # reapply_sysctl on (the default): tuned writes /etc/sysctl.d again after its profile: the drop-in wins
    ('net.ipv4.tcp_max_tw_buckets = 5000\n', None, False),
])
def test_plan_refuses_a_drop_in_a_tuned_profile_would_undo(tune_root, tune_params, tree_state, profile, main, fails):
    _tuned(tune_root, profile, main)
    before = tree_state(tune_root)
    if not fails:
        assert plan_of(tune_root, tune_params(profile='high_connection')).values[TW] == '262144'
        return
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(profile='high_connection'))
    assert str(exc.value).startswith('tuned writes its profile after the sysctl files at boot and does not re-apply '
                                     'them (reapply_sysctl is off in /etc/tuned/tuned-main.conf), so ')
    assert 'would lose: tuned profile mine sets net.ipv4.tcp_max_tw_buckets = ' in str(exc.value)
    assert tree_state(tune_root) == before


@pytest.mark.parametrize('options, named', [
    ({'settings': {'net.ipv4.tcp_congestion_control': '\ud800'}}, 'the value of net.ipv4.tcp_congestion_control'),
    ({'profile': 'high_connection', 'header': ['\udfff']}, 'its header lines'),
], ids=['value', 'header'])
def test_text_with_no_bytes_is_refused_while_planning(tune_root, tune_params, tree_state, options, named):
    # a lone surrogate (older ansible-core passes one through to the module) is refused by name, not a traceback
    with open(os.path.join(tune_root, 'proc', 'sys', 'net', 'ipv4', 'tcp_congestion_control'), 'w') as handle:
        handle.write('cubic\n')
    before = tree_state(tune_root)
    with pytest.raises(SysctlError) as exc:
        plan_of(tune_root, tune_params(**options))
    assert named in str(exc.value) and 'lone surrogate' in str(exc.value)
    assert tree_state(tune_root) == before

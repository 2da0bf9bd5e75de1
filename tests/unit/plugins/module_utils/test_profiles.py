# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import merge, prepare
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import Expectation, parse_expectation
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import normalize_key
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import (
    BASELINE_PROFILE,
    DEFAULT_PROFILE,
    PROFILES,
    profile_names,
    profile_reasons,
    profile_values,
    target_profile_names,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import render_dropin

NAMES = sorted(PROFILES)
MODULES = 'ansible_collections.kerneltune.sysctl.plugins.modules.'
ALIBABA = 'Alibaba Cloud ECS image /etc/sysctl.conf'


def test_names():
    assert profile_names() == ['alibaba_cloud_default', 'high_connection']
    assert target_profile_names() == ['high_connection']
    assert DEFAULT_PROFILE == 'high_connection'
    assert BASELINE_PROFILE == 'alibaba_cloud_default'
    assert DEFAULT_PROFILE in target_profile_names()
    assert BASELINE_PROFILE not in target_profile_names()


@pytest.mark.parametrize('name', NAMES)
def test_profile_shape(name):
    profile = PROFILES[name]
    assert sorted(profile) == ['description', 'kind', 'settings']
    assert profile['kind'] in ('baseline', 'target')
    assert profile['description'].strip() and '\n' not in profile['description']
    assert profile['settings']
    for key, setting in profile['settings'].items():
        assert sorted(setting) == ['reason', 'value'], key


def test_high_connection_values():
    assert profile_values('high_connection') == {
        'net.ipv4.tcp_max_tw_buckets': {'min': 262144},
        'net.ipv4.tcp_max_syn_backlog': {'min': 8192},
        'net.core.somaxconn': {'min': 8192},
        'net.ipv4.tcp_syncookies': 1,
        'net.ipv4.tcp_fin_timeout': {'max': 30},
        'net.ipv4.tcp_tw_reuse': 1,
    }


def test_high_connection_reasons():
    assert profile_reasons('high_connection') == {
        'net.ipv4.tcp_max_tw_buckets': 'TIME_WAIT table: on overflow the kernel destroys closing sockets at once '
                                       '(TCPTimeWaitOverflow), losing data still in flight',
        'net.ipv4.tcp_max_syn_backlog': 'half-open connections queued per listener before SYNs are dropped or cookied',
        'net.core.somaxconn': 'cap of every listen() backlog; with syncookies on it also bounds the SYN queue',
        'net.ipv4.tcp_syncookies': 'keep SYN-flood protection on when the SYN queue is full',
        'net.ipv4.tcp_fin_timeout': 'reclaim orphaned FIN_WAIT2 sockets after at most 30 s instead of 60 s',
        'net.ipv4.tcp_tw_reuse': 'let new outgoing connections reuse TIME_WAIT ports safely (timestamps)',
    }


def test_alibaba_cloud_default():
    assert profile_values('alibaba_cloud_default') == {
        'vm.swappiness': 0,
        'kernel.sysrq': 1,
        'net.ipv4.neigh.default.gc_stale_time': 120,
        'net.ipv4.conf.all.rp_filter': 0,
        'net.ipv4.conf.default.rp_filter': 0,
        'net.ipv4.conf.default.arp_announce': 2,
        'net.ipv4.conf.lo.arp_announce': 2,
        'net.ipv4.conf.all.arp_announce': 2,
        'net.ipv4.tcp_max_tw_buckets': 5000,
        'net.ipv4.tcp_syncookies': 1,
        'net.ipv4.tcp_max_syn_backlog': 1024,
        'net.ipv4.tcp_synack_retries': 2,
    }
    assert set(profile_reasons('alibaba_cloud_default').values()) == {ALIBABA}


def test_target_profiles_are_namespaced():
    # Their descriptions promise that they apply inside containers: every key is per network namespace.
    for name in target_profile_names():
        assert [key for key in profile_values(name) if not is_namespaced(key)] == [], name


@pytest.mark.parametrize('name', NAMES)
def test_every_setting_has_a_one_line_reason(name):
    reasons = profile_reasons(name)
    assert sorted(reasons) == sorted(profile_values(name))
    for key, reason in reasons.items():
        assert isinstance(reason, str), key
        assert reason, key
        assert ' '.join(reason.split()) == reason, key
    text = render_dropin(profile_values(name), reasons, [])
    for key, reason in reasons.items():
        assert '# %s\n%s = ' % (reason, key) in text


@pytest.mark.parametrize('name', NAMES)
def test_every_value_is_a_valid_expectation(name):
    values = profile_values(name)
    for key, value in values.items():
        assert normalize_key(key) == key
        assert isinstance(parse_expectation(key, value), Expectation)
    expectations, dummy = prepare(values)
    assert sorted(expectations) == sorted(values)


@pytest.mark.parametrize('name', [name for name in NAMES if PROFILES[name]['kind'] == 'baseline'])
def test_baseline_profiles_are_usable_as_baseline(name):
    values = profile_values(name)
    dummy, baselines = prepare({}, merge(name, {}))
    assert baselines == dict((key, str(value)) for key, value in values.items())


@pytest.mark.parametrize('module', ['audit', 'tune'])
def test_every_baseline_profile_choice_is_usable_as_baseline(module):
    documentation = yaml.safe_load(importlib.import_module(MODULES + module).DOCUMENTATION)
    choices = documentation['options']['baseline_profile']['choices']
    assert BASELINE_PROFILE in choices
    for name in choices:
        dummy, baselines = prepare({}, merge(name, {}))
        assert sorted(baselines) == sorted(profile_values(name))


def test_returned_dicts_are_copies():
    values = profile_values(DEFAULT_PROFILE)
    reasons = profile_reasons(DEFAULT_PROFILE)
    values['vm.swappiness'] = 1
    reasons.update({'vm.swappiness': 'set by the settings of the play'})
    assert 'vm.swappiness' not in profile_values(DEFAULT_PROFILE)
    assert 'vm.swappiness' not in profile_reasons(DEFAULT_PROFILE)


UNKNOWN_MESSAGE = 'unknown profile %s; the collection ships: alibaba_cloud_default, high_connection'

# (name)
UNKNOWN_CASES = ['nope', 'High_Connection', ' high_connection', '', None]
UNKNOWN_IDS = ['unknown', 'case', 'space', 'empty', 'none']


@pytest.mark.parametrize('name', UNKNOWN_CASES, ids=UNKNOWN_IDS)
@pytest.mark.parametrize('function', [profile_values, profile_reasons], ids=['values', 'reasons'])
def test_unknown_profile(function, name):
    with pytest.raises(SysctlError) as exc:
        function(name)
    assert exc.type is SysctlError
    assert str(exc.value) == UNKNOWN_MESSAGE % repr(name)


def _yaml(path):
    root = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')
    with open(os.path.join(root, path)) as handle:
        return yaml.safe_load(handle)


def test_boot_applier_choices_follow_the_appliers_table():
    # _appliers.APPLIERS owns the families; every YAML contract that offers them follows it.
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS
    wanted = ['auto'] + list(APPLIERS)
    fragment = importlib.import_module('ansible_collections.kerneltune.sysctl.plugins.doc_fragments.boot_applier')
    assert yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options']['boot_applier']['choices'] == wanted
    for module in ('audit', 'tune'):
        documentation = yaml.safe_load(importlib.import_module(MODULES + module).DOCUMENTATION)
        assert 'kerneltune.sysctl.boot_applier' in documentation['extends_documentation_fragment']
    role = _yaml('roles/sysctl_tuning/meta/argument_specs.yml')['argument_specs']['main']['options']
    assert role['sysctl_tuning_boot_applier']['choices'] == wanted
    assert _yaml('roles/sysctl_tuning/defaults/main.yml')['sysctl_tuning_boot_applier'] == 'auto'
    playbook = _yaml('playbooks/vars/audit_argument_spec.yml')['__sysctl_audit_argument_spec']
    assert playbook['sysctl_audit_boot_applier']['choices'] == wanted

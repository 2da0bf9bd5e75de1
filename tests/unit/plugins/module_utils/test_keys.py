# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError, SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import (
    MAX_KEY_LENGTH,
    PROC_SYS,
    glob_matches,
    is_glob,
    join_key,
    normalize_key,
    proc_path,
    split_key,
)

# (raw, allow_glob, expected components)
SPLIT_CASES = [
    ('net.core.somaxconn', False, ['net', 'core', 'somaxconn']),
    ('net/core/somaxconn', False, ['net', 'core', 'somaxconn']),
    ('net/ipv4/conf/eth0.100/rp_filter', False, ['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter']),
    ('net.ipv4.conf.eth0/100.rp_filter', False, ['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter']),
    ('net.ipv6.conf.eth0/100/200.forwarding', False, ['net', 'ipv6', 'conf', 'eth0.100.200', 'forwarding']),
    ('net/ipv6/conf/eth0.100.200/forwarding', False, ['net', 'ipv6', 'conf', 'eth0.100.200', 'forwarding']),
    ('  net.core.somaxconn \t', False, ['net', 'core', 'somaxconn']),
    ('net.ipv4.conf.br-lan.rp_filter', False, ['net', 'ipv4', 'conf', 'br-lan', 'rp_filter']),
    ('net.ipv4.conf.eth0:1.rp_filter', False, ['net', 'ipv4', 'conf', 'eth0:1', 'rp_filter']),
    ('net.ipv4.conf.wg@0+x.rp_filter', False, ['net', 'ipv4', 'conf', 'wg@0+x', 'rp_filter']),
    ('kernel.pid_max', False, ['kernel', 'pid_max']),
    ('net.ipv4.conf.*.rp_filter', True, ['net', 'ipv4', 'conf', '*', 'rp_filter']),
    ('net/ipv4/conf/eth?/rp_filter', True, ['net', 'ipv4', 'conf', 'eth?', 'rp_filter']),
    ('net.ipv4.conf.eth[0-9].rp_filter', True, ['net', 'ipv4', 'conf', 'eth[0-9]', 'rp_filter']),
    ('net.ipv4.conf.[!l]*.rp_filter', True, ['net', 'ipv4', 'conf', '[!l]*', 'rp_filter']),
    ('net.ipv4.conf.all.rp_filter', True, ['net', 'ipv4', 'conf', 'all', 'rp_filter']),
]
SPLIT_IDS = [
    'dotted', 'slashed', 'slash-first-dot-literal', 'dot-first-slash-is-dot', 'dot-first-two-slashes',
    'slash-first-two-dots', 'surrounding-whitespace', 'hyphen', 'colon', 'at-plus', 'two-components',
    'glob-star', 'glob-question-slashed', 'glob-range', 'glob-negated-class', 'allow-glob-plain-key',
]


@pytest.mark.parametrize('raw, allow_glob, expected', SPLIT_CASES, ids=SPLIT_IDS)
def test_split_key(raw, allow_glob, expected):
    assert split_key(raw, allow_glob=allow_glob) == expected


# (raw, expected canonical dotted key)
NORMALIZE_CASES = [
    ('net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
    ('net.ipv4.conf.eth0/100.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
    ('net/ipv4/conf/all/rp_filter', 'net.ipv4.conf.all.rp_filter'),
    ('kernel/pid_max', 'kernel.pid_max'),
    ('vm.swappiness  ', 'vm.swappiness'),
    ('net.ipv6.conf.eth0/100/200.forwarding', 'net.ipv6.conf.eth0/100/200.forwarding'),
    ('net/ipv6/conf/eth0.100.200/forwarding', 'net.ipv6.conf.eth0/100/200.forwarding'),
    ('net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_max_tw_buckets'),
]


@pytest.mark.parametrize('raw, expected', NORMALIZE_CASES, ids=[c[0].strip() for c in NORMALIZE_CASES])
def test_normalize_key(raw, expected):
    assert normalize_key(raw) == expected


def test_both_separator_forms_are_the_same_key():
    assert normalize_key('net/ipv4/conf/eth0.100/rp_filter') == normalize_key('net.ipv4.conf.eth0/100.rp_filter')
    assert split_key('net/ipv4/conf/eth0.100/rp_filter') == split_key('net.ipv4.conf.eth0/100.rp_filter')


@pytest.mark.parametrize('raw, expected', [
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.*.rp_filter'),
    ('net/ipv4/conf/*/rp_filter', 'net.ipv4.conf.*.rp_filter'),
    ('net/ipv4/conf/eth0.*/rp_filter', 'net.ipv4.conf.eth0/*.rp_filter'),
], ids=['dotted-glob', 'slashed-glob', 'glob-with-literal-dot'])
def test_normalize_key_glob(raw, expected):
    assert normalize_key(raw, allow_glob=True) == expected


# Interface names Linux allows (anything but "/", ":" and whitespace, at most 15 bytes): keys the appliers set.
INTERFACE_NAMES = ['a~b', 'br@x', 'v+1', 'x%1', 'tun#0', "it's", 'w;1', 'q!', 'e]', '\u00e9th0', 'a,b',
                   'x^y&z', '{t}', 'v$1']


@pytest.mark.parametrize('name', INTERFACE_NAMES)
def test_interface_names_linux_allows(name):
    key = 'net.ipv4.conf.%s.rp_filter' % name
    assert split_key(key) == ['net', 'ipv4', 'conf', name, 'rp_filter']
    assert normalize_key('net/ipv4/conf/%s/rp_filter' % name) == key


def _chars(part):
    return 'contains characters not allowed in a sysctl key: %s' % part


# (raw, allow_glob, exact message)
INVALID_CASES = [
    ('', False, 'empty sysctl key'),
    ('   \t ', False, 'empty sysctl key'),
    (None, False, 'sysctl key None must be a string'),
    (42, False, 'sysctl key 42 must be a string'),
    (b'net.core.somaxconn', False, "sysctl key b'net.core.somaxconn' must be a string"),
    (['net', 'core'], False, "sysctl key ['net', 'core'] must be a string"),
    ('/proc/sys/net/core/somaxconn', False,
     "sysctl key '/proc/sys/net/core/somaxconn' must not start with a separator (no absolute paths)"),
    ('/net.core.somaxconn', False, "sysctl key '/net.core.somaxconn' must not start with a separator (no absolute paths)"),
    ('.net.core.somaxconn', False, "sysctl key '.net.core.somaxconn' must not start with a separator (no absolute paths)"),
    ('net/../../etc/passwd', False, 'sysctl key \'net/../../etc/passwd\' has an empty, "." or ".." component'),
    ('net/ipv4/../core/somaxconn', False, 'sysctl key \'net/ipv4/../core/somaxconn\' has an empty, "." or ".." component'),
    ('net/ipv4/./somaxconn', False, 'sysctl key \'net/ipv4/./somaxconn\' has an empty, "." or ".." component'),
    ('net.//.core', False, 'sysctl key \'net.//.core\' has an empty, "." or ".." component'),
    ('net./.core', False, 'sysctl key \'net./.core\' has an empty, "." or ".." component'),
    ('net..core', False, 'sysctl key \'net..core\' has an empty, "." or ".." component'),
    ('net.core.', False, 'sysctl key \'net.core.\' has an empty, "." or ".." component'),
    ('net//core', False, 'sysctl key \'net//core\' has an empty, "." or ".." component'),
    ('net/core/', False, 'sysctl key \'net/core/\' has an empty, "." or ".." component'),
    ('net/../x', True, 'sysctl key \'net/../x\' has an empty, "." or ".." component'),
    ('net.core.some maxconn', False, "sysctl key 'net.core.some maxconn' " + _chars("' '")),
    ('net.core.somaxconn=1024', False, "sysctl key 'net.core.somaxconn=1024' " + _chars("'='")),
    ('net.core.somaxconn = 1024', False, "sysctl key 'net.core.somaxconn = 1024' " + _chars("' ' '='")),
    ('net.core.somaxconn = 1024', True, "sysctl key 'net.core.somaxconn = 1024' " + _chars("' ' '='")),
    ('net.core\tsomaxconn', False, "sysctl key 'net.core\\tsomaxconn' " + _chars("'\\t'")),
    ('net.core.x\x00y', False, "sysctl key 'net.core.x\\x00y' " + _chars("'\\x00'")),
    ('net.core.x\x7fy', False, "sysctl key 'net.core.x\\x7fy' " + _chars("'\\x7f'")),
    ('net.ipv4.conf.a\u00a0b.rp_filter', False, "sysctl key 'net.ipv4.conf.a\\xa0b.rp_filter' "
     + _chars("'\\xa0'")),
    ('net.ipv4.conf.*.rp_filter', False, "sysctl key 'net.ipv4.conf.*.rp_filter' " + _chars("'*'")),
    ('net.ipv4.conf.eth?.rp_filter', False, "sysctl key 'net.ipv4.conf.eth?.rp_filter' " + _chars("'?'")),
    ('net.ipv4.conf.eth[01].rp_filter', False, "sysctl key 'net.ipv4.conf.eth[01].rp_filter' " + _chars("'['")),
    ('kernel', False, 'sysctl key \'kernel\' has no separator: a key looks like "net.core.somaxconn"'),
    ('*', True, 'sysctl key \'*\' has no separator: a key looks like "net.core.somaxconn"'),
    ('x' * (MAX_KEY_LENGTH + 1), False,
     "sysctl key '%s...' is longer than 256 characters" % ('x' * 40)),
]
INVALID_IDS = [
    'empty', 'blank', 'none', 'int', 'bytes', 'list', 'absolute-proc-path', 'leading-slash', 'leading-dot',
    'dotdot-escape', 'dotdot-middle', 'single-dot-component', 'dotdot-via-slashes-in-dotted-form',
    'dot-via-slash-in-dotted-form', 'empty-component-dotted', 'trailing-dot', 'empty-component-slashed',
    'trailing-slash', 'dotdot-even-with-glob', 'space', 'equals', 'assignment-text',
    'assignment-text-with-glob', 'tab', 'nul', 'delete', 'non-breaking-space', 'glob-star-not-allowed',
    'glob-question-not-allowed', 'glob-class-not-allowed', 'no-separator', 'glob-no-separator', 'too-long',
]


@pytest.mark.parametrize('raw, allow_glob, message', INVALID_CASES, ids=INVALID_IDS)
def test_split_key_invalid(raw, allow_glob, message):
    with pytest.raises(InvalidKeyError) as exc:
        split_key(raw, allow_glob=allow_glob)
    assert str(exc.value) == message
    with pytest.raises(InvalidKeyError) as exc:
        normalize_key(raw, allow_glob=allow_glob)
    assert str(exc.value) == message


def test_key_of_max_length_is_accepted():
    raw = 'a.' + 'b' * (MAX_KEY_LENGTH - 2)
    assert len(raw) == MAX_KEY_LENGTH
    assert normalize_key(raw) == raw


def test_invalid_key_error_is_a_sysctl_error():
    with pytest.raises(SysctlError):
        normalize_key('net/../x')


NEWLINE_KEYS = [
    ('net.core\n.somaxconn', False),
    ('net/core\n/somaxconn', False),
    ('net.ipv4.conf.eth*\n.rp_filter', True),
]


@pytest.mark.parametrize('raw, allow_glob', NEWLINE_KEYS, ids=['dotted', 'slashed', 'glob'])
def test_newline_inside_key_is_rejected(raw, allow_glob):
    with pytest.raises(InvalidKeyError) as exc:
        normalize_key(raw, allow_glob=allow_glob)
    assert "'\\n'" in str(exc.value)


def test_leading_dash_key_is_rejected():
    with pytest.raises(InvalidKeyError):
        normalize_key('-kernel.domainname')


@pytest.mark.parametrize('parts, expected', [
    (['net', 'core', 'somaxconn'], 'net.core.somaxconn'),
    (['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter'], 'net.ipv4.conf.eth0/100.rp_filter'),
    (['net', 'ipv6', 'conf', 'eth0.100.200', 'forwarding'], 'net.ipv6.conf.eth0/100/200.forwarding'),
    (['net', 'ipv4', 'conf', '*', 'rp_filter'], 'net.ipv4.conf.*.rp_filter'),
    (('kernel', 'pid_max'), 'kernel.pid_max'),
], ids=['plain', 'dot-in-component', 'two-dots-in-component', 'glob', 'tuple'])
def test_join_key(parts, expected):
    assert join_key(parts) == expected


@pytest.mark.parametrize('key, expected', [
    ('net.ipv4.conf.*.rp_filter', True),
    ('net.ipv4.conf.eth?.rp_filter', True),
    ('net.ipv4.conf.eth[01].rp_filter', True),
    ('net.ipv4.conf.eth0.rp_filter', False),
    ('net.ipv4.conf.eth0/100.rp_filter', False),
    ('net.ipv4.conf.a!b.rp_filter', False),
], ids=['star', 'question', 'class', 'plain', 'dot-in-component', 'bang-alone'])
def test_is_glob(key, expected):
    assert is_glob(key) is expected


# (pattern, key, expected)
GLOB_CASES = [
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.rp_filter', True),
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter', True),
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.accept_redirects', False),
    ('net.ipv4.*', 'net.ipv4.conf.eth0.rp_filter', False),
    ('net.ipv4.conf.*', 'net.ipv4.conf.eth0.rp_filter', False),
    ('net.*.conf.all.rp_filter', 'net.ipv4.conf.all.rp_filter', True),
    ('net.ipv4.conf.eth?.rp_filter', 'net.ipv4.conf.eth1.rp_filter', True),
    ('net.ipv4.conf.eth?.rp_filter', 'net.ipv4.conf.eth10.rp_filter', False),
    ('net.ipv4.conf.[!l]*.rp_filter', 'net.ipv4.conf.lo.rp_filter', False),
    ('net.ipv4.conf.[!l]*.rp_filter', 'net.ipv4.conf.eth0.rp_filter', True),
    ('net.ipv4.conf.eth[0-3].rp_filter', 'net.ipv4.conf.eth2.rp_filter', True),
    ('net.ipv4.conf.eth[0-3].rp_filter', 'net.ipv4.conf.eth4.rp_filter', False),
    ('net.ipv4.conf.ETH*.rp_filter', 'net.ipv4.conf.eth0.rp_filter', False),
    ('net/ipv4/conf/*/rp_filter', 'net.ipv4.conf.eth0.rp_filter', True),
    ('net.ipv4.conf.eth0/*.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter', True),
    ('net.ipv4.conf.eth0/*.rp_filter', 'net.ipv4.conf.eth0.rp_filter', False),
    ('net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.eth0.rp_filter', True),
]
GLOB_IDS = [
    'star-matches-component', 'star-matches-component-with-dot', 'other-leaf', 'star-does-not-cross-separator',
    'trailing-star-one-component-only', 'star-in-middle', 'question-one-char', 'question-not-two-chars',
    'negated-class-excludes', 'negated-class-includes', 'range-in', 'range-out', 'case-sensitive',
    'slashed-pattern', 'literal-dot-then-star', 'literal-dot-required', 'non-glob-equal',
]


@pytest.mark.parametrize('pattern, key, expected', GLOB_CASES, ids=GLOB_IDS)
def test_glob_matches(pattern, key, expected):
    assert glob_matches(pattern, key) is expected


# (key, root, expected path)
PROC_PATH_CASES = [
    ('net.core.somaxconn', PROC_SYS, '/proc/sys/net/core/somaxconn'),
    ('net.ipv4.conf.eth0/100.rp_filter', PROC_SYS, '/proc/sys/net/ipv4/conf/eth0.100/rp_filter'),
    ('net/ipv4/conf/eth0.100/rp_filter', PROC_SYS, '/proc/sys/net/ipv4/conf/eth0.100/rp_filter'),
    ('vm.swappiness', '/tmp/fake/proc/sys', '/tmp/fake/proc/sys/vm/swappiness'),
    ('vm.swappiness', '/tmp/fake/', '/tmp/fake/vm/swappiness'),
]


@pytest.mark.parametrize('key, root, expected', PROC_PATH_CASES,
                         ids=['dotted', 'dot-in-component', 'slashed', 'other-root', 'root-trailing-slash'])
def test_proc_path(key, root, expected):
    assert proc_path(key, root) == expected


def test_proc_path_default_root():
    assert proc_path('kernel.pid_max') == '/proc/sys/kernel/pid_max'


@pytest.mark.parametrize('key, message', [
    ('net/../../etc/shadow', 'sysctl key \'net/../../etc/shadow\' has an empty, "." or ".." component'),
    ('/etc/shadow', "sysctl key '/etc/shadow' must not start with a separator (no absolute paths)"),
    ('net.ipv4.conf.*.rp_filter', "sysctl key 'net.ipv4.conf.*.rp_filter' " + _chars("'*'")),
], ids=['dotdot', 'absolute', 'glob'])
def test_proc_path_invalid(key, message):
    with pytest.raises(InvalidKeyError) as exc:
        proc_path(key)
    assert str(exc.value) == message

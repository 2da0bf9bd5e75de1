# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""parse_conf: each applier family's grammar (the text is a file's bytes decoded as Latin-1)."""

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS, LONG_LINE_MAX, traits
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import (
    Assignment,
    Problem,
    display,
    parse_conf,
    procps_key,
    slashdot,
    systemd_key,
    systemd_normalize,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._kernel import write

SRC = '/etc/sysctl.d/50-test.conf'
NOT_ASSIGNMENT = 'not an assignment (no "=")'
SAME = object()  # the systemd result is the procps one (targets in systemd's own form)


def _default_target(key, grammar):
    path = '/'.join(part.replace('/', '.') for part in key.split('.'))
    return path if grammar == 'systemd' else '/proc/sys/' + path


def A(key, value, line, ignore_failure=False, is_glob=False, target=None, grammar='procps'):
    if target is None:
        target = _default_target(key, grammar)
    return Assignment(key, value, ignore_failure, is_glob, SRC, line, target)


def P(line, text, reason):
    return Problem(SRC, line, text, reason)


def expand(spec, applier):
    """``(assignment tuples, problem tuples)`` -> ``(assignments, problems)`` as ``applier`` reports them."""
    grammar = traits(applier).grammar
    assignments = []
    for item in spec[0]:
        key, value, line = item[:3]
        ignore_failure = item[3] if len(item) > 3 else False
        is_glob = item[4] if len(item) > 4 else False
        target = item[5] if len(item) > 5 else None
        assignments.append(A(key, value, line, ignore_failure, is_glob, target, grammar))
    return assignments, [P(*item) for item in spec[1]]


NONE = ([], [])

# (text, procps result, systemd result): results as ([(key, value, line[, ignore_failure[, is_glob[, target]]])],
# [(line, text, reason)]); SAME when systemd reads the text as procps does.
PARSE_CASES = [
    ('', NONE, SAME),
    ('\n\n   \n\t\n', NONE, SAME),
    ('net.core.somaxconn = 4096', ([('net.core.somaxconn', '4096', 1)], []), SAME),
    ('net.core.somaxconn=4096\n', ([('net.core.somaxconn', '4096', 1)], []), SAME),
    ('  net.core.somaxconn \t=\t 4096  \n', ([('net.core.somaxconn', '4096', 1)], []), SAME),
    ('# net.core.somaxconn = 1\n; net.core.somaxconn = 2\n   # indented\n\t; tabbed\n#\n;', NONE, SAME),
    ('\n\n# header\nvm.swappiness = 10\n\n; x\nkernel.pid_max = 65536\n',
     ([('vm.swappiness', '10', 4), ('kernel.pid_max', '65536', 7)], []), SAME),
    ('net.ipv4.ip_local_port_range = 32768\t60999\n',
     ([('net.ipv4.ip_local_port_range', '32768\t60999', 1)], []), SAME),
    ('kernel.core_pattern = |/usr/lib/systemd/systemd-coredump %P a=b\n',
     ([('kernel.core_pattern', '|/usr/lib/systemd/systemd-coredump %P a=b', 1)], []), SAME),
    ('kernel.domainname = a#b ;c\n', ([('kernel.domainname', 'a#b ;c', 1)], []), SAME),
    ('kernel.domainname =\n', ([('kernel.domainname', '', 1)], []), SAME),
    ('-net.ipv4.conf.eth9.rp_filter = 1\n', ([('net.ipv4.conf.eth9.rp_filter', '1', 1, True)], []), SAME),
    # procps: the key starts after the "-", spaces included: it names a key that never exists.
    ('  -  net.core.somaxconn = 1\n',
     ([('  net.core.somaxconn', '1', 1, True, False, '/proc/sys/  net/core/somaxconn')], []),
     ([('net.core.somaxconn', '1', 1, True)], [])),
    ('-net.ipv4.conf.eth0.rp_filter\n', ([('net.ipv4.conf.eth0.rp_filter', None, 1, True)], []), SAME),
    ('  - net.ipv4.conf.eth0.rp_filter  \n',
     ([(' net.ipv4.conf.eth0.rp_filter', None, 1, True, False, '/proc/sys/ net/ipv4/conf/eth0/rp_filter')], []),
     ([('net.ipv4.conf.eth0.rp_filter', None, 1, True)], [])),
    ('-net/ipv4/conf/eth0.100/rp_filter\n', ([('net.ipv4.conf.eth0/100.rp_filter', None, 1, True)], []), SAME),
    ('net.ipv4.conf.*.rp_filter = 2\n', ([('net.ipv4.conf.*.rp_filter', '2', 1, False, True)], []), SAME),
    ('-net.ipv4.conf.*.rp_filter = 2\n', ([('net.ipv4.conf.*.rp_filter', '2', 1, True, True)], []), SAME),
    ('net/ipv4/conf/eth?/rp_filter = 0\n', ([('net.ipv4.conf.eth?.rp_filter', '0', 1, False, True)], []), SAME),
    # "-glob": read as an exclusion (procps then excludes nothing with it, systemd cancels the glob: see test_boot)
    ('-net.ipv4.conf.*.rp_filter\n', ([('net.ipv4.conf.*.rp_filter', None, 1, True, True)], []), SAME),
    ('net/ipv4/conf/eth0.100/rp_filter = 0\n', ([('net.ipv4.conf.eth0/100.rp_filter', '0', 1)], []), SAME),
    ('net.ipv4.conf.eth0/100.rp_filter = 0\n', ([('net.ipv4.conf.eth0/100.rp_filter', '0', 1)], []), SAME),
    ('vm.swappiness = 10\ngarbage\nkernel.pid_max = 65536\n',
     ([('vm.swappiness', '10', 1), ('kernel.pid_max', '65536', 3)], [(2, 'garbage', NOT_ASSIGNMENT)]), SAME),
    ('\n   garbage here  \n', ([], [(2, '   garbage here  ', NOT_ASSIGNMENT)]), SAME),
    # The appliers do not validate keys: they try to open the file the key names (and fail).
    ('net.core.some maxconn = 1\n', ([('net.core.some maxconn', '1', 1)], []), SAME),
    ('= 5\n', ([], [(1, '= 5', 'names no sysctl key (/proc/sys/)')]), ([], [(1, '= 5', 'names no sysctl key ()')])),
    # procps skips lines shorter than two characters; systemd reads "-" as the exclusion of the empty key.
    ('-\n', NONE, ([], [(1, '-', 'names no sysctl key ()')])),
    ('/proc/sys/vm/swappiness = 10\n',
     ([('proc.sys.vm.swappiness', '10', 1, False, False, '/proc/sys//proc/sys/vm/swappiness')], []),
     ([('proc.sys.vm.swappiness', '10', 1)], [])),
    # procps opens the path (the kernel resolves ".."); systemd refuses a key that is not normalised.
    ('net/../x = 1\n', ([('x', '1', 1, False, False, '/proc/sys/net/../x')], []),
     ([], [(1, 'net/../x = 1', 'names no sysctl key (net/../x)')])),
    ('kernel = 1\n', ([('kernel', '1', 1)], []), SAME),
    ('vm.swappiness = 10\r\nkernel.pid_max = 1\r\n', ([('vm.swappiness', '10', 1), ('kernel.pid_max', '1', 2)], []),
     SAME),
    ('vm.swappiness = 10\nvm.swappiness = 60\n', ([('vm.swappiness', '10', 1), ('vm.swappiness', '60', 2)], []), SAME),
    ('vm.swappiness = 10\n-vm.swappiness\nnet.ipv4.conf.*.rp_filter = 1\nbad line\n',
     ([('vm.swappiness', '10', 1), ('vm.swappiness', None, 2, True), ('net.ipv4.conf.*.rp_filter', '1', 3, False, True)],
      [(4, 'bad line', NOT_ASSIGNMENT)]), SAME),
]
PARSE_IDS = [
    'empty', 'blank-lines', 'assignment', 'no-spaces-around-equals', 'whitespace-around-equals',
    'comments-hash-and-semicolon', 'line-numbers-count-blank-and-comment-lines', 'tab-inside-value-kept',
    'equals-inside-value', 'hash-and-semicolon-inside-value', 'empty-value', 'leading-dash',
    'leading-dash-then-spaces', 'exclusion', 'exclusion-with-whitespace', 'exclusion-slashed',
    'glob', 'glob-with-leading-dash', 'glob-slashed', 'glob-exclusion', 'slashed-key',
    'dotted-key-with-slash', 'garbage-line-with-number', 'garbage-raw-text-kept', 'key-with-space',
    'missing-key', 'dash-alone', 'absolute-key', 'dotdot-key', 'no-separator-key', 'crlf',
    'duplicates-kept-in-order', 'mixed',
]


@pytest.mark.parametrize('applier', ['procps', 'systemd'])
@pytest.mark.parametrize('text, procps, systemd', PARSE_CASES, ids=PARSE_IDS)
def test_parse_conf(text, procps, systemd, applier):
    spec = procps if applier == 'procps' or systemd is SAME else systemd
    assert parse_conf(text, SRC, applier) == expand(spec, applier)


def test_parse_conf_default_applier_is_procps():
    assert parse_conf('  -  vm.swappiness = 1\n', SRC) == parse_conf('  -  vm.swappiness = 1\n', SRC, 'procps')


def test_parse_conf_fields():
    (assignment,), problems = parse_conf('-net.ipv4.conf.*.rp_filter = 2', '/run/sysctl.d/x.conf', 'systemd')
    assert problems == []
    assert assignment.key == 'net.ipv4.conf.*.rp_filter'
    assert assignment.value == '2'
    assert assignment.ignore_failure is True
    assert assignment.is_glob is True
    assert assignment.source == '/run/sysctl.d/x.conf'
    assert assignment.line == 1
    assert assignment.target == 'net/ipv4/conf/*/rp_filter'
    assert Assignment._fields == ('key', 'value', 'ignore_failure', 'is_glob', 'source', 'line', 'target')
    assert Problem._fields == ('source', 'line', 'text', 'reason')


# Characters str.splitlines() breaks on but no applier does (the UTF-8 ones as their Latin-1 text).
NOT_LINE_BREAKS = ['\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\xc2\x85', '\xe2\x80\xa8', '\xe2\x80\xa9']


@pytest.mark.parametrize('applier', APPLIERS)
@pytest.mark.parametrize('separator', NOT_LINE_BREAKS, ids=[repr(char) for char in NOT_LINE_BREAKS])
def test_parse_conf_counts_only_real_line_breaks(separator, applier):
    text = '# section%snext section\nnet.core.somaxconn = 4096\n' % separator
    assert parse_conf(text, SRC, applier) == ([A('net.core.somaxconn', '4096', 2,
                                                 grammar=traits(applier).grammar)], [])


# The grammars side by side: (text, {applier: result}) with results as in PARSE_CASES; appliers not named
# read it as the first one named of their grammar.
NET_X = 'net.ipv4.tcp_sack'
NO_GLOBS = {
    'procps3': 'this applier (procps-ng 3.3.15-3.3.17 sysctl --system) does not expand globs',
    'systemd239': 'this applier (systemd-sysctl 239 (RHEL 8, Alibaba Cloud Linux 3; modelled)) does not expand globs',
    'systemd_rhel7': 'this applier (systemd-sysctl 219 with Red Hat patches (RHEL/CentOS 7, Alibaba Cloud Linux 2; '
                     'modelled)) does not expand globs',
}
MIB_LINE = 'kernel.domainname = ' + 'a' * (LONG_LINE_MAX - len('kernel.domainname = '))
JUST_UNDER = MIB_LINE[:-1]
DEPRECATED = ('net.ipv4.neigh.lo.base_reachable_time = 40\nnet/ipv6/neigh/lo/retrans_time = 2000\n'
              'net.ipv4.neigh.lo.base_reachable_time_ms = 41000\n')
GRAMMAR_CASES = [
    ('lone-cr-ends-a-line-only-for-systemd', 'vm.swappiness = 10\rvm.dirty_ratio = 20\n', {
        'procps': ([('vm.swappiness', '10\rvm.dirty_ratio = 20', 1)], []),
        'procps3': ([('vm.swappiness', '10', 1)], []),  # strtok(NULL, "\n\r"): the value ends at the CR
        'systemd': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2)], []),
    }),
    ('lone-cr-then-lf', 'vm.swappiness = 10\r\r\nvm.dirty_ratio = 20\n', {
        'procps': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2)], []),
        'systemd': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 3)], []),
    }),
    ('crlf-fine-for-both', 'vm.swappiness = 10\r\nvm.dirty_ratio = 20\r\n', {
        'procps': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2)], []),
        'systemd': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2)], []),
    }),
    ('lfcr-is-one-line-end-for-systemd', 'vm.swappiness = 10\n\rvm.dirty_ratio = 20\n', {
        'procps': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2)], []),
        # procps 3.3 strips only space and tab before a key
        'procps3': ([('vm.swappiness', '10', 1), ('\rvm.dirty_ratio', '20', 2)], []),
        'systemd': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2)], []),
    }),
    ('nul-truncates-procps-lines-and-ends-systemd-lines', 'vm.swappiness = 10\x00vm.dirty_ratio = 20\nkernel.pid_max = 1\n', {
        'procps': ([('vm.swappiness', '10', 1), ('kernel.pid_max', '1', 2)], []),
        'systemd': ([('vm.swappiness', '10', 1), ('vm.dirty_ratio', '20', 2), ('kernel.pid_max', '1', 3)], []),
    }),
    ('nul-inside-a-value', 'kernel.domainname = ab\x00cd\n', {
        'procps': ([('kernel.domainname', 'ab', 1)], []),
        'systemd': ([('kernel.domainname', 'ab', 1)], [(2, 'cd', NOT_ASSIGNMENT)]),
    }),
    ('form-feed-before-a-key', '\x0cvm.swappiness = 10\n', {
        'procps': ([('vm.swappiness', '10', 1)], []),
        'procps3': ([('\x0cvm.swappiness', '10', 1)], []),
        'systemd': ([('\x0cvm.swappiness', '10', 1, False, False, '\x0cvm/swappiness')], []),
    }),
    ('vertical-tab-after-a-value', 'vm.swappiness = 10\x0b\n', {
        'procps': ([('vm.swappiness', '10', 1)], []),
        'procps3': ([('vm.swappiness', '10\x0b', 1)], []),
        'systemd': ([('vm.swappiness', '10\x0b', 1)], []),
    }),
    ('dash-space-key', '- vm.swappiness = 1\n', {
        'procps': ([(' vm.swappiness', '1', 1, True, False, '/proc/sys/ vm/swappiness')], []),
        'systemd': ([('vm.swappiness', '1', 1, True)], []),
        # no "-" prefix before systemd 243: the dash is part of the key
        'systemd239': ([('- vm.swappiness', '1', 1, False, False, '- vm/swappiness')], []),
    }),
    ('dash-key-alone-is-an-exclusion', '-vm.swappiness\n', {
        'procps': ([('vm.swappiness', None, 1, True)], []),
        # procps 3.3 writes "=" over the end of the key and sends it: the kernel refuses it
        'procps3': ([('vm.swappiness', '=', 1, True)], []),
        'systemd': ([('vm.swappiness', None, 1, True)], []),
        'systemd239': ([], [(1, '-vm.swappiness', NOT_ASSIGNMENT)]),
    }),
    ('leading-slash', '/net/ipv4/tcp_sack = 1\n', {
        'procps': ([(NET_X, '1', 1, False, False, '/proc/sys//net/ipv4/tcp_sack')], []),
        'systemd': ([(NET_X, '1', 1)], []),
        'systemd239': ([(NET_X, '1', 1, False, False, '/net/ipv4/tcp_sack')], []),
    }),
    ('leading-dot', '.net.ipv4.tcp_sack = 1\n', {
        'procps': ([(NET_X, '1', 1, False, False, '/proc/sys//net/ipv4/tcp_sack')], []),
        'systemd': ([(NET_X, '1', 1)], []),
        'systemd239': ([(NET_X, '1', 1, False, False, '/net/ipv4/tcp_sack')], []),
    }),
    ('doubled-separator', 'net..core.somaxconn = 1\n', {
        'procps': ([('net.core.somaxconn', '1', 1, False, False, '/proc/sys/net//core/somaxconn')], []),
        'systemd': ([('net.core.somaxconn', '1', 1)], []),
        # before 245 written as spelt (another entry than net/core/somaxconn): the kernel opens the same file
        'systemd239': ([('net.core.somaxconn', '1', 1, False, False, 'net//core/somaxconn')], []),
    }),
    ('doubled-slash', 'net//core/somaxconn = 1\n', {
        'procps': ([('net.core.somaxconn', '1', 1, False, False, '/proc/sys/net//core/somaxconn')], []),
        'systemd': ([('net.core.somaxconn', '1', 1)], []),
        'systemd239': ([('net.core.somaxconn', '1', 1, False, False, 'net//core/somaxconn')], []),
    }),
    ('trailing-separator', 'net.ipv4.tcp_sack. = 0\n', {
        'procps': ([], [(1, 'net.ipv4.tcp_sack. = 0', 'names no sysctl key (/proc/sys/net/ipv4/tcp_sack/)')]),
        'systemd': ([(NET_X, '0', 1)], []),
        # before 245 written as spelt: net/ipv4/tcp_sack/ is no file (ENOTDIR)
        'systemd239': ([], [(1, 'net.ipv4.tcp_sack. = 0', 'names no sysctl key (net/ipv4/tcp_sack/)')]),
    }),
    ('dotdot-in-a-key', 'net/ipv4/../ipv4/tcp_sack = 0\n', {
        'procps': ([(NET_X, '0', 1, False, False, '/proc/sys/net/ipv4/../ipv4/tcp_sack')], []),
        # systemd 250+ refuses a key that is not a normalised path (EINVAL); before, the kernel resolves it
        'systemd': ([], [(1, 'net/ipv4/../ipv4/tcp_sack = 0', 'names no sysctl key (net/ipv4/../ipv4/tcp_sack)')]),
        'systemd245': ([(NET_X, '0', 1, False, False, 'net/ipv4/../ipv4/tcp_sack')], []),
        'systemd239': ([(NET_X, '0', 1, False, False, 'net/ipv4/../ipv4/tcp_sack')], []),
    }),
    ('cr-inside-a-value', 'net.core.somaxconn = 3\r06\n', {
        'procps': ([('net.core.somaxconn', '3\r06', 1)], []),
        'procps3': ([('net.core.somaxconn', '3', 1)], []),
        'systemd': ([('net.core.somaxconn', '3', 1)], [(2, '06', NOT_ASSIGNMENT)]),
    }),
    ('cr-right-after-the-equals', 'vm.swappiness =\r5\nvm.dirty_ratio = \r6\n', {
        'procps': ([('vm.swappiness', '5', 1), ('vm.dirty_ratio', '6', 2)], []),
        # strtok skips the leading CR; a blank before it is the whole (then empty) value
        'procps3': ([('vm.swappiness', '5', 1), ('vm.dirty_ratio', '', 2)], []),
        'systemd': ([('vm.swappiness', '', 1), ('vm.dirty_ratio', '', 3)], [(2, '5', NOT_ASSIGNMENT),
                                                                            (4, '6', NOT_ASSIGNMENT)]),
    }),
    ('leading-equals', '=vm.swappiness = 1\n==vm.dirty_ratio=2\n', {
        'procps': ([], [(1, '=vm.swappiness = 1', 'names no sysctl key (/proc/sys/)'),
                        (2, '==vm.dirty_ratio=2', 'names no sysctl key (/proc/sys/)')]),
        'procps3': ([('vm.swappiness', '1', 1), ('vm.dirty_ratio', '2', 2)], []),  # strtok skips leading "="
        'systemd': ([], [(1, '=vm.swappiness = 1', 'names no sysctl key ()'),
                         (2, '==vm.dirty_ratio=2', 'names no sysctl key ()')]),
    }),
    ('empty-value', 'vm.swappiness =\nvm.dirty_ratio = \n', {
        'procps': ([('vm.swappiness', '', 1), ('vm.dirty_ratio', '', 2)], []),
        'procps3': ([], [(1, 'vm.swappiness =', 'invalid syntax (empty value): procps 3.3 skips the line'),
                         (2, 'vm.dirty_ratio = ', 'invalid syntax (empty value): procps 3.3 skips the line')]),
        'systemd': ([('vm.swappiness', '', 1), ('vm.dirty_ratio', '', 2)], []),
    }),
    ('key-alone', 'vm.swappiness\n vm.dirty_ratio\n', {
        'procps': ([], [(1, 'vm.swappiness', NOT_ASSIGNMENT), (2, ' vm.dirty_ratio', NOT_ASSIGNMENT)]),
        'procps3': ([('vm.swappiness', '=', 1)],
                    [(2, ' vm.dirty_ratio', 'invalid syntax (no "="): procps 3.3 skips the line')]),
        'systemd': ([], [(1, 'vm.swappiness', NOT_ASSIGNMENT), (2, ' vm.dirty_ratio', NOT_ASSIGNMENT)]),
        'systemd239': ([], [(1, 'vm.swappiness', NOT_ASSIGNMENT), (2, ' vm.dirty_ratio', NOT_ASSIGNMENT)]),
    }),
    ('double-dash', '--vm.swappiness = 1\n', {
        'procps': ([('vm.swappiness', '1', 1, True, False, '/proc/sys/vm/swappiness')], []),
        'procps3': ([('-vm.swappiness', '1', 1, True, False, '/proc/sys/-vm/swappiness')], []),  # one "-" only
        'systemd': ([('-vm.swappiness', '1', 1, True)], []),
        'systemd239': ([('--vm.swappiness', '1', 1, False, False, '--vm/swappiness')], []),
    }),
    ('deprecated-keys', DEPRECATED, {
        'procps': ([('net.ipv4.neigh.lo.base_reachable_time', '40', 1),
                    ('net.ipv6.neigh.lo.retrans_time', '2000', 2, False, False,
                     '/proc/sys/net/ipv6/neigh/lo/retrans_time'),
                    ('net.ipv4.neigh.lo.base_reachable_time_ms', '41000', 3)], []),
        'procps3': ([('net.ipv4.neigh.lo.base_reachable_time_ms', '41000', 3)],
                    [(1, 'net.ipv4.neigh.lo.base_reachable_time = 40',
                      'procps 3.3 never sets base_reachable_time ("deprecated, value not set")'),
                     (2, 'net/ipv6/neigh/lo/retrans_time = 2000',
                      'procps 3.3 never sets retrans_time ("deprecated, value not set")')]),
        'systemd': ([('net.ipv4.neigh.lo.base_reachable_time', '40', 1),
                     ('net.ipv6.neigh.lo.retrans_time', '2000', 2),
                     ('net.ipv4.neigh.lo.base_reachable_time_ms', '41000', 3)], []),
    }),
    ('glob-star', 'net.ipv4.conf.*.rp_filter = 1\n', {
        'procps': ([('net.ipv4.conf.*.rp_filter', '1', 1, False, True)], []),
        'procps3': ([], [(1, 'net.ipv4.conf.*.rp_filter = 1', NO_GLOBS['procps3'])]),
        'systemd': ([('net.ipv4.conf.*.rp_filter', '1', 1, False, True)], []),
        'systemd239': ([], [(1, 'net.ipv4.conf.*.rp_filter = 1', NO_GLOBS['systemd239'])]),
        'systemd_rhel7': ([], [(1, 'net.ipv4.conf.*.rp_filter = 1', NO_GLOBS['systemd_rhel7'])]),
    }),
    ('bracket-is-a-glob', 'net.ipv4.conf.[^d]*.arp_filter = 1\n', {
        'procps': ([('net.ipv4.conf.[^d]*.arp_filter', '1', 1, False, True)], []),
        'procps3': ([], [(1, 'net.ipv4.conf.[^d]*.arp_filter = 1', NO_GLOBS['procps3'])]),
        'systemd': ([('net.ipv4.conf.[^d]*.arp_filter', '1', 1, False, True)], []),
        'systemd239': ([], [(1, 'net.ipv4.conf.[^d]*.arp_filter = 1', NO_GLOBS['systemd239'])]),
        'systemd_rhel7': ([], [(1, 'net.ipv4.conf.[^d]*.arp_filter = 1', NO_GLOBS['systemd_rhel7'])]),
    }),
    ('question-mark-is-a-glob', 'net.ipv4.conf.eth?.rp_filter = 1\n', {
        'procps': ([('net.ipv4.conf.eth?.rp_filter', '1', 1, False, True)], []),
        'procps3': ([], [(1, 'net.ipv4.conf.eth?.rp_filter = 1', NO_GLOBS['procps3'])]),
        'systemd': ([('net.ipv4.conf.eth?.rp_filter', '1', 1, False, True)], []),
        'systemd239': ([], [(1, 'net.ipv4.conf.eth?.rp_filter = 1', NO_GLOBS['systemd239'])]),
        'systemd_rhel7': ([], [(1, 'net.ipv4.conf.eth?.rp_filter = 1', NO_GLOBS['systemd_rhel7'])]),
    }),
    ('short-lines', 'a\n b\n', {
        # procps skips lines with fewer than two characters once stripped; systemd reports them
        'procps': NONE,
        'systemd': ([], [(1, 'a', NOT_ASSIGNMENT), (2, ' b', NOT_ASSIGNMENT)]),
    }),
    ('just-under-a-mib', JUST_UNDER + '\nvm.swappiness = 1\n', {
        'procps': ([('kernel.domainname', JUST_UNDER[len('kernel.domainname = '):], 1), ('vm.swappiness', '1', 2)],
                   []),
        'systemd': ([('kernel.domainname', JUST_UNDER[len('kernel.domainname = '):], 1), ('vm.swappiness', '1', 2)],
                    []),
    }),
    ('a-mib-line-ends-a-systemd-file', MIB_LINE + '\nvm.swappiness = 1\n', {
        'procps': ([('kernel.domainname', MIB_LINE[len('kernel.domainname = '):], 1), ('vm.swappiness', '1', 2)], []),
        'systemd': ([], [(1, MIB_LINE[:80], 'line of %d bytes: systemd-sysctl stops reading this file here'
                          % LONG_LINE_MAX)]),
    }),
    ('latin-1-bytes-kept', 'kernel.domainname = caf\xc3\xa9\n', {
        'procps': ([('kernel.domainname', 'caf\xc3\xa9', 1)], []),
        'systemd': ([('kernel.domainname', 'caf\xc3\xa9', 1)], []),
    }),
]


# Whom an applier reads like when a case names no expectation of its own.
FALLBACK = {'procps3': ('procps',), 'systemd245': ('systemd',), 'systemd239': ('systemd245', 'systemd'),
            'systemd_rhel7': ('systemd239', 'systemd245', 'systemd')}


def _grammar_result(results, applier):
    for name in (applier,) + FALLBACK.get(applier, ()):
        if name in results:
            return results[name]
    raise AssertionError('no expectation for %s' % applier)


@pytest.mark.parametrize('applier', APPLIERS)
@pytest.mark.parametrize('text, results', [case[1:] for case in GRAMMAR_CASES], ids=[case[0] for case in GRAMMAR_CASES])
def test_grammars(text, results, applier):
    expected = _grammar_result(results, applier)
    if applier == 'systemd_rhel7' and any(len(line) > 2047 for line in text.split('\n')):
        pytest.skip('systemd_rhel7 cuts long lines: see test_rhel7_cuts_long_lines')
    assert parse_conf(text, SRC, applier) == expand(expected, applier)


def test_rhel7_cuts_long_lines():
    # fgets() of systemd 219 into a 2048-byte buffer: the rest of a long line is read as the next line.
    value = 'x' * 3000
    text = 'kernel.domainname = %s\nvm.swappiness = 1\n' % value
    head = ('kernel.domainname = ' + value)[:2047]
    rest = ('kernel.domainname = ' + value)[2047:]
    assert parse_conf(text, SRC, 'systemd_rhel7') == expand(
        ([('kernel.domainname', head[len('kernel.domainname = '):], 1), ('vm.swappiness', '1', 3)],
         [(2, rest, NOT_ASSIGNMENT)]), 'systemd_rhel7')


def test_vertical_tab_kept_by_systemd_is_rejected_by_the_kernel():
    (procps,), dummy = parse_conf('vm.swappiness = 10\x0b\n', SRC, 'procps')
    (systemd,), dummy = parse_conf('vm.swappiness = 10\x0b\n', SRC, 'systemd')
    assert write('vm.swappiness', '60', procps.value).state == 'accepted'
    assert write('vm.swappiness', '60', systemd.value).state == 'rejected'


def test_problem_text_is_for_people():
    # The text of a problem line is shown as UTF-8 where the bytes are UTF-8.
    dummy, (problem,) = parse_conf('caf\xc3\xa9 au lait\n', SRC, 'systemd')
    assert problem == P(1, 'caf\xe9 au lait', NOT_ASSIGNMENT)
    assert display('caf\xc3\xa9') == 'caf\xe9'
    assert display('caf\xe9') == 'caf\ufffd'


# (raw key, procps path below /proc/sys/, its canonical key or None)
SLASHDOT_CASES = [
    ('net.ipv4.tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net/ipv4/tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net.ipv4.conf.eth0/100.rp_filter', 'net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
    ('net/ipv4/conf/eth0.100/rp_filter', 'net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
    ('.net.ipv4.tcp_sack', '/net/ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net..ipv4.tcp_sack', 'net//ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net.ipv4.tcp_sack.', 'net/ipv4/tcp_sack/', None),
    ('kernel', 'kernel', 'kernel'),
    ('net/./ipv4/tcp_sack', 'net/./ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net/ipv4/../core/somaxconn', 'net/ipv4/../core/somaxconn', 'net.core.somaxconn'),
    ('net/../../../etc/passwd', 'net/../../../etc/passwd', None),
    ('../x.y', '//.x/y', '/x.y'),  # a component named ".x"
]


@pytest.mark.parametrize('raw, path, key', SLASHDOT_CASES, ids=[case[0] for case in SLASHDOT_CASES])
def test_procps_paths(raw, path, key):
    assert slashdot(raw) == path
    assert procps_key('/proc/sys/' + path) == key


# (raw key, systemd normalised key (245+), its canonical key or None (250+: '..' refused), before 245: the key as spelt
# (separators swapped), the key the kernel opens for it or None)
NORMALIZE_CASES = [
    ('net.ipv4.tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('/net/ipv4/tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack', '/net/ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('.net.ipv4.tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack', '/net/ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net..core.somaxconn', 'net/core/somaxconn', 'net.core.somaxconn', 'net//core/somaxconn', 'net.core.somaxconn'),
    ('net.ipv4.tcp_sack.', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack', 'net/ipv4/tcp_sack/', None),
    ('net/./ipv4/tcp_sack', 'net/ipv4/tcp_sack', 'net.ipv4.tcp_sack', 'net/./ipv4/tcp_sack', 'net.ipv4.tcp_sack'),
    ('net/../x', 'net/../x', None, 'net/../x', 'x'),
    ('net/ipv4/../core/somaxconn', 'net/ipv4/../core/somaxconn', None, 'net/ipv4/../core/somaxconn',
     'net.core.somaxconn'),
    ('net/../../etc/passwd', 'net/../../etc/passwd', None, 'net/../../etc/passwd', None),  # outside /proc/sys
    ('net.ipv4.conf.eth0/100.rp_filter', 'net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter',
     'net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter'),
    ('', '', None, '', None),
]


@pytest.mark.parametrize('raw, normalised, key, spelt, opened', NORMALIZE_CASES,
                         ids=[case[0] or 'empty' for case in NORMALIZE_CASES])
def test_systemd_keys(raw, normalised, key, spelt, opened):
    assert systemd_normalize(raw) == normalised
    assert systemd_key(normalised) == key
    assert slashdot(raw) == spelt
    assert procps_key('/proc/sys/' + spelt) == opened


def test_line_numbers_and_sources_of_every_applier():
    text = '# x\n\nvm.swappiness = 1\n\n\nkernel.pid_max = 2\n'
    for applier in APPLIERS:
        assignments, problems = parse_conf(text, '/run/sysctl.d/a.conf', applier)
        assert [(item.key, item.line, item.source) for item in assignments] == [
            ('vm.swappiness', 3, '/run/sysctl.d/a.conf'), ('kernel.pid_max', 6, '/run/sysctl.d/a.conf')]
        assert problems == []

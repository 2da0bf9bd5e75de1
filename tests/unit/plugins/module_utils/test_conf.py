# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Assignment, Problem, parse_conf

SRC = '/etc/sysctl.d/50-test.conf'
NOT_ASSIGNMENT = 'not an assignment (no "=")'


def A(key, value, line, ignore_failure=False, is_glob=False):
    return Assignment(key, value, ignore_failure, is_glob, SRC, line)


def P(line, text, reason):
    return Problem(SRC, line, text, reason)


# (text, expected assignments, expected problems)
PARSE_CASES = [
    ('', [], []),
    ('\n\n   \n\t\n', [], []),
    ('net.core.somaxconn = 4096', [A('net.core.somaxconn', '4096', 1)], []),
    ('net.core.somaxconn=4096\n', [A('net.core.somaxconn', '4096', 1)], []),
    ('  net.core.somaxconn \t=\t 4096  \n', [A('net.core.somaxconn', '4096', 1)], []),
    ('# net.core.somaxconn = 1\n; net.core.somaxconn = 2\n   # indented\n\t; tabbed\n#\n;', [], []),
    ('\n\n# header\nvm.swappiness = 10\n\n; x\nkernel.pid_max = 65536\n',
     [A('vm.swappiness', '10', 4), A('kernel.pid_max', '65536', 7)], []),
    ('net.ipv4.ip_local_port_range = 32768\t60999\n',
     [A('net.ipv4.ip_local_port_range', '32768\t60999', 1)], []),
    ('kernel.core_pattern = |/usr/lib/systemd/systemd-coredump %P a=b\n',
     [A('kernel.core_pattern', '|/usr/lib/systemd/systemd-coredump %P a=b', 1)], []),
    ('kernel.domainname = a#b ;c\n', [A('kernel.domainname', 'a#b ;c', 1)], []),
    ('kernel.domainname =\n', [A('kernel.domainname', '', 1)], []),
    ('-net.ipv4.conf.eth9.rp_filter = 1\n', [A('net.ipv4.conf.eth9.rp_filter', '1', 1, ignore_failure=True)], []),
    ('  -  net.core.somaxconn = 1\n', [A('net.core.somaxconn', '1', 1, ignore_failure=True)], []),
    ('-net.ipv4.conf.eth0.rp_filter\n', [A('net.ipv4.conf.eth0.rp_filter', None, 1, ignore_failure=True)], []),
    ('  - net.ipv4.conf.eth0.rp_filter  \n', [A('net.ipv4.conf.eth0.rp_filter', None, 1, ignore_failure=True)], []),
    ('-net/ipv4/conf/eth0.100/rp_filter\n',
     [A('net.ipv4.conf.eth0/100.rp_filter', None, 1, ignore_failure=True)], []),
    ('net.ipv4.conf.*.rp_filter = 2\n', [A('net.ipv4.conf.*.rp_filter', '2', 1, is_glob=True)], []),
    ('-net.ipv4.conf.*.rp_filter = 2\n',
     [A('net.ipv4.conf.*.rp_filter', '2', 1, ignore_failure=True, is_glob=True)], []),
    ('net/ipv4/conf/eth?/rp_filter = 0\n', [A('net.ipv4.conf.eth?.rp_filter', '0', 1, is_glob=True)], []),
    ('-net.ipv4.conf.*.rp_filter\n', [], [P(1, '-net.ipv4.conf.*.rp_filter', 'a glob cannot be excluded')]),
    ('net/ipv4/conf/eth0.100/rp_filter = 0\n', [A('net.ipv4.conf.eth0/100.rp_filter', '0', 1)], []),
    ('net.ipv4.conf.eth0/100.rp_filter = 0\n', [A('net.ipv4.conf.eth0/100.rp_filter', '0', 1)], []),
    ('vm.swappiness = 10\ngarbage\nkernel.pid_max = 65536\n',
     [A('vm.swappiness', '10', 1), A('kernel.pid_max', '65536', 3)], [P(2, 'garbage', NOT_ASSIGNMENT)]),
    ('\n   garbage here  \n', [], [P(2, '   garbage here  ', NOT_ASSIGNMENT)]),
    ('net.core.some maxconn = 1\n', [],
     [P(1, 'net.core.some maxconn = 1',
        "sysctl key 'net.core.some maxconn' contains characters not allowed in a sysctl key: ' '")]),
    ('= 5\n', [], [P(1, '= 5', 'empty sysctl key')]),
    ('-\n', [], [P(1, '-', 'empty sysctl key')]),
    ('/proc/sys/vm/swappiness = 10\n', [],
     [P(1, '/proc/sys/vm/swappiness = 10',
        "sysctl key '/proc/sys/vm/swappiness' must not start with a separator (no absolute paths)")]),
    ('net/../x = 1\n', [], [P(1, 'net/../x = 1', 'sysctl key \'net/../x\' has an empty, "." or ".." component')]),
    ('kernel = 1\n', [],
     [P(1, 'kernel = 1', 'sysctl key \'kernel\' has no separator: a key looks like "net.core.somaxconn"')]),
    ('vm.swappiness = 10\r\nkernel.pid_max = 1\r\n', [A('vm.swappiness', '10', 1), A('kernel.pid_max', '1', 2)], []),
    ('vm.swappiness = 10\nvm.swappiness = 60\n', [A('vm.swappiness', '10', 1), A('vm.swappiness', '60', 2)], []),
    ('vm.swappiness = 10\n-vm.swappiness\nnet.ipv4.conf.*.rp_filter = 1\nbad line\n',
     [A('vm.swappiness', '10', 1), A('vm.swappiness', None, 2, ignore_failure=True),
      A('net.ipv4.conf.*.rp_filter', '1', 3, is_glob=True)],
     [P(4, 'bad line', NOT_ASSIGNMENT)]),
]
PARSE_IDS = [
    'empty', 'blank-lines', 'assignment', 'no-spaces-around-equals', 'whitespace-around-equals',
    'comments-hash-and-semicolon', 'line-numbers-count-blank-and-comment-lines', 'tab-inside-value-kept',
    'equals-inside-value', 'hash-and-semicolon-inside-value', 'empty-value', 'leading-dash',
    'leading-dash-then-spaces', 'exclusion', 'exclusion-with-whitespace', 'exclusion-slashed',
    'glob', 'glob-with-leading-dash', 'glob-slashed', 'glob-exclusion-is-problem', 'slashed-key',
    'dotted-key-with-slash', 'garbage-line-with-number', 'garbage-raw-text-kept', 'invalid-key',
    'missing-key', 'dash-alone', 'absolute-key', 'dotdot-key', 'no-separator-key', 'crlf',
    'duplicates-kept-in-order', 'mixed',
]


@pytest.mark.parametrize('text, assignments, problems', PARSE_CASES, ids=PARSE_IDS)
def test_parse_conf(text, assignments, problems):
    assert parse_conf(text, SRC) == (assignments, problems)


def test_parse_conf_fields():
    (assignment,), problems = parse_conf('-net.ipv4.conf.*.rp_filter = 2', '/run/sysctl.d/x.conf')
    assert problems == []
    assert assignment.key == 'net.ipv4.conf.*.rp_filter'
    assert assignment.value == '2'
    assert assignment.ignore_failure is True
    assert assignment.is_glob is True
    assert assignment.source == '/run/sysctl.d/x.conf'
    assert assignment.line == 1


@pytest.mark.parametrize('separator', ['\x0c', '\x0b', '\u2028'], ids=['form-feed', 'vertical-tab', 'line-separator'])
def test_parse_conf_counts_only_real_line_breaks(separator):
    text = '# section%snext section\nnet.core.somaxconn = 4096\n' % separator
    assert parse_conf(text, SRC) == ([A('net.core.somaxconn', '4096', 2)], [])

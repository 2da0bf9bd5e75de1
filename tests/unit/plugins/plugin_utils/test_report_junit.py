# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JUnit report (report.junit.xml): read back by a JUnit library (junitparser), checked against Jenkins' schema
junit-10.xsd (tests/tools/junit_xsd.py fetches it from pytest's sdist), and written from hostile host data.

junitparser, xmlschema and hypothesis come with requirements/test.txt; where one is missing the tests that need it
skip, saying why, except with CI=true, where they fail.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import time
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._audit import drift_lines
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import STATUSES
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils import _report_junit
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report import build_report
from ansible_collections.kerneltune.sysctl.plugins.plugin_utils._report_junit import KINDS, explain, write_junit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
IN_CI = os.environ.get('CI') == 'true'

try:
    import junitparser
except ImportError:
    junitparser = None
try:
    import xmlschema
except ImportError:
    xmlschema = None
try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:
    given = None


def unavailable(why):
    """Skip with the reason, or fail with CI=true (CI has everything)."""
    if IN_CI:
        pytest.fail('%s (CI=true: everything must be there)' % why)
    pytest.skip(why)


def need_junitparser():
    if junitparser is None:
        unavailable('junitparser is not installed (pip install -r requirements/test.txt)')
    return junitparser


_SCHEMA = []


def schema():
    """Jenkins' junit-10.xsd as an xmlschema.XMLSchema (fetched once per session)."""
    if xmlschema is None:
        unavailable('xmlschema is not installed (pip install -r requirements/test.txt)')
    if not _SCHEMA:
        spec = importlib.util.spec_from_file_location('kt_junit_xsd', os.path.join(ROOT, 'tests', 'tools', 'junit_xsd.py'))
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        try:
            _SCHEMA.append(xmlschema.XMLSchema(tool.junit_xsd()))
        except tool.Unavailable as exc:
            _SCHEMA.append(str(exc))
    if isinstance(_SCHEMA[0], str):
        unavailable('junit-10.xsd: %s' % _SCHEMA[0])
    return _SCHEMA[0]


TW = 'net.ipv4.tcp_max_tw_buckets'
SYN = 'net.ipv4.tcp_max_syn_backlog'
SOMAXCONN = 'net.core.somaxconn'
RMEM = 'net.ipv4.tcp_rmem'
TYPO = 'net.ipv4.tcp_max_tw_bucket'
FLUSH = 'net.ipv4.route.flush'
REUSE = 'net.ipv4.tcp_tw_reuse'
FIN = 'net.ipv4.tcp_fin_timeout'
GENERATED = '2026-11-26T15:00:00Z'


def entry(status, live, expected, boot=None, boot_source=None, reload=None, reload_source=None, reason=None,
          **extra):
    """An audit entry with every field the audit module returns."""
    value = dict(live=live, boot=boot, boot_source=boot_source, reload=reload, reload_source=reload_source,
                 checked_by='kernel', kernel_default=None, rejected=[], undecided=None, blocked=None, reason=reason,
                 expected=expected, baseline=None, at_baseline=None, status=status)
    value.update(extra)
    return value


def fleet():
    """Three audited hosts with every status, one unreachable, one failed: (results, unreachable, failed)."""
    conf = '/etc/sysctl.conf:12'
    results = {
        'web1.example.com': dict(boot_applier='systemd', summary={}, sysctl={
            TW: entry('drift', '5000', {'min': 262144}, '5000', conf, '5000', conf,
                      'the next boot applies 5000 from /etc/sysctl.conf:12', baseline='5000', at_baseline=True),
            SYN: entry('boot_drift', '8192', {'min': 8192}, '1024', '/etc/sysctl.d/60-app.conf:3', '1024',
                       '/etc/sysctl.d/60-app.conf:3', 'the next boot applies 1024 from /etc/sysctl.d/60-app.conf:3'),
            SOMAXCONN: entry('ok', '4096', {'min': 4096}, '4096', '/etc/sysctl.d/90-kerneltune.conf:1', '4096',
                             '/etc/sysctl.d/90-kerneltune.conf:1'),
        }, pressure=dict(verdict={TW: 'overflowed'})),
        'web2': dict(boot_applier='procps', summary={}, sysctl={
            TW: entry('boot_drift', '262144', {'min': 262144}, reason='nothing persists it'),
            RMEM: entry('boot_drift', '4096 131072 6291456', '4096 131072 6291456', '4096 131072 6291456',
                        '/etc/sysctl.d/90-kerneltune.conf:2', '4096 87380 6291456', '/etc/sysctl.conf:7',
                        'the next sysctl --system applies 4096 87380 6291456 from /etc/sysctl.conf:7'),
            TYPO: entry('missing', None, {'min': 262144}, reason='unknown sysctl key net.ipv4.tcp_max_tw_bucket: '
                        'this kernel has no /proc/sys/net/ipv4/tcp_max_tw_bucket; did you mean '
                        'net.ipv4.tcp_max_tw_buckets?'),
        }),
        'web3': dict(boot_applier='systemd', summary={}, sysctl={
            FLUSH: entry('unreadable', None, '1', error='cannot read net.ipv4.route.flush from '
                         '/proc/sys/net/ipv4/route/flush: Permission denied'),
            REUSE: entry('undecided', '1', {'one_of': ['1', '2']}, reason='the next boot cannot be predicted: '
                         '/etc/sysctl.d/secret.conf cannot be read (Permission denied)',
                         undecided='/etc/sysctl.d/secret.conf cannot be read (Permission denied)'),
            FIN: entry('boot_drift', '15', {'max': 30}, reason='the kernel rejects every value written at the next '
                       'boot: /etc/sysctl.d/60-x.conf:4: Invalid argument',
                       rejected=['/etc/sysctl.d/60-x.conf:4: Invalid argument']),
        }),
    }
    unreachable = {'down1': 'Failed to connect to the host via ssh: ssh: connect to host down1 port 22: '
                            'Connection refused'}
    failed = {'old': 'MODULE FAILURE\nSee stdout/stderr for the exact error'}
    return results, unreachable, failed


def fleet_report():
    results, unreachable, failed = fleet()
    return build_report(results, unreachable, failed, 'high_connection', 'alibaba_cloud_default', GENERATED)


# (host, key) -> (element, type, message), spelled out: what a CI user reads for each key that is not ok.
EXPECTED = {
    ('web1.example.com', TW): (
        'failure', 'drift', 'net.ipv4.tcp_max_tw_buckets is 5000, expected >= 262144: drift, still at '
        'alibaba_cloud_default; the next boot applies 5000 from /etc/sysctl.conf:12; the next sysctl --system '
        'applies 5000 from /etc/sysctl.conf:12'),
    ('web1.example.com', SYN): (
        'failure', 'boot_drift', 'net.ipv4.tcp_max_syn_backlog is 8192, expected >= 8192: boot_drift, the next boot '
        'applies 1024 from /etc/sysctl.d/60-app.conf:3; the next sysctl --system applies 1024 from '
        '/etc/sysctl.d/60-app.conf:3'),
    ('web2', TW): (
        'failure', 'boot_drift', 'net.ipv4.tcp_max_tw_buckets is 262144, expected >= 262144: boot_drift, nothing '
        'persists it; the next sysctl --system leaves it as it is'),
    ('web2', RMEM): (
        'failure', 'boot_drift', 'net.ipv4.tcp_rmem is 4096 131072 6291456, expected 4096 131072 6291456: '
        'boot_drift, the next sysctl --system applies 4096 87380 6291456 from /etc/sysctl.conf:7; the next boot '
        'applies 4096 131072 6291456 from /etc/sysctl.d/90-kerneltune.conf:2'),
    ('web2', TYPO): (
        'failure', 'missing', 'net.ipv4.tcp_max_tw_bucket is absent, expected >= 262144: missing; unknown sysctl key '
        'net.ipv4.tcp_max_tw_bucket: this kernel has no /proc/sys/net/ipv4/tcp_max_tw_bucket; did you mean '
        'net.ipv4.tcp_max_tw_buckets?'),
    ('web3', FLUSH): (
        'skipped', 'unreadable', 'net.ipv4.route.flush cannot be read, expected 1: unreadable (cannot read '
        'net.ipv4.route.flush from /proc/sys/net/ipv4/route/flush: Permission denied)'),
    ('web3', REUSE): (
        'skipped', 'undecided', 'net.ipv4.tcp_tw_reuse is 1, expected one of 1, 2: undecided, the next boot cannot '
        'be predicted: /etc/sysctl.d/secret.conf cannot be read (Permission denied)'),
    ('web3', FIN): (
        'failure', 'boot_drift', 'net.ipv4.tcp_fin_timeout is 15, expected <= 30: boot_drift, the kernel rejects '
        'every value written at the next boot: /etc/sysctl.d/60-x.conf:4: Invalid argument; the next sysctl '
        '--system leaves it as it is'),
    ('down1', 'audit'): (
        'failure', 'unreachable', 'host unreachable: Failed to connect to the host via ssh: ssh: connect to host '
        'down1 port 22: Connection refused'),
    ('old', 'audit'): ('error', 'failed', 'audit failed: MODULE FAILURE'),
}


def write(report, tmp_path, name='report.junit.xml'):
    path = str(tmp_path / name)
    with open(path, 'wb') as out:
        write_junit(report, out)
    return path


def test_every_status_is_mapped():
    assert set(KINDS) == set(STATUSES)
    assert KINDS['ok'] is None
    assert set(status for status, kind in KINDS.items() if kind == 'failure') == {'drift', 'boot_drift', 'missing'}


def test_fleet_read_by_junitparser(tmp_path):
    jp = need_junitparser()
    report = fleet_report()
    xml = jp.JUnitXml.fromfile(write(report, tmp_path))
    assert (xml.tests, xml.failures, xml.errors) == (11, 7, 1)
    suites = list(xml)
    assert [suite.name for suite in suites] == report['host_order'] + ['down1', 'old']
    assert report['host_order'] == ['web1.example.com', 'web2', 'web3']
    results, dummy, dummy = fleet()
    seen = {}
    for suite in suites:
        assert suite.hostname == suite.name
        assert suite.timestamp == GENERATED
        cases = list(suite)
        if suite.name in results:
            assert [case.name for case in cases] == sorted(results[suite.name]['sysctl'])
        else:
            assert [case.name for case in cases] == ['audit']
        assert {case.classname for case in cases} == {'sysctl.' + suite.name.replace('.', '_')}
        counted = {'failure': 0, 'error': 0, 'skipped': 0}
        for case in cases:
            if not case.result:
                seen[suite.name, case.name] = None
                continue
            assert len(case.result) == 1
            result = case.result[0]
            kind = {jp.Failure: 'failure', jp.Error: 'error', jp.Skipped: 'skipped'}[type(result)]
            counted[kind] += 1
            seen[suite.name, case.name] = (kind, result.type, result.message)
            assert result.text.split('\n')[0] == result.message
        assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
            len(cases), counted['failure'], counted['error'], counted['skipped'])
    assert {where: what for where, what in seen.items() if what} == EXPECTED
    assert sorted(where for where, what in seen.items() if what is None) == [('web1.example.com', SOMAXCONN)]
    properties = dict((p.name, p.value) for p in suites[0].properties())
    assert properties == {'profile': 'high_connection', 'baseline_profile': 'alibaba_cloud_default',
                          'boot_applier': 'systemd', 'pressure': 'overflowed'}


def test_texts(tmp_path):
    jp = need_junitparser()
    suites = {suite.name: suite for suite in jp.JUnitXml.fromfile(write(fleet_report(), tmp_path))}
    failed = list(suites['old'])[0].result[0]
    assert failed.text == 'audit failed: MODULE FAILURE\nSee stdout/stderr for the exact error'
    fin = [case for case in suites['web3'] if case.name == FIN][0].result[0]
    assert fin.text == fin.message + '\nrejected: ["/etc/sysctl.d/60-x.conf:4: Invalid argument"]'
    tw = [case for case in suites['web1.example.com'] if case.name == TW][0].result[0]
    assert tw.text == tw.message


def test_sentences_start_as_the_audit_words_them():
    """The message is _audit.drift_lines' sentence for the key, then what the next boot and reload do."""
    results, dummy, dummy = fleet()
    for result in results.values():
        for key, value in result['sysctl'].items():
            if value['status'] != 'ok':
                assert explain(key, value, 'alibaba_cloud_default').startswith(
                    drift_lines({key: value}, 'alibaba_cloud_default')[0])


def test_well_formed_and_schema_valid(tmp_path):
    path = write(fleet_report(), tmp_path)
    ET.parse(path)
    schema().validate(path)


def test_empty_report(tmp_path):
    path = write(build_report({}, {}, {}, None, None, GENERATED), tmp_path)
    root = ET.parse(path).getroot()
    assert root.tag == 'testsuites' and len(root) == 0
    assert (root.get('tests'), root.get('failures'), root.get('errors')) == ('0', '0', '0')
    assert root.get('name') == 'kerneltune.sysctl audit'
    schema().validate(path)


NASTY = 'a<b>&c"d\'e]]>\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\ud800\udfff\ufffe\uffff\t\r\n\u2028\U0001f600 end'
VISIBLE = 'a<b>&c"d\'e]]>\\x00\\x01\\x08\\x0b\\x0c\\x0e\\x1f\x7f\\ud800\\udfff\\ufffe\\uffff\t\r\n\u2028\U0001f600 end'


def hostile_report():
    huge = 'x' * (5 * 1024 * 1024)
    hosts = {
        NASTY: {'sysctl': {
            NASTY: entry('drift', NASTY, NASTY, NASTY, NASTY, NASTY, NASTY, NASTY, **{NASTY: NASTY}),
            'huge': entry('drift', huge, {'min': huge}, huge, huge, huge, huge, huge, rejected=[huge]),
            'list': ['not', 'a', 'dict'],
            'none': None,
            'no-status': {'live': '1'},
            'bad-status': entry('weird', '1', '1'),
            'unhashable-status': entry(['drift'], '1', '1'),
            'odd-fields': entry('drift', 17, {'min': (1, 2)}, [1], {'a': 1}, 2.5, True, {'why': [None]},
                                at_baseline='yes', rejected='one', blocked=7),
            'odd-expected': entry('missing', None, {'one_of': [1, 2]}),
            'big-int': entry('drift', 10 ** 5000, {'max': 10 ** 5000}),
            'many-fields': dict(entry('boot_drift', '1', '1'), **{'extra%03d' % i: i for i in range(100)}),
            'unreadable': entry('unreadable', None, '1', error=None),
        }},
        'string-result': 'oops',
        'list-sysctl': {'sysctl': ['a', 'b']},
        'no-sysctl': {},
    }
    return dict(generated=NASTY, profile=NASTY, baseline_profile=NASTY, hosts=hosts,
                host_order=[NASTY, 'string-result', 'list-sysctl', ['unhashable'], 'not-in-hosts'],
                unreachable={NASTY: NASTY, 'none': None}, failed=['listed', 'as', 'a', 'list'])


def test_hostile_data_well_formed_and_schema_valid(tmp_path):
    report = hostile_report()
    before = copy.deepcopy(report)
    path = write(report, tmp_path)
    assert report == before  # the report is not changed
    assert os.path.getsize(path) < 1024 * 1024  # the 5 MiB strings are cut
    root = ET.parse(path).getroot()
    suites = root.findall('testsuite')
    # host_order (an unhashable host and one without a result each make a suite), the host it leaves out, then the
    # unreachable and the failed hosts
    assert len(suites) == 5 + 1 + 2 + 4
    assert suites[0].get('name') == VISIBLE
    assert suites[5].get('name') == 'no-sysctl' and suites[5].get('tests') == '0'
    assert [s.get('name') for s in suites[8:]] == ['listed', 'as', 'a', 'list']
    cases = {case.get('name'): case for case in suites[0].findall('testcase')}
    assert len(cases) == 12
    nasty = cases[VISIBLE].find('failure')
    assert nasty.get('type') == 'drift'
    assert nasty.get('message').startswith(VISIBLE + ' is ' + VISIBLE + ', expected ' + VISIBLE + ': drift')
    assert nasty.text.startswith(nasty.get('message') + '\n')
    assert (VISIBLE + ': ' + VISIBLE) in nasty.text  # the field of another name
    huge = cases['huge'].find('failure')
    assert len(huge.get('message')) < 5000 and 'more characters)' in huge.get('message')
    for name, reason in (('list', 'the audit entry of list is a list, not a mapping'),
                         ('none', 'the audit entry of none is a NoneType, not a mapping'),
                         ('no-status', 'the audit entry of no-status has no status'),
                         ('bad-status', 'the audit entry of bad-status has the status weird, none of ' +
                          ', '.join(STATUSES)),
                         ('unhashable-status', 'the audit entry of unhashable-status has the status ["drift"], none of ' +
                          ', '.join(STATUSES))):
        error = cases[name].find('error')
        assert (error.get('type'), error.get('message')) == ('malformed', reason)
    odd = cases['odd-fields'].find('failure').get('message')
    assert odd.startswith('odd-fields is 17, expected {"min": [1, 2]}: drift, still at ' + VISIBLE)
    assert cases['odd-expected'].find('failure').get('message') == 'odd-expected is absent, expected {"one_of": [1, 2]}: missing'
    assert 'cannot be shown' in cases['big-int'].find('failure').get('message')
    assert cases['many-fields'].find('failure').text.endswith('; 80 more fields')
    assert cases['unreadable'].find('skipped').get('message') == 'unreadable cannot be read, expected 1: unreadable (null)'
    assert suites[1].find('testcase/error').get('message') == 'the audit result is a str, not a mapping'
    assert suites[2].find('testcase/error').get('message') == 'its sysctl results are a list, not a mapping'
    assert suites[3].get('name') == '["unhashable"]'
    assert suites[4].find('testcase/error').get('message') == 'the audit result is a NoneType, not a mapping'
    assert suites[6].find('testcase/failure').get('message') == 'host unreachable: ' + VISIBLE.split('\n', maxsplit=1)[0]
    assert suites[7].find('testcase/failure').get('message') == 'host unreachable: no reason given'
    assert suites[8].find('testcase/error').get('message') == 'audit failed: no reason given'
    totals = [sum(int(s.get(attr)) for s in suites) for attr in ('tests', 'failures', 'errors')]
    assert totals == [int(root.get(attr)) for attr in ('tests', 'failures', 'errors')]
    assert len(root.findall('testsuite/testcase')) == totals[0]
    schema().validate(path)


HOSTS, KEYS = 10000, 30
SECONDS = 3.0
TRACED_HOSTS = 2000  # tracemalloc makes the write about four times slower; the writer holds one host at a time
MEMORY_BOUND = 16 * 1024 * 1024  # traced while writing, the input not counted; measured 1.4 MiB (10,000 hosts too)


def synthetic_report(hosts=HOSTS, keys=KEYS):
    """A report of ``hosts`` x ``keys``: a third of the keys not ok, every status, values unique per host."""
    results = {}
    cycle = ('drift', 'boot_drift', 'missing', 'undecided', 'unreadable', 'drift')
    template = entry('ok', None, {'min': 262144}, baseline='5000', kernel_default='131072')
    for h in range(hosts):
        entries = {}
        for k in range(keys):
            value = template.copy()
            status = cycle[(h + k) % 6] if (h * k) % 3 == 0 else 'ok'
            value.update(status=status, live=None if status in ('missing', 'unreadable') else str(1000 + h + k),
                         boot=str(k), boot_source='/etc/sysctl.d/90-kerneltune.conf:%d' % k, reload=str(k),
                         reload_source='/etc/sysctl.conf:%d' % k, at_baseline=k % 7 == 0,
                         expected={'min': 262144}, reason=None if status == 'ok' else
                         'the next boot applies %d from /etc/sysctl.d/90-kerneltune.conf:%d' % (k, k))
            entries['net.ipv4.synthetic_key_%02d' % k] = value
        results['host-%05d.example.com' % h] = dict(sysctl=entries, summary={}, boot_applier='systemd')
    order = sorted(results)
    return dict(generated=GENERATED, profile='high_connection', baseline_profile='alibaba_cloud_default',
                hosts=results, host_order=order, unreachable={'down': 'unreachable'}, failed={'bad': 'failed'})


def test_ten_thousand_hosts_fast_in_bounded_memory(tmp_path):
    report = synthetic_report()
    path = str(tmp_path / 'report.junit.xml')
    start = time.process_time()
    with open(path, 'wb') as out:
        write_junit(report, out)
    cpu = time.process_time() - start
    size = os.path.getsize(path)
    with open(path, 'rb') as handle:
        data = handle.read()  # the smaller reports above are parsed; here count the elements
    assert (data.count(b'<testsuite '), data.count(b'<testcase ')) == (HOSTS + 2, HOSTS * KEYS + 2)
    assert data.count(b'<failure ') == sum(1 for result in report['hosts'].values() for value in result['sysctl'].values()
                                           if value['status'] in ('drift', 'boot_drift', 'missing')) + 1
    del data
    part = dict(report, host_order=report['host_order'][:TRACED_HOSTS])
    part['hosts'] = dict((host, report['hosts'][host]) for host in part['host_order'])
    tracemalloc.start()
    try:
        with open(path, 'wb') as out:
            write_junit(part, out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print('JUnit report, %d hosts x %d keys: %.2f s CPU, %.1f MiB; peak traced memory writing %d hosts: %.1f MiB'
          % (HOSTS, KEYS, cpu, size / 2.0 ** 20, TRACED_HOSTS, peak / 2.0 ** 20))
    assert cpu < SECONDS
    assert peak < MEMORY_BOUND


if given is not None:
    _TEXT = st.text(st.one_of(st.characters(), st.characters(categories=['Cs', 'Cc', 'Cn', 'Co']),
                              st.sampled_from(['<', '>', ']', '&', '"', "'", '\ufffe', '\uffff', '\r', '\n'])),
                    max_size=20)
    _JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                         max_leaves=8)
    _FIELDS = ('live', 'boot', 'boot_source', 'reload', 'reload_source', 'reason', 'error', 'expected', 'baseline',
               'at_baseline', 'rejected', 'blocked', 'kernel_default', 'checked_by', 'undecided')
    _ENTRY = st.one_of(
        _JSON,
        st.fixed_dictionaries({'status': st.sampled_from(STATUSES) | _JSON},
                              optional=dict((field, _JSON) for field in _FIELDS)),
        st.dictionaries(_TEXT, _JSON, max_size=4))
    _RESULT = st.one_of(
        _JSON,
        st.fixed_dictionaries({'sysctl': st.dictionaries(_TEXT, _ENTRY, max_size=5) | _JSON},
                              optional={'boot_applier': _JSON, 'pressure': _JSON}))

    @st.composite
    def hostile_reports(draw):
        hosts = draw(st.dictionaries(_TEXT, _RESULT, max_size=4))
        order = list(hosts)
        order = draw(st.one_of(st.just(order), st.permutations(order), st.lists(_JSON, max_size=3) | _JSON))
        report = dict(hosts=hosts, host_order=order)
        for name in ('unreachable', 'failed'):
            report[name] = draw(st.dictionaries(_TEXT, _JSON, max_size=2) | st.lists(_TEXT, max_size=2) | _JSON)
        for name in ('generated', 'profile', 'baseline_profile'):
            report[name] = draw(_JSON)
        return report

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(report=hostile_reports())
    def test_any_report_well_formed_and_schema_valid(tmp_path, report):
        path = write(report, tmp_path)
        root = ET.parse(path).getroot()  # expat: a strict XML 1.0 parser
        suites = root.findall('testsuite')
        for attr in ('tests', 'failures', 'errors'):
            assert int(root.get(attr)) == sum(int(suite.get(attr)) for suite in suites)
        for suite in suites:
            assert int(suite.get('tests')) == len(suite.findall('testcase'))
            assert int(suite.get('failures')) == len(suite.findall('testcase/failure'))
            assert int(suite.get('errors')) == len(suite.findall('testcase/error'))
            assert int(suite.get('skipped')) == len(suite.findall('testcase/skipped'))
        if xmlschema is not None or IN_CI:
            schema().validate(path)
        if junitparser is not None:
            assert len(list(junitparser.JUnitXml.fromfile(path))) == len(suites)
else:
    def test_any_report_well_formed_and_schema_valid():
        unavailable('hypothesis is not installed (pip install -r requirements/test.txt)')


def test_module_is_pure_ascii_source():
    with open(_report_junit.__file__, 'rb') as handle:
        handle.read().decode('ascii')

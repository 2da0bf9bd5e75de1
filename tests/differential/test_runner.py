"""The differential harness itself: the runner's raw applier results, and that a wrong prediction is caught.

These tests do not need our predictor (the last ones use standin_nochange,
which predicts that nothing changes, to show the comparison fails loudly).
"""

import pytest

import _driver

STANDIN = 'ansible_collections.kerneltune.sysctl.tests.differential.standin_nochange'
EXPECTED_VERSIONS = {
    'bookworm': ('sysctl from procps-ng 4.0.2', 'systemd 252 '),
    'trixie': ('sysctl from procps-ng 4.0.4', 'systemd 257 '),
    'bullseye': ('sysctl from procps-ng 3.3.17', 'systemd 247 '),
}
SIMPLE = [{'path': '/etc/sysctl.d/10-a.conf', 'data': 'net.ipv4.tcp_fin_timeout = 33\nnet.core.somaxconn = 1234\n'}]


def test_each_suite_names_a_family_per_real_applier_and_the_reload_follows():
    # The systemd prediction's reload (sysctl --system) is compared with the real procps run: the family's reload
    # applier must be the one modelled for that suite's procps. Needs no container.
    from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS, RELOAD_APPLIER
    assert sorted(_driver.FAMILIES) == sorted(_driver.SUITES) == sorted(EXPECTED_VERSIONS)
    for suite, families in _driver.FAMILIES.items():
        assert sorted(families) == sorted(_driver.APPLIERS), suite
        assert all(family in APPLIERS for family in families.values()), suite
        assert RELOAD_APPLIER[families['systemd']] == families['procps'], suite


def test_greeting_names_the_real_appliers(runners):
    for suite, runner in runners.items():
        hello = runner.hello
        procps, systemd = EXPECTED_VERSIONS[suite]
        assert hello['sysctl_version'] == procps, hello
        assert hello['systemd_version'].startswith(systemd), hello
        assert hello['systemd_sysctl'] in ('/lib/systemd/systemd-sysctl', '/usr/lib/systemd/systemd-sysctl')
        assert 'net.ipv4.route.flush' in hello['excluded']['unreadable']  # write-only
        assert hello['excluded']['stable'] > 300
        # The image's own files were read before any case replaced them.
        assert any(item['path'].startswith('/usr/lib/sysctl.d/') for item in hello['initial_tree'])


def test_both_appliers_apply_a_file_in_a_fresh_namespace(runners):
    answers = _driver.run_everywhere(runners, SIMPLE, predict=[])
    for suite, answer in answers.items():
        for applier in _driver.APPLIERS:
            run = answer['appliers'][applier]
            assert run['rc'] == 0 and not run['timeout'], (suite, applier, run)
            assert run['before']['net.core.somaxconn'] == '4096'  # the kernel's default, as at boot
            assert run['after_diff'] == {'net.ipv4.tcp_fin_timeout': '33', 'net.core.somaxconn': '1234'}, run


def test_each_case_starts_from_an_empty_tree(runners):
    _driver.run_everywhere(runners, SIMPLE, predict=[])
    answers = _driver.run_everywhere(runners, [], predict=[])
    for suite, answer in answers.items():
        for applier, run in answer['appliers'].items():
            assert run['after_diff'] == {} and run['rc'] == 0, (suite, applier, run)


def test_interfaces_are_created_in_each_namespace(runners):
    files = [{'path': '/etc/sysctl.d/10-a.conf', 'data': 'net/ipv4/conf/eth0.100/rp_filter = 2\n'}]
    answers = _driver.run_everywhere(runners, files, predict=[], links=['eth0.100'])
    for suite, answer in answers.items():
        for applier, run in answer['appliers'].items():
            assert 'net.ipv4.conf.eth0/100.rp_filter' in run['before'], (suite, applier)
            assert run['after_diff'] == {'net.ipv4.conf.eth0/100.rp_filter': '2'}, (suite, applier, run)


def test_a_fifo_makes_the_real_appliers_hang_and_is_reported(runners):
    files = SIMPLE + [{'path': '/etc/sysctl.d/20-fifo.conf', 'type': 'fifo'}]
    answers = _driver.run_everywhere(runners, files, predict=[])
    for suite, answer in answers.items():
        for applier, run in answer['appliers'].items():
            assert run['timeout'] is True and run['rc'] is None, (suite, applier, run)
    # The runners carry on.
    test_both_appliers_apply_a_file_in_a_fresh_namespace(runners)


def test_paths_outside_the_sysctl_directories_are_refused(runners):
    for runner in runners.values():
        with pytest.raises(_driver.RunnerError, match='refusing to create'):
            runner.run([{'path': '/etc/passwd', 'data': 'x'}], predict=[])
    test_both_appliers_apply_a_file_in_a_fresh_namespace(runners)


def test_a_wrong_prediction_is_a_failure_naming_key_values_and_files(runners):
    answers = _driver.run_everywhere(runners, SIMPLE, predictor=STANDIN, predict=_driver.ALL_PREDICT)
    with pytest.raises(_driver.Disagreement) as caught:
        _driver.check(SIMPLE, answers, record=False)
    text = str(caught.value)
    for suite in runners:
        assert suite + ':' in text
    assert "net.core.somaxconn: boot: real procps left '1234' (default '4096'), predicted '4096'" in text
    assert "net.core.somaxconn: reload: real procps left '1234'" in text  # the systemd prediction's reload
    assert '/etc/sysctl.d/10-a.conf' in text and 'net.ipv4.tcp_fin_timeout = 33' in text


def test_a_right_prediction_passes(runners):
    answers = _driver.run_everywhere(runners, [], predictor=STANDIN, predict=_driver.ALL_PREDICT)
    _driver.check([], answers, record=False)
    for answer in answers.values():
        assert len(answer['predict']) == len(_driver.ALL_PREDICT)
        assert all(len(pred['result']) > 300 for pred in answer['predict'])


def test_a_predictor_that_cannot_be_imported_is_an_error(runners):
    answers = _driver.run_everywhere(runners, SIMPLE, predictor=STANDIN + '_missing', predict=_driver.ALL_PREDICT)
    for suite, answer in answers.items():
        outcome = _driver.compare(answer)
        assert not outcome.ok and len(outcome.errors) == len(_driver.ALL_PREDICT)
        assert 'cannot import predict' in outcome.errors[0][1]


def _answer(predicted, certain):
    return {'appliers': {'procps': {'before': {'net.ipv4.tcp_tw_reuse': '2'},
                                    'after_diff': {'net.ipv4.tcp_tw_reuse': '2'}}},
            'predict': [{'applier': 'procps', 'oracle': False,
                         'result': {'net.ipv4.tcp_tw_reuse': {'boot': predicted, 'boot_source': 'a:1',
                                                              'boot_certain': certain}}}]}


def test_a_wrong_assumed_value_is_counted_apart_a_wrong_certain_one_fails():
    # tcp_tw_reuse = 3: accepted by some kernel builds, refused by others; the model without the kernel check
    # can only assume it (boot_certain False). Needs no container: compare() alone.
    assumed = _driver.compare(_answer('3', False))
    assert assumed.ok and assumed.assumed == 1 and assumed.failures == []
    assert [key for dummy, key, dummy2 in assumed.assumed_wrong] == ['net.ipv4.tcp_tw_reuse']
    assert "real procps left '2' (default '2'), predicted '3' from a:1" in assumed.assumed_wrong[0][2]
    certain = _driver.compare(_answer('3', True))
    assert not certain.ok and certain.assumed_wrong == [] and len(certain.failures) == 1
    right = _driver.compare(_answer('2', False))
    assert right.ok and right.assumed == 1 and right.assumed_wrong == []

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""combine: one prediction per key, the kernel's answer (a namespace replay) where it has one, else the model's."""

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import KERNEL_DEFAULT
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import combine as _combine

SOMAXCONN = 'net.core.somaxconn'
RANGE = 'net.ipv4.ip_local_port_range'
SW = 'vm.swappiness'
DOMAIN = 'kernel.domainname'
LIVE = {SOMAXCONN: '4096', RANGE: '32768\t60999', SW: '60', DOMAIN: '(none)', 'net.ipv4.tcp_rmem': '4096\t131072\t6291456'}
NOT_AN_INTEGER = 'not an integer as the kernel reads it'


def W(key, value, source, ignore_failure=False, condition=None, writer='applier'):
    return Write(key, value, source, ignore_failure, condition, writer)


def combine(*args, **kwargs):
    """_predict.combine without boot_writers and model_reason (tested on their own below)."""
    predictions = _combine(*args, **kwargs)
    for prediction in predictions.values():
        del prediction['boot_writers']
        del prediction['model_reason']
    return predictions


def P(boot=None, boot_source=None, reload=None, reload_source=None, boot_undecided=None, reload_undecided=None,
      boot_rejected=(), checked_by='model', kernel_default=None, certain=True, boot_certain=None,
      reload_certain=None):
    if boot_certain is None:
        boot_certain = True if checked_by == 'kernel' else certain  # the kernel's answer is certain
    return {'boot_certain': boot_certain,
            'reload_certain': certain if reload_certain is None else reload_certain, 'boot': boot, 'boot_source': boot_source, 'boot_undecided': boot_undecided,
            'boot_rejected': list(boot_rejected), 'reload': reload, 'reload_source': reload_source,
            'reload_undecided': reload_undecided, 'checked_by': checked_by, 'certain': certain,
            'kernel_default': kernel_default, 'undecided': boot_undecided}


def test_model_only():
    boot = [W(SW, '10', 'a:1'), W(SW, '1#0', 'b:1'), W(DOMAIN, 'caf\xc3\xa9', 'a:2')]
    reload = boot + [W(SW, '30', 'c:1')]
    # "certain": False when the model assumes the kernel takes a value no key holds now
    assert combine([SW, DOMAIN, SOMAXCONN], LIVE.get, boot, reload) == {
        SW: P('10', 'a:1', '30', 'c:1', boot_rejected=["b:1: '1#0': " + NOT_AN_INTEGER], certain=False),
        # the bytes of the file are shown as UTF-8 where they are
        DOMAIN: P('caf\xe9', 'a:2', 'caf\xe9', 'a:2', certain=False),
        SOMAXCONN: P(),
    }


def test_certain_when_the_key_holds_the_value():
    writes = [W(SW, '60', 'a:1')]
    assert combine([SW], LIVE.get, writes, writes) == {SW: P('60', 'a:1', '60', 'a:1')}


def test_same_writes_for_boot_and_reload():
    writes = [W(SW, '10', 'a:1'), W(SW, '-1', 'b:1')]
    undecided = 'b:1: a negative value on a key whose type the model cannot tell'
    assert combine([SW], LIVE.get, writes, writes) == {
        SW: P('10', 'a:1', '10', 'a:1', boot_undecided=undecided, reload_undecided=undecided, certain=False)}


def test_no_keys():
    assert combine([], LIVE.get, [W(SW, '10', 'a:1')], []) == {}


def _oracle(defaults, results, final, changed_at, read_only=()):
    """What _netns.replay returns: defaults, errno per net.* write, final values, index of each key's last change,
    keys read-only in a new namespace."""
    return defaults, results, final, changed_at, list(read_only)


DEVICE = 'net.ipv4.conf.eth0.rp_filter'
DEFAULT = 'net.ipv4.conf.default.rp_filter'

# (writes, oracle of the boot, prediction of SOMAXCONN; the reload is the model's)
ORACLE_CASES = [
    ([W(SOMAXCONN, '1234 # c', 'a:1')], _oracle({SOMAXCONN: '4096'}, [0], {SOMAXCONN: '1234'}, {SOMAXCONN: 0}),
     P('1234', 'a:1', '1234', 'a:1', checked_by='kernel', kernel_default='4096', certain=False)),
    # the last accepted write is the source; rejected ones are listed with the value and the kernel's words
    ([W(SOMAXCONN, '1000', 'a:1'), W(SOMAXCONN, '1#c', 'b:1')],
     _oracle({SOMAXCONN: '4096'}, [0, errno.EINVAL], {SOMAXCONN: '1000'}, {SOMAXCONN: 0}),
     P('1000', 'a:1', '1000', 'a:1', boot_rejected=["b:1: '1#c': " + os.strerror(errno.EINVAL)], checked_by='kernel',
       kernel_default='4096', certain=False)),
    # an accepted write of the value the key holds already changes nothing
    ([W(SOMAXCONN, '4096', 'a:1')], _oracle({SOMAXCONN: '4096'}, [0], {SOMAXCONN: '4096'}, {}),
     P('4096', 'a:1', '4096', 'a:1', checked_by='kernel', kernel_default='4096')),
    # nothing accepted and nothing changed: no write takes, the next boot leaves the kernel's default
    ([W(SOMAXCONN, '1#c', 'a:1')], _oracle({SOMAXCONN: '4096'}, [errno.EINVAL], {SOMAXCONN: '4096'}, {}),
     P('4096', KERNEL_DEFAULT, None, None, boot_rejected=["a:1: '1#c': " + os.strerror(errno.EINVAL)], checked_by='kernel',
       kernel_default='4096')),
    # the key does not exist in a new namespace: the model answers
    ([W(SOMAXCONN, '1234', 'a:1')], _oracle({SOMAXCONN: None}, [errno.ENOENT], {SOMAXCONN: None}, {}),
     P('1234', 'a:1', '1234', 'a:1', checked_by='model', certain=False)),
    # only the net.* writes are replayed: the results are matched by position among them
    ([W(RANGE, '1 2', 'a:1'), W(SW, '1', 'a:2'), W(SOMAXCONN, '7', 'a:3')],
     _oracle({SOMAXCONN: '4096', RANGE: '32768\t60999'}, [errno.EINVAL, 0], {SOMAXCONN: '7', RANGE: '32768\t60999'},
             {SOMAXCONN: 1}),
     P('7', 'a:3', '7', 'a:3', checked_by='kernel', kernel_default='4096', certain=False)),
]
ORACLE_IDS = ['accepted', 'accepted-then-rejected', 'same-value', 'rejected', 'absent-from-namespace',
              'matched-by-position']


@pytest.mark.parametrize('writes, oracle, expected', ORACLE_CASES, ids=ORACLE_IDS)
def test_kernel_answers_for_the_boot(writes, oracle, expected):
    # the reload has no oracle here: the model answers for it (from the live values)
    assert combine([SOMAXCONN], LIVE.get, writes, writes, boot_oracle=oracle)[SOMAXCONN] == expected


def test_kernel_answers_for_a_key_another_write_changed():
    # a write to conf.default reaches the devices whose own value was never written
    writes = [W(DEFAULT, '2', 'a:1'), W(DEVICE, '1', 'a:2'), W(DEFAULT, '0', 'a:3')]
    live = {DEVICE: '0', DEFAULT: '0'}
    oracle = _oracle({DEVICE: '0', DEFAULT: '0'}, [0, 0, 0], {DEVICE: '1', DEFAULT: '0'}, {DEVICE: 1, DEFAULT: 2})
    assert combine([DEVICE], live.get, writes, writes, oracle)[DEVICE] == P(
        '1', 'a:2', '1', 'a:2', checked_by='kernel', kernel_default='0', certain=False)
    oracle = _oracle({DEVICE: '0', DEFAULT: '0'}, [0], {DEVICE: '2', DEFAULT: '2'}, {DEVICE: 0, DEFAULT: 0})
    assert combine([DEVICE], live.get, writes[:1], writes[:1], oracle)[DEVICE] == P(
        '2', 'a:1', '2', 'a:1', checked_by='kernel', kernel_default='0', certain=False)


def test_kernel_answers_for_a_partly_rejected_write():
    # tcp_rmem = "1 x": the kernel keeps the first number and answers EINVAL
    writes = [W('net.ipv4.tcp_rmem', '1 x', 'a:1')]
    boot_oracle = _oracle({'net.ipv4.tcp_rmem': '4096\t131072\t6291456'}, [errno.EINVAL],
                          {'net.ipv4.tcp_rmem': '1\t131072\t6291456'}, {'net.ipv4.tcp_rmem': 0})
    reload_oracle = _oracle({'net.ipv4.tcp_rmem': '4096\t131072\t6291456'}, [errno.EINVAL],
                            {'net.ipv4.tcp_rmem': '4096\t131072\t6291456'}, {})
    prediction = combine(['net.ipv4.tcp_rmem'], LIVE.get, writes, writes, boot_oracle, reload_oracle)
    einval = "a:1: '1 x': " + os.strerror(errno.EINVAL)
    assert prediction == {'net.ipv4.tcp_rmem': P('1\t131072\t6291456', 'a:1', None, None, boot_rejected=[einval],
                                                 checked_by='kernel', kernel_default='4096\t131072\t6291456')}


def test_reload_oracle_starts_from_the_live_value():
    # a rejected write that leaves the live value: sysctl --system leaves the key as it is
    writes = [W(SOMAXCONN, '1#c', 'a:1')]
    reload_oracle = _oracle({SOMAXCONN: '4096'}, [errno.EINVAL], {SOMAXCONN: '8192'}, {})
    live = {SOMAXCONN: '8192'}
    prediction = combine([SOMAXCONN], live.get, writes, writes, None, reload_oracle)[SOMAXCONN]
    assert (prediction['reload'], prediction['reload_source']) == (None, None)
    assert prediction['checked_by'] == 'model'


def test_boot_write_of_fewer_numbers_than_the_key_holds():
    # Regression (fixed in 061f471): the model completed the boot's write with the live values and called it decided.
    # "net.ipv4.ip_local_port_range = 2000" at boot leaves the default high end, which the model does not know
    # (the live one, 65000, may have been set by hand since)
    live = {RANGE: '1024\t65000'}
    prediction = combine([RANGE], live.get, [W(RANGE, '2000', 'a:1')], [W(RANGE, '2000', 'a:1')])[RANGE]
    assert prediction['reload'] == '2000\t65000'
    assert prediction['boot'] is None or prediction['boot_undecided']
    # sysctl --system starts from the live values: its result is decided
    assert prediction['reload_undecided'] is None


def test_kernel_check_names_the_write_that_set_a_key_back():
    # eth0.forwarding = 1 is accepted, then ip_forward = 0 sets every forwarding back to 0: the boot leaves 0,
    # from that line, not "every value rejected"
    key, forward = 'net.ipv4.conf.eth0.forwarding', 'net.ipv4.ip_forward'
    writes = [Write(key, '1', 'a:1', False), Write(key, 'x', 'a:2', False), Write(forward, '1', 'a:3', False),
              Write(forward, '0', 'a:4', False)]
    oracle = ({key: '0', forward: '0'}, [0, errno.EINVAL, 0, 0], {key: '0', forward: '0'}, {key: 3, forward: 3})
    result = combine([key], {key: '1', forward: '0'}.get, writes, writes, oracle, oracle)[key]
    assert (result['boot'], result['boot_source'], result['checked_by']) == ('0', 'a:4', 'kernel')
    assert result['boot_rejected'] == ["a:2: 'x': Invalid argument"]


RMEM = 'net.core.rmem_max'


def test_writers_in_order_and_the_winner():
    # the kernel command line first, then the applier, then tuned's profile (a ">" write the kernel's value
    # already passes is not made) and tuned's re-apply of /etc/sysctl.d
    writes = [W(SOMAXCONN, '1000', 'kernel command line (sysctl.net.core.somaxconn=1000)', True, None, 'cmdline'),
              W(SOMAXCONN, '8192', 'a:1'),
              W(SOMAXCONN, '2048', 'tuned profile p: net.core.somaxconn', True, '>', 'tuned'),
              W(SOMAXCONN, '8192', 'tuned re-apply: a:1', True, None, 'tuned_reapply')]
    oracle = _oracle({SOMAXCONN: '4096'}, [0, 0, -2, 0], {SOMAXCONN: '8192'}, {SOMAXCONN: 1})
    prediction = _combine([SOMAXCONN], LIVE.get, writes, writes[1:2], oracle)[SOMAXCONN]
    assert (prediction['boot'], prediction['boot_source']) == ('8192', 'tuned re-apply: a:1')
    assert prediction['boot_writers'] == [
        {'writer': 'cmdline', 'source': 'kernel command line (sysctl.net.core.somaxconn=1000)', 'value': '1000'},
        {'writer': 'applier', 'source': 'a:1', 'value': '8192'},
        {'writer': 'tuned', 'source': 'tuned profile p: net.core.somaxconn', 'value': '>2048'},
        {'writer': 'tuned_reapply', 'source': 'tuned re-apply: a:1', 'value': '8192'}]
    # the model alone: the same winner, the skipped conditional write is no writer of the value
    model = _combine([SOMAXCONN], LIVE.get, writes, writes[1:2])[SOMAXCONN]
    assert (model['boot'], model['boot_source']) == ('8192', 'tuned re-apply: a:1')


def test_a_conditional_write_on_a_key_nothing_wrote_before_is_undecided_for_the_model():
    writes = [W(SOMAXCONN, '2048', 'tuned profile p: net.core.somaxconn', True, '>', 'tuned')]
    prediction = _combine([SOMAXCONN], LIVE.get, writes, [])[SOMAXCONN]
    assert prediction['boot'] is None
    assert 'written only if above the value then' in prediction['boot_undecided']


def test_a_key_read_only_in_a_new_namespace_is_left_to_the_model():
    # net.core.rmem_max on recent kernels: a new namespace refuses every write, the initial one takes it
    writes = [W(RMEM, '8388608', 'a:1')]
    oracle = _oracle({RMEM: '212992'}, [errno.EACCES], {RMEM: '212992'}, {}, read_only=[RMEM])
    live = {RMEM: '8388608'}
    reason = 'a new network namespace shows it read-only (only the initial one may write it)'
    prediction = _combine([RMEM], live.get, writes, writes, oracle, None, {RMEM: reason})[RMEM]
    assert (prediction['boot'], prediction['boot_source'], prediction['checked_by']) == ('8388608', 'a:1', 'model')
    assert prediction['boot_rejected'] == [] and prediction['kernel_default'] is None
    assert prediction['model_reason'] == reason
    # without the reason the kernel's refusal would be taken for the initial namespace's
    wrong = _combine([RMEM], live.get, writes, writes, oracle)[RMEM]
    assert wrong['boot_rejected'] and wrong['boot'] == '212992'


def test_a_key_copied_from_the_initial_namespace_has_no_kernel_default():
    key = 'net.ipv4.conf.all.rp_filter'
    live = {key: '2', 'net.ipv4.tcp_rmem': '4096\t131072\t6291456'}
    # not written: a new namespace reads the initial namespace's 2, not the kernel's default
    oracle = _oracle({key: '2'}, [], {key: '2'}, {})
    prediction = _combine([key], live.get, [], [], oracle, None, None, [key])[key]
    assert (prediction['boot'], prediction['kernel_default'], prediction['boot_source']) == (None, None, None)
    # written whole: the kernel's answer stands
    writes = [W(key, '1', 'a:1')]
    oracle = _oracle({key: '2'}, [0], {key: '1'}, {key: 0})
    prediction = _combine([key], live.get, writes, writes, oracle, None, None, [key])[key]
    assert (prediction['boot'], prediction['checked_by'], prediction['kernel_default']) == ('1', 'kernel', None)
    # tcp_rmem written in part: the other fields would be the initial namespace's, the model decides
    rmem = 'net.ipv4.tcp_rmem'
    writes = [W(rmem, '8192', 'a:1')]
    oracle = _oracle({rmem: '4096\t131072\t6291456'}, [0], {rmem: '8192\t131072\t6291456'}, {rmem: 0})
    prediction = _combine([rmem], live.get, writes, writes, oracle, None, None, [rmem])[rmem]
    assert prediction['checked_by'] == 'model' and prediction['boot_undecided']


def test_a_key_that_does_not_exist_now_gets_no_boot_value():
    # an interface created at boot (udev re-applies the files' lines for it then): nothing is predicted for it,
    # though conf.default's value would reach it
    device = 'net.ipv4.conf.dummy0.rp_filter'
    writes = [W(DEFAULT, '0', 'a:1')]
    live = {DEFAULT: '2', device: None}
    prediction = _combine([device], live.get, writes, writes)[device]
    assert (prediction['boot'], prediction['boot_source'], prediction['kernel_default']) == (None, None, None)

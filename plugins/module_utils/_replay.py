# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay an applier's writes on the model of the kernel (_kernel), in order.

Besides each key's own writes, the kernel changes some keys when others are
written. The model follows those it knows (a value written to
``net.ipv4.conf.default.X`` is copied to every device whose ``X`` was never
written; see side_effects for the others). The network-namespace oracle
sees all of them.
"""

import re
from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import display
from ansible_collections.kerneltune.sysctl.plugins.module_utils._kernel import write
from ansible_collections.kerneltune.sysctl.plugins.module_utils._writers import conditional_made

_DEVICE_FORWARDING = re.compile(r'net\.ipv4\.conf\.[^.]+\.forwarding\Z')
_DEVICE_FORWARDING6 = re.compile(r'net\.ipv6\.conf\.[^.]+\.forwarding\Z')
_DEVICE_DISABLE6 = re.compile(r'net\.ipv6\.conf\.[^.]+\.disable_ipv6\Z')
_STABLE_SECRET = re.compile(r'(net\.ipv6\.conf\.[^.]+\.)stable_secret\Z')


def side_effects(key, old, new, keys):
    """``{other key: value}`` the kernel sets when ``key`` changes from ``old`` to ``new`` (accepted write).

    ipv4 forwarding (``ip_forward`` or ``conf.all.forwarding``), when it
    changes, is set on every device, ``all`` and ``default``, and
    ``conf.all.accept_redirects`` becomes its negation; ipv6
    ``conf.all.forwarding`` and ``conf.all.disable_ipv6`` are set on every
    device and ``default``; a ``stable_secret`` switches that device's
    ``addr_gen_mode`` to 2 (stable privacy).
    """
    effects = {}
    if key in ('net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding') and new != old:
        for other in keys:
            if other == 'net.ipv4.ip_forward' or _DEVICE_FORWARDING.match(other):
                effects[other] = new
            elif other == 'net.ipv4.conf.all.accept_redirects':
                effects[other] = '0' if new != '0' else '1'
    elif key == 'net.ipv6.conf.all.forwarding':
        effects = dict((other, new) for other in keys if _DEVICE_FORWARDING6.match(other))
    elif key == 'net.ipv6.conf.all.disable_ipv6':
        effects = dict((other, new) for other in keys if _DEVICE_DISABLE6.match(other))
    elif _STABLE_SECRET.match(key):
        effects = dict((other, '2') for other in keys if other == _STABLE_SECRET.match(key).group(1) + 'addr_gen_mode')
    effects.pop(key, None)
    return effects


def causes_side_effects(key):
    """Whether writing ``key`` may change other keys (see side_effects)."""
    return key in _CAUSES or bool(_STABLE_SECRET.match(key))


_CAUSES = ('net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', 'net.ipv6.conf.all.forwarding',
           'net.ipv6.conf.all.disable_ipv6')


def touched_by(changes, keys):
    """The keys of ``keys``, besides those of ``changes`` ({key: value}), whatever writing them may change."""
    touched = set()
    for key in changes:
        if causes_side_effects(key):
            # any change: the keys do not depend on the values (old None never equals a value written)
            touched.update(side_effects(key, None, changes[key], keys))
    return sorted(touched - set(changes))


# value: what the key reads back after the writes (None: no write took);
# source: the write that set it; undecided: a reason or None; rejected:
# "file:line: reason" of the writes the kernel refused; certain: no accepted
# write rests on a range the model does not know.
Final = namedtuple('Final', 'value source undecided rejected certain')
_START = (None, None, None, (), True)


# conf.default settings whose writes the kernel does not copy to the devices: forwarding (its own handler,
# devinet_sysctl_forward, changes the devices only for conf.all) and the "flushing" entries (their handler flushes
# the route cache and never calls devinet_conf_proc). Seen on 6.18: a write to each leaves lo's value alone.
NOT_COPIED_FROM_DEFAULT = ('forwarding', 'mc_forwarding', 'disable_xfrm', 'disable_policy', 'promote_secondaries',
                           'route_localnet', 'drop_unicast_in_l2_multicast')


def default_counterpart(key):
    """For ``net.ipv4.conf.<device>.<name>``, the ``net.ipv4.conf.default.<name>`` whose writes reach it, or None.

    The kernel copies a value written to ``conf.default`` to every device
    whose own value was never written (devinet_copy_dflt_conf), even when
    the write itself fails, except for NOT_COPIED_FROM_DEFAULT.
    """
    parts = key.split('.')
    if len(parts) == 5 and parts[:3] == ['net', 'ipv4', 'conf'] and parts[3] not in ('all', 'default') \
            and parts[4] not in NOT_COPIED_FROM_DEFAULT:
        return 'net.ipv4.conf.default.' + parts[4]
    return None


class _Model(object):
    """The model's state: per key ``(value, source, undecided, rejected, certain)``."""

    def __init__(self, current, boot):
        self.current = current
        self.boot = boot
        self.state = {}
        self.last = None

    def value(self, key):
        entry = self.state.get(key)
        if entry is not None and entry[0] is not None:
            return entry[0]
        return self.current(key)

    def _condition(self, item):
        """Whether tuned's conditional write is made: True, False, or None (the model cannot tell)."""
        entry = self.state.get(item.key)
        if self.boot and (entry is None or entry[0] is None):
            return None  # compared with the kernel's default, which the model does not know
        return conditional_made(item.condition, item.value, self.value(item.key))

    def apply(self, item):
        value, source, undecided, rejected, certain = self.state.get(item.key, _START)
        if item.condition:
            made = self._condition(item)
            if made is None:
                self.last = 'undecided'
                self.state[item.key] = (value, source, '%s: written only if %s the value then (the kernel\'s '
                                        'default, which the model does not know)'
                                        % (item.source, 'above' if item.condition == '>' else 'below'),
                                        rejected, certain)
                return
            if not made:
                self.last = 'skipped'
                return
        outcome = write(item.key, self.value(item.key), item.value, self.value)
        self.last = outcome.state
        if outcome.state == 'accepted':
            if not outcome.complete and self.boot and value is None:
                undecided = ('%s: sets only the first values; the others stay at the kernel\'s defaults, which the '
                             'model does not know' % item.source)
            self.state[item.key] = (outcome.value, item.source, None if outcome.complete else undecided, rejected,
                                    certain and outcome.certain)
        elif outcome.state == 'rejected':
            self.state[item.key] = (value, source, undecided,
                                    rejected + ('%s: %r: %s' % (item.source, display(item.value), outcome.reason),),
                                    certain)
        else:
            self.state[item.key] = (value, source, '%s: %s' % (item.source, outcome.reason), rejected, certain)

    def unknown(self, item, key):
        """``key`` may change as a consequence of ``item``, whose outcome is undecided."""
        value, source, dummy, rejected, certain = self.state.get(key, _START)
        self.state[key] = (value, source, '%s: writing %s may change it too' % (item.source, item.key), rejected,
                           certain)

    def follow(self, item, key, value):
        """``key`` takes ``value`` as a consequence of ``item`` (a write to another key)."""
        if value is not None and value != self.value(key):
            dummy, dummy2, dummy3, rejected, certain = self.state.get(key, _START)
            self.state[key] = (value, item.source, self.state.get(item.key, _START)[2], rejected,
                               certain and self.state.get(item.key, _START)[4])


def replay(writes, keys, current, boot=False):
    """Replay ``writes`` (in order) on the model; return ``{key: Final}`` for each of ``keys``.

    ``current(key)`` gives the value a key starts from (its type and length).
    With ``boot`` the keys start from the kernel's defaults instead, which
    the model knows only as far as a write sets every value of a key.
    """
    model = _Model(current, boot)
    written = set()
    for item in writes:
        written.add(item.key)
        old = model.value(item.key)
        model.apply(item)
        new = model.value(item.key)
        for key in keys:
            if default_counterpart(key) == item.key and key not in written:
                model.follow(item, key, new)
        if model.last == 'accepted':
            for key, value in side_effects(item.key, old, new, keys).items():
                model.follow(item, key, value)
        elif model.last == 'undecided':
            for key in side_effects(item.key, old, '?', keys):
                model.unknown(item, key)
    return dict((key, Final(*model.state.get(key, _START))) for key in keys)

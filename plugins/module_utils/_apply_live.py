# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tune's live writes, all or nothing: write the keys, and on any failure write back every key the run changed.

The kernel changes some keys when others are written (_replay.side_effects:
``net.ipv4.ip_forward`` sets every ``conf.*.forwarding`` and
``conf.all.accept_redirects``): those are read before the first write and
written back too. Every write and read goes through a writer
(_apply.HostWriter on a host; tests pass their own).
"""

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import same_value
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import ApplyError, KernelRejectedError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._replay import causes_side_effects, touched_by


def restore_live(keys, previous, writer, others=None):
    """Write back the ``previous`` value of ``keys`` (reverse order; None: not written), then of each key of
    ``others`` ({key: value before}, the keys the kernel changes with them: apply_live) that reads otherwise;
    then read them all again.

    Returns ``[(key, reason)]`` of the keys that do not read as before at
    the end: the write back failed (the kernel's reason), or a later write
    back changed the key again. A key whose write back failed but that reads
    as before (a key the kernel refused wholly, on a read-only mount, is
    unchanged) is not left.
    """
    failures = {}
    expected = []
    for key in sorted(keys, reverse=True):
        if previous.get(key) is not None:
            expected.append((key, previous[key]))
            _write_back(writer, key, previous[key], failures, always=True)
    # Those that switch others (conf.all.forwarding) first, then the rest.
    for key in sorted(others or {}, key=lambda name: (not causes_side_effects(name), name)):
        expected.append((key, others[key]))
        _write_back(writer, key, others[key], failures, always=False)
    left = []
    for key, value in expected:
        now = _read(writer, key)
        if now is None or not same_value(now, value):
            left.append((key, failures.get(key) or 'changed again by a later write back, it reads %s' % (now,)))
    return left


def _read(writer, key):
    try:
        return writer.read_live(key)
    except Exception:  # pylint: disable=broad-except  # unreadable: left changed
        return None


def _write_back(writer, key, value, failures, always):
    """Write ``value`` (unless it reads so already and not ``always``); record the reason of a failure."""
    try:
        if always or not same_value(_read(writer, key) or '', value):
            writer.write_live(key, value)
    except Exception as exc:  # pylint: disable=broad-except  # the other keys are still written back
        failures[key] = _exc_reason(exc)


def _exc_reason(exc):
    return getattr(exc, 'reason', None) or '%s: %s' % (type(exc).__name__, exc)


def side_values(changes, writer):
    """``{key: value}`` now of the keys besides ``changes`` that the kernel changes when they are written
    (writing ``net.ipv4.ip_forward`` sets every ``conf.*.forwarding`` and ``conf.all.accept_redirects``)."""
    if not any(causes_side_effects(key) for key in changes):
        return {}
    values = {}
    for key in touched_by(changes, writer.all_keys()):
        value = writer.read_live(key)
        if value is not None:
            values[key] = value
    return values


def apply_live(changes, previous, writer):
    """Write ``changes`` ({key: value}) in key order; on a refusal, or any other failure, restore every key
    attempted, and every other key the kernel changed with them, and raise ApplyError.

    The refused key is written back too: the kernel stores the integers of
    a multi-value key one by one, so a write it rejects half-way
    (``net.ipv4.tcp_rmem = 8192 0 0`` keeps 8192) has already changed it.
    Returns the values before of those other keys (side_values), for a
    later restore_live.
    """
    others = side_values(changes, writer)
    attempted = []
    try:
        for key in sorted(changes):
            attempted.append(key)
            writer.write_live(key, changes[key])
    except Exception as exc:  # pylint: disable=broad-except  # whatever failed, what was written goes back
        left = restore_live(attempted, previous, writer, others)
        if not isinstance(exc, KernelRejectedError):
            exc = 'writing %s = %r failed: %s: %s' % (attempted[-1], changes[attempted[-1]], type(exc).__name__, exc)
        if not left:
            raise ApplyError('%s; values already written were restored, no file was changed' % exc)
        raise ApplyError('%s; no file was changed, but restoring failed: %s'
                         % (exc, live_left(left, dict(previous, **others))),
                         changed=True, left=[key for key, dummy in left])
    return others


def live_left(left, previous):
    return '; '.join('%s is left changed (was %s: %s)' % (key, previous[key], reason) for key, reason in left)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit sysctl keys against expectations: the logic of kerneltune.sysctl.audit.

``wanted`` (and ``prepare``) validate the user's input before anything is
read, each mapping canonicalised once; ``audit_view`` turns what _host read
(a HostView) into per-key results; ``audit`` does it from live values and
boot predictions.
"""

from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import (
    STATUSES,
    check_bounds,
    describe,
    describe_text,
    key_status,
    meets,
    normalize_value,
    parse_expectation,
    same_value,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError, SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_glob, normalize_key
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import KERNEL_DEFAULT
from ansible_collections.kerneltune.sysctl.plugins.module_utils._profiles import profile_values


def _canonical_keys(mapping, what):
    result = {}
    for raw, value in mapping.items():
        if is_glob(normalize_key(raw, allow_glob=True)):
            raise InvalidKeyError('%s key %r: globs are not allowed, name each key' % (what, raw))
        key = normalize_key(raw)
        if key in result:
            raise InvalidKeyError('%s names %s twice (written as %r and another form)' % (what, key, raw))
        result[key] = value
    return result


def merge(profile_name, overrides, what='settings'):
    """Return a profile's values with ``overrides`` on top, keys canonical (either may be empty).

    ``what`` names the option the overrides came from, for error messages.
    """
    merged = _canonical_keys(profile_values(profile_name), 'profile') if profile_name else {}
    merged.update(_canonical_keys(overrides or {}, what))
    return merged


def _parse(expect, baseline):
    """``(expectations, baselines)`` of canonical mappings (see prepare)."""
    expectations = dict((key, parse_expectation(key, desired)) for key, desired in expect.items())
    baselines = dict((key, normalize_value(value, key)) for key, value in baseline.items())
    return expectations, baselines


def prepare(expect, baseline=None):
    """Validate and canonicalise ``expect`` and ``baseline``.

    Returns ``(expectations, baselines)``: ``{key: Expectation}`` and
    ``{key: normalised value}``, keys in dotted form. Raises a SysctlError
    subclass naming the offending key or value.
    """
    return _parse(_canonical_keys(expect or {}, 'expect'), _canonical_keys(baseline or {}, 'baseline'))


# What the user wants of the keys: ``expectations`` ({key: Expectation}),
# ``baselines`` ({key: normalised value}), ``overridden`` (the keys the
# play's own mapping set, over the profile's).
Wanted = namedtuple('Wanted', 'expectations baselines overridden')


def wanted(profile, overrides, baseline_profile=None, baseline=None, what='expect', task='audit'):
    """The Wanted of a module's options, each mapping canonicalised once.

    ``overrides`` (option ``what``) go over the keys of ``profile``;
    ``baseline`` over those of ``baseline_profile``. Raises SysctlError
    when no key is left (``nothing to <task>``) and the errors of prepare.
    """
    own = _canonical_keys(overrides or {}, what)
    expect = merge(profile, None)
    expect.update(own)
    expectations, baselines = _parse(expect, merge(baseline_profile, baseline, 'baseline'))
    if not expectations:
        raise SysctlError('nothing to %s: %s is empty and no profile was given' % (task, what))
    return Wanted(expectations, baselines, frozenset(own))


def audit_view(wanted_keys, view):
    """The audit of a _host.HostView: ``dict(sysctl={key: result}, summary=counts)`` (as the audit module returns).

    ``wanted_keys`` is a Wanted; a missing key's reason names close existing
    keys. Raises SysctlError when a min/max applies to a multi-value key.
    """
    check_bounds(wanted_keys.expectations, view.live)
    results, summary = audit(wanted_keys.expectations, wanted_keys.baselines, view.live, view.predictions,
                             dict((key, str(exc)) for key, exc in view.unreadable.items()))
    for key, result in results.items():
        if result['status'] == 'missing' and key in view.unknown:  # a typo, or a key of another kernel
            result['reason'] = str(view.unknown[key])
    return dict(sysctl=results, summary=summary)


def boot_reason(entry):
    """Why a key's value will not hold (the next boot or ``sysctl --system`` changes it), in words, or None."""
    if entry['live'] is None:
        return None  # missing: nothing to hold (the module says what the kernel has instead)
    if entry.get('blocked'):
        return 'sysctl files are not applied at all: %s is a FIFO or socket the appliers block on' % entry['blocked']
    if entry.get('_boot_undecided'):
        return 'the next boot cannot be predicted: %s' % entry['_boot_undecided']
    expectation = entry['_expectation']
    if not meets(expectation, entry['boot']):
        if entry['boot'] is not None and entry['boot_source'] == KERNEL_DEFAULT:
            reason = 'nothing persists it: the next boot leaves the kernel default %s' % entry['boot']
            if entry.get('rejected'):
                reason += ' (the kernel rejects every value written: %s)' % '; '.join(entry['rejected'])
            return reason
        if entry['boot'] is not None:
            return 'the next boot applies %s from %s' % (entry['boot'], entry['boot_source'])
        if entry.get('rejected'):
            reason = 'the kernel rejects every value written at the next boot: %s' % '; '.join(entry['rejected'])
        else:
            reason = 'nothing persists it'
        if entry.get('kernel_default') is not None and meets(expectation, entry['kernel_default']):
            reason += ' (the kernel default %s would meet it)' % entry['kernel_default']
        return reason
    if entry.get('_reload_undecided'):
        return 'the next sysctl --system cannot be predicted: %s' % entry['_reload_undecided']
    if entry.get('reload') is not None and not meets(expectation, entry['reload']):
        return 'the next sysctl --system applies %s from %s' % (entry['reload'], entry['reload_source'])
    return None


def audit(expectations, baselines, live_values, predictions, unreadable=None):
    """Return ``(results, summary)``.

    ``live_values`` maps each key to its kernel value (None: missing);
    ``predictions`` maps each key to its _predict.combine prediction;
    ``unreadable`` maps each key that exists but cannot be read to why: its
    status is ``unreadable``, with that text in ``error``.
    """
    unreadable = unreadable or {}
    results = {}
    summary = dict((status, 0) for status in STATUSES)
    summary['at_baseline'] = 0
    for key in sorted(expectations):
        expectation = expectations[key]
        live = live_values.get(key)
        predicted = predictions[key]
        baseline = baselines.get(key)
        at_baseline = None if baseline is None or live is None else same_value(live, baseline)
        undecided = predicted['boot_undecided'] or predicted['reload_undecided']
        entry = {
            'live': live,
            'boot': predicted['boot'],
            'boot_source': predicted['boot_source'],
            'reload': predicted['reload'],
            'reload_source': predicted['reload_source'],
            # "assumed": the model took a value as within the key's range, which only the kernel knows
            'checked_by': 'assumed' if predicted['checked_by'] == 'model' and not predicted.get('certain', True)
            else predicted['checked_by'],
            'kernel_default': predicted['kernel_default'],
            'writers': predicted.get('boot_writers', []),
            'model_reason': predicted.get('model_reason'),
            'rejected': predicted['boot_rejected'],
            'undecided': undecided,
            'blocked': predicted.get('blocked'),
            'expected': describe(expectation),
            'baseline': baseline,
            'at_baseline': at_baseline,
            '_expectation': expectation,
            '_boot_undecided': predicted['boot_undecided'],
            '_reload_undecided': predicted['reload_undecided'],
        }
        entry['reason'] = boot_reason(entry)
        for internal in ('_expectation', '_boot_undecided', '_reload_undecided'):
            del entry[internal]
        # nothing applies at all when blocked: boot_drift, with that reason; a boot that fails wins over a
        # reload that cannot be predicted
        blocked = entry['blocked']
        status = key_status(expectation, live, predicted['boot'], predicted['reload'],
                            None if blocked else predicted['boot_undecided'])
        if status == 'ok' and predicted['reload_undecided'] and not blocked:
            status = 'undecided'
        if key in unreadable:
            status = 'unreadable'
            entry['error'] = unreadable[key]
        entry['status'] = status
        results[key] = entry
        summary[status] += 1
        if at_baseline:
            summary['at_baseline'] += 1
    return results, summary


def not_holding(results, expectations, boot_only=()):
    """Return ``{key: reason}`` for keys of ``results`` whose value does not hold.

    A key holds when the value the next boot applies meets its expectation,
    and so does the live value (except for keys in ``boot_only``: persisted
    but deliberately not written live).
    """
    problems = {}
    for key, entry in sorted(results.items()):
        expectation = expectations[key]
        reason = entry.get('reason')
        if entry['live'] is None and entry.get('status') == 'missing':
            problems[key] = reason or 'the key does not exist here'
        elif reason:
            problems[key] = reason
        elif key not in boot_only and not meets(expectation, entry['live']):
            problems[key] = 'the live value is %s' % entry['live']
    return problems


def drift_lines(results, baseline_name=None):
    """Return one sentence per key that is not ok, for people: what it is, what it should be, and why."""
    lines = []
    for key, entry in sorted(results.items()):
        if entry['status'] == 'ok':
            continue
        if entry['status'] == 'unreadable':
            lines.append('%s cannot be read, expected %s: unreadable (%s)'
                         % (key, describe_text(entry['expected']), entry.get('error')))
            continue
        live = 'absent' if entry['live'] is None else entry['live']
        line = '%s is %s, expected %s: %s' % (key, live, describe_text(entry['expected']), entry['status'])
        if entry.get('at_baseline') and entry['status'] == 'drift':
            line += ', still at %s' % (baseline_name or 'the baseline')
        if entry['status'] in ('boot_drift', 'undecided') and entry.get('reason'):
            line += ', ' + entry['reason']
        lines.append(line)
    return lines

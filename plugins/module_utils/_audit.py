# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit sysctl keys against expectations: the logic of kerneltune.sysctl.audit.

``prepare`` validates the user's input before anything is read;
``audit`` turns live values and boot predictions into per-key results.
"""

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import resolve_boot
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import (
    STATUSES,
    describe,
    describe_text,
    key_status,
    meets,
    normalize_value,
    parse_expectation,
    same_value,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_glob, normalize_key
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


def prepare(expect, baseline=None):
    """Validate and canonicalise ``expect`` and ``baseline``.

    Returns ``(expectations, baselines)``: ``{key: Expectation}`` and
    ``{key: normalised value}``, keys in dotted form. Raises a SysctlError
    subclass naming the offending key or value.
    """
    expectations = {}
    for key, desired in _canonical_keys(expect or {}, 'expect').items():
        expectations[key] = parse_expectation(key, desired)
    baselines = {}
    for key, value in _canonical_keys(baseline or {}, 'baseline').items():
        baselines[key] = normalize_value(value, key)
    return expectations, baselines


def audit(expectations, baselines, live_values, assignments):
    """Return ``(results, summary)``.

    ``live_values`` maps each key to its kernel value (None: missing);
    ``assignments`` are the parsed configuration lines in application order.
    """
    boot = resolve_boot(assignments, sorted(expectations))
    results = {}
    summary = dict((status, 0) for status in STATUSES)
    summary['at_baseline'] = 0
    for key in sorted(expectations):
        expectation = expectations[key]
        live = live_values.get(key)
        predicted = boot[key]
        baseline = baselines.get(key)
        at_baseline = None if baseline is None or live is None else same_value(live, baseline)
        status = key_status(expectation, live, predicted.value)
        results[key] = {
            'live': live,
            'boot': predicted.value,
            'boot_source': predicted.source,
            'expected': describe(expectation),
            'baseline': baseline,
            'at_baseline': at_baseline,
            'status': status,
        }
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
        if not meets(expectation, entry['boot']):
            if entry['boot'] is None:
                problems[key] = 'no file persists it'
            else:
                problems[key] = 'the next boot applies %s from %s' % (entry['boot'], entry['boot_source'])
        elif key not in boot_only and not meets(expectation, entry['live']):
            problems[key] = 'the live value is %s' % entry['live']
    return problems


def drift_lines(results, baseline_name=None):
    """Return one sentence per key that is not ok, for people: what it is, what it should be, and why."""
    lines = []
    for key, entry in sorted(results.items()):
        if entry['status'] == 'ok':
            continue
        live = 'absent' if entry['live'] is None else entry['live']
        line = '%s is %s, expected %s: %s' % (key, live, describe_text(entry['expected']), entry['status'])
        if entry.get('at_baseline') and entry['status'] == 'drift':
            line += ', still at %s' % (baseline_name or 'the baseline')
        if entry['status'] == 'boot_drift':
            line += (', nothing persists it' if entry['boot'] is None else
                     ', the next boot applies %s from %s' % (entry['boot'], entry['boot_source']))
        lines.append(line)
    return lines

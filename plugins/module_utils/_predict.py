# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One prediction per key from the applier's writes: the kernel's answer where it has one, else the model's.

``boot`` is what the key reads back after the next boot: its writers
(the kernel command line, the boot applier, tuned; ``boot_writers`` lists
them in order, ``boot_source`` names the one that wins) or, when no write
takes, the kernel's default where the kernel check knows it
(``boot_source`` ``kernel default``; None: unknown); ``reload`` the same for the next
``sysctl --system`` starting from the live values (None: it leaves the key
as it is). ``checked_by`` says who decided: ``kernel`` (the writes were
replayed in a throwaway network namespace) or ``model`` (_kernel).
``certain`` is False when the model took a value it cannot check (a range
only the kernel knows) as accepted (``boot_certain`` and ``reload_certain``
say it of each prediction). ``undecided`` holds the reason when
neither can tell.
"""

import os

from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import display
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._netns import NOT_REPLAYED
from ansible_collections.kerneltune.sysctl.plugins.module_utils._replay import replay


KERNEL_DEFAULT = 'kernel default'


def _from_oracle(key, writes, oracle, start, copied):
    """``(value, source, rejected)`` from a namespace replay, or None when the model must decide.

    The source is the last accepted write to the key; failing that, the
    write after which the kernel changed it (a write to another key, such as
    ``conf.default.*`` or ``ip_forward``, or a rejected write that kept its
    first values). None: the key is not there, a write to it was not
    replayed (it would load a module), or it is ``copied`` (a new namespace
    starts from this one's value) and no write of its own sets it whole.
    """
    defaults, results, final, changed_at = oracle[:4]
    if final.get(key) is None:
        return None
    net_writes = [item for item in writes if is_namespaced(item.key)]
    mine = [(item, results[index]) for index, item in enumerate(net_writes) if item.key == key]
    if any(code == NOT_REPLAYED for dummy, code in mine):
        return None
    rejected = ['%s: %r: %s' % (item.source, display(item.value), os.strerror(code))
                for item, code in mine if code > 0]
    accepted = [item for item, code in mine if code == 0]
    last_change = changed_at.get(key)
    if accepted and (last_change is None or net_writes[last_change].key == key
                     or net_writes.index(accepted[-1]) > last_change):
        if copied and len(accepted[-1].value.split()) < len(final[key].split()):
            return None  # the fields it does not set keep this namespace's values, not the kernel's defaults
        return final[key], accepted[-1].source, rejected
    if copied:
        return None
    before = start if start is not None else defaults.get(key)
    if last_change is not None and (final[key] != before or accepted):
        # set (or set back, after an accepted write) by a write to another key
        return final[key], net_writes[last_change].source, rejected
    return None, None, rejected


def _one(key, writes, oracle, model, start, copied):
    decided = _from_oracle(key, writes, oracle, start, copied) if oracle is not None else None
    if decided is not None:
        value, source, rejected = decided
        return value, source, None, rejected, 'kernel', True
    final = model[key]
    value = display(final.value) if final.value is not None else None
    return value, final.source, final.undecided, list(final.rejected), 'model', final.certain


def writers(key, writes):
    """Every write to ``key`` at boot, in order: ``{writer, source, value}`` (tuned's modifier kept in the value)."""
    return [{'writer': item.writer, 'source': item.source, 'value': (item.condition or '') + display(item.value)}
            for item in writes if item.key == key]


def combine(keys, current, boot_writes, reload_writes, boot_oracle=None, reload_oracle=None, unjudged=None,
            copied=()):
    """Return ``{key: prediction}`` (a dict per key, see the module docstring).

    ``current(key)`` is the live value; the oracles are _netns.replay
    results for the writes (reload: started from the live values), or None.
    ``unjudged`` maps the keys a new namespace cannot judge for this one
    (read-only there) to why: the model decides them. ``copied``: keys a new
    namespace copies from this one, so its value is not the kernel's default.
    """
    unjudged = unjudged or {}
    boot_model = replay(boot_writes, keys, current, boot=True)
    reload_model = replay(reload_writes, keys, current)
    predictions = {}
    for key in keys:
        boot_oracle_for = None if key in unjudged else boot_oracle
        reload_oracle_for = None if key in unjudged else reload_oracle
        boot = _one(key, boot_writes, boot_oracle_for, boot_model, None, key in copied)
        reload = _one(key, reload_writes, reload_oracle_for, reload_model, current(key), key in copied)
        default = None
        if boot_oracle_for is not None and key not in copied:
            default = boot_oracle_for[0].get(key)
        value, source = boot[0], boot[1]
        if current(key) is None:
            # the key does not exist now (an interface or module that comes later): what the boot leaves in it
            # is not predicted (udev re-applies the files' lines for an interface when it appears)
            value = source = default = None
        elif value is None and not boot[2] and default is not None:
            value, source = default, KERNEL_DEFAULT  # nothing writes it: the kernel's default stays
        predictions[key] = {
            'boot': value, 'boot_source': source, 'boot_undecided': boot[2], 'boot_rejected': boot[3],
            'reload': reload[0], 'reload_source': reload[1], 'reload_undecided': reload[2],
            'checked_by': boot[4], 'certain': boot[5] and reload[5], 'kernel_default': default,
            'boot_certain': boot[5], 'reload_certain': reload[5], 'boot_writers': writers(key, boot_writes),
            'model_reason': unjudged.get(key),
            # the runner of the differential tests reads this name
            'undecided': boot[2],
        }
    return predictions

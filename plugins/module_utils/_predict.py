# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One prediction per key from the applier's writes: the kernel's answer where it has one, else the model's.

``boot`` is what the key reads back after the boot applier (None: no write
takes, the kernel's default stays); ``reload`` the same for the next
``sysctl --system`` starting from the live values (None: it leaves the key
as it is). ``checked_by`` says who decided: ``kernel`` (the writes were
replayed in a throwaway network namespace) or ``model`` (_kernel).
``certain`` is False when the model took a value it cannot check (a range
only the kernel knows) as accepted. ``undecided`` holds the reason when
neither can tell.
"""

import os

from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import display
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._replay import replay


def _from_oracle(key, writes, oracle, start):
    """``(value, source, rejected)`` from a namespace replay, or None when the key is not there.

    The source is the last accepted write to the key; failing that, the
    write after which the kernel changed it (a write to another key, such as
    ``conf.default.*`` or ``ip_forward``, or a rejected write that kept its
    first values).
    """
    defaults, results, final, changed_at = oracle
    if final.get(key) is None:
        return None
    net_writes = [item for item in writes if is_namespaced(item.key)]
    mine = [(item, results[index]) for index, item in enumerate(net_writes) if item.key == key]
    rejected = ['%s: %r: %s' % (item.source, display(item.value), os.strerror(code)) for item, code in mine if code]
    accepted = [item for item, code in mine if not code]
    last_change = changed_at.get(key)
    if accepted and (last_change is None or net_writes[last_change].key == key
                     or net_writes.index(accepted[-1]) > last_change):
        return final[key], accepted[-1].source, rejected
    before = start if start is not None else defaults.get(key)
    if last_change is not None and (final[key] != before or accepted):
        # set (or set back, after an accepted write) by a write to another key
        return final[key], net_writes[last_change].source, rejected
    return None, None, rejected


def _one(key, writes, oracle, model, start):
    decided = _from_oracle(key, writes, oracle, start) if oracle is not None else None
    if decided is not None:
        value, source, rejected = decided
        return value, source, None, rejected, 'kernel', True
    final = model[key]
    value = display(final.value) if final.value is not None else None
    return value, final.source, final.undecided, list(final.rejected), 'model', final.certain


def combine(keys, current, boot_writes, reload_writes, boot_oracle=None, reload_oracle=None):
    """Return ``{key: prediction}`` (a dict per key, see the module docstring).

    ``current(key)`` is the live value; the oracles are _netns.replay
    results for the writes (reload: started from the live values), or None.
    """
    boot_model = replay(boot_writes, keys, current, boot=True)
    reload_model = replay(reload_writes, keys, current)
    predictions = {}
    for key in keys:
        boot = _one(key, boot_writes, boot_oracle, boot_model, None)
        reload = _one(key, reload_writes, reload_oracle, reload_model, current(key))
        default = boot_oracle[0].get(key) if boot_oracle is not None else None
        predictions[key] = {
            'boot': boot[0], 'boot_source': boot[1], 'boot_undecided': boot[2], 'boot_rejected': boot[3],
            'reload': reload[0], 'reload_source': reload[1], 'reload_undecided': reload[2],
            'checked_by': boot[4], 'certain': boot[5] and reload[5], 'kernel_default': default,
            # the runner of the differential tests reads this name
            'undecided': boot[2],
        }
    return predictions

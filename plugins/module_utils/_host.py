# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a host: the one reader of the collection.

``read_host`` reads what every view of a host needs, once: the live values
of the keys, the sysctl files as the boot applier and ``sysctl --system``
read them (texts, assignments, problems) and what each leaves in the kernel.
The audit module and tune's views before and after the change are built on
it; tune's planned view reads the files through ``read_files`` with the
drop-in in its place. Its parts: _live (/proc/sys) and _host_files (the
sysctl files, one decoder); facts of the host (container, appliers, pressure
counters) are read here. Every function takes ``root`` (``'/'``: the host;
tests pass a tree of plain files). Nothing here writes; the kernel check
runs in a throwaway network namespace (_netns).
"""

import os
from collections import namedtuple

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import (
    RELOAD_APPLIER,
    SYSCTL_CONF,
    SYSTEMD_SYSCTL_BINARIES,
    detect_applier,
    detect_reload_applier,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._compare import meets
from ansible_collections.kerneltune.sysctl.plugins.module_utils._host_files import (
    BLOCKS,
    conf_files,
    not_read,
    read_assignments,
    read_conf,
    read_texts,
    sysctl_d_dirs,
    sysctl_d_listing,
    under,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import PROC_SYS, is_namespaced
from ansible_collections.kerneltune.sysctl.plugins.module_utils._live import (
    expand,
    live_or_none,
    read_live,
    read_text,
    read_values,
    unknown_keys,
    writable,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import combine
from ansible_collections.kerneltune.sysctl.plugins.module_utils._pressure import PRESSURE_KEYS, pressure
from ansible_collections.kerneltune.sysctl.plugins.module_utils import _netns, _writers

# One applier's reading of the sysctl files: the files in its order, their
# assignments in that order, and the problems (unreadable files, bad lines).
Reading = namedtuple('Reading', 'files assignments problems')

# What read_host read: the appliers modelled; live values ({key: value or
# None}); unreadable ({key: UnreadableKeyError}); unknown ({key:
# UnknownKeyError} of the keys missing here, with close matches); the boot
# applier's files and problems; predictions ({key: _predict.combine dict});
# notes (why the kernel check was not used); texts ({path: (text, problem)}).
HostView = namedtuple('HostView', 'applier reload_applier live unreadable unknown files problems predictions notes '
                                  'texts')


def in_container(root='/'):
    """True inside a Podman/Docker/LXC/systemd-nspawn container."""
    for marker in ('run/.containerenv', '.dockerenv'):
        if os.path.exists(os.path.join(root, marker)):
            return True
    try:
        with open(os.path.join(root, 'proc/1/environ'), 'rb') as handle:
            return any(item.startswith(b'container=') for item in handle.read().split(b'\0'))
    except (IOError, OSError):
        return False


def _os_release(path='/etc/os-release'):
    fields = {}
    try:
        text = read_text(path)
    except (IOError, OSError):
        return fields
    for line in text.splitlines():
        name, sep, value = line.partition('=')
        if sep:
            fields[name.strip()] = value.strip().strip('"\'')
    return fields


def appliers(choice, root='/'):
    """``(boot applier, reload applier)`` for a ``boot_applier`` option value (``auto``: detected here)."""
    if choice == 'auto':
        return host_appliers(root)
    return choice, RELOAD_APPLIER[choice]


def host_appliers(root='/'):
    """``(boot applier, reload applier)`` of this host (_appliers.detect_applier, detect_reload_applier)."""
    try:
        init_comm = read_text(under(root, '/proc/1/comm')).strip()
    except (IOError, OSError):
        init_comm = ''
    present = any(os.path.exists(under(root, path)) for path in SYSTEMD_SYSCTL_BINARIES)
    release = _os_release(under(root, '/etc/os-release'))
    os_id, version = release.get('ID', ''), release.get('VERSION_ID', '')
    return detect_applier(init_comm, present, os_id, version), detect_reload_applier(os_id, version)


def read_files(applier, root='/', texts=None, planned=None):
    """The Reading of the host's sysctl files by ``applier``.

    ``texts`` (read_texts form) caches the files read and is filled in;
    ``planned`` is ``(path, text)`` of a drop-in about to be written: it
    takes its place in the order and is read as ``text`` (``texts`` keeps
    the file as it is).
    """
    texts = {} if texts is None else texts
    listing, unlisted = sysctl_d_listing(sysctl_d_dirs(root))
    files = conf_files(applier, listing, under(root, SYSCTL_CONF), planned[0] if planned else None)
    read_texts([path for path in files if not planned or path != planned[0]], texts)
    if planned:
        texts = dict(texts)
        texts[planned[0]] = (planned[1], None)
    assignments, problems = read_assignments(files, applier, texts)
    return Reading(files, assignments, unlisted + problems)


def _writes(applier, root, texts):
    """``(reading, writes, blocked)``: ``blocked`` names a file the applier would hang on (then no writes)."""
    reading = read_files(applier, root, texts)
    blocked = next((problem.source for problem in reading.problems if problem.reason == BLOCKS), None)
    if blocked:
        return reading, [], blocked
    proc = under(root, PROC_SYS)
    writes = write_sequence(reading.assignments, applier, lambda pattern: expand(pattern, proc),
                            lambda key: writable(key, proc))
    return reading, writes, None


def _text_or_none(path):
    """The text of a file, or None when it cannot be read; never blocks (read_conf: a FIFO is not read)."""
    text, problem = read_conf(path)
    return None if problem else text


def tuned_enabled(root='/'):
    """True when tuned starts at boot: installed and its service wanted by a target (systemctl enable)."""
    if not any(os.path.exists(under(root, path)) for path in ('/usr/sbin/tuned', '/usr/bin/tuned')):
        return False
    wants = ('/etc/systemd/system/multi-user.target.wants/tuned.service',
             '/etc/systemd/system/graphical.target.wants/tuned.service')
    return any(os.path.lexists(under(root, path)) for path in wants)


def _tuned_profile(name, root, seen, problems):
    """The sections of a profile and of what it includes, includes first; [] when it cannot be found."""
    if name in seen:
        problems.append('tuned profile %s includes itself' % name)
        return []
    seen.add(name)
    for directory in _writers.TUNED_PROFILE_DIRS:
        path = '%s/%s/tuned.conf' % (directory, name)
        text = _text_or_none(under(root, path))
        if text is not None:
            sections = _writers.parse_ini(text)
            chain = []
            for included in _writers.profile_includes(sections):
                chain.extend(_tuned_profile(included, root, seen, problems))
            return chain + [(path, sections)]
    problems.append('tuned profile %s: no tuned.conf in %s' % (name, ', '.join(_writers.TUNED_PROFILE_DIRS)))
    return []


def tuned_writes(root='/', texts=None):
    """``(writes, problems)`` of tuned at boot: its active profile's sysctl values, then its re-apply of the files.

    Nothing when tuned is not enabled.
    """
    return _tuned(root, texts)[:2]


def tuned_overrides(expectations, values, root='/', texts=None):
    """The tuned profile writes that would win over ``values`` (a drop-in's {key: value}) at the next boot.

    tuned writes its profile after the sysctl files; with ``reapply_sysctl``
    on it then writes /etc/sysctl.d again (the drop-in wins), with it off its
    profile's value stays. A write that leaves a value meeting the key's
    expectation, or a conditional one (``>N``, ``<N``) that would not be
    made over the drop-in's value, does not count. Returns ``[Write]``.
    ``texts`` (read_texts form): the sysctl files already read.
    """
    if in_container(root) or not tuned_enabled(root):
        return []
    writes, dummy, reapply = _tuned(root, texts)
    if reapply:
        return []
    found = []
    for item in writes:
        if item.writer != 'tuned' or item.key not in values:
            continue
        if not _writers.conditional_made(item.condition, item.value, values[item.key]):
            continue
        if not meets(expectations[item.key], item.value):
            found.append(item)
    return found


def _tuned(root, texts=None):
    """``(writes, problems, reapply)``: tuned_writes, and whether tuned re-applies the files after its profile.

    ``texts`` (read_texts form) caches the sysctl files tuned re-applies.
    """
    if not tuned_enabled(root):
        return [], [], False
    problems = []
    names = _writers.active_profiles(_text_or_none(under(root, _writers.TUNED_ACTIVE)))
    if not names:
        problems.append('tuned is enabled without an active profile in %s: it picks its recommended profile at '
                        'start, which the model does not predict' % _writers.TUNED_ACTIVE)
    chain = []
    for name in names:
        chain.extend(_tuned_profile(name, root, set(), problems))
    options, variables = _writers.merge_profile_options([sections for dummy, sections in chain])
    has_sysctl = any(_writers.sysctl_options(sections) or 'sysctl' in sections for dummy, sections in chain)
    writes, more = _writers.profile_writes(options, variables, 'tuned profile %s' % ' '.join(names))
    problems.extend(more)
    main = _writers.parse_main_conf(_text_or_none(under(root, _writers.TUNED_MAIN)))
    # tuned re-applies the files from its sysctl plugin: only when the profile has a sysctl section
    reapply = has_sysctl and _writers.reapplies(main)
    if reapply:
        listings = []
        for directory in _writers.TUNED_REAPPLY_DIRS:
            try:
                listings.append((directory, sorted(os.listdir(under(root, directory)))))
            except (IOError, OSError):
                continue
        paths = _writers.reapply_files(listings)
        texts = read_texts([under(root, path) for path in paths], texts)
        for path in paths:
            text, problem = texts[under(root, path)]
            if not problem:
                writes.extend(_writers.reapply_writes(path, text))
    return writes, problems, reapply


def boot_writers(root='/', texts=None):
    """``(before, after, problems)``: the writes of the kernel command line (before the applier) and of tuned
    (after it) at the next boot of this host; nothing inside a container, whose boot is not the host's.
    """
    if in_container(root):
        return [], [], []
    cmdline = _text_or_none(under(root, '/proc/cmdline')) or ''
    release = _text_or_none(under(root, '/proc/sys/kernel/osrelease')) or ''
    before, problems = _writers.cmdline_writes(cmdline.strip(), release.strip())
    after, more = tuned_writes(root, texts)
    return before, after, problems + more


def _oracle(keys, writes, initial=(), notes=None):
    """Replay the net.* writes in a throwaway namespace; None (and why, in ``notes``) when that cannot be done."""
    net_writes = [(item.key, item.value, item.condition) for item in writes if is_namespaced(item.key)]
    net_keys = sorted(set([key for key in keys if is_namespaced(key)] + [item[0] for item in net_writes]))
    if not net_keys:
        return None
    try:
        return _netns.replay(net_keys, net_writes, initial)
    except _netns.OracleUnavailable as exc:
        if notes is not None:
            notes.append('kernel check unavailable (%s): the model decided the net.* keys' % exc)
        return None


def predict_host(applier, keys, live, oracle=True, texts=None, reload_applier=None, notes=None, root='/'):
    """Predict, for each key, what the next boot and the next ``sysctl --system`` leave in the kernel.

    ``live`` maps each key to its value now (None: absent or unreadable);
    ``texts`` (read_texts form) caches the files read, and is filled in;
    ``reload_applier`` is the family of ``sysctl --system`` (default: the
    one RELOAD_APPLIER gives for the boot applier); ``notes`` (a list)
    receives why the kernel check could not be used.
    Returns ``(files, problems, {key: prediction dict})`` (see _predict.combine).
    """
    texts = {} if texts is None else texts
    boot, applier_writes, blocked = _writes(applier, root, texts)
    reload_applier = reload_applier or RELOAD_APPLIER[applier]
    if reload_applier == applier:
        reload, reload_writes, reload_blocked = boot, applier_writes, blocked
    else:
        reload, reload_writes, reload_blocked = _writes(reload_applier, root, texts)
    first, last, writer_problems = boot_writers(root, texts)
    if notes is not None:
        notes.extend(writer_problems)
    boot_writes = first + applier_writes + last
    boot_unread, reload_unread = not_read(boot.problems), not_read(reload.problems)
    proc = under(root, PROC_SYS)

    def current(key):
        return live[key] if key in live else live_or_none(key, proc)

    boot_oracle = reload_oracle = None
    unjudged, copied = {}, ()
    if oracle:
        boot_oracle = _oracle(keys, boot_writes, notes=notes)
        if boot_oracle is not None:
            touched = sorted(set(item.key for item in reload_writes if is_namespaced(item.key)))
            initial = [(key, current(key)) for key in touched if current(key) is not None]
            reload_oracle = _oracle(keys, reload_writes, initial)
            if not in_container(root):
                unjudged, copied = _initial_namespace(keys, boot_oracle, proc, current, notes)
    predictions = combine(keys, current, boot_writes, reload_writes, boot_oracle, reload_oracle, unjudged, copied)
    for prediction in predictions.values():
        prediction['blocked'] = blocked or reload_blocked
        # a file only root can read may set the key: the model cannot say what the appliers leave
        if boot_unread:
            prediction['boot_undecided'] = prediction['undecided'] = boot_unread
        if reload_unread:
            prediction['reload_undecided'] = reload_unread
    return boot.files, boot.problems, predictions


def _initial_namespace(keys, oracle, proc, current, notes):
    """``(unjudged, copied)`` for a host audited in its initial network namespace (see _netns.initial_only)."""
    unjudged = {}
    for key in oracle[4]:
        if writable(key, proc):
            unjudged[key] = 'a new network namespace shows it read-only (only the initial one may write it)'
    copied = _netns.copied_keys([key for key in keys if is_namespaced(key)],
                                current('net.core.devconf_inherit_init_net'))
    if unjudged and notes is not None:
        notes.append('the model decided %s: %s' % (', '.join(sorted(unjudged)), unjudged[sorted(unjudged)[0]]))
    return unjudged, copied


def predict(applier, keys, oracle=True, root='/'):
    """The predictions of predict_host for ``keys`` (a list), reading their live values (the differential tests)."""
    live = dict((key, live_or_none(key, under(root, PROC_SYS))) for key in keys)
    return predict_host(applier, list(keys), live, oracle, root=root)[2]


def read_host(keys, applier, reload_applier=None, oracle=True, root='/', live=None, texts=None):
    """Read the host for ``keys`` (sorted): a HostView.

    ``live`` is ``(values, unreadable)`` already read (read_values) or None
    to read them now; ``texts`` (read_texts form) caches the files and is
    filled in; ``oracle``: ask the kernel (the kernel check). Raises
    SysctlError for a malformed key or a directory named as a key.
    """
    keys = sorted(keys)
    values, unreadable = read_values(keys, under(root, PROC_SYS)) if live is None else live
    missing = [key for key in keys if values.get(key) is None and key not in unreadable]
    texts = {} if texts is None else texts
    notes = []
    files, problems, predictions = predict_host(applier, keys, values, oracle, texts, reload_applier, notes, root)
    return HostView(applier, reload_applier or RELOAD_APPLIER[applier], values, unreadable,
                    unknown_keys(missing, under(root, PROC_SYS)), files, problems, predictions, notes, texts)


def read_pressure(live, root='/'):
    """The TIME_WAIT and backlog pressure of the host (_pressure.pressure); ``live``: values already read."""
    def text(path):
        try:
            return read_text(under(root, path))
        except (IOError, OSError):
            return ''
    limits = dict((key, live[key] if key in live else read_live(key, under(root, PROC_SYS))) for key in PRESSURE_KEYS)
    return pressure(text('/proc/net/sockstat'), text('/proc/net/netstat'), limits)

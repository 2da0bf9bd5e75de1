# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the host: /proc/sys values, sysctl configuration files, init system.

The only module_utils file that reads the file system (and, through _netns,
the kernel in a throwaway network namespace); every function takes its root
paths as arguments so tests can point it at a tree. No process is started.
"""

import errno
import os
import stat

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import (
    RELOAD_APPLIER,
    SYSCTL_CONF,
    SYSCTL_D_DIRS,
    SYSTEMD_SYSCTL_BINARIES,
    detect_applier,
    detect_reload_applier,
    order_conf_files,
    reads_sysctl_conf_last,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import write_sequence
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import GLOB_CHARS, Problem, parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError, UnreadableKeyError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import (
    PROC_SYS,
    glob_component_regex,
    is_namespaced,
    join_key,
    proc_path,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._predict import combine
from ansible_collections.kerneltune.sysctl.plugins.module_utils import _netns


def read_text(path):
    """Return the text of a file, decoded leniently (configuration files are not always UTF-8)."""
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8', 'replace')


def read_or_empty(path):
    """Return the text of a file, or '' when it does not exist or cannot be read."""
    try:
        return read_text(path)
    except (IOError, OSError):
        return ''


BLOCKS = 'a FIFO or socket: the appliers block reading it and apply nothing'


def read_conf(path):
    """Return ``(text, problem)`` of a configuration file: its bytes as Latin-1, or why it has none.

    Never blocks: a FIFO (on which the appliers hang) or a device is not
    read; /dev/null (a masking symlink) reads as empty.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (IOError, OSError) as exc:
        return '', 'cannot read: %s' % (exc.strerror or exc)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode) or stat.S_ISCHR(info.st_mode):
            return '', None
        if not stat.S_ISREG(info.st_mode):
            return '', BLOCKS
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b''.join(chunks).decode('latin-1'), None
    except (IOError, OSError) as exc:
        return '', 'cannot read: %s' % (exc.strerror or exc)
    finally:
        os.close(fd)


def read_live(key, root=PROC_SYS):
    """Return the kernel's value of a key (trailing newline removed), or None when the key does not exist.

    Raises UnreadableKeyError (a SysctlError) naming the key when it exists
    but cannot be read (a write-only key such as ``net.ipv4.route.flush``, or
    one the kernel refuses to print such as an unset ``stable_secret``).
    """
    path = proc_path(key, root)
    try:
        return read_text(path).rstrip('\n')
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.EISDIR:
            raise SysctlError('%s is a directory of keys, not a key' % key)
        reason = exc.strerror or str(exc)
        raise UnreadableKeyError('cannot read %s from %s: %s' % (key, path, reason), key=key, reason=reason)


def _live_or_none(key, root=PROC_SYS):
    try:
        return read_live(key, root)
    except SysctlError:
        return None


def conf_files(applier, dirs=SYSCTL_D_DIRS, sysctl_conf=SYSCTL_CONF, planned=None):
    """Return the configuration files the applier reads, in application order.

    ``planned`` is a file about to be written: it takes its place in the
    order as if it existed already.
    """
    listing = []
    for directory in dirs:
        try:
            names = os.listdir(directory)
        except (IOError, OSError):
            names = []
        if planned and os.path.dirname(planned) == directory:
            names.append(os.path.basename(planned))
        listing.append((directory, names))
    files = order_conf_files(listing, applier)
    if reads_sysctl_conf_last(applier) and os.path.isfile(sysctl_conf):
        files.append(sysctl_conf)
    return files


def read_texts(files):
    """Return ``{path: (text, problem)}`` of the files, each read once (read_conf)."""
    return dict((path, read_conf(path)) for path in files)


def read_assignments(files, applier, texts=None):
    """Return ``(assignments, problems)`` of all files, in order, as ``applier`` reads them.

    ``texts`` maps a path to ``(text, problem)`` to use instead of reading it.
    """
    assignments = []
    problems = []
    texts = texts or {}
    for path in files:
        text, problem = texts[path] if path in texts else read_conf(path)
        if problem:
            problems.append(Problem(path, 0, '', problem))
        found, bad = parse_conf(text, path, applier)
        assignments.extend(found)
        problems.extend(bad)
    return assignments, problems


def expand(pattern, root=PROC_SYS):
    """The sorted ``(path, key)`` of writable keys under ``root`` a slash-separated glob matches.

    ``path`` is relative to ``root`` and spelled as glob(3) prints it: the
    pattern's literal parts as written (doubled slashes included), each
    wildcard component replaced by the name it matched. procps compares
    these strings with the paths of its explicit lines.
    """
    if pattern.endswith('/'):
        # "pattern/" (procps' "key." glob): seen on procps 4.0.2/4.0.4, nothing matches when the last
        # component is the wildcard one (only directories would), the keys match when it is literal.
        pattern = pattern.rstrip('/')
        if GLOB_CHARS.search(pattern.rsplit('/', 1)[-1]):
            return []
    level = [([], [])]  # (components as printed, real components) so far
    for component in pattern.split('/'):
        following = []
        for printed, parts in level:
            if component in ('', '.') or not GLOB_CHARS.search(component):
                real = parts if component in ('', '.') else parts + [component]
                following.append((printed + [component], real))
                continue
            regex = glob_component_regex(component)
            try:
                names = os.listdir(os.path.join(root, *parts))
            except (IOError, OSError):
                continue
            for name in names:
                if (name.startswith('.') and not component.startswith('.')) or not regex.match(name):
                    continue
                following.append((printed + [name], parts + [name]))
        level = following
    found = []
    for printed, parts in level:
        key = join_key(parts) if parts else None
        if key and writable(key, root):
            found.append(('/'.join(printed), key))
    return sorted(found)


def writable(key, root=PROC_SYS):
    """True when a key exists as a file the owner may write (what the appliers need to set it)."""
    if key != key.strip():
        return False  # procps opens "/proc/sys/ net/..." for "- net.x = 1": no such file
    try:
        info = os.stat(proc_path(key, root))
    except (IOError, OSError, SysctlError):
        return False
    return stat.S_ISREG(info.st_mode) and bool(info.st_mode & stat.S_IWUSR)


def unlisted_dirs(dirs=None):
    """Problems for the directories of sysctl files that exist but cannot be listed (by a user other than root).

    conf_files takes such a directory as empty, as the appliers (root) never do.
    """
    problems = []
    for directory in SYSCTL_D_DIRS if dirs is None else dirs:
        try:
            os.listdir(directory)
        except (IOError, OSError) as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                problems.append(Problem(directory, 0, '', 'cannot read: %s' % (exc.strerror or exc)))
    return problems


def _exists(path):
    """False only when ``path`` (followed) is not there: gone, or a dangling symlink, which no applier reads."""
    try:
        os.stat(path)
    except (IOError, OSError) as exc:
        return exc.errno not in (errno.ENOENT, errno.ENOTDIR)
    return True


def not_read(problems):
    """Why the files behind ``problems`` leave the prediction open, or None.

    A file or directory that exists but could not be read (a root-only
    file, audited without become) may set any key: the appliers, run as
    root, read it. A file gone since it was listed, or a dangling symlink,
    is not counted.
    """
    unread = [problem for problem in problems
              if problem.line == 0 and problem.reason.startswith('cannot read') and _exists(problem.source)]
    if not unread:
        return None
    return '%s: run the audit as root (become)' % ', '.join(
        '%s cannot be read (%s)' % (problem.source, problem.reason.split(': ', 1)[-1]) for problem in unread)


def _writes(applier, texts):
    """``(files, problems, writes, blocked)``: ``blocked`` names a file the applier would hang on (then no writes)."""
    files = conf_files(applier)
    texts.update(read_texts([path for path in files if path not in texts]))
    assignments, problems = read_assignments(files, applier, texts)
    problems = unlisted_dirs() + problems
    blocked = next((problem.source for problem in problems if problem.reason == BLOCKS), None)
    if blocked:
        return files, problems, [], blocked
    return files, problems, write_sequence(assignments, applier, expand, writable), None


def _oracle(keys, writes, initial=(), notes=None):
    """Replay the net.* writes in a throwaway namespace; None (and why, in ``notes``) when that cannot be done."""
    net_writes = [(item.key, item.value) for item in writes if is_namespaced(item.key)]
    net_keys = sorted(set([key for key in keys if is_namespaced(key)] + [key for key, dummy in net_writes]))
    if not net_keys:
        return None
    try:
        return _netns.replay(net_keys, net_writes, initial)
    except _netns.OracleUnavailable as exc:
        if notes is not None:
            notes.append('kernel check unavailable (%s): the model decided the net.* keys' % exc)
        return None


def predict_host(applier, keys, live, oracle=True, texts=None, reload_applier=None, notes=None):
    """Predict, for each key, what the next boot and the next ``sysctl --system`` leave in the kernel.

    ``live`` maps each key to its value now (None: absent or unreadable);
    ``texts`` (read_texts form) caches the files read, and is filled in;
    ``reload_applier`` is the family of ``sysctl --system`` (default: the
    one RELOAD_APPLIER gives for the boot applier); ``notes`` (a list)
    receives why the kernel check could not be used.
    Returns ``(files, problems, {key: prediction dict})`` (see _predict.combine).
    """
    texts = {} if texts is None else texts
    files, problems, boot_writes, blocked = _writes(applier, texts)
    reload_applier = reload_applier or RELOAD_APPLIER[applier]
    if reload_applier == applier:
        reload_problems, reload_writes, reload_blocked = problems, boot_writes, blocked
    else:
        reload_problems, reload_writes, reload_blocked = _writes(reload_applier, texts)[1:]
    boot_unread, reload_unread = not_read(problems), not_read(reload_problems)

    def current(key):
        return live[key] if key in live else _live_or_none(key)

    boot_oracle = reload_oracle = None
    if oracle:
        boot_oracle = _oracle(keys, boot_writes, notes=notes)
        if boot_oracle is not None:
            touched = sorted(set(item.key for item in reload_writes if is_namespaced(item.key)))
            initial = [(key, current(key)) for key in touched if current(key) is not None]
            reload_oracle = _oracle(keys, reload_writes, initial)
    predictions = combine(keys, current, boot_writes, reload_writes, boot_oracle, reload_oracle)
    for prediction in predictions.values():
        prediction['blocked'] = blocked or reload_blocked
        # a file only root can read may set the key: the model cannot say what the appliers leave
        if boot_unread:
            prediction['boot_undecided'] = prediction['undecided'] = boot_unread
        if reload_unread:
            prediction['reload_undecided'] = reload_unread
    return files, problems, predictions


def predict(applier, keys, oracle=True):
    """The predictions of predict_host for ``keys`` (a list), reading their live values here."""
    live = dict((key, _live_or_none(key)) for key in keys)
    return predict_host(applier, list(keys), live, oracle)[2]


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


def appliers(choice):
    """``(boot applier, reload applier)`` for a ``boot_applier`` option value (``auto``: detected here)."""
    if choice == 'auto':
        return host_appliers()
    return choice, RELOAD_APPLIER[choice]


def host_appliers():
    """``(boot applier, reload applier)`` of this host (_appliers.detect_applier, detect_reload_applier)."""
    try:
        init_comm = read_text('/proc/1/comm').strip()
    except (IOError, OSError):
        init_comm = ''
    present = any(os.path.exists(path) for path in SYSTEMD_SYSCTL_BINARIES)
    release = _os_release()
    os_id, version = release.get('ID', ''), release.get('VERSION_ID', '')
    return detect_applier(init_comm, present, os_id, version), detect_reload_applier(os_id, version)

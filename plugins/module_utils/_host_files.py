# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sysctl files of a host, listed and read one way: a part of the host reader (_host).

One decoder: every sysctl file is read as bytes and decoded as Latin-1, one
character per byte, as the appliers (C programs) see them. Offsets then
count bytes, ``encode(decode(data)) == data`` for any bytes, the text is
always valid Unicode (a result Ansible can return), and a line the
collection edits keeps the exact bytes of its neighbours whatever their
encoding.

``under(root, path)`` places a host path inside a tree: ``'/'`` is the host
itself; unit tests pass a temporary directory holding etc/sysctl.d,
proc/sys and so on as plain files. Nothing here writes.
"""

import errno
import os
import stat

from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import (
    SYSCTL_CONF,
    SYSCTL_D_DIRS,
    order_conf_files,
    reads_sysctl_conf_last,
    traits,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import Problem, parse_conf

DECODING = 'latin-1'
BLOCKS = 'a FIFO or socket: the appliers block reading it and apply nothing'
# procps 3.3 applies each file as it reads it: the files before a FIFO apply, then it hangs.
HANGS = 'a FIFO or socket: procps 3.3 hangs reading it, after applying the files before it; the files after it ' \
        'do not apply'


def under(root, path):
    """The host path ``path`` (absolute) inside the tree ``root`` (``'/'``: the host itself)."""
    return path if root in (None, '/') else os.path.join(root, path.lstrip('/'))


def decode(data):
    """Bytes of a sysctl file -> text, one character per byte (``encode(decode(b)) == b``)."""
    return data.decode(DECODING)


def encode(text):
    """Text of decode() -> the same bytes."""
    return text.encode(DECODING)


def read_bytes(path):
    """Return the bytes of a file, or None when it does not exist (a dangling symlink raises)."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        if os.path.lexists(path):
            raise
        return None


def read_conf(path):
    """Return ``(text, problem)`` of a sysctl file: its decoded bytes, or why it has none.

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
        return decode(b''.join(chunks)), None
    except (IOError, OSError) as exc:
        return '', 'cannot read: %s' % (exc.strerror or exc)
    finally:
        os.close(fd)


def sysctl_d_dirs(root='/'):
    """The sysctl.d directories of the host under ``root``, in precedence order."""
    return [under(root, directory) for directory in SYSCTL_D_DIRS]


def sysctl_d_listing(dirs):
    """``([(directory, names)], problems)`` of the sysctl.d directories ``dirs`` (precedence order).

    Each real directory once (/lib is often a symlink to /usr/lib); a
    directory that is missing lists as empty; one that exists but cannot be
    listed (by a user other than root) lists as empty too, with a Problem:
    the appliers, run as root, would read it.
    """
    listing, problems, seen = [], [], set()
    for directory in dirs:
        real = os.path.realpath(directory)
        if real in seen:
            continue
        seen.add(real)
        try:
            names = os.listdir(directory)
        except (IOError, OSError) as exc:
            names = []
            if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                problems.append(Problem(directory, 0, '', 'cannot read: %s' % (exc.strerror or exc)))
        listing.append((directory, names))
    return listing, problems


def conf_files(applier, listing, sysctl_conf=SYSCTL_CONF, planned=None):
    """Return the sysctl files the applier reads, in application order.

    ``listing`` is sysctl_d_listing's; ``planned`` is a file about to be
    written: it takes its place in the order as if it existed already.
    """
    if planned:
        listing = [(directory, names + [os.path.basename(planned)] if os.path.dirname(planned) == directory else names)
                   for directory, names in listing]
    files = order_conf_files(listing, applier)
    if reads_sysctl_conf_last(applier) and os.path.isfile(sysctl_conf):
        files.append(sysctl_conf)
    return files


def read_texts(files, texts=None):
    """Return ``texts`` (``{path: (text, problem)}``) with every file of ``files`` it lacks read once (read_conf)."""
    texts = {} if texts is None else texts
    for path in files:
        if path not in texts:
            texts[path] = read_conf(path)
    return texts


def read_assignments(files, applier, texts=None):
    """Return ``(assignments, problems)`` of all files, in order, as ``applier`` reads them.

    ``texts`` (read_texts form) gives the files already read; the others are read now.
    A FIFO on which procps 3.3 hangs (it applies each file as it reads it)
    ends the reading there, with a HANGS problem; the other appliers read
    every file before they apply any (a BLOCKS problem: nothing applies).
    """
    assignments = []
    problems = []
    streams = traits(applier).grammar == 'procps3'
    for path in files:
        text, problem = texts[path] if texts and path in texts else read_conf(path)
        if problem == BLOCKS and streams:
            problems.append(Problem(path, 0, '', HANGS))
            break
        if problem:
            problems.append(Problem(path, 0, '', problem))
        found, bad = parse_conf(text, path, applier)
        assignments.extend(found)
        problems.extend(bad)
    return assignments, problems


def _denied(path):
    """True when reading ``path`` (a file, or a directory to list) is refused for lack of permission: root, as
    the appliers run, would read it. Any other failure (gone, a dangling symlink, a symlink loop) the appliers
    meet too, and skip the file."""
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            os.close(os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0)))
    except (IOError, OSError) as exc:
        return exc.errno in (errno.EACCES, errno.EPERM)
    return False


def not_read(problems):
    """Why the files behind ``problems`` leave the prediction open, or None.

    A file or directory that exists but could not be read (a root-only
    file, audited without become) may set any key: the appliers, run as
    root, read it. A file gone since it was listed, a dangling symlink or
    a symlink loop is not counted: the appliers skip it as well.
    """
    unread = [problem for problem in problems
              if problem.line == 0 and problem.reason.startswith('cannot read') and _denied(problem.source)]
    if not unread:
        return None
    return '%s: run the audit as root (become)' % ', '.join(
        '%s cannot be read (%s)' % (problem.source, problem.reason.split(': ', 1)[-1]) for problem in unread)


def problem_report(problems):
    """``(entries, warnings)`` of Problems: each as a result dict, and one warning per place.

    /etc/sysctl.conf read twice by procps (also through the 99-sysctl.conf
    link) warns once.
    """
    entries = [dict(file=p.source, line=p.line, text=p.text, reason=p.reason) for p in problems]
    warnings, seen = [], set()
    for entry in entries:
        place = (os.path.realpath(entry['file']), entry['line'], entry['reason'])
        if place not in seen:
            seen.add(place)
            warnings.append('%s:%d: %s' % (entry['file'], entry['line'], entry['reason']))
    return entries, warnings

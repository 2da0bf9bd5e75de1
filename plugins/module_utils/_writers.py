# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who else writes sysctls at boot: the kernel command line and tuned (pure: texts in, writes out).

Order on a systemd host: the kernel applies its command line's
``sysctl.KEY=VALUE`` parameters (Linux >= 5.8) before init; then the boot
applier applies the sysctl files (_boot); then tuned, when enabled, writes
its active profile's ``[sysctl]`` values and, with ``reapply_sysctl`` (the
default), writes the lines of ``/run/sysctl.d`` and ``/etc/sysctl.d`` (a
name in ``/run`` masks ``/etc``; ``/usr/lib/sysctl.d`` is not re-applied)
and ``/etc/sysctl.conf`` again, its own way. Each function here turns those
texts into _boot.Write tuples in that order; what the kernel makes of each
write is _kernel's (or the namespace replay's) business.
"""

import re

from ansible_collections.kerneltune.sysctl.plugins.module_utils._boot import Write
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import InvalidKeyError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._keys import join_key, split_key

CMDLINE = 'kernel command line'
CMDLINE_SINCE = (5, 8)
_C_SPACE = ' \t\n\v\f\r'

TUNED_MAIN = '/etc/tuned/tuned-main.conf'
TUNED_ACTIVE = '/etc/tuned/active_profile'
# Where tuned looks for a profile, first match wins (the user's directories before the packaged ones;
# releases before 2.23 keep profiles directly under /etc/tuned and /usr/lib/tuned).
TUNED_PROFILE_DIRS = ('/etc/tuned/profiles', '/run/tuned/profiles', '/etc/tuned', '/usr/lib/tuned/profiles',
                      '/usr/lib/tuned')
TUNED_REAPPLY_DIRS = ('/run/sysctl.d', '/etc/sysctl.d')
TUNED_SYSCTL_CONF = '/etc/sysctl.conf'
# Options of every tuned plugin section that are not sysctl keys.
_TUNED_SECTION_OPTIONS = ('type', 'devices', 'enabled', 'replace', 'priority', 'devices_udev_regex',
                          'script_pre', 'script_post', 'uname_regex', 'cpuinfo_regex')
_TRUE = ('1', 'true', 'yes', 'y', 'on')
_VARIABLE = re.compile(r'\$\{([^}:]+)\}')


def kernel_release(text):
    """``(major, minor)`` of a release string such as ``6.12.48+deb13-cloud-amd64`` (None if unreadable)."""
    match = re.match(r'(\d+)\.(\d+)', text or '')
    return (int(match.group(1)), int(match.group(2))) if match else None


def cmdline_params(text):
    """The ``(param, value)`` pairs of a kernel command line, split as the kernel's next_arg() splits it.

    Blanks separate parameters except inside double quotes; the first ``=``
    splits name and value (value None without one); quotes around the value
    (or the whole parameter) are dropped. ``--`` ends the kernel's part.
    """
    params = []
    pos = 0
    text = text or ''
    while True:
        while pos < len(text) and text[pos] in _C_SPACE:
            pos += 1
        if pos >= len(text):
            return params
        quoted = text[pos] == '"'
        start = pos + 1 if quoted else pos
        in_quote = quoted
        end = start
        equals = None
        while end < len(text) and (in_quote or text[end] not in _C_SPACE):
            if equals is None and text[end] == '=' and end > start:
                equals = end
            if text[end] == '"':
                in_quote = not in_quote
            end += 1
        word = text[start:end]
        if quoted and word.endswith('"'):
            word = word[:-1]
        pos = end + 1
        if equals is None:
            if word == '--':
                return params
            params.append((word, None))
            continue
        name, value = word[:equals - start], word[equals - start + 1:]
        if value.startswith('"'):
            value = value[1:]
            if value.endswith('"'):
                value = value[:-1]
        params.append((name, value))


def cmdline_writes(text, release):
    """``(writes, problems)`` of the ``sysctl.*`` parameters of a kernel command line.

    ``release`` is the kernel release that will read it (``uname -r``):
    before Linux 5.8 the kernel ignores them (no writes, a problem says so).
    The kernel turns every ``.`` of the name into ``/`` and writes the
    value as it is; a parameter without a value is not written.
    """
    writes, problems = [], []
    found = [(name, value) for name, value in cmdline_params(text) if re.match(r'sysctl[./].', name)]
    if not found:
        return writes, problems
    version = kernel_release(release)
    if version is not None and version < CMDLINE_SINCE:
        problems.append('kernel %s ignores sysctl.* on its command line (Linux >= 5.8 applies them)' % release)
        return writes, problems
    for name, value in found:
        source = '%s (%s)' % (CMDLINE, name if value is None else '%s=%s' % (name, value))
        if value is None:
            problems.append('%s: no value, the kernel writes nothing' % source)
            continue
        # the kernel opens the path under /proc/sys: repeated separators collapse, a trailing one names no file
        path = name[len('sysctl.'):].replace('.', '/')
        if path.endswith('/'):
            problems.append('%s: the path ends with a separator, the kernel cannot open it' % source)
            continue
        try:
            key = join_key(split_key('/'.join(part for part in path.split('/') if part)))
        except InvalidKeyError as exc:
            problems.append('%s: %s' % (source, exc))
            continue
        writes.append(Write(key, value, source, True, None, 'cmdline'))
    return writes, problems


# ---- tuned ---------------------------------------------------------------------

def parse_ini(text):
    """tuned's configuration files: ``{section: {option: value}}`` in order (``key = value``, ``#`` comments)."""
    sections = {}
    current = None
    for raw in _lines(text):
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('[') and line.endswith(']'):
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        name, sep, value = line.partition('=')
        if not sep or current is None:
            continue
        current[name.strip()] = value.strip()
    return sections


def parse_main_conf(text):
    """tuned-main.conf (no section): ``{option: value}``."""
    return parse_ini('[main]\n' + (text or '')).get('main', {})


def reapplies(main_options):
    """True when tuned re-applies the sysctl files after its profile (``reapply_sysctl``, default on)."""
    return main_options.get('reapply_sysctl', '1').strip().lower() in _TRUE


def active_profiles(text):
    """The names in /etc/tuned/active_profile (tuned merges several, in order)."""
    return (text or '').split()


def profile_includes(sections):
    """The profiles a profile's ``[main] include=`` names (separated by commas, semicolons or blanks)."""
    value = sections.get('main', {}).get('include', '')
    return [name for name in re.split(r'[\s,;]+', value) if name]


def sysctl_options(sections):
    """``[(key option, value)]`` of the sysctl sections of one profile (``[sysctl]`` or ``type=sysctl``)."""
    options = []
    for name, section in sections.items():
        if name == 'sysctl' or section.get('type') == 'sysctl':
            options.extend((option, value) for option, value in section.items()
                           if option not in _TUNED_SECTION_OPTIONS)
    return options


def merge_profile_options(chain):
    """The sysctl options of profiles merged in order (``chain``: sections of each, includes first): later wins."""
    merged = {}
    variables = {}
    for sections in chain:
        variables.update(sections.get('variables', {}))
        for option, value in sysctl_options(sections):
            merged.pop(option, None)
            merged[option] = value
    return merged, variables


def conditional_made(condition, value, current):
    """Whether tuned makes a write of ``value`` with its ``condition`` (``>``, ``<``, None) over ``current``.

    ``>N`` is written only when N is above the value then, ``<N`` only when
    below; tuned writes it anyway when either is not one integer.
    """
    if not condition:
        return True
    try:
        wanted, now = int(value), int(current)
    except (TypeError, ValueError):
        return True
    return wanted > now if condition == '>' else wanted < now


def _unquote(value):
    return value.replace('"', '')


def tuned_key(option):
    """The canonical key of a tuned option: tuned writes /proc/sys/ + the option with every ``.`` as ``/``."""
    return join_key(split_key(option.replace('.', '/')))


def profile_writes(options, variables, source):
    """``(writes, problems)`` of merged profile options (tuned's ``>N`` / ``<N``: conditional writes)."""
    writes, problems = [], []
    for option, raw in options.items():
        value = _VARIABLE.sub(lambda match: variables.get(match.group(1), match.group(0)), _unquote(raw))
        if '${' in value:
            problems.append('%s: %s = %s: a tuned variable or function the model cannot expand' % (source, option, raw))
            continue
        try:
            key = tuned_key(option)
        except InvalidKeyError as exc:
            problems.append('%s: %s' % (source, exc))
            continue
        condition = None
        if len(value) > 1 and value[0] in '<>':
            condition, value = value[0], value[1:]
        writes.append(Write(key, value, '%s: %s' % (source, option), True, condition, 'tuned'))
    return writes, problems


def _lines(text):
    """Lines as Python's text mode reads them (universal newlines: LF, CR, CRLF)."""
    return (text or '').replace('\r\n', '\n').replace('\r', '\n').split('\n')


def reapply_files(listings, sysctl_conf=TUNED_SYSCTL_CONF):
    """The files tuned re-applies, in order: ``listings`` is ``[(directory, [names])]`` in TUNED_REAPPLY_DIRS order.

    Every name ending in ``.conf`` (dot-files too); the first directory
    with a name masks it in the later ones; sorted by name; then
    /etc/sysctl.conf.
    """
    chosen = {}
    for directory, names in listings:
        for name in names:
            if name.endswith('.conf') and name not in chosen:
                chosen[name] = '%s/%s' % (directory, name)
    return [chosen[name] for name in sorted(chosen)] + [sysctl_conf]


def reapply_writes(path, text):
    """tuned's re-apply of one file: each line stripped, ``#``/``;`` comments, split at the first ``=``."""
    writes = []
    for number, raw in enumerate(_lines(text), 1):
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        option, sep, value = line.partition('=')
        option = option.strip()
        if not sep or not option:
            continue
        try:
            key = tuned_key(option)
        except InvalidKeyError:
            continue  # tuned writes a path that names no key: ENOENT, ignored
        writes.append(Write(key, value.strip(), 'tuned re-apply: %s:%d' % (path, number), True, None,
                            'tuned_reapply'))
    return writes

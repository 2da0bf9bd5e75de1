"""Run on the VM as root (ansible.builtin.script): which keys the host's configuration sets, and their live values.

Argument: base64 of JSON {"extra": {key: source}} (keys the test adds: the profile's, tuned's). Prints JSON:
  keys     {key: [source, ...]}  every key a sysctl file sets (globs expanded over /proc/sys), a sysctl.KEY=VALUE
           of /proc/cmdline sets, or the test added, with where ("FILE" or "cmdline" or the test's label)
  live     {key: value or null}  /proc/sys now, as the kernel prints it (null: missing or unreadable)
  errors   {key: reason}         why a value could not be read
  expect   {key: value}          live values as the audit module's expect (a placeholder for unreadable keys)
  files    {path: text}          the sysctl files (to print with a disagreement)
  cmdline, kernel, boot_id
Keys are dotted as the audit module returns them: "." separates, a dot inside a component is written "/".
This is not the collection's parser: it only names keys; the appliers and the prediction decide values.
"""

import base64
import glob
import json
import os
import re
import sys

DIRS = ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d')
NAME = re.compile(r'^[A-Za-z0-9_.:@/+*?\[\]-]+$')


def dotted(key):
    """sysctl.d(5): when the first separator is "/", "/" separates and "." is part of a name."""
    key = key.strip()
    first = re.search(r'[./]', key)
    if first and first.group(0) == '/':
        key = key.strip('/').replace('.', '\0').replace('/', '.').replace('\0', '/')
    return key


def components(key):
    return [part.replace('/', '.') for part in key.split('.')]


def expand(key):
    """The existing keys a glob names (or the key itself)."""
    if not any(char in key for char in '*?['):
        return [key]
    pattern = '/proc/sys/' + '/'.join(components(key))
    out = []
    for path in sorted(glob.glob(pattern)):
        if os.path.isfile(path):
            rel = os.path.relpath(path, '/proc/sys').split('/')
            out.append('.'.join(part.replace('.', '/') for part in rel))
    return out


def files():
    found = {}
    for directory in DIRS:
        for path in sorted(glob.glob(os.path.join(directory, '*.conf'))):
            found.setdefault(os.path.basename(path), path)
    paths = [found[name] for name in sorted(found)]
    if os.path.exists('/etc/sysctl.conf'):
        paths.append('/etc/sysctl.conf')
    return paths


def read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')
    except OSError as exc:
        return '(unreadable: %s)' % exc


def main():
    extra = json.loads(base64.b64decode(sys.argv[1]).decode('utf-8')) if len(sys.argv) > 1 else {}
    keys = {}

    def add(key, source):
        key = dotted(key.lstrip('-'))
        if not key or not NAME.match(key):
            return
        for name in expand(key):
            sources = keys.setdefault(name, [])
            if source not in sources:
                sources.append(source)

    texts = {}
    for path in files():
        texts[path] = read(path)
        for line in texts[path].splitlines():
            line = line.strip()
            if not line or line[0] in '#;' or '=' not in line:
                continue
            add(line.split('=', 1)[0], path)
    cmdline = read('/proc/cmdline').strip()
    for word in cmdline.split():
        if word.startswith('sysctl.') and '=' in word:
            add(word[len('sysctl.'):].split('=', 1)[0], 'cmdline')
    for key, source in sorted(extra.get('extra', {}).items()):
        add(key, source)
    live, errors, expect = {}, {}, {}
    for key in sorted(keys):
        path = '/proc/sys/' + '/'.join(components(key))
        try:
            with open(path) as handle:
                live[key] = handle.read().rstrip('\n')
        except (OSError, IOError) as exc:
            live[key] = None
            errors[key] = str(exc)
        value = live[key]
        # The expectation is irrelevant here (only boot, live, boot_source, status and undecided are compared);
        # the live value when the audit module takes it as one, else a placeholder.
        expect[key] = value if value and value.strip() and '\n' not in value else '0'
    tuned = {}
    for pattern in ('/etc/tuned/*/tuned.conf', '/etc/tuned/profiles/*/tuned.conf', '/etc/tuned/tuned-main.conf',
                    '/etc/tuned/active_profile'):
        for path in glob.glob(pattern):
            tuned[path] = read(path)
    json.dump({'keys': keys, 'live': live, 'errors': errors, 'expect': expect, 'files': texts, 'tuned': tuned,
               'cmdline': cmdline, 'kernel': os.uname()[2],
               'boot_id': read('/proc/sys/kernel/random/boot_id').strip()}, sys.stdout, sort_keys=True)


if __name__ == '__main__':
    main()

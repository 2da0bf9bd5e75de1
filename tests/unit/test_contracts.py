# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The YAML contracts follow the Python.

The Python owns the facts: the profiles (module_utils/_profiles.py: names,
kinds, values, DEFAULT_PROFILE, BASELINE_PROFILE), the drop-in's directory
(OWN_DIR, found in module_utils wherever it lives), the applier families,
and the modules' argument specs (read from AnsibleModule as main() builds it,
and the action plugin's ARGUMENT_SPEC). Everything written by hand is checked
against them, as files: the modules' DOCUMENTATION, the role's
meta/argument_specs.yml, defaults/main.yml, vars/main.yml (the typo guard's
names) and tasks/main.yml (which variable feeds which module option), the
playbooks and their vars files, README.md and the role's README.

Each check is a function of a tree (``root``) and the facts, returning the
disagreements as sentences; the mutation tests at the end run them on a
modified copy of the tree (or modified facts) and expect the sentence, so a
check that could never fail would show.
"""

from __future__ import annotations

import ast
import copy
import glob
import importlib
import os
import re
import shutil
import sys
from unittest import mock

import pytest
import yaml

from ansible_collections.kerneltune.sysctl.plugins.module_utils import _profiles
from ansible_collections.kerneltune.sysctl.plugins.module_utils._appliers import APPLIERS, SYSCTL_D_DIRS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
COLLECTION = 'ansible_collections.kerneltune.sysctl.'
MODULES = ('audit', 'tune')
ROLE = os.path.join('roles', 'sysctl_tuning')
ROLE_PREFIX = 'sysctl_tuning_'
AUDIT_PREFIX = 'sysctl_audit_'
AUDIT_SPEC = '__sysctl_audit_argument_spec'
AUDIT_VARS = os.path.join('playbooks', 'vars', 'audit_argument_spec.yml')
# The playbooks that load AUDIT_VARS and begin with its typo guard.
AUDIT_PLAYBOOKS = ('audit.yml', 'audit_merge.yml')
TUNE_PLAY_VARIABLES = '__sysctl_tune_playbook_variables'
VARIABLE = re.compile(r'\b(?:sysctl_tuning|sysctl_audit)_[a-z0-9_]*[a-z0-9]\b')


# ---------------------------------------------------------------------------------------------------------------
# The facts (Python)

class _Built(Exception):
    pass


def module_argument_spec(name):
    """The argument spec module ``name`` gives AnsibleModule (main() is stopped right there)."""
    module = importlib.import_module(COLLECTION + 'plugins.modules.' + name)
    from ansible.module_utils import basic
    real = basic.AnsibleModule
    seen = {}

    def capture(*args, **kwargs):
        seen.update(kwargs)
        raise _Built()

    holders = [basic] + [m for n, m in list(sys.modules.items())
                         if n.startswith(COLLECTION) and getattr(m, 'AnsibleModule', None) is real]
    patches = [mock.patch.object(holder, 'AnsibleModule', capture) for holder in holders]
    for patch in patches:
        patch.start()
    try:
        module.main()
    except _Built:
        pass
    finally:
        for patch in patches:
            patch.stop()
    assert 'argument_spec' in seen, 'plugins/modules/%s.py: main() did not build an AnsibleModule' % name
    return seen['argument_spec']


def own_dir(root):
    """OWN_DIR, the one directory the tune module writes its drop-in in, wherever module_utils defines it."""
    found = {}
    for path in sorted(glob.glob(os.path.join(root, 'plugins', 'module_utils', '*.py'))):
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'OWN_DIR' for t in node.targets):
                found[os.path.basename(path)] = ast.literal_eval(node.value)
    assert len(set(found.values())) == 1, 'OWN_DIR must be defined once in module_utils: %s' % found
    return list(found.values())[0]


class Facts(object):
    """What the Python says; the mutation tests change a copy."""

    def __init__(self):
        self.profiles = dict((name, dict(kind=p['kind'], values=_profiles.profile_values(name)))
                             for name, p in _profiles.PROFILES.items())
        self.default_profile = _profiles.DEFAULT_PROFILE
        self.baseline_profile = _profiles.BASELINE_PROFILE
        self.appliers = ['auto'] + list(APPLIERS)
        self.own_dir = own_dir(ROOT)
        self.sysctl_d_dirs = list(SYSCTL_D_DIRS)
        self.specs = dict((name, module_argument_spec(name)) for name in MODULES)
        action = importlib.import_module(COLLECTION + 'plugins.action.audit_report')
        self.specs['audit_report'] = action.ARGUMENT_SPEC

    def names(self, kind=None):
        return sorted(n for n, p in self.profiles.items() if kind is None or p['kind'] == kind)


@pytest.fixture(scope='module')
def facts():
    return Facts()


# ---------------------------------------------------------------------------------------------------------------
# Reading the tree (files only)

def read(root, path):
    with open(os.path.join(root, path)) as handle:
        return handle.read()


def load(root, path):
    return yaml.safe_load(read(root, path))


def documentation(root, module):
    """DOCUMENTATION of plugins/modules/<module>.py with its doc fragments' options merged, read as text."""
    tree = ast.parse(read(root, os.path.join('plugins', 'modules', module + '.py')))
    strings = dict((t.id, ast.literal_eval(node.value)) for node in tree.body if isinstance(node, ast.Assign)
                   for t in node.targets if isinstance(t, ast.Name) and t.id in ('DOCUMENTATION', 'EXAMPLES'))
    doc = yaml.safe_load(strings['DOCUMENTATION'])
    options = dict(doc.get('options') or {})
    for fragment in doc.get('extends_documentation_fragment') or []:
        name = fragment.split('.')[-1]
        source = ast.parse(read(root, os.path.join('plugins', 'doc_fragments', name + '.py')))
        for node in ast.walk(source):
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DOCUMENTATION' for t in node.targets):
                options.update(yaml.safe_load(ast.literal_eval(node.value)).get('options') or {})
    doc['options'] = options
    doc['examples'] = yaml.safe_load(strings.get('EXAMPLES') or '[]') or []
    return doc


def role_spec(root):
    return load(root, os.path.join(ROLE, 'meta', 'argument_specs.yml'))['argument_specs']['main']


def tasks(root, path):
    return load(root, path)


def task_using(task_list, action):
    found = [t for t in task_list if action in t]
    assert len(found) == 1, 'one %s task expected, found %d' % (action, len(found))
    return found[0]


def referenced(value):
    """The sysctl_tuning_* / sysctl_audit_* (or __sysctl_audit_*) variables a templated value reads."""
    return re.findall(r'\b((?:__)?sysctl_(?:tuning|audit)_[a-z0-9_]+)\b', str(value))


def markdown_section(text, title):
    start = text.index('\n## %s\n' % title)
    end = text.find('\n## ', start + 1)
    return text[start:end if end >= 0 else len(text)]


def render(value):
    """A profile value as the README writes it: 262144, min 8192, max 30, min 1, max 9, one of a, b."""
    if isinstance(value, dict):
        parts = []
        if 'min' in value:
            parts.append('min %s' % value['min'])
        if 'max' in value:
            parts.append('max %s' % value['max'])
        if 'one_of' in value:
            parts.append('one of %s' % ', '.join(str(v) for v in value['one_of']))
        return ', '.join(parts)
    return str(value)


def expand_braces(key):
    match = re.search(r'\{([^}]*)\}', key)
    if not match:
        return [key]
    return [expanded for part in match.group(1).split(',')
            for expanded in expand_braces(key[:match.start()] + part + key[match.end():])]


# ---------------------------------------------------------------------------------------------------------------
# Checks: each returns a list of disagreements

def check_profiles_python(root, facts):
    errors = []
    if facts.default_profile not in facts.names('target'):
        errors.append('DEFAULT_PROFILE %r is not a target profile' % facts.default_profile)
    if facts.baseline_profile not in facts.names('baseline'):
        errors.append('BASELINE_PROFILE %r is not a baseline profile' % facts.baseline_profile)
    return errors


def _same(errors, where, got, wanted):
    if got != wanted:
        errors.append('%s is %r, the Python says %r' % (where, got, wanted))


def check_module_choices(root, facts):
    """The modules' profile and applier choices: argument spec and DOCUMENTATION follow _profiles / _appliers."""
    errors = []
    wanted = {
        'audit': dict(profile=facts.names(), baseline_profile=facts.names('baseline'), boot_applier=facts.appliers),
        'tune': dict(profile=facts.names('target'), baseline_profile=facts.names('baseline'),
                     boot_applier=facts.appliers),
        'audit_report': dict(profile=facts.names(), baseline_profile=facts.names('baseline')),
    }
    for module, options in sorted(wanted.items()):
        doc = documentation(root, module)['options']
        for option, choices in sorted(options.items()):
            _same(errors, '%s argument spec: choices of %s' % (module, option),
                  list(facts.specs[module][option].get('choices') or []), choices)
            _same(errors, 'plugins/modules/%s.py DOCUMENTATION: choices of %s' % (module, option),
                  (doc.get(option) or {}).get('choices'), choices)
    return errors


def check_module_docs_follow_specs(root, facts):
    """DOCUMENTATION of each module lists the options of its argument spec with the same type, choices, default."""
    errors = []
    for module in sorted(facts.specs):
        spec, doc = facts.specs[module], documentation(root, module)['options']
        if sorted(spec) != sorted(doc):
            errors.append('plugins/modules/%s.py DOCUMENTATION options %s, argument spec %s'
                          % (module, sorted(doc), sorted(spec)))
        for option in sorted(set(spec) & set(doc)):
            for field, fallback in (('type', 'str'), ('elements', None), ('choices', None), ('default', None)):
                got, wanted = doc[option].get(field, fallback), spec[option].get(field, fallback)
                if field == 'choices' and wanted is not None:
                    wanted = list(wanted)
                if got != wanted:
                    errors.append('plugins/modules/%s.py DOCUMENTATION: %s of %s is %r, the argument spec says %r'
                                  % (module, field, option, got, wanted))
    return errors


def check_examples(root, facts):
    """Profile names in the modules' EXAMPLES exist (the tune module's are targets)."""
    errors = []
    for module in sorted(facts.specs):
        for task in documentation(root, module)['examples']:
            args = task.get('kerneltune.sysctl.' + module) or {}
            for option in ('profile', 'baseline_profile'):
                if option in args and args[option] not in (facts.specs[module][option].get('choices') or []):
                    errors.append('plugins/modules/%s.py EXAMPLES: %s %r is not one of the module\'s choices'
                                  % (module, option, args[option]))
    return errors


def role_mapping(root):
    """{role variable: tune module option} as tasks/main.yml passes them."""
    tune = task_using(tasks(root, os.path.join(ROLE, 'tasks', 'main.yml')), 'kerneltune.sysctl.tune')
    mapping = {}
    for option, value in tune['kerneltune.sysctl.tune'].items():
        for name in referenced(value):
            if name.startswith(ROLE_PREFIX):
                mapping[name] = option
    return mapping


def check_role(root, facts):
    """meta/argument_specs.yml and defaults/main.yml follow the Python and the tune module they feed."""
    errors = []
    options = role_spec(root)['options']
    defaults = load(root, os.path.join(ROLE, 'defaults', 'main.yml')) or {}
    mapping = role_mapping(root)
    spec = facts.specs['tune']
    for name in sorted(options):
        if not name.startswith(ROLE_PREFIX):
            errors.append('role option %s does not start with %s' % (name, ROLE_PREFIX))
        if name not in mapping:
            errors.append('role option %s is not passed to the tune module by tasks/main.yml (a playbook\'s '
                          'variable does not belong in the role\'s argument spec)' % name)
    for name, option in sorted(mapping.items()):
        if name not in options:
            errors.append('tasks/main.yml passes %s, which the role\'s argument spec does not define' % name)
            continue
        role, module = options[name], spec[option]
        if 'default' in role and role['default'] != defaults.get(name):
            errors.append('role default of %s: argument spec %r, defaults/main.yml %r'
                          % (name, role['default'], defaults.get(name)))
        if module.get('type', 'str') == 'raw':
            if 'default' in module and role.get('default') != module['default']:
                errors.append('role default of %s is %r, the tune module\'s %s default is %r'
                              % (name, role.get('default'), option, module['default']))
            continue  # a raw option (apply_live) documents its values in words
        if role.get('type', 'str') != module.get('type', 'str'):
            errors.append('role option %s is of type %s, the tune module\'s %s of type %s'
                          % (name, role.get('type', 'str'), option, module.get('type', 'str')))
        if option == 'profile':
            _same(errors, 'role choices of %s' % name, role.get('choices'), [''] + facts.names('target'))
            _same(errors, 'role default of %s' % name, role.get('default'), facts.default_profile)
            continue
        if option == 'baseline_profile':
            _same(errors, 'role default of %s' % name, role.get('default'), facts.baseline_profile)
        if module.get('choices') is not None or role.get('choices') is not None:
            _same(errors, 'role choices of %s' % name, role.get('choices'), list(module.get('choices') or []))
        if 'default' in module and role.get('default') != module['default']:
            errors.append('role default of %s is %r, the tune module\'s %s default is %r'
                          % (name, role.get('default'), option, module['default']))
    return errors


def check_path_rule(root, facts):
    """The drop-in: one directory (OWN_DIR), said alike by the module, its documentation, the role and the README."""
    errors = []
    own = facts.own_dir
    default = facts.specs['tune']['path'].get('default')
    if os.path.dirname(default) != own or not default.endswith('.conf'):
        errors.append('the tune module\'s path default %s is not a .conf file directly in %s' % (default, own))
    others = [d for d in facts.sysctl_d_dirs if d != own]
    doc = documentation(root, 'tune')['options']['path']['description']
    first = doc[0] if isinstance(doc, list) else doc
    if 'directly in C(%s)' % own not in first or any('C(%s)' % d in first for d in others):
        errors.append('the tune module\'s DOCUMENTATION of path does not say "directly in C(%s)" alone: %r'
                      % (own, first))
    role = role_spec(root)['options']['sysctl_tuning_file']
    text = ' '.join(role['description']) if isinstance(role['description'], list) else role['description']
    if 'directly in C(%s)' % own not in text:
        errors.append('the role\'s sysctl_tuning_file description does not say "directly in C(%s)"' % own)
    for other in others:
        if 'C(%s)' % other in text:
            errors.append('the role\'s sysctl_tuning_file description names %s, where the module refuses a drop-in'
                          % other)
    if role.get('default') != default:
        errors.append('the role\'s sysctl_tuning_file default %s differs from the module\'s path default %s'
                      % (role.get('default'), default))
    readme = read(root, 'README.md')
    if 'must be a .conf file directly in %s`' % own not in readme:
        errors.append('README.md: the refused drop-in path row does not quote "must be a .conf file directly in %s"'
                      % own)
    for other in others:
        if re.search(r'drop-in[^.|]*%s' % re.escape(other), readme):
            errors.append('README.md offers %s for the drop-in' % other)
    return errors


def check_guards(root, facts):
    """One typo guard: the role's names are its argument spec's, the tune playbook adds its own, and the audit
    playbook's guard is the same expression, each consumed by the first task that reads the variables."""
    errors = []
    options = sorted(role_spec(root)['options'])
    role_vars = load(root, os.path.join(ROLE, 'vars', 'main.yml'))
    if role_vars.get('__sysctl_tuning_known') != options:
        errors.append('roles/sysctl_tuning/vars/main.yml __sysctl_tuning_known %r differs from the argument spec\'s '
                      'options %r' % (role_vars.get('__sysctl_tuning_known'), options))
    play = load(root, os.path.join('playbooks', 'vars', 'tune_variables.yml'))[TUNE_PLAY_VARIABLES]
    for name in sorted(play):
        if name in options:
            errors.append('%s is a variable of the tune playbook and of the role' % name)
        if not name.startswith(ROLE_PREFIX):
            errors.append('tune playbook variable %s does not start with %s (the guard would not see it)'
                          % (name, ROLE_PREFIX))
    tune_play = load(root, os.path.join('playbooks', 'tune.yml'))[0]
    if tune_play.get('vars', {}).get('__sysctl_tuning_play_variables') != '{{ %s | list }}' % TUNE_PLAY_VARIABLES:
        errors.append('playbooks/tune.yml does not hand its own variables to the role\'s guard')
    audit_vars = load(root, AUDIT_VARS)
    if audit_vars.get('__sysctl_audit_known') != '{{ %s | list | sort }}' % AUDIT_SPEC:
        errors.append('%s: __sysctl_audit_known is not the names of %s' % (AUDIT_VARS, AUDIT_SPEC))
    if audit_vars.get('__sysctl_audit_allowed') != '{{ __sysctl_audit_known }}':
        errors.append('%s: the guard allows %r, not the names of its argument spec'
                      % (AUDIT_VARS, audit_vars.get('__sysctl_audit_allowed')))

    def normal(text, prefix, subject):
        """The expression with its prefix and subject (role, playbook) taken out, whitespace collapsed."""
        text = ' '.join(str(text).split()).replace(prefix, 'PREFIX')
        return text.replace('unknown %s variable(s)' % subject, 'unknown variable(s)').replace(
            'the %s knows' % subject, 'the SUBJECT knows')
    for name in ('unknown', 'checked'):
        role_form = normal(role_vars.get('__sysctl_tuning_' + name), 'sysctl_tuning_', 'role')
        audit_form = normal(audit_vars.get('__sysctl_audit_' + name), 'sysctl_audit_', 'playbook')
        if role_form != audit_form or 'None' in (role_form, audit_form):
            errors.append('the typo guards of the role and of the audit playbooks (%s) differ in __*_%s:\n%s\n%s'
                          % (AUDIT_VARS, name, role_form, audit_form))
    tune = task_using(tasks(root, os.path.join(ROLE, 'tasks', 'main.yml')), 'kerneltune.sysctl.tune')
    if '__sysctl_tuning_checked' not in str(list(tune['kerneltune.sysctl.tune'].values())):
        errors.append('the role\'s tune task does not read __sysctl_tuning_checked (the guard)')
    for playbook in AUDIT_PLAYBOOKS:
        play = load(root, os.path.join('playbooks', playbook))[0]
        first = play['tasks'][0]
        if os.path.relpath(AUDIT_VARS, 'playbooks') not in (play.get('vars_files') or []):
            errors.append('playbooks/%s does not load %s (its argument spec and guard)' % (playbook, AUDIT_VARS))
        if '__sysctl_audit_checked' not in str(first) or 'ansible.builtin.validate_argument_spec' not in first:
            errors.append('the first task of playbooks/%s is not the argument spec check reading '
                          '__sysctl_audit_checked (the guard)' % playbook)
    return errors


def audit_mapping(root):
    """{(module, option): playbook variable} as playbooks/audit.yml passes them (through its play vars)."""
    play = load(root, os.path.join('playbooks', 'audit.yml'))[0]
    play_vars = play.get('vars') or {}
    mapping = {}
    for task in play['tasks']:
        for module in ('audit', 'audit_report'):
            for option, value in (task.get('kerneltune.sysctl.' + module) or {}).items():
                names = referenced(value)
                names = [n for name in names for n in ([name] if not name.startswith('__') else
                                                       referenced(play_vars.get(name, '')))]
                names = [n for n in names if n.startswith(AUDIT_PREFIX)]
                if names:
                    mapping[(module, option)] = names[0]
    return mapping


def check_playbooks(root, facts):
    """The audit playbook's argument spec follows the Python and the modules; both playbooks take defaults from
    their vars files."""
    errors = []
    spec = load(root, os.path.join('playbooks', 'vars', 'audit_argument_spec.yml'))[AUDIT_SPEC]
    _same(errors, 'playbooks/vars/audit_argument_spec.yml: choices of sysctl_audit_profile',
          spec['sysctl_audit_profile'].get('choices'), facts.names())
    _same(errors, 'playbooks/vars/audit_argument_spec.yml: default of sysctl_audit_profile',
          spec['sysctl_audit_profile'].get('default'), facts.default_profile)
    _same(errors, 'playbooks/vars/audit_argument_spec.yml: choices of sysctl_audit_baseline_profile',
          spec['sysctl_audit_baseline_profile'].get('choices'), facts.names('baseline'))
    _same(errors, 'playbooks/vars/audit_argument_spec.yml: default of sysctl_audit_baseline_profile',
          spec['sysctl_audit_baseline_profile'].get('default'), facts.baseline_profile)
    mapping = audit_mapping(root)
    for (module, option), name in sorted(mapping.items()):
        if name not in spec:
            errors.append('playbooks/audit.yml passes %s to %s, which its argument spec does not define' % (name, option))
            continue
        module_spec = facts.specs[module][option]
        if module_spec.get('choices') is not None and spec[name].get('choices') != list(module_spec['choices']):
            errors.append('playbooks/vars/audit_argument_spec.yml: choices of %s are %r, the %s module\'s %s has %r'
                          % (name, spec[name].get('choices'), module, option, list(module_spec['choices'])))
        if 'default' in module_spec and spec[name].get('default') != module_spec['default']:
            errors.append('playbooks/vars/audit_argument_spec.yml: default of %s is %r, the %s module\'s %s default '
                          'is %r' % (name, spec[name].get('default'), module, option, module_spec['default']))
    for name, entry in sorted(spec.items()):
        if 'default' not in entry:
            errors.append('playbooks/vars/audit_argument_spec.yml: %s has no default' % name)
    play_spec = load(root, os.path.join('playbooks', 'vars', 'tune_variables.yml'))[TUNE_PLAY_VARIABLES]
    for path, table, prefix in (('playbooks/audit.yml', AUDIT_SPEC, AUDIT_PREFIX),
                                ('playbooks/tune.yml', TUNE_PLAY_VARIABLES, ROLE_PREFIX)):
        text = read(root, path)
        for name, fallback in re.findall(r'\b(%s[a-z0-9_]+)\s*\|\s*default\(([^)]*)\)' % prefix, text):
            if fallback != '%s.%s.default' % (table, name):
                errors.append('%s: %s | default(%s) does not take the default from %s' % (path, name, fallback, table))
        defined = set(spec) if table == AUDIT_SPEC else set(play_spec) | set(role_spec(root)['options'])
        for name in sorted(set(re.findall(r'\b%s[a-z0-9_]+\b' % prefix, text)) - defined):
            errors.append('%s names %s, which neither %s nor the role defines' % (path, name, table))
    return errors


def _known(root):
    role = set(role_spec(root)['options'])
    play = set(load(root, os.path.join('playbooks', 'vars', 'tune_variables.yml'))[TUNE_PLAY_VARIABLES])
    audit = set(load(root, os.path.join('playbooks', 'vars', 'audit_argument_spec.yml'))[AUDIT_SPEC])
    return role, play, audit


def check_readme(root, facts):
    """README.md: the profile names, defaults and values, and the variables it names and sets."""
    errors = []
    text = read(root, 'README.md')
    section = markdown_section(text, 'Profiles')
    chunks = re.split(r'\n(?=`[a-z0-9_]+` \()', section)
    described = {}
    for chunk in chunks[1:]:
        name = re.match(r'`([a-z0-9_]+)` \(([^)]*)\)', chunk)
        pairs = dict(re.findall(r'^\| `([a-z0-9_.]+)` \| ([^|]+?) \|', chunk, re.M))
        for key, value in re.findall(r'`([a-z0-9_.{},]+) = ([^`]+)`', chunk):
            pairs.update((expanded, value) for expanded in expand_braces(key))
        described[name.group(1)] = (name.group(2), pairs)
    if sorted(described) != facts.names():
        errors.append('README.md "Profiles" describes %s, _profiles.py defines %s' % (sorted(described), facts.names()))
    for name, (note, pairs) in sorted(described.items()):
        if name not in facts.profiles:
            continue
        rendered = dict((key, render(value)) for key, value in facts.profiles[name]['values'].items())
        if pairs != rendered:
            errors.append('README.md "Profiles": %s is %r, _profiles.py says %r' % (name, pairs, rendered))
        if (name == facts.default_profile) != ('the default target' in note):
            errors.append('README.md "Profiles": "(%s)" after %s, DEFAULT_PROFILE is %s'
                          % (note, name, facts.default_profile))
        if (name == facts.baseline_profile) != ('the baseline' in note):
            errors.append('README.md "Profiles": "(%s)" after %s, BASELINE_PROFILE is %s'
                          % (note, name, facts.baseline_profile))
    wanted = '`value of profile must be one of: %s`' % ', '.join(facts.names('target'))
    if wanted not in text:
        errors.append('README.md does not quote the refusal of a baseline as target: %s' % wanted)
    errors.extend(check_variables_named(root, 'README.md', facts))
    return errors


def check_variables_named(root, path, facts):
    """Every sysctl_tuning_* / sysctl_audit_* a README names exists, and values it sets are allowed ones."""
    errors = []
    text = read(root, path)
    role, play, audit = _known(root)
    role_options = role_spec(root)['options']
    audit_spec = load(root, os.path.join('playbooks', 'vars', 'audit_argument_spec.yml'))[AUDIT_SPEC]
    typos = set(re.findall(r'unknown (?:role )?variable\(s\) ([a-z0-9_]+)', text))
    for name in sorted(typos):
        if name in role | play | audit:
            errors.append('%s quotes %s as an unknown variable, but it is known' % (path, name))
    for name in sorted(set(VARIABLE.findall(text)) - typos):
        if name not in role | play | audit:
            errors.append('%s names %s, which no contract defines' % (path, name))
    for before, name, value in re.findall(r'(default )?`((?:sysctl_tuning|sysctl_audit)_[a-z0-9_]+)[:=] ?([^`\s]+)`',
                                          text) + re.findall(r'()-e ((?:sysctl_tuning|sysctl_audit)_[a-z0-9_]+)=([^\s`]+)',
                                                             text):
        spec = role_options.get(name) or audit_spec.get(name) or {}
        choices = [str(c).lower() for c in spec.get('choices') or []]
        if choices and value.lower() not in choices:
            errors.append('%s sets %s to %s, not one of %s' % (path, name, value, ', '.join(choices)))
        if spec.get('type') == 'bool' and value.lower() not in ('true', 'false'):
            errors.append('%s sets %s to %s, not a boolean' % (path, name, value))
        if before and str(spec.get('default')).lower() != value.lower():
            errors.append('%s calls %s %s the default, the contract says %r' % (path, name, value, spec.get('default')))
    return errors


def check_role_readme(root, facts):
    errors = check_variables_named(root, os.path.join(ROLE, 'README.md'), facts)
    text = read(root, os.path.join(ROLE, 'README.md'))
    match = re.search(r'by default the `([a-z0-9_]+)` profile', text)
    if not match or match.group(1) != facts.default_profile:
        errors.append('roles/sysctl_tuning/README.md does not say "by default the `%s` profile"' % facts.default_profile)
    for name in sorted(_known(root)[1]):
        if '`%s`' % name not in text:
            errors.append('roles/sysctl_tuning/README.md does not say that the tune playbook adds %s' % name)
    return errors


CHECKS = [check_profiles_python, check_module_choices, check_module_docs_follow_specs, check_examples, check_role,
          check_path_rule, check_guards, check_playbooks, check_readme, check_role_readme]


@pytest.mark.parametrize('check', CHECKS, ids=[c.__name__[len('check_'):] for c in CHECKS])
def test_contract_holds(check, facts):
    assert check(ROOT, facts) == []


# ---------------------------------------------------------------------------------------------------------------
# The checks can fail: each mutation of a copy (files) or of the facts (Python) is found

def _sub(path, old, new, count=1):
    def mutate(root, facts):
        full = os.path.join(root, path)
        with open(full) as handle:
            text = handle.read()
        assert text.count(old) >= count, '%s: %r not found (the mutation is stale)' % (path, old)
        with open(full, 'w') as handle:
            handle.write(text.replace(old, new, count))
    return mutate


def _facts(change):
    def mutate(root, facts):
        change(facts)
    return mutate


def _add_profile(kind):
    def change(facts):
        facts.profiles['low_latency'] = dict(kind=kind, values={'net.ipv4.tcp_fin_timeout': {'max': 15}})
    return change


def _move_own_dir(root, facts):
    facts.own_dir = '/run/sysctl.d'


def _spec_default(module, option, value):
    def change(facts):
        facts.specs[module] = dict(facts.specs[module])
        facts.specs[module][option] = dict(facts.specs[module][option], default=value)
    return change


ARGSPEC = os.path.join(ROLE, 'meta', 'argument_specs.yml')

# (id, mutation, check, a part of the sentence it must report)
MUTATIONS = [
    ('role-run-sysctl-d', _sub(ARGSPEC, 'directly in C(/etc/sysctl.d)', 'directly in C(/etc/sysctl.d) or C(/run/sysctl.d)'),
     check_path_rule, 'description names /run/sysctl.d'),
    ('own-dir-moves', _move_own_dir, check_path_rule, "path default /etc/sysctl.d/90-kerneltune.conf is not a .conf"),
    ('readme-path-message', _sub('README.md', 'must be a .conf file directly in /etc/sysctl.d`',
                                 'must be a .conf file in /etc/sysctl.d`'), check_path_rule, 'refused drop-in path row'),
    ('role-file-default', _sub(ARGSPEC, 'default: /etc/sysctl.d/90-kerneltune.conf',
                               'default: /etc/sysctl.d/80-kerneltune.conf'), check_path_rule,
     'sysctl_tuning_file default /etc/sysctl.d/80-kerneltune.conf differs'),
    ('new-target-profile', _facts(_add_profile('target')), check_role,
     "role choices of sysctl_tuning_profile is ['', 'high_connection'], the Python says ['', 'high_connection', "
     "'low_latency']"),
    ('new-profile-audit-spec', _facts(_add_profile('target')), check_playbooks,
     'choices of sysctl_audit_profile is'),
    ('new-profile-readme', _facts(_add_profile('target')), check_readme, 'describes'),
    ('new-profile-module-docs', _facts(_add_profile('baseline')), check_module_choices,
     'plugins/modules/audit_report.py DOCUMENTATION: choices of baseline_profile'),
    ('default-profile', _facts(lambda f: setattr(f, 'default_profile', 'alibaba_cloud_default')),
     check_profiles_python, 'DEFAULT_PROFILE'),
    ('role-default-profile', _sub(os.path.join(ROLE, 'defaults', 'main.yml'), 'sysctl_tuning_profile: high_connection',
                                  'sysctl_tuning_profile: ""'), check_role,
     "role default of sysctl_tuning_profile: argument spec 'high_connection', defaults/main.yml ''"),
    ('role-baseline-choices', _sub(ARGSPEC, 'choices: [alibaba_cloud_default]', 'choices: [alibaba_cloud_defaults]'),
     check_role, 'role choices of sysctl_tuning_baseline_profile'),
    ('role-shadowed-choices', _sub(ARGSPEC, 'choices: [comment, fail, ignore]', 'choices: [comment, fail]'),
     check_role, 'role choices of sysctl_tuning_shadowed'),
    ('role-applier-default', _sub(ARGSPEC, 'choices: [auto, procps, procps3, systemd, systemd245, systemd239, systemd_rhel7]\n'
                                  '        default: auto', 'choices: [auto, procps, procps3, systemd, systemd245, '
                                  'systemd239, systemd_rhel7]\n        default: procps'),
     check_role, "role default of sysctl_tuning_boot_applier: argument spec 'procps', defaults/main.yml 'auto'"),
    ('module-default-moves', _facts(_spec_default('tune', 'missing', 'skip')), check_role,
     "role default of sysctl_tuning_missing is 'fail', the tune module's missing default is 'skip'"),
    ('playbook-variable-in-role', _sub(ARGSPEC, '      sysctl_tuning_kernel_check:',
                                       '      sysctl_tuning_become:\n        type: bool\n'
                                       '      sysctl_tuning_kernel_check:'),
     check_role, 'role option sysctl_tuning_become is not passed to the tune module'),
    ('guard-names', _sub(os.path.join(ROLE, 'vars', 'main.yml'), '  - sysctl_tuning_shadowed\n', ''), check_guards,
     '__sysctl_tuning_known'),
    ('guard-forms', _sub(AUDIT_VARS, "difference(__sysctl_audit_allowed) | sort }}",
                         "difference(__sysctl_audit_allowed) }}"), check_guards,
     'the typo guards of the role and of the audit playbooks (%s) differ in __*_unknown' % AUDIT_VARS),
    ('merge-guard-not-read', _sub(os.path.join('playbooks', 'audit_merge.yml'),
                                  '"{{ __sysctl_audit_argument_spec if __sysctl_audit_checked else {} }}"',
                                  '"{{ __sysctl_audit_argument_spec }}"'), check_guards,
     'the first task of playbooks/audit_merge.yml is not the argument spec check'),
    ('guard-not-read', _sub(os.path.join(ROLE, 'tasks', 'main.yml'), 'verify: "{{ __sysctl_tuning_checked }}"', 'verify: true'),
     check_guards, 'does not read __sysctl_tuning_checked'),
    ('tune-play-variables', _sub(os.path.join('playbooks', 'tune.yml'), '    __sysctl_tuning_play_variables:',
                                 '    __sysctl_tuning_other:'), check_guards, 'does not hand its own variables'),
    ('audit-default-literal', _sub(os.path.join('playbooks', 'audit.yml'),
                                   'default(__sysctl_audit_argument_spec.sysctl_audit_profile.default)',
                                   "default('high_connection')"), check_playbooks,
     "sysctl_audit_profile | default('high_connection') does not take the default"),
    ('audit-applier-choices', _sub(AUDIT_VARS, 'choices: [auto, procps, procps3, systemd, systemd245, systemd239, systemd_rhel7]',
                                   'choices: [auto, procps, systemd]'), check_playbooks,
     'choices of sysctl_audit_boot_applier are'),
    ('audit-report-dir-default', _sub(AUDIT_VARS, 'default: ./sysctl-audit', 'default: ./audit'), check_playbooks,
     "default of sysctl_audit_report_dir is './audit', the audit_report module's dest default is './sysctl-audit'"),
    ('readme-profile-value', _sub('README.md', '| `net.ipv4.tcp_max_tw_buckets` | min 262144 |',
                                  '| `net.ipv4.tcp_max_tw_buckets` | min 131072 |'), check_readme,
     '"Profiles": high_connection is'),
    ('readme-baseline-value', _sub('README.md', 'arp_announce = 2`, `net.ipv4.tcp_max_tw_buckets = 5000`',
                                   'arp_announce = 2`, `net.ipv4.tcp_max_tw_buckets = 4096`'), check_readme,
     '"Profiles": alibaba_cloud_default is'),
    ('readme-default-target', _sub('README.md', '(the default target)', '(a target)'), check_readme,
     'DEFAULT_PROFILE is high_connection'),
    ('readme-unknown-variable', _sub('README.md', '`sysctl_tuning_missing: skip`', '`sysctl_tuning_mising: skip`'),
     check_readme, 'names sysctl_tuning_mising, which no contract defines'),
    ('readme-bad-choice', _sub('README.md', '`sysctl_tuning_missing: skip`', '`sysctl_tuning_missing: drop`'),
     check_readme, 'sets sysctl_tuning_missing to drop'),
    ('readme-default-value', _sub('README.md', 'default `sysctl_tuning_apply_live: auto`',
                                  'default `sysctl_tuning_apply_live: true`'), check_readme,
     'calls sysctl_tuning_apply_live true the default'),
    ('module-doc-choices', _sub(os.path.join('plugins', 'modules', 'tune.py'),
                                '    choices: [high_connection]', '    choices: [high_connection, alibaba_cloud_default]'),
     check_module_choices, 'plugins/modules/tune.py DOCUMENTATION: choices of profile'),
    ('module-doc-default', _sub(os.path.join('plugins', 'modules', 'audit_report.py'), 'default: kerneltune_audit',
                                'default: audit'), check_module_docs_follow_specs,
     "default of results_var is 'audit', the argument spec says 'kerneltune_audit'"),
    ('module-example', _sub(os.path.join('plugins', 'modules', 'tune.py'), '  kerneltune.sysctl.tune:\n    profile: '
                            'high_connection\n', '  kerneltune.sysctl.tune:\n    profile: alibaba_cloud_default\n'),
     check_examples, "profile 'alibaba_cloud_default' is not one of"),
    ('role-readme-default', _sub(os.path.join(ROLE, 'README.md'), 'by default the `high_connection` profile',
                                 'by default the `alibaba_cloud_default` profile'), check_role_readme,
     'by default the `high_connection` profile'),
]


@pytest.fixture
def tree(tmp_path):
    for name in ('roles', 'playbooks', 'plugins'):
        shutil.copytree(os.path.join(ROOT, name), str(tmp_path / name),
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    shutil.copy(os.path.join(ROOT, 'README.md'), str(tmp_path / 'README.md'))
    return str(tmp_path)


@pytest.mark.parametrize('mutate, check, message', [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_contract_check_finds_the_mutation(tree, facts, mutate, check, message):
    assert check(tree, facts) == []  # the copy agrees before
    changed = copy.deepcopy(facts)
    mutate(tree, changed)
    errors = check(tree, changed)
    assert any(message in error for error in errors), errors

"""Role documentation from its contract, meta/argument_specs.yml.

For each role: check that defaults/main.yml defines exactly the options that
have a default in the argument spec, with the same values, and write the
variable table of the role's README.md between the BEGIN/END markers.
  python scripts/role_docs.py          # rewrite the tables
  python scripts/role_docs.py --check  # fail when a table or a default disagrees (CI)
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = '<!-- BEGIN argument_specs table (scripts/role_docs.py) -->'
END = '<!-- END argument_specs table -->'


MARKUP = re.compile(r'\b[COVI]\(([^)]*)\)')


def _text(value):
    """Description text as Markdown: Ansible's C(x), O(x), V(x), I(x) markup become code spans."""
    text = ' '.join(value) if isinstance(value, list) else str(value)
    return MARKUP.sub(lambda match: '`%s`' % match.group(1), text)


def table(options):
    rows = ['| Variable | Type | Default | Choices | Description |', '| --- | --- | --- | --- | --- |']
    for name, spec in sorted(options.items()):
        default = '`%s`' % json.dumps(spec['default']) if 'default' in spec else ''
        choices = ', '.join('`%s`' % c for c in spec.get('choices', []))
        description = _text(spec.get('description', '')).replace('|', '\\|')
        rows.append('| `%s` | %s | %s | %s | %s |' % (name, spec.get('type', 'str'), default, choices, description))
    return '\n'.join(rows)


def check_defaults(role, options):
    defaults = yaml.safe_load((role / 'defaults' / 'main.yml').read_text()) or {}
    with_default = dict((name, spec['default']) for name, spec in options.items() if 'default' in spec)
    errors = []
    for name in sorted(set(defaults) | set(with_default)):
        if name not in with_default:
            errors.append('%s: %s is in defaults/main.yml but has no default in argument_specs' % (role.name, name))
        elif name not in defaults:
            errors.append('%s: %s has a default in argument_specs but not in defaults/main.yml' % (role.name, name))
        elif defaults[name] != with_default[name]:
            errors.append('%s: %s defaults differ: %r vs %r' % (role.name, name, defaults[name], with_default[name]))
    return errors


def main(check):
    errors = []
    for role in sorted((ROOT / 'roles').iterdir()):
        options = yaml.safe_load((role / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
        errors.extend(check_defaults(role, options))
        readme = role / 'README.md'
        text = readme.read_text()
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        wanted = text[:start] + '\n' + table(options) + '\n' + text[end:]
        if wanted != text:
            if check:
                errors.append('%s is out of date: run python scripts/role_docs.py' % readme.relative_to(ROOT))
            else:
                readme.write_text(wanted)
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main('--check' in sys.argv[1:]))

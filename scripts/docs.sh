#!/usr/bin/env bash
# Build the collection docs (RST) with antsibull-docs from the modules' and the
# role's own documentation into docs/collection, and the role README tables
# from meta/argument_specs.yml.  --check: fail when either is out of date (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/setup.sh
. "$here/setup.sh" >/dev/null
set -euo pipefail
cd "$KT_ROOT"
antsibull-docs lint-collection-docs --plugin-docs "$KT_ROOT/.build/collections/ansible_collections/kerneltune/sysctl"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
antsibull-docs collection --use-current --dest-dir "$out" kerneltune.sysctl >/dev/null
if [ "${1:-}" = --check ]; then
    python scripts/role_docs.py --check
    diff -ru docs/collection "$out/collections/kerneltune/sysctl" \
        || { echo "docs/collection is out of date: run scripts/docs.sh" >&2; exit 1; }
else
    python scripts/role_docs.py
    rm -rf docs/collection
    cp -r "$out/collections/kerneltune/sysctl" docs/collection
fi

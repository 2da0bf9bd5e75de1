#!/usr/bin/env bash
# Set up, then run every test: Python 3.6 syntax, unit tests, ansible-test
# sanity and units, and the integration tests on real kernels (containers).
# Usage: scripts/test.sh [unit|lint|sanity|kernel|molecule|all]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/setup.sh
. "$here/setup.sh"
set -euo pipefail
cd "$KT_ROOT"
what=${1:-all}

step() { printf '\n==== %s\n' "$*"; }

if [ "$what" = all ] || [ "$what" = unit ]; then
    step "Python 3.6 syntax of plugins/ (vermin)"
    vermin --no-tips --violations --target=3.6- --eval-annotations plugins/
    step "unit tests (pytest)"
    python -m pytest -q tests/unit
fi
if [ "$what" = all ] || [ "$what" = lint ]; then
    step "ansible-lint (production profile) and changelog lint"
    ansible-lint --profile production --offline
    antsibull-changelog lint
fi
if [ "$what" = all ] || [ "$what" = sanity ]; then
    step "ansible-test sanity and units"
    bash "$here/ansible-test.sh"
fi
if [ "$what" = all ] || [ "$what" = kernel ]; then
    step "integration tests on real kernels (podman containers)"
    python -m pytest -q -p no:cacheprovider tests/integration/kernel tests/report
fi
if [ "$what" = all ] || [ "$what" = molecule ]; then
    step "Molecule scenarios (podman containers)"
    molecule test --all
fi
step "all requested tests passed ($what)"

#!/usr/bin/env bash
# Set up, then run every test. Each group runs even when an earlier one
# failed; the exit status is non-zero when any failed, and they are listed.
# Usage: scripts/test.sh [unit|lint|sanity|kernel|differential|molecule|release|all]...   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# A test run leaves the machine as it found it: the tools that write under $HOME (ansible's ~/.ansible and
# ~/.ansible_async, ansible-test's cache, pylint, Chromium, antsibull's log) write under .build/home instead.
# pyenv and pip keep reading the real home's settings.
kt_real_home=$HOME
export PYENV_ROOT=${PYENV_ROOT:-$kt_real_home/.pyenv}
if [ -z "${PIP_CONFIG_FILE:-}" ] && [ -f "$kt_real_home/.config/pip/pip.conf" ]; then
    export PIP_CONFIG_FILE=$kt_real_home/.config/pip/pip.conf
fi
HOME=$(cd "$here/.." && pwd)/.build/home
export HOME
mkdir -p "$HOME"
# shellcheck source=scripts/setup.sh
. "$here/setup.sh"
set -euo pipefail
cd "$KT_ROOT"
groups=("${@:-all}")
failed=()

wanted() { [[ " ${groups[*]} " == *" all "* || " ${groups[*]} " == *" $1 "* ]]; }
step() {
    local name=$1
    shift
    printf '\n==== %s: %s\n' "$name" "$*"
    local start=$SECONDS
    if "$@"; then
        printf '==== %s: passed in %ds\n' "$name" $((SECONDS - start))
    else
        printf '==== %s: FAILED after %ds\n' "$name" $((SECONDS - start))
        failed+=("$name")
    fi
}

if wanted unit; then
    step "python 3.6 syntax (vermin)" vermin --no-tips --violations --target=3.6- --eval-annotations plugins/module_utils plugins/modules
    step "unit tests" python -m pytest -q -p no:cacheprovider tests/unit
fi
if wanted lint; then
    step "ansible-lint production" ansible-lint --profile production --offline
    step "changelog lint" antsibull-changelog lint
    step "shellcheck" shellcheck -x scripts/*.sh tests/containers/*.sh tests/containers/kt-init .ci/run
    step "docs up to date (antsibull-docs, role README from argument_specs)" bash "$here/docs.sh" --check
fi
if wanted sanity; then
    step "ansible-test sanity+units (ansible-core $(python -c 'import ansible; print(ansible.__version__)'))" \
        bash "$here/ansible-test.sh"
    # The other ansible-core releases the collection supports (meta/runtime.yml), each in its own venv.
    for core in 2.16.19 2.17.14 2.18.19; do
        step "ansible-test sanity+units (ansible-core $core)" bash "$here/ansible-test.sh" "$core"
    done
fi
if wanted kernel; then
    step "real-kernel integration tests" python -m pytest -q -p no:cacheprovider -rs tests/integration/kernel tests/report
fi
if wanted differential; then
    # Boot prediction vs the real sysctl --system and systemd-sysctl of Debian 12 and 13 (tests/differential).
    step "debian 13 image" bash tests/containers/build-image.sh trixie
    step "differential tests (real appliers, bookworm + trixie)" python -m pytest -q -p no:cacheprovider -rfEs tests/differential
fi
if wanted molecule; then
    step "molecule scenarios" molecule test --all
fi

if [ "${#failed[@]}" -gt 0 ]; then
    printf '\n==== FAILED: %s\n' "${failed[*]}"
    exit 1
fi
printf '\n==== all passed: %s\n' "${groups[*]}"

#!/usr/bin/env bash
# ansible-test sanity and units from an ansible_collections/kerneltune/sysctl
# copy of the tracked files (ansible-test needs that path; no Docker here).
# Usage: scripts/ansible-test.sh [ANSIBLE_CORE_VERSION]
#   without a version: the ansible-core of the current venv (.venv);
#   with one: a venv of its own, .venv-core-VERSION, created on first use.
# scripts/ansible-test.sh --venv ANSIBLE_CORE_VERSION: only create (or reuse)
#   that venv and print its path (tests/integration/interpreters runs its cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# core_venv VERSION: the path of .venv-core-VERSION, created on first use (output of the set-up on stderr).
core_venv() {
    local venv="$root/.venv-core-$1"
    if [ ! -x "$venv/bin/ansible-test" ]; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$1" >&2
    fi
    printf '%s\n' "$venv"
}

if [ "${1:-}" = --venv ]; then
    core_venv "${2:?usage: ansible-test.sh --venv ANSIBLE_CORE_VERSION}"
    exit 0
fi
version=${1:-}
if [ -n "$version" ]; then
    venv=$(core_venv "$version")
    export PATH="$venv/bin:$PATH"
    # A home of its own (ansible-test's venvs and caches, pip's cache): scripts/test.sh runs the releases side by
    # side, and ansible-test does not lock what it creates there.
    HOME=$root/.build/home-core-$version
    export HOME
    mkdir -p "$HOME"
fi
dest=$(mktemp -d /tmp/kt-ansible-test.XXXXXX)
trap 'rm -rf "$dest"' EXIT
mkdir -p "$dest/ansible_collections/kerneltune/sysctl"
git -C "$root" ls-files -z --cached --others --exclude-standard \
    | rsync -a --from0 --files-from=- "$root/" "$dest/ansible_collections/kerneltune/sysctl/"
# No access to ci-files.testing.ansible.com here: give ansible-test its pip
# bootstrap script from this repository instead of downloading it.
pip_version=$(python -c 'import inspect, re; from ansible_test._internal import python_requirements as p; print(re.search(r"pip=.([0-9.]+)", inspect.getsource(p.get_venv_packages)).group(1))')
mkdir -p ~/.ansible/test/cache
cp "$root/scripts/get_pip_offline.py" ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
cd "$dest/ansible_collections/kerneltune/sysctl"
git init -q && git add -A   # ansible-test reads the file list from git
pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "ansible-test $(ansible --version | head -1) on Python $pyver"
ansible-test sanity --venv --python "$pyver" --color no
ansible-test units --venv --python "$pyver" --color no

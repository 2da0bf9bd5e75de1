#!/usr/bin/env bash
# Run ansible-test sanity and units from an ansible_collections/kerneltune/sysctl
# copy of the tracked files (ansible-test needs that path; no Docker: --local).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
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
ansible-test sanity --local --python "$pyver" --color no
ansible-test units --local --python "$pyver" --color no

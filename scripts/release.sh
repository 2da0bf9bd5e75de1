#!/usr/bin/env bash
# Build the release tarball: dist/kerneltune-sysctl-VERSION.tar.gz.
#   scripts/release.sh            build only (CI does this, then installs it offline and runs the audit from it)
#   scripts/release.sh --final    also turn the changelog fragments into CHANGELOG.rst for VERSION (galaxy.yml)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/setup.sh
. "$here/setup.sh" >/dev/null
set -euo pipefail
cd "$KT_ROOT"
version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
if [ "${1:-}" = --final ]; then
    antsibull-changelog release --version "$version"
fi
out=${KT_DIST:-$KT_ROOT/dist}
mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
echo "$out/kerneltune-sysctl-$version.tar.gz"

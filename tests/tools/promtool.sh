#!/usr/bin/env bash
# Provide promtool for the report.prom tests and print its path: the binary of Debian's prometheus package,
# unpacked under .build/promtool (never installed: the package's postinst would start a Prometheus service).
# Idempotent: the .deb is cached in .build/cache/prometheus, the binary kept once it runs.
# Usage: bash tests/tools/promtool.sh   (the tests find .build/promtool/usr/bin/promtool, or $KT_PROMTOOL)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$root/.build/promtool
bin=$dest/usr/bin/promtool
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
    echo "$bin"
    exit 0
fi
cache=$root/.build/cache/prometheus
mkdir -p "$cache"
newest() { find "$cache" -maxdepth 1 -name 'prometheus_*.deb' | sort -V | tail -n 1; }
if [ -z "$(newest)" ]; then
    # apt-get download writes into the current directory only; the package lists are read (updated only when
    # they do not know the package yet).
    if ! (cd "$cache" && apt-get download -q prometheus >/dev/null 2>&1); then
        apt-get update -qq
        (cd "$cache" && apt-get download -q prometheus >/dev/null)
    fi
fi
deb=$(newest)
if [ -z "$deb" ]; then
    echo "promtool.sh: no prometheus package downloaded into $cache" >&2
    exit 1
fi
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest.tmp" ./usr/bin/promtool
rm -rf "$dest"
mv "$dest.tmp" "$dest"
"$bin" --version >/dev/null
echo "$bin"

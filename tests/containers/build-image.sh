#!/usr/bin/env bash
# Build (once, then cached) the base image of the test and demo containers:
# Debian 12 minbase with python3, procps (sysctl --system) and systemd's
# systemd-sysctl binary, plus kt-init (PID 1) and the Alibaba Cloud image's
# /etc/sysctl.conf, imported into Podman as $KT_IMAGE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/containers/env.sh
. "$here/env.sh"
if podman image exists "$KT_IMAGE"; then
    echo "image $KT_IMAGE: cached"
    exit 0
fi
cache=${KT_CACHE:-/var/cache/kerneltune}
mkdir -p "$cache"
root=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
echo "image $KT_IMAGE: debootstrap bookworm into $root"
LC_ALL=C debootstrap --variant=minbase --include=python3,procps,iproute2,systemd \
    bookworm "$root" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log"; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
install -m 0755 "$here/kt-init" "$root/usr/local/sbin/kt-init"
install -D -m 0644 "$here/alibaba-sysctl.conf" "$root/usr/local/share/kerneltune/alibaba-sysctl.conf"
tar -C "$root" -c . | podman import --change 'CMD ["/usr/local/sbin/kt-init"]' - "$KT_IMAGE"
echo "image $KT_IMAGE: built"

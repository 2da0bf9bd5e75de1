#!/usr/bin/env bash
# build-image.sh [SUITE...]: build (once, then cached) the base image of the
# test and demo containers for each Debian SUITE (default: bookworm):
#   bookworm  Debian 12, $KT_IMAGE        (every test, the demo)
#   trixie    Debian 13, $KT_IMAGE_TRIXIE (the differential tests)
# Each is a debootstrap minbase with python3, procps (sysctl --system),
# systemd's systemd-sysctl binary, iproute2 and util-linux (unshare), on
# trixie linux-sysctl-defaults (recommended by its systemd), plus
# kt-init (PID 1) and the Alibaba Cloud image's /etc/sysctl.conf, imported
# into Podman. Concurrent runs wait for each other (flock).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/containers/env.sh
. "$here/env.sh"
suites=("${@:-bookworm}")
for suite in "${suites[@]}"; do
    kt_image "$suite" >/dev/null
done
cache=${KT_CACHE:-/var/cache/kerneltune}
mkdir -p "$cache"
exec 9>"$cache/build.lock"
flock 9
root=
trap 'if [ -n "$root" ]; then rm -rf "$root"; fi' EXIT
for suite in "${suites[@]}"; do
    image=$(kt_image "$suite")
    if podman image exists "$image"; then
        echo "image $image: cached"
        continue
    fi
    packages=python3,procps,iproute2,systemd,util-linux
    if [ "$suite" = trixie ]; then
        # systemd recommends it on trixie (not in bookworm): its 50-default.conf is on every standard host.
        packages+=,linux-sysctl-defaults
    fi
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    echo "image $image: debootstrap $suite into $root"
    LC_ALL=C debootstrap --variant=minbase --include="$packages" \
        "$suite" "$root" >"$cache/debootstrap-$suite.log" 2>&1 \
        || { tail -20 "$cache/debootstrap-$suite.log"; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    install -m 0755 "$here/kt-init" "$root/usr/local/sbin/kt-init"
    install -D -m 0644 "$here/alibaba-sysctl.conf" "$root/usr/local/share/kerneltune/alibaba-sysctl.conf"
    tar -C "$root" -c . | podman import --change 'CMD ["/usr/local/sbin/kt-init"]' - "$image"
    rm -rf "$root"
    root=
    echo "image $image: built"
done

#!/usr/bin/env bash
# build-image.sh [SUITE...]: build (once, then cached) the base image of the
# test and demo containers for each Debian SUITE (default: bookworm):
#   bookworm      Debian 12, $KT_IMAGE        (every test, the demo)
#   trixie        Debian 13, $KT_IMAGE_TRIXIE (the differential tests)
#   bullseye      Debian 11, $KT_IMAGE_BULLSEYE (the differential tests)
#   bookworm-ssh  Debian 12 with sshd and sudo, $KT_IMAGE_SSH (the SSH tests)
# Each is a debootstrap minbase with python3, procps (sysctl --system),
# systemd's systemd-sysctl binary, iproute2 and util-linux (unshare), on
# trixie linux-sysctl-defaults (recommended by its systemd), plus
# kt-init (PID 1) and the Alibaba Cloud image's /etc/sysctl.conf, imported
# into Podman. bookworm-ssh is a layer on top of the bookworm image (built
# first when missing): openssh-server and sudo from Debian's packages, a
# user kt (uid 1000) with NOPASSWD sudo and no password, sshd with public
# key authentication only (no root login), and PID 1 kt-init-ssh, which
# starts sshd and then runs kt-init. Each container gets its authorized key
# at start (tests/integration/ssh). Concurrent runs wait for each other (flock).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/containers/env.sh
. "$here/env.sh"
suites=("${@:-bookworm}")
for suite in "${suites[@]}"; do
    kt_image "$suite" >/dev/null
done
cache=$KT_CACHE
mkdir -p "$cache"
exec 9>"$cache/build.lock"
flock 9
root=
builder=
trap 'if [ -n "$root" ]; then rm -rf "$root"; fi; if [ -n "$builder" ]; then podman rm -f -t 0 "$builder" >/dev/null 2>&1 || true; fi' EXIT

# The ssh layer, run as root inside a container of the bookworm image.
ssh_layer='set -eu
export DEBIAN_FRONTEND=noninteractive
# No service starts while packages install (there is no init system to ask).
printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
apt-get update -qq
apt-get install -y -qq --no-install-recommends openssh-server sudo >/dev/null
rm -f /usr/sbin/policy-rc.d
rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*
useradd --create-home --uid 1000 --shell /bin/bash kt
usermod --password "*" kt
printf "kt ALL=(ALL:ALL) NOPASSWD: ALL\n" > /etc/sudoers.d/kt
chmod 0440 /etc/sudoers.d/kt
visudo -c -q
printf "%s\n" "PasswordAuthentication no" "KbdInteractiveAuthentication no" "PermitRootLogin no" \
    "PubkeyAuthentication yes" "UseDNS no" > /etc/ssh/sshd_config.d/kerneltune.conf
# A container may not set its audit login uid: optional, as in most container images.
sed -i "s/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/" /etc/pam.d/sshd
test -s /etc/ssh/ssh_host_ed25519_key
printf "%s\n" "#!/bin/sh" "# PID 1 of the ssh test image: start sshd (it forks), then become kt-init." "set -eu" \
    "mkdir -p /run/sshd" "/usr/sbin/sshd" "exec /usr/local/sbin/kt-init" > /usr/local/sbin/kt-init-ssh
chmod 0755 /usr/local/sbin/kt-init-ssh
mkdir -p /run/sshd
/usr/sbin/sshd -t
'

build_debootstrap() {
    local suite=$1 image=$2 packages=python3,procps,iproute2,systemd,util-linux
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
}

build_ssh() {
    local image=$1 base
    base=$(kt_image bookworm)
    podman image exists "$base" || build_debootstrap bookworm "$base"
    builder=kt-build-ssh-$$
    echo "image $image: openssh-server and sudo on $base"
    podman run --name "$builder" --network host "$base" /bin/sh -c "$ssh_layer" >"$cache/build-ssh.log" 2>&1 \
        || { tail -20 "$cache/build-ssh.log"; exit 1; }
    podman commit -q --change 'CMD ["/usr/local/sbin/kt-init-ssh"]' "$builder" "$image" >/dev/null
    podman rm -f -t 0 "$builder" >/dev/null
    builder=
}

for suite in "${suites[@]}"; do
    image=$(kt_image "$suite")
    if podman image exists "$image"; then
        echo "image $image: cached"
        continue
    fi
    case $suite in
        bookworm-ssh) build_ssh "$image" ;;
        *) build_debootstrap "$suite" "$image" ;;
    esac
    echo "image $image: built"
done

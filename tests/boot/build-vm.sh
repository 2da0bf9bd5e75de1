#!/usr/bin/env bash
# build-vm.sh [RELEASE...]: build (once, then cached) the VM images of the boot tests (tests/boot) for each
# Debian RELEASE (default: all four):
#   bullseye          Debian 11, kernel 5.10 (linux-image-cloud-amd64)
#   bookworm          Debian 12, kernel 6.1
#   trixie            Debian 13, kernel 6.12
#   trixie-backports  Debian 13 with the cloud kernel of trixie-backports
# Each is an mmdebstrap tree (apt variant: Essential, apt and what --include pulls in, without Recommends; about
# twice as fast as debootstrap, and it takes the backports kernel in the same pass) with the cloud kernel,
# systemd-sysv, udev, openssh-server, sudo, python3, procps, iproute2, kmod and tuned (installed, disabled: the
# tests enable it), on trixie linux-sysctl-defaults (recommended by its systemd, on every standard host); then
# vm-setup.sh inside the tree (user kt with NOPASSWD sudo and the test key, systemd-networkd with a static
# address for QEMU's user network, serial console, units that slow a boot masked), and mkfs.ext4 -d makes the
# disk. The Alibaba Cloud /etc/sysctl.conf (tests/containers/alibaba-sysctl.conf) is put at
# /usr/local/share/kerneltune/alibaba-sysctl.conf, not installed: the tests place it.
#
# Output, per release, .build/vm/RELEASE-HASH/ (HASH: of this script, vm-setup.sh, initramfs-hook, the Alibaba file):
#   disk.raw (sparse ext4 image, never written: each VM boots from a qcow2 overlay), vmlinuz, initrd.img,
#   kernel-release, id_ed25519 and .pub (the test-only key of user kt: the VMs listen on loopback only),
#   packages (dpkg -l), mmdebstrap.log, and ok (written last: the image is complete).
# The releases missing are built concurrently; concurrent runs of this script wait for each other (flock). Images
# of an older HASH are removed. Only .build/vm changes (and mmdebstrap's mounts inside its tree while it runs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root_dir=$(cd "$here/../.." && pwd -P)
cache=$root_dir/.build/vm
releases=("$@")
if [ "${#releases[@]}" -eq 0 ]; then
    releases=(bullseye bookworm trixie trixie-backports)
fi
for release in "${releases[@]}"; do
    case $release in
        bullseye | bookworm | trixie | trixie-backports) ;;
        *) echo "unknown release $release (bullseye, bookworm, trixie, trixie-backports)" >&2; exit 2 ;;
    esac
done
for tool in mmdebstrap mkfs.ext4 ssh-keygen; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-vm.sh: $tool is missing (scripts/setup.sh installs it)" >&2
        exit 1
    fi
done
alibaba=$root_dir/tests/containers/alibaba-sysctl.conf
inputs_hash=$(cat "$here/build-vm.sh" "$here/vm-setup.sh" "$here/initramfs-hook" "$alibaba" | sha256sum | cut -c1-12)
mkdir -p "$cache"
exec 9>"$cache/build.lock"
flock 9

# image_dir RELEASE: where the image of RELEASE is (or will be).
image_dir() { echo "$cache/$1-$inputs_hash"; }

# remove_tree DIR: rm -rf, refused while anything is mounted below DIR (an interrupted mmdebstrap's /proc, /sys,
# /dev): removing through a mount would delete this machine's files.
remove_tree() {
    local dir=$1
    [ -e "$dir" ] || return 0
    if awk -v d="$(realpath "$dir")" '$2 == d || index($2, d "/") == 1 { m = 1 } END { exit !m }' /proc/mounts; then
        echo "build-vm.sh: $dir still has mounts below it; not removing it (umount them first)" >&2
        return 1
    fi
    rm -rf "$dir"
}

build() {
    local release=$1 out suite packages tree sources start=$SECONDS
    out=$(image_dir "$release")
    tree=$out.tree
    remove_tree "$tree"
    rm -rf "$out"
    mkdir -p "$out"
    suite=${release%-backports}
    packages=systemd-sysv,udev,openssh-server,sudo,python3,procps,iproute2,kmod,tuned
    sources=("deb http://deb.debian.org/debian $suite main")
    if [ "$suite" = trixie ]; then
        packages+=,linux-sysctl-defaults
    fi
    if [ "$release" = trixie-backports ]; then
        sources+=("deb http://deb.debian.org/debian trixie-backports main")
        packages+=,linux-image-cloud-amd64/trixie-backports
    else
        packages+=,linux-image-cloud-amd64
    fi
    ssh-keygen -q -t ed25519 -N '' -C "kerneltune-boot-tests-$release" -f "$out/id_ed25519"
    # vm-setup.sh runs inside the tree (mmdebstrap mounts /proc, /sys and /dev there for its hooks).
    # Before the kernel is installed (the essential hook runs first), initramfs-tools is told to make a small
    # initrd (initramfs-hook): MODULES=list.
    if ! LC_ALL=C mmdebstrap --mode=root --variant=apt --include="$packages" \
        --essential-hook="mkdir -p \"\$1/etc/initramfs-tools/conf.d\" \"\$1/etc/initramfs-tools/hooks\"" \
        --essential-hook="echo MODULES=list >\"\$1/etc/initramfs-tools/conf.d/kerneltune.conf\"" \
        --essential-hook="copy-in $here/initramfs-hook /etc/initramfs-tools/hooks" \
        --essential-hook="chmod 0755 \"\$1/etc/initramfs-tools/hooks/initramfs-hook\"" \
        --customize-hook="mkdir -p \"\$1/root/kt-setup\"" \
        --customize-hook="copy-in $here/vm-setup.sh $out/id_ed25519.pub $alibaba /root/kt-setup" \
        --customize-hook="chroot \"\$1\" /bin/sh /root/kt-setup/vm-setup.sh" \
        --customize-hook="rm -rf \"\$1/root/kt-setup\"" \
        "$suite" "$tree" "${sources[@]}" >"$out/mmdebstrap.log" 2>&1; then
        echo "image $release: mmdebstrap failed (log: $out/mmdebstrap.log):" >&2
        tail -25 "$out/mmdebstrap.log" >&2
        remove_tree "$tree"
        return 1
    fi
    # A fixed machine id (mmdebstrap empties it at the end): every boot of every VM is a normal one, never a first
    # boot, which would run systemd-firstboot and other first-boot units.
    tr -d '-' </proc/sys/kernel/random/uuid >"$tree/etc/machine-id"
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    chroot "$tree" dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages"
    local kernels=("$tree"/boot/vmlinuz-*)
    if [ "${#kernels[@]}" -ne 1 ]; then
        echo "image $release: expected one kernel in /boot, found: ${kernels[*]}" >&2
        remove_tree "$tree"
        return 1
    fi
    local version=${kernels[0]##*/vmlinuz-}
    cp "${kernels[0]}" "$out/vmlinuz"
    cp "$tree/boot/initrd.img-$version" "$out/initrd.img"
    echo "$version" >"$out/kernel-release"
    # The disk: the tree's size plus 1 GiB for what the tests write, as a sparse file.
    local size_mb
    size_mb=$(($(du -sm "$tree" | cut -f1) + 1024))
    mkfs.ext4 -q -F -L kt-root -d "$tree" "$out/disk.raw" "${size_mb}M" >/dev/null
    remove_tree "$tree"
    touch "$out/ok"
    echo "image $release: built in $((SECONDS - start))s (kernel $version, $out)"
}

pids=()
names=()
for release in "${releases[@]}"; do
    if [ -e "$(image_dir "$release")/ok" ]; then
        echo "image $release: cached ($(image_dir "$release"), kernel $(cat "$(image_dir "$release")/kernel-release"))"
        continue
    fi
    # Images of this release from older inputs.
    for old in "$cache/$release"-*; do
        case $old in
            "$(image_dir "$release")" | "$(image_dir "$release").tree") ;;
            "$cache/$release-backports"-*) ;;
            *) remove_tree "$old" ;;
        esac
    done
    echo "image $release: building ($(image_dir "$release"))"
    build "$release" &
    pids+=("$!")
    names+=("$release")
done
status=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "image ${names[$i]}: FAILED" >&2
        status=1
    fi
done
exit "$status"

# shellcheck shell=bash
# Sourced by the container scripts: one place for the Podman settings.
# The image tags are a hash of what goes into the images, so a change to any
# of their inputs builds new images and cached ones are reused otherwise.
#   KT_IMAGE         Debian 12 bookworm (procps 4.0.2, systemd 252): every test and the demo
#   KT_IMAGE_TRIXIE  Debian 13 trixie (procps 4.0.4, systemd 257): the differential tests
#   KT_IMAGE_BULLSEYE  Debian 11 bullseye (procps 3.3.17, systemd 247): the differential tests
#   KT_IMAGE_SSH     KT_IMAGE with sshd, sudo and a user kt: the SSH tests (tests/integration/ssh)
#
# Podman keeps the images and containers of this checkout in .build/containers (storage.conf), with its own
# runtime directories under /run, instead of the machine's /var/lib/containers: a test run leaves the machine's
# Podman as it was, and deleting the checkout deletes them. KT_CACHE (.build/cache) holds the image builds.
here_env=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kt_build=$(cd "$here_env/../.." && pwd -P)/.build
export KT_CACHE=${KT_CACHE:-$kt_build/cache}
kt_run=/run/kerneltune/$(printf '%s' "$kt_build" | sha256sum | cut -c1-12)
mkdir -p "$kt_build/containers"
# kt_write FILE: replace FILE with stdin when it differs (no churn, no half-written file).
kt_write() {
    cat >"$1.$$"
    if cmp -s "$1.$$" "$1"; then rm -f "$1.$$"; else mv -f "$1.$$" "$1"; fi
}
{ cat "$here_env/containers.conf"; printf 'tmp_dir = "%s/libpod"\n' "$kt_run"; } \
    | kt_write "$kt_build/containers/containers.conf"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/containers/storage"\nrunroot = "%s/storage"\n' \
    "$kt_build" "$kt_run" | kt_write "$kt_build/containers/storage.conf"
export CONTAINERS_CONF=$kt_build/containers/containers.conf
export CONTAINERS_STORAGE_CONF=$kt_build/containers/storage.conf

# kt_storage_release: when none of this checkout's containers runs any more, unmount the storage's overlay
# directory, which Podman leaves mounted (else deleting the checkout fails with "Device or resource busy").
kt_storage_release() {
    local home=$kt_build/containers/storage/overlay
    if mountpoint -q "$home" && [ -z "$(podman ps -q 2>/dev/null)" ]; then
        umount "$home" 2>/dev/null || true
    fi
}
export LC_ALL=C.UTF-8  # ansible-core refuses a non-UTF-8 locale
kt_inputs_hash=$(cat "$here_env/build-image.sh" "$here_env/kt-init" "$here_env/alibaba-sysctl.conf" | sha256sum | cut -c1-12)
export KT_IMAGE=${KT_IMAGE:-localhost/kerneltune-bookworm:$kt_inputs_hash}
export KT_IMAGE_TRIXIE=${KT_IMAGE_TRIXIE:-localhost/kerneltune-trixie:$kt_inputs_hash}
export KT_IMAGE_BULLSEYE=${KT_IMAGE_BULLSEYE:-localhost/kerneltune-bullseye:$kt_inputs_hash}
export KT_IMAGE_SSH=${KT_IMAGE_SSH:-localhost/kerneltune-bookworm-ssh:$kt_inputs_hash}

# kt_image SUITE: the image of a Debian suite (bookworm, trixie, bullseye) or variant (bookworm-ssh).
kt_image() {
    case $1 in
        bookworm) echo "$KT_IMAGE" ;;
        trixie) echo "$KT_IMAGE_TRIXIE" ;;
        bullseye) echo "$KT_IMAGE_BULLSEYE" ;;
        bookworm-ssh) echo "$KT_IMAGE_SSH" ;;
        *) echo "unknown suite $1 (bookworm, trixie, bullseye, bookworm-ssh)" >&2; return 1 ;;
    esac
}

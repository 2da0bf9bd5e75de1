#!/usr/bin/env bash
# Set up everything the demo and the tests need, idempotently:
#   - Debian packages (podman, runc, debootstrap, ...) when missing;
#   - .venv with the pinned tool chain of requirements/test.txt;
#   - .build/collections/ansible_collections/kerneltune/sysctl -> this checkout;
#   - the container images of tests/containers (cached by content hash; KT_IMAGES).
# Source it (". scripts/setup.sh") to get its environment, or run it.
set -euo pipefail
KT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export KT_ROOT
export LC_ALL=C.UTF-8  # ansible-core refuses a non-UTF-8 locale

kt_apt_packages=(podman runc debootstrap uidmap fuse-overlayfs git rsync chromium shellcheck openssh-client
    qemu-system-x86 qemu-utils mmdebstrap e2fsprogs)
kt_missing=()
for pkg in "${kt_apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || kt_missing+=("$pkg")
done
if [ "${#kt_missing[@]}" -gt 0 ]; then
    echo "setup: installing ${kt_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${kt_missing[@]}" >/dev/null
fi

KT_VENV=${KT_VENV:-$KT_ROOT/.venv}
kt_req_hash=$(cat "$KT_ROOT/requirements/test.txt" "$KT_ROOT/tests/unit/requirements.txt" | sha256sum | cut -c1-16)
if [ ! -x "$KT_VENV/bin/python" ] || [ "$(cat "$KT_VENV/.kt-requirements" 2>/dev/null)" != "$kt_req_hash" ]; then
    echo "setup: creating $KT_VENV"
    python3 -m venv "$KT_VENV"
    "$KT_VENV/bin/pip" install -q --disable-pip-version-check -r "$KT_ROOT/requirements/test.txt"
    echo "$kt_req_hash" > "$KT_VENV/.kt-requirements"
fi
export PATH="$KT_VENV/bin:$PATH"

mkdir -p "$KT_ROOT/.build/collections/ansible_collections/kerneltune"
ln -sfn ../../../.. "$KT_ROOT/.build/collections/ansible_collections/kerneltune/sysctl"
kt_site=$("$KT_VENV/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')
# This checkout first; containers.podman and ansible.posix from the pinned "ansible" package.
export ANSIBLE_COLLECTIONS_PATH="$KT_ROOT/.build/collections:$kt_site"
export PYTHONPATH="$KT_ROOT/.build/collections${PYTHONPATH:+:$PYTHONPATH}"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# The container images (KT_IMAGES: Debian suites and variants, default bookworm; scripts/test.sh builds all).
read -r -a kt_images <<<"${KT_IMAGES:-bookworm}"
bash "$KT_ROOT/tests/containers/build-image.sh" "${kt_images[@]}"
# shellcheck source=tests/containers/env.sh
. "$KT_ROOT/tests/containers/env.sh"
set +euo pipefail

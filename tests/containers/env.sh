# shellcheck shell=bash
# Sourced by the container scripts: one place for the Podman settings.
# The image tag is a hash of what goes into the image, so a change to any of
# its inputs builds a new image and a cached one is reused otherwise.
here_env=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF="$here_env/containers.conf"
export LC_ALL=C.UTF-8  # ansible-core refuses a non-UTF-8 locale
kt_inputs_hash=$(cat "$here_env/build-image.sh" "$here_env/kt-init" "$here_env/alibaba-sysctl.conf" | sha256sum | cut -c1-12)
export KT_IMAGE=${KT_IMAGE:-localhost/kerneltune-bookworm:$kt_inputs_hash}

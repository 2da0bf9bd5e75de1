# Sourced by the container scripts: one place for the Podman settings.
here_env=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF="$here_env/containers.conf"
export KT_IMAGE=${KT_IMAGE:-localhost/kerneltune-bookworm:latest}
export LC_ALL=C

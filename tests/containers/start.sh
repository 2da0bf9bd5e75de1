#!/usr/bin/env bash
# start.sh [--suite SUITE] [--repo] NAME [alibaba|plain|unprivileged]: start
# one test container (own network namespace with loopback only) and wait
# until it is ready. Replaces a container of the same name.
#   alibaba, plain: privileged; kt-init makes host-wide /proc/sys trees
#     read-only inside (net.* stays writable); alibaba adds the ECS sysctl.conf.
#   unprivileged: Podman's default, where all of /proc/sys is read-only.
#   --suite SUITE: the image of that Debian suite (bookworm, the default,
#     trixie or bullseye; see build-image.sh).
#   --repo: bind-mount this checkout read-only at
#     /kt/ansible_collections/kerneltune/sysctl (PYTHONPATH=/kt imports it).
#   --mount PATH: bind-mount a path of this machine read-only at the same
#     path (e.g. an interpreter under ~/.pyenv/versions); repeatable.
#   --network NAME: join that Podman network (e.g. podman, the default
#     bridge) instead of none; the container keeps its own namespace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/containers/env.sh
. "$here/env.sh"
suite=bookworm
mounts=()
network=none
while [ $# -gt 0 ]; do
    case $1 in
        --suite) suite=$2; shift 2 ;;
        --repo) mounts+=(-v "$(cd "$here/../.." && pwd):/kt/ansible_collections/kerneltune/sysctl:ro"); shift ;;
        --mount) mounts+=(-v "$2:$2:ro"); shift 2 ;;
        --network) network=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "start.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
image=$(kt_image "$suite")
name=$1
flavour=${2:-alibaba}
alibaba=0
[ "$flavour" = alibaba ] && alibaba=1
podman rm -f "$name" >/dev/null 2>&1 || true
if [ "$flavour" = unprivileged ]; then
    podman run -d --name "$name" --hostname "$name" --network "$network" --label kerneltune=test "${mounts[@]}" "$image" \
        /bin/sh -c 'touch /run/kt-ready; trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done' >/dev/null
else
    podman run -d --name "$name" --hostname "$name" --privileged --network "$network" \
        --label kerneltune=test -e KT_ALIBABA="$alibaba" "${mounts[@]}" "$image" >/dev/null
fi
for _ in $(seq 1 50); do
    if podman exec "$name" test -e /run/kt-ready 2>/dev/null; then
        exit 0
    fi
    sleep 0.2
done
podman logs "$name" >&2 || true
echo "container $name did not become ready" >&2
exit 1

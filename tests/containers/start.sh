#!/usr/bin/env bash
# start.sh NAME [alibaba|plain|unprivileged]: start one test container (own
# network namespace with loopback only) and wait until it is ready. Replaces a
# container of the same name.
#   alibaba, plain: privileged; kt-init makes host-wide /proc/sys trees
#     read-only inside (net.* stays writable); alibaba adds the ECS sysctl.conf.
#   unprivileged: Podman's default, where all of /proc/sys is read-only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/containers/env.sh
. "$here/env.sh"
name=$1
flavour=${2:-alibaba}
alibaba=0
[ "$flavour" = alibaba ] && alibaba=1
podman rm -f "$name" >/dev/null 2>&1 || true
if [ "$flavour" = unprivileged ]; then
    podman run -d --name "$name" --hostname "$name" --network none --label kerneltune=test "$KT_IMAGE" \
        /bin/sh -c 'touch /run/kt-ready; trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done' >/dev/null
else
    podman run -d --name "$name" --hostname "$name" --privileged --network none \
        --label kerneltune=test -e KT_ALIBABA="$alibaba" "$KT_IMAGE" >/dev/null
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

#!/usr/bin/env bash
# start.sh NAME [alibaba|plain]: start one test container (privileged, own
# network namespace with loopback only, host-wide /proc/sys read-only inside)
# and wait until kt-init has finished. Replaces a container of the same name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/containers/env.sh
. "$here/env.sh"
name=$1
flavour=${2:-alibaba}
alibaba=0
[ "$flavour" = alibaba ] && alibaba=1
podman rm -f "$name" >/dev/null 2>&1 || true
podman run -d --name "$name" --hostname "$name" --privileged --network none \
    --label kerneltune=test -e KT_ALIBABA="$alibaba" "$KT_IMAGE" >/dev/null
for _ in $(seq 1 50); do
    if podman exec "$name" test -e /run/kt-ready 2>/dev/null; then
        exit 0
    fi
    sleep 0.2
done
podman logs "$name" >&2 || true
echo "container $name did not become ready" >&2
exit 1

#!/usr/bin/env bash
# Benchmark the fleet audit and tuning cost of kerneltune.sysctl side by side with
# ansible.posix.sysctl, on N Alibaba-like containers kt-bench-1..N (default 6).
#   scripts/benchmark.sh [N] [benchmark.py options: --runs 3 --forks N --synthetic-hosts 1000 --output FILE ...]
# Prints a markdown table and writes benchmarks/results-N.json. The containers are removed at exit
# (KT_KEEP=1 keeps them). Not a timed test: numbers depend on the machine and on its other load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/setup.sh
. "$here/setup.sh"
set -euo pipefail
cd "$KT_ROOT"

n=${1:-6}
[ $# -gt 0 ] && shift
case "$n" in
    '' | *[!0-9]* | 0) echo "usage: $0 [N>=1] [benchmark.py options]" >&2; exit 2 ;;
esac

fleet=()
for i in $(seq 1 "$n"); do
    fleet+=("kt-bench-$i")
done
cleanup() {
    if [ "${KT_KEEP:-0}" != 1 ]; then
        podman rm -f -t 0 "${fleet[@]}" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==== starting $n Alibaba-like containers: kt-bench-1..$n"
for host in "${fleet[@]}"; do
    bash tests/containers/start.sh "$host" alibaba
done

echo "==== benchmark"
python scripts/benchmark.py --fleet "$n" "$@"

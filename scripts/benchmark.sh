#!/usr/bin/env bash
# Benchmark the fleet audit and tuning cost of kerneltune.sysctl side by side with
# ansible.posix.sysctl, on N Alibaba-like containers kt-bench-1..N (default 6), and the role's cost over
# SSH with sudo on N more, kt-bench-ssh-1..N (the bookworm-ssh image; benchmark.py starts and removes them).
#   scripts/benchmark.sh [N] [benchmark.py options: --runs 3 --forks N --synthetic-hosts 1000 --output FILE
#                             --sections audit,scale,converge,ssh,controller ...]
# Prints a markdown table and writes benchmarks/results-N.json. The containers are removed at exit
# (KT_KEEP=1 keeps kt-bench-1..N). Not a timed test: numbers depend on the machine and on its other load.
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

# Which fleets the chosen sections need (benchmark.py's default: all of them).
sections=audit,scale,converge,ssh,controller
args=("$@")
for i in "${!args[@]}"; do
    case ${args[$i]} in
        --sections) sections=${args[$((i + 1))]:-} ;;
        --sections=*) sections=${args[$i]#--sections=} ;;
    esac
done

fleet=()
if [[ ",$sections," =~ ,(audit|scale|converge), ]]; then
    for i in $(seq 1 "$n"); do
        fleet+=("kt-bench-$i")
    done
fi
cleanup() {
    if [ "${KT_KEEP:-0}" != 1 ] && [ "${#fleet[@]}" -gt 0 ]; then
        podman rm -f -t 0 "${fleet[@]}" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${#fleet[@]}" -gt 0 ]; then
    echo "==== starting $n Alibaba-like containers: kt-bench-1..$n"
    for host in "${fleet[@]}"; do
        bash tests/containers/start.sh "$host" alibaba
    done
fi
if [[ ",$sections," == *,ssh,* ]]; then
    echo "==== the bookworm-ssh image (for kt-bench-ssh-1..$n)"
    bash tests/containers/build-image.sh bookworm-ssh
fi

echo "==== benchmark"
python scripts/benchmark.py --fleet "$n" "$@"

#!/usr/bin/env bash
# The main job, end to end, on a demo fleet of Alibaba-like containers:
#   1. check-mode audit of the fleet (reports/before/)
#   2. tune it with the role (reports are unchanged by check mode; this changes)
#   3. audit again (reports/after/), compared with the first audit, and print both summaries.
# Fleet: kt-demo-web1..3 at Alibaba Cloud image defaults, kt-demo-hand tuned
# by hand with sysctl -w only (boot_drift), kt-demo-gone never started (unreachable).
# KT_KEEP=1 keeps the containers afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/setup.sh
. "$here/setup.sh"
set -euo pipefail
cd "$KT_ROOT"

fleet=(kt-demo-web1 kt-demo-web2 kt-demo-web3 kt-demo-hand)
cleanup() {
    if [ "${KT_KEEP:-0}" != 1 ]; then
        podman rm -f -t 0 "${fleet[@]}" >/dev/null 2>&1 || true
        kt_storage_release
    fi
}
trap cleanup EXIT

echo "==== starting the demo fleet: ${fleet[*]} (+ kt-demo-gone, unreachable)"
for host in "${fleet[@]}"; do
    bash tests/containers/start.sh "$host" alibaba
done
podman exec kt-demo-hand sysctl -q -w net.ipv4.tcp_max_tw_buckets=262144 net.ipv4.tcp_max_syn_backlog=8192 \
    net.core.somaxconn=8192 net.ipv4.tcp_fin_timeout=30 net.ipv4.tcp_tw_reuse=1

inventory=.build/demo-inventory.ini
{
    echo "[fleet]"
    for host in "${fleet[@]}" kt-demo-gone; do
        echo "$host ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3"
    done
} > "$inventory"

echo "==== 1. audit in check mode: which hosts are still on Alibaba Cloud defaults?"
ansible-playbook -i "$inventory" kerneltune.sysctl.audit --check -e sysctl_audit_report_dir=reports/before

echo "==== 2. tune the reachable hosts (check mode with --diff first, then for real)"
ansible-playbook -i "$inventory" kerneltune.sysctl.tune --limit 'fleet:!kt-demo-gone' --check --diff
ansible-playbook -i "$inventory" kerneltune.sysctl.tune --limit 'fleet:!kt-demo-gone'

echo "==== 3. audit again"
ansible-playbook -i "$inventory" kerneltune.sysctl.audit --check -e sysctl_audit_report_dir=reports/after \
    -e sysctl_audit_previous=reports/before/report.json

echo "==== report"
python - <<'PY'
import json
for name in ('before', 'after'):
    report = json.load(open('reports/%s/report.json' % name))
    print('%-6s %s' % (name, json.dumps(report['host_status'], sort_keys=True)))
    print('       unreachable: %s' % ', '.join(report['unreachable']))
counts = report['changes']['counts']
print('changes since the first audit: %s' % ', '.join('%s %d' % item for item in sorted(counts.items()) if item[1]))
PY
echo "files: reports/{before,after}/report.{json,csv,html,prom,junit.xml}"

#!/usr/bin/env bash
# Set up, then run every test. Each group runs even when an earlier one
# failed; the exit status is non-zero when any failed, and they are listed.
# Usage: scripts/test.sh [unit|lint|sanity|interpreters|kernel|ssh|differential|boot|molecule|all]...   (default: all;
# in "all", boot boots two of its four releases; "boot" named boots all four)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# A test run leaves the machine as it found it: the tools that write under $HOME (ansible's ~/.ansible and
# ~/.ansible_async, ansible-test's cache, pylint, Chromium, antsibull's log) write under .build/home instead.
# pyenv and pip keep reading the real home's settings.
kt_real_home=$HOME
case "$kt_real_home/" in
    "$(cd "$here/.." && pwd)"/*) kt_real_home=$(getent passwd "$(id -u)" | cut -d: -f6) ;;  # run from a test shell
esac
export PYENV_ROOT=${PYENV_ROOT:-$kt_real_home/.pyenv}
if [ -z "${PIP_CONFIG_FILE:-}" ] && [ -f "$kt_real_home/.config/pip/pip.conf" ]; then
    export PIP_CONFIG_FILE=$kt_real_home/.config/pip/pip.conf
fi
HOME=$(cd "$here/.." && pwd)/.build/home
export HOME
# Ansible expands "~" of its remote tmp as ~user (the passwd entry), never from HOME: on localhost (Molecule's
# create/destroy, tasks delegated to the controller) that is the real ~/.ansible/tmp. "$HOME" is expanded by the
# target's shell instead: .build/home here, each target user's own home elsewhere (the default's directory there).
# shellcheck disable=SC2016 # expanded by the target's shell, not here
export ANSIBLE_REMOTE_TMP='$HOME/.ansible/tmp'
mkdir -p "$HOME"
# Every image the groups use is built by the set-up, before the guard below takes its snapshot.
export KT_IMAGES="bookworm trixie bullseye bookworm-ssh"
# shellcheck source=scripts/setup.sh
. "$here/setup.sh"
set -euo pipefail
cd "$KT_ROOT"
groups=("${@:-all}")
failed=()

# The machine is left as it was found: after the set-up, nothing outside the checkout and the temporary
# directories may change: the real home, /etc, /usr/local, /opt, /var (but for logs, package and system state
# that the machine changes by itself), this machine's own kernel settings (tests/machine_state.py), and no copy
# of the collection may be installed into Ansible's default collection path (.build/home/.ansible/collections)
# where it would shadow other installs. KT_GUARD_IGNORE: more paths to leave out, separated by spaces.
# /var/cache/fontconfig: the machine's own font cache, which fontconfig (re)builds on the first run of a program
# that draws text (headless Chromium in the report test) on a fresh machine: not the tests' doing.
kt_guard_prune=("$KT_ROOT" "$(cd "$KT_ROOT" && pwd -P)" /var/log /var/tmp /var/cache/apt /var/cache/debconf
    /var/cache/man /var/cache/fontconfig /var/lib/apt /var/lib/dpkg /var/lib/systemd /var/lib/dhcp /var/lib/logrotate
    /var/lib/man-db /var/spool /var/mail /var/backups)
for kt_history in .bash_history .lesshst .viminfo .python_history; do
    kt_guard_prune+=("$kt_real_home/$kt_history")
done
read -r -a kt_guard_extra <<<"${KT_GUARD_IGNORE:-}"
kt_guard_prune+=("${kt_guard_extra[@]}")
kt_guard_roots=(/etc /usr/local /opt /var)
if [ "$kt_real_home" != / ]; then
    kt_guard_roots+=("$kt_real_home")
fi
kt_guard=$(mktemp -d)
trap 'rm -rf "$kt_guard"; kt_storage_release' EXIT
kt_snapshot() {
    local prune=() path
    for path in "${kt_guard_prune[@]}"; do
        prune+=(-path "$path" -o)
    done
    # Directories by name, type and mode only (their mtimes move with every file made and removed inside), and
    # lock files without their mtime: readers touch them (ansible-test runs "podman info" with an environment of
    # its own, so on the machine's Podman storage, whose locks it takes and changes nothing else).
    find "${kt_guard_roots[@]}" -xdev \( "${prune[@]}" -false \) -prune \
        -o -type d -printf '%p\t%y\t%m\t%u\n' \
        -o -name '*.lock' -printf '%p\t%y\t%m\t%u\t%s\n' \
        -o -printf '%p\t%y\t%m\t%u\t%s\t%T@\t%l\n' 2>>"$kt_guard/find-errors" | LC_ALL=C sort || true
    python "$KT_ROOT/tests/machine_state.py"
}
kt_snapshot >"$kt_guard/before"
machine_untouched() {
    kt_snapshot >"$kt_guard/after"
    local ok=0
    if ! diff -U0 "$kt_guard/before" "$kt_guard/after" >"$kt_guard/diff"; then
        echo "the tests changed these paths or kernel settings of this machine (- before, + after):"
        grep '^[-+]/' "$kt_guard/diff" | cut -f1,2 | head -50
        ok=1
    fi
    if [ -e "$HOME/.ansible/collections/ansible_collections" ]; then
        echo "a collection was installed into Ansible's default path, where it shadows other installs:"
        ls "$HOME/.ansible/collections/ansible_collections"
        ok=1
    fi
    if [ -s "$kt_guard/find-errors" ]; then
        echo "(paths the guard could not read: $(sort -u "$kt_guard/find-errors" | head -5 | tr '\n' ' '))"
    fi
    return "$ok"
}
wanted() { [[ " ${groups[*]} " == *" all "* || " ${groups[*]} " == *" $1 "* ]]; }
step() {
    local name=$1
    shift
    printf '\n==== %s: %s\n' "$name" "$*"
    local start=$SECONDS
    if "$@"; then
        printf '==== %s: passed in %ds\n' "$name" $((SECONDS - start))
    else
        printf '==== %s: FAILED after %ds\n' "$name" $((SECONDS - start))
        failed+=("$name")
    fi
}
# step_bg NAME COMMAND...: step() in the background, its output kept until steps_wait prints it (in the order
# started) and records whether it passed. For groups that do not depend on each other: side by side they keep
# both cores busy where each alone leaves one mostly idle.
kt_bg_pids=()
kt_bg_names=()
kt_bg_logs=()
step_bg() {
    local name=$1 log
    log=$(mktemp "$kt_guard/step.XXXXXX")
    printf '\n==== %s: started in the background\n' "$name"
    (
        before=${#failed[@]}
        step "$@"
        [ "${#failed[@]}" -eq "$before" ]  # step() added the name: it failed
    ) >"$log" 2>&1 &
    kt_bg_pids+=("$!")
    kt_bg_names+=("$name")
    kt_bg_logs+=("$log")
}
steps_wait() {
    local index
    for index in "${!kt_bg_pids[@]}"; do
        if ! wait "${kt_bg_pids[$index]}"; then
            failed+=("${kt_bg_names[$index]}")
        fi
        cat "${kt_bg_logs[$index]}"
    done
    kt_bg_pids=()
    kt_bg_names=()
    kt_bg_logs=()
}

if wanted unit || wanted kernel || wanted molecule; then
    # The real tools the reports are read back with: promtool (Debian's prometheus package, unpacked into .build,
    # never installed) and Jenkins' JUnit schema junit-10.xsd (from pytest's source distribution, into .build/cache).
    step "report checkers (promtool, junit-10.xsd)" bash -c 'bash tests/tools/promtool.sh && python tests/tools/junit_xsd.py'
fi
if wanted unit; then
    step "python 3.6 syntax (vermin)" vermin --no-tips --violations --target=3.6- --eval-annotations plugins/module_utils plugins/modules
    step "unit tests" python -m pytest -q -p no:cacheprovider tests/unit
fi
if wanted lint; then
    step "ansible-lint production" ansible-lint --profile production --offline
    step "changelog lint" antsibull-changelog lint
    step "shellcheck" shellcheck -x scripts/*.sh tests/containers/*.sh tests/containers/kt-init tests/boot/*.sh tests/boot/initramfs-hook .ci/run
    step "docs up to date (antsibull-docs, role README from argument_specs)" bash "$here/docs.sh" --check
fi
if wanted sanity; then
    # The four ansible-core releases side by side: each run keeps about one core busy (pip installs, then tests
    # one after another), so the four share the machine's cores.
    step_bg "ansible-test sanity+units (ansible-core $(python -c 'import ansible; print(ansible.__version__)'))" \
        bash "$here/ansible-test.sh"
    # The other ansible-core releases the collection supports (meta/runtime.yml), each in its own venv and home.
    mapfile -t cores < <(grep -Ev '^[[:space:]]*(#|$)' requirements/ansible-cores.txt)
    for core in "${cores[@]}"; do
        step_bg "ansible-test sanity+units (ansible-core $core)" bash "$here/ansible-test.sh" "$core"
    done
    steps_wait
fi
if wanted interpreters; then
    # The audit and tune playbooks on real target Pythons (pyenv builds mounted into the containers), each with an
    # ansible-core that manages it: 3.6/2.16, 3.8/2.18, 3.10/2.17, 3.12 and 3.13/2.19 (tests/integration/interpreters).
    step "target interpreters (Python 3.6-3.13 x ansible-core 2.16-2.19)" \
        python -m pytest -q -p no:cacheprovider -rs -n 2 --dist loadgroup tests/integration/interpreters
fi
if wanted kernel; then
    # The two suites side by side (their containers are named after the suite: _harness.suite_name).
    step_bg "real-kernel integration tests (Debian 12: procps 4.0.2, systemd 252)" \
        python -m pytest -q -p no:cacheprovider -rs tests/integration/kernel tests/report
    step_bg "real-kernel integration tests (Debian 13: procps 4.0.4, systemd 257)" \
        env KT_SUITE=trixie python -m pytest -q -p no:cacheprovider -rs tests/integration/kernel
    steps_wait
fi
if wanted ssh; then
    step "ssh with sudo (become), with and without pipelining" \
        python -m pytest -q -p no:cacheprovider -rs tests/integration/ssh
fi
if wanted differential; then
    # Boot prediction vs the real sysctl --system and systemd-sysctl of Debian 12, 13 and 11 (tests/differential).
    step "differential tests (real appliers, bookworm + trixie + bullseye)" python -m pytest -q -p no:cacheprovider -rfEs tests/differential
fi
if wanted boot; then
    # The boot prediction vs real reboots of Debian VMs under QEMU (tests/boot; KT_BOOT_RELEASES picks releases).
    # The VM images are built (cached) by the session, under .build/vm. Named (scripts/test.sh boot): all four
    # releases. In "all" (CI), unless KT_BOOT_RELEASES says otherwise: the oldest and the newest kernel (Debian 11:
    # 5.10, procps 3.3, systemd 247, tuned's old profile layout; Debian 13 + backports: the newest kernel, procps 4,
    # systemd 257, tuned's new layout), two VMs side by side on the 2-core CI machine.
    kt_boot_releases=${KT_BOOT_RELEASES:-}
    if [ -z "$kt_boot_releases" ] && [[ " ${groups[*]} " != *" boot "* ]]; then
        kt_boot_releases="bullseye trixie-backports"
    fi
    step "boot tests (real VM boots: ${kt_boot_releases:-bullseye bookworm trixie trixie-backports})" \
        env KT_BOOT_RELEASES="$kt_boot_releases" python -m pytest -q -p no:cacheprovider -rfEs -n 2 --dist loadgroup tests/boot
fi
if wanted molecule; then
    step "molecule scenarios" molecule test --all
fi

step "machine left as found (real home, /etc, /usr/local, /opt, /var, kernel settings)" machine_untouched

if [ "${#failed[@]}" -gt 0 ]; then
    printf '\n==== FAILED: %s\n' "${failed[*]}"
    exit 1
fi
printf '\n==== all passed: %s\n' "${groups[*]}"

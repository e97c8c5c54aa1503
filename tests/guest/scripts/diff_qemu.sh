#!/bin/sh
# Differential test: run one ELF on QEMU virt and on vp_run; exit status and
# console output must be equal.
#
#   diff_qemu.sh --qemu QEMU --vp-run VP_RUN --elf FILE --pass TEXT
#                [--semihost] [--timeout SECONDS] [-- EXTRA_VP_RUN_ARGS...]
#
# Agreement alone proves nothing when both sides failed the same way (two
# timeouts with empty output agree), so a run that timed out (status 124
# from timeout(1)) fails, and both outputs must hold a line beginning with
# TEXT, the program's pass line (e.g. "PASS rv32i").
#
# QEMU runs as the issue specifies (-machine virt -nographic -bios none
# -kernel FILE -semihosting-config enable=on,target=native) in a fresh
# directory; its stdout and stderr are compared together, because QEMU 7.2
# prints the semihosting console on stderr. vp_run's stdout alone is
# compared (its stderr carries its own diagnostics). With --semihost, vp_run
# gets --semihost-root DIR, a fresh directory of its own.
set -u
qemu= vp= elf= pass= semihost=0 tmo=60
while [ $# -gt 0 ]; do
    case "$1" in
    --qemu) qemu=$2; shift 2 ;;
    --vp-run) vp=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    --pass) pass=$2; shift 2 ;;
    --semihost) semihost=1; shift ;;
    --timeout) tmo=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "diff_qemu.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$qemu" ] && [ -n "$vp" ] && [ -n "$elf" ] && [ -n "$pass" ] ||
    { echo "diff_qemu.sh: need --qemu, --vp-run, --elf, --pass" >&2; exit 2; }

scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/qemu_root" "$scratch/vp_root"

(cd "$scratch/qemu_root" && timeout "$tmo" "$qemu" -machine virt -nographic -bios none -kernel "$elf" \
    -semihosting-config enable=on,target=native </dev/null >"$scratch/qemu.out" 2>&1)
qrc=$?
if [ $semihost = 1 ]; then
    set -- --semihost-root "$scratch/vp_root" "$@"
fi
(cd "$scratch/vp_root" && timeout "$tmo" "$vp" --firmware "$elf" "$@" </dev/null >"$scratch/vp.out" 2>"$scratch/vp.err")
vrc=$?

fail=0
has_pass() { awk -v p="$pass" 'index($0, p) == 1 { found = 1 } END { exit !found }' "$1"; }
if [ "$qrc" = 124 ]; then
    echo "FAIL: qemu timed out after ${tmo}s"
    fail=1
fi
if [ "$vrc" = 124 ]; then
    echo "FAIL: vp_run timed out after ${tmo}s"
    fail=1
fi
if ! has_pass "$scratch/qemu.out"; then
    echo "FAIL: qemu output has no line beginning with \"$pass\""
    fail=1
fi
if ! has_pass "$scratch/vp.out"; then
    echo "FAIL: vp_run output has no line beginning with \"$pass\""
    fail=1
fi
if [ "$qrc" != "$vrc" ]; then
    echo "FAIL: exit status: qemu $qrc, vp_run $vrc"
    fail=1
fi
if ! cmp -s "$scratch/qemu.out" "$scratch/vp.out"; then
    echo "FAIL: output differs (--- qemu, +++ vp_run):"
    diff -u "$scratch/qemu.out" "$scratch/vp.out" | head -50
    fail=1
fi
if [ $fail = 1 ]; then
    if [ -s "$scratch/vp.err" ]; then echo "vp_run stderr:"; head -30 "$scratch/vp.err"; fi
    exit 1
fi
echo "ok: qemu and vp_run agree on $elf (exit $qrc)"
cat "$scratch/vp.out"
exit 0

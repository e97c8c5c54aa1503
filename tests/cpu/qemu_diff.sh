#!/bin/sh
# Runs one semihosting ELF under QEMU's virt machine and on our core
# (rv_bench) and compares console output and exit status.
#   qemu_diff.sh QEMU RV_BENCH PROGRAM.elf PASS_TEXT
# Each side gets QEMU_DIFF_TIMEOUT seconds (default 30).
# Agreement alone proves nothing when both sides failed the same way (two
# timeouts with empty output agree): a run that timed out (status 124 from
# timeout(1)) fails, and both outputs must hold a line beginning with
# PASS_TEXT, the program's pass line.
set -u
[ $# = 4 ] || { echo "usage: qemu_diff.sh QEMU RV_BENCH PROGRAM.elf PASS_TEXT" >&2; exit 2; }
qemu=$1 bench=$2 elf=$3 pass=$4 tmo=${QEMU_DIFF_TIMEOUT:-30}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
timeout "$tmo" "$qemu" -machine virt -nographic -bios none -kernel "$elf" \
    -semihosting-config enable=on,target=native \
    >"$tmp/qemu.out" 2>&1 </dev/null  # QEMU writes semihosting output to stderr
qs=$?
timeout "$tmo" "$bench" "$elf" >"$tmp/vp.out" 2>"$tmp/vp.err" </dev/null
vs=$?
status=0
has_pass() { awk -v p="$pass" 'index($0, p) == 1 { found = 1 } END { exit !found }' "$1"; }
check_run() { # NAME STATUS OUTPUT
    if [ "$2" = 124 ]; then
        echo "$1 timed out"
        status=1
    fi
    if ! has_pass "$3"; then
        echo "$1 output has no line beginning with \"$pass\""
        status=1
    fi
}
check_run qemu "$qs" "$tmp/qemu.out"
check_run ours "$vs" "$tmp/vp.out"
if [ "$qs" != "$vs" ]; then
    echo "exit status differs: qemu $qs, ours $vs"
    status=1
fi
if ! cmp -s "$tmp/qemu.out" "$tmp/vp.out"; then
    echo "output differs (qemu, then ours):"
    diff "$tmp/qemu.out" "$tmp/vp.out"
    status=1
fi
[ $status = 0 ] && echo "same output and exit status ($qs) as QEMU"
exit $status

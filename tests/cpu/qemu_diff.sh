#!/bin/sh
# Runs one semihosting ELF under QEMU's virt machine and on our core
# (rv_bench) and compares console output and exit status.
#   qemu_diff.sh QEMU RV_BENCH PROGRAM.elf
set -u
qemu=$1 bench=$2 elf=$3
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
timeout 30 "$qemu" -machine virt -nographic -bios none -kernel "$elf" \
    -semihosting-config enable=on,target=native \
    >"$tmp/qemu.out" 2>&1 </dev/null  # QEMU writes semihosting output to stderr
qs=$?
timeout 30 "$bench" "$elf" >"$tmp/vp.out" 2>"$tmp/vp.err" </dev/null
vs=$?
status=0
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

#!/bin/sh
# Run one guest program and check its exit status and console output.
#
#   run_guest.sh [--status N] [--expect FILE | --regex FILE] [--cwd DIR]
#                [--merge-stderr] -- COMMAND [ARGS...]
#
# --status N      expected exit status of COMMAND (default 0)
# --expect FILE   stdout must equal FILE byte for byte
# --regex FILE    stdout must match the extended regex in FILE (grep -E over
#                 the whole output joined into one line with '\n' as "|NL|")
# --cwd DIR       run in DIR (a fresh temporary directory if DIR is "tmp")
# --merge-stderr  compare stdout and stderr together (QEMU prints the
#                 semihosting console on stderr)
set -u
status=0 expect= regex= cwd= merge=0
while [ $# -gt 0 ]; do
    case "$1" in
    --status) status=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --regex) regex=$2; shift 2 ;;
    --cwd) cwd=$2; shift 2 ;;
    --merge-stderr) merge=1; shift ;;
    --) shift; break ;;
    *) echo "run_guest.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { echo "run_guest.sh: no command" >&2; exit 2; }

scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT
if [ "$cwd" = tmp ]; then cwd=$scratch/cwd; mkdir "$cwd"; fi
out=$scratch/out err=$scratch/err

if [ -n "$cwd" ]; then cd "$cwd" || exit 2; fi
if [ $merge = 1 ]; then
    "$@" </dev/null >"$out" 2>&1
else
    "$@" </dev/null >"$out" 2>"$err"
fi
rc=$?

fail=0
if [ "$rc" != "$status" ]; then
    echo "FAIL: exit status $rc, expected $status"
    fail=1
fi
if [ -n "$expect" ] && ! cmp -s "$expect" "$out"; then
    echo "FAIL: output differs from $expect (--- expected, +++ actual):"
    diff -u "$expect" "$out" | head -50
    fail=1
fi
if [ -n "$regex" ]; then
    joined=$(awk '{ printf "%s|NL|", $0 }' "$out")
    if ! printf '%s\n' "$joined" | grep -Eq -f "$regex"; then
        echo "FAIL: output does not match $regex:"
        cat "$out"
        fail=1
    fi
fi
if [ $fail = 1 ]; then
    echo "command: $*"
    if [ $merge = 0 ] && [ -s "$err" ]; then echo "stderr:"; head -50 "$err"; fi
    exit 1
fi
echo "ok: $* (exit $rc)"
cat "$out"
exit 0

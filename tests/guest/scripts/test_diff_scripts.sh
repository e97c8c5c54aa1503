#!/bin/sh
# Self-test of the QEMU differential scripts (tests/guest/scripts/diff_qemu.sh
# and tests/cpu/qemu_diff.sh) with a fake "qemu" and a fake "vp_run": two
# runs that hang, or that print nothing, agree with each other but must not
# pass; two runs printing the pass line must.
#   test_diff_scripts.sh DIFF_QEMU_SH QEMU_DIFF_SH
set -u
diff_qemu=$1 qemu_diff=$2
scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT

# A fake emulator: FAKE_MODE=hang sleeps, silent prints nothing, pass prints
# the pass line; every mode exits 0 unless killed.
fake="$scratch/fake"
cat >"$fake" <<'FAKE'
#!/bin/sh
case "$FAKE_MODE" in
hang) exec sleep 60 ;;
silent) exit 0 ;;
pass) echo "PASS fake"; exit 0 ;;
esac
exit 99
FAKE
chmod +x "$fake"
: >"$scratch/prog.elf"

failures=0
# expect WANT_STATUS WANT_TEXT MODE SCRIPT ARGS...: run SCRIPT with FAKE_MODE,
# check its exit status is (0 or non-zero) and its output mentions WANT_TEXT.
expect() {
    want=$1 text=$2 mode=$3; shift 3
    out=$(FAKE_MODE=$mode QEMU_DIFF_TIMEOUT=1 "$@" 2>&1)
    rc=$?
    verdict=ok
    if [ "$want" = pass ] && [ $rc != 0 ]; then verdict=FAIL; fi
    if [ "$want" = fail ] && [ $rc = 0 ]; then verdict=FAIL; fi
    case "$out" in *"$text"*) ;; *) verdict=FAIL ;; esac
    echo "$verdict: $(basename "$1") with FAKE_MODE=$mode: exit $rc (want $want, \"$text\")"
    if [ $verdict = FAIL ]; then
        echo "$out" | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

dq() { "$diff_qemu" --qemu "$fake" --vp-run "$fake" --elf "$scratch/prog.elf" --pass "PASS fake" --timeout 1; }
cq() { "$qemu_diff" "$fake" "$fake" "$scratch/prog.elf" "PASS fake"; }

expect fail "qemu timed out" hang dq
expect fail "vp_run timed out" hang dq
expect fail "no line beginning with \"PASS fake\"" silent dq
expect pass "agree" pass dq
expect fail "qemu timed out" hang cq
expect fail "ours timed out" hang cq
expect fail "no line beginning with \"PASS fake\"" silent cq
expect pass "same output and exit status (0)" pass cq

[ $failures = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

#!/bin/sh
# Host MIPS of a simulator on the benchmark firmware:
#   firmware/bench/measure_mips.sh VP_RUN [BENCH_ELF] [extra vp_run args...]
# Runs VP_RUN --firmware BENCH_ELF, checks it passed, and divides the guest
# instruction count the benchmark prints (minstret, exact on npu-vp) by the
# host wall time of the whole run (elaboration and ELF loading included).
set -eu
vp=$1
shift
elf=${1:-$(dirname "$0")/../../build/release/firmware/bin/vp_bench.elf}
[ $# -gt 0 ] && shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
"$vp" --firmware "$elf" "$@" >"$out"
end=$(date +%s.%N)
grep -q '^PASS bench$' "$out" || { echo "benchmark failed:"; cat "$out"; exit 1; }
insns=$(sed -n 's/^bench: total minstret delta \([0-9]*\)$/\1/p' "$out")
awk -v n="$insns" -v s="$start" -v e="$end" \
    'BEGIN { t = e - s; printf "%d instructions in %.3f s: %.1f MIPS\n", n, t, n / t / 1e6 }'

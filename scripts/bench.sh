#!/usr/bin/env bash
# Benchmark (never a test): builds the release preset, then prints vp_run's
# wall time, CPU time and peak RSS on a network in timing and functional mode,
# and the ISS's speed on the benchmark firmware against QEMU in the same run.
#   bash scripts/bench.sh [--runs N] [--workload W] [--json FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
exec python3 scripts/bench.py --build build/release "$@"

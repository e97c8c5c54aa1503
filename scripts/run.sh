#!/usr/bin/env bash
# The main command: installs what is missing, builds, and runs vp_run. With no
# arguments it runs the product's main job, ResNet-50 on the default NPU
# (32x32 output-stationary array, 64 KiB scratchpads) through the firmware:
#     vp_run --workload resnet50 --dataflow os
# Any vp_run options replace those, e.g. `bash scripts/run.sh --workload lstm
# --control call --seq-len 16`, or `bash scripts/run.sh --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
if [ $# -eq 0 ]; then
    set -- --workload resnet50 --dataflow os
fi
exec build/release/platform/vp_run "$@"

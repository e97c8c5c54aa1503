#!/usr/bin/env bash
# The main command: installs what is missing, builds, and runs vp_run. With no
# arguments the CPU runs the platform firmware, which drives the NPU through a
# ResNet-50 layer in both control modes; any vp_run options may follow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
exec build/release/platform/vp_run "$@"

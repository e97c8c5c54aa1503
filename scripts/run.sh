#!/usr/bin/env bash
# The main command: installs what is missing, builds, and runs the platform.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
exec build/release/platform/vp_run --demo "$@"

#!/usr/bin/env bash
# The test command: installs what is missing, builds (Release, -Werror) and
# runs the whole suite under ctest. Pass --asan to use the sanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

preset=release
if [ "${1:-}" = "--asan" ]; then preset=asan; fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"

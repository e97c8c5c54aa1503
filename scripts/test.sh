#!/usr/bin/env bash
# The test command: installs what is missing, checks the formatting of every
# tracked C/C++ file (scripts/check_format.sh), builds (Release, -Werror) and
# runs the whole suite under ctest. Pass --asan to use the sanitizer build.
# Fails if a test fails or a file drifts from .clang-format (the drifting
# files are listed before the build and again at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

preset=release
if [ "${1:-}" = "--asan" ]; then preset=asan; fi

format_ok=1
bash scripts/check_format.sh || format_ok=0

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"

if [ $format_ok = 0 ]; then
    echo "FAILED: the format check (tests passed):"
    bash scripts/check_format.sh || true
    exit 1
fi

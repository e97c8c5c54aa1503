#!/usr/bin/env bash
# Format check: every tracked C/C++ file (git ls-files '*.c' '*.cpp' '*.h'),
# or the FILES given, must match .clang-format. Lists the drifting files and
# fails; fails too when clang-format is missing or cannot run.
#   check_format.sh [FILES...]
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
    echo "format: clang-format not found: install clang-format (scripts/setup.sh)"
    exit 1
fi
if [ $# -eq 0 ]; then
    mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h')
else
    files=("$@")
fi
out=$(printf '%s\0' "${files[@]}" | xargs -0 clang-format --dry-run --Werror 2>&1)
rc=$?
# "<file>:<line>:<col>: error: code should be clang-formatted": one name per file.
drift=$(printf '%s\n' "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
if [ -n "$drift" ]; then
    echo "format: these files differ from .clang-format (fix with clang-format -i FILE):"
    printf '%s\n' "$drift" | sed 's/^/  /'
    exit 1
fi
if [ $rc -ne 0 ]; then
    echo "format: clang-format failed:"
    printf '%s\n' "$out" | head -20
    exit 1
fi
echo "format: ${#files[@]} files match .clang-format"

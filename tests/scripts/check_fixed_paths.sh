#!/bin/sh
# Tests must write to per-test temporary files (::testing::TempDir() plus the
# process id, mkstemp/mkdtemp templates), never to a fixed path: parallel
# ctest runs and two checkouts on one machine would share and clobber it.
# Fails naming every tracked tests/ C++ line that opens or traces a literal
# path: a "/tmp/..." literal that is not a mkstemp template, a literal
# given to sc_create_vcd_trace_file, fopen or an [io]fstream.
#   check_fixed_paths.sh [SOURCE_DIR]
set -u
cd "${1:-$(dirname "$0")/../..}" || exit 2
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "check_fixed_paths.sh: $(pwd) is not a git checkout (the file list is git's)"; exit 1; }

# Files with a known fixed path whose owner is fixing it, one per line (each
# one printed; remove it here once clean). None today.
pending=""

hits=$(git ls-files 'tests/*.cpp' 'tests/*.h' | { if [ -n "$pending" ]; then grep -v -x -F "$pending"; else cat; fi; } |
    xargs grep -n -E \
        -e '"/tmp/' \
        -e 'sc_create_(vcd|wif)_trace_file\("' \
        -e '(fopen|fstream [A-Za-z_]+)\("' |
    grep -v 'XXXXXX')
for p in $pending; do
    if grep -q -E -e 'sc_create_(vcd|wif)_trace_file\("' -e '(fopen|fstream [A-Za-z_]+)\("' "$p"; then
        echo "note: $p still writes to a fixed path (pending its owner's fix)"
    else
        echo "note: $p is clean now: remove it from 'pending' in $0"
    fi
done
if [ -n "$hits" ]; then
    echo "fixed paths in tests (use a per-test temporary file):"
    echo "$hits"
    exit 1
fi
echo "no fixed paths in tests/"

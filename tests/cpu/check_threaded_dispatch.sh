#!/usr/bin/env bash
# Guards the ISS's threaded dispatch (cpu_model/README.md, "Speed"): the
# dispatch loop rv::Core::run must end every handler in its own indirect
# jump. When GCC merged them into two shared jumps the ISS ran at 4x QEMU's
# time instead of under 2.5x.
#   check_threaded_dispatch.sh OBJDUMP LIBRARY MIN_JUMPS
set -euo pipefail
objdump=$1 lib=$2 min=$3
n=$("$objdump" -d --no-show-raw-insn -C "$lib" |
    awk '/<rv::Core::run\(unsigned long\)>:/ {f = 1; next} f && /^$/ {f = 0} f' |
    grep -c 'jmp  *\*' || true)
if [ "$n" -lt "$min" ]; then
    echo "rv::Core::run in $lib has $n indirect jumps, expected at least $min (one per handler):" \
         "the handlers' dispatches were merged (see cpu_model/CMakeLists.txt)"
    exit 1
fi
echo "rv::Core::run: $n indirect jumps (at least $min)"

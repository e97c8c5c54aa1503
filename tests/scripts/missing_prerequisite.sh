#!/bin/sh
# Stands in for a test whose prerequisite (the RV32 cross compiler, QEMU, the
# firmware build) is missing at configure time: prints why and fails, so the
# suite cannot pass with tests silently left out.
#   missing_prerequisite.sh REASON...
echo "not run: $*" >&2
exit 1

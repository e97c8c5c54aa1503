#!/usr/bin/env bash
# Installs every Debian package the project needs. Idempotent: when all are
# present it changes nothing and asks no registry.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config clang-format
    libsystemc-dev libboost-program-options-dev libgtest-dev libgmock-dev
    libelf-dev
    gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
    libonnx-dev libonnx-testdata libprotobuf-dev nlohmann-json3-dev
    gtkwave qemu-system-misc
    # scripts/vp_sweep.py and vp_plot.py (/usr/bin/python3). python3-distributed's
    # Depends bring what a Dask LocalCluster and dask-scheduler/dask-worker need
    # (psutil, tornado, msgpack, cloudpickle, tblib, zict, ...), so
    # --no-install-recommends is enough; TOML specs use Python's own tomllib.
    python3-distributed python3-dask python3-matplotlib python3-yaml
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#PACKAGES[@]} packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"

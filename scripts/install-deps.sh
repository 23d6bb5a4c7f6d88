#!/usr/bin/env bash
# Installs the Debian packages the build needs, only those missing (idempotent; needs root or sudo).
# LLVM/clang 14 development files are for the JIT target; cmake, pkg-config and g++ for the C library and its
# test (examples/c-client/test.sh; its clang is the one installed with Swift). The Swift packages come from the
# local mirror.
set -euo pipefail
packages=(llvm-dev libclang-dev libclang-cpp14-dev cmake pkg-config g++)
# scripts/test.sh makes a virtual environment for the Python tests: Debian's python3 needs python3-venv for it.
python3 -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv python3-pip)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

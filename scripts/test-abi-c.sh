#!/usr/bin/env bash
# Builds libKernelgenABI (release, as `pip install ./python` does; `debug` as the first argument for a debug
# build), compiles the C client Tests/ABIClient/abi_client.c against kernelgen_abi.h with -Wall -Werror, runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-release}"
swift build -c "$configuration" --product KernelgenABI
lib="$(swift build -c "$configuration" --show-bin-path)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cc -std=c11 -Wall -Wextra -Werror -I Sources/KernelgenABI/include Tests/ABIClient/abi_client.c \
    -L"$lib" -lKernelgenABI -Wl,-rpath,"$lib" -lm -o "$out/abi_client"
"$out/abi_client"

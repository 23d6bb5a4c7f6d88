#!/usr/bin/env bash
# Proof that the wheel is self-contained: builds it (scripts/build-wheel.sh), installs it into a fresh virtual
# environment, checks with readelf and ldd that every library its ELF files load resolves inside the installed
# package or to the base system (glibc, libstdc++, libgcc_s) and that no RUNPATH leaves the package, then runs the
# Python tests and the digits example against it with the Swift toolchain's folder and LLVM 14's library folder
# made empty (a private mount namespace: `unshare -m`, as root) and the system's libLLVM-14/libclang-cpp hidden.
# Prints the wheel's size, the import time and the first JIT compile's time.
#
#   scripts/test-wheel.sh            # as root (CI is); extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" = 0 ] || { echo "scripts/test-wheel.sh: needs root (unshare -m and mounts hide the toolchain)" >&2; exit 1; }
wheel=$(scripts/build-wheel.sh | tail -n 1 | cut -d' ' -f1)
venv=.venv-wheel-test
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet numpy pytest scikit-learn pyyaml mpmath
torch_wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-*+cpu-*.whl 2>/dev/null | head -n 1 || true)
[ -n "$torch_wheel" ] && "$venv/bin/python" -m pip install --quiet "$torch_wheel"
"$venv/bin/python" -m pip install --quiet --no-deps snntorch==1.0.0 spikingjelly==2.0.0 norse==1.1.0 sinabs==3.1.3 loguru==0.7.3 \
    || echo "note: the SNN libraries could not be installed; their tests will skip" >&2
"$venv/bin/python" -m pip install --quiet "$wheel"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

echo "== libraries: inside the package or the base system"
allowed='^(linux-vdso\.so\.1|ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libmvec\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libutil\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$'
bad=0
while IFS= read -r elf; do
    while read -r runpath; do
        case "$runpath" in '$ORIGIN'*) ;; *) echo "  $elf: RUNPATH $runpath leaves the package"; bad=1 ;; esac
    done < <(readelf -d "$elf" | sed -n 's/.*R\(UN\)\{0,1\}PATH.*\[\(.*\)\]/\2/p' | tr ':' '\n' | grep -v '^$')
    while read -r name _ path _; do
        [ -z "$name" ] && continue
        case "$path" in "$site"/*) continue ;; esac
        if ! [[ "$name" =~ $allowed ]]; then echo "  $elf needs $name -> ${path:-not found}"; bad=1; fi
    done < <(ldd "$elf" | sed 's/^[[:space:]]*//' | awk '{ if ($2 == "=>") print $1, $2, $3; else print $1, "", "" }')
done < <(find "$site/kernelgen" "$site"/kernelgen.libs -name '*.so*' -type f 2>/dev/null)
[ "$bad" = 0 ] || { echo "the wheel is not self-contained"; exit 1; }
echo "ok: $(find "$site"/kernelgen.libs -type f | wc -l) grafted libraries, $(du -sm "$site/kernelgen" "$site"/kernelgen.libs | awk '{s += $1} END {print s}') MB installed"

echo "== tests with the Swift toolchain and LLVM 14 hidden"
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")   # /opt/swift
hide=$(printf '%s\n' /usr/lib/x86_64-linux-gnu/libLLVM-14.so.1 /usr/lib/x86_64-linux-gnu/libclang-cpp.so.14* \
    "$(readlink -f /usr/lib/x86_64-linux-gnu/libclang-cpp.so.14)" | sort -u | tr '\n' ' ')
unshare -m -- bash -euo pipefail -c '
    toolchain=$1; hide=$2; venv=$3; shift 3
    mount --make-rprivate /
    mount -t tmpfs tmpfs "$toolchain"
    [ -d /usr/lib/llvm-14/lib ] && mount -t tmpfs tmpfs /usr/lib/llvm-14/lib
    for f in $hide; do [ -e "$f" ] && mount --bind /dev/null "$f"; done
    if command -v swift >/dev/null; then echo "swift is still visible" >&2; exit 1; fi
    export PATH=$(echo "$PATH" | tr ":" "\n" | grep -v "^$toolchain" | paste -sd:)
    cd python/tests
    env -u KERNELGEN_LIBRARY -u KERNELGEN_TOOLS "../../$venv/bin/python" - <<"PY"
import time
start = time.perf_counter()
import kernelgen.torch as kt
imported = time.perf_counter() - start
import torch
start = time.perf_counter()
kt.surrogate("sigmoid", torch.linspace(-1, 1, 8, requires_grad=True), backend="jit", params={"scale": 3.25}).sum().backward()
print(f"import kernelgen.torch: {imported:.2f} s; first JIT compile and call: {time.perf_counter() - start:.2f} s")
PY
    env -u KERNELGEN_LIBRARY -u KERNELGEN_TOOLS "../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
    env -u KERNELGEN_LIBRARY -u KERNELGEN_TOOLS "../../$venv/bin/python" ../../examples/python/digits_lif.py --epochs 2 --sweep-epochs 1
' bash "$toolchain" "$hide" "$venv" "$@"
echo "wheel test: ok ($wheel)"

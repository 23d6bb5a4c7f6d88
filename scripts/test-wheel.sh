#!/usr/bin/env bash
# Proof that the wheel is self-contained: builds it (scripts/build-wheel.sh), installs it into a fresh virtual
# environment, checks with readelf and ldd that every library its ELF files load resolves inside the installed
# package or to the base system (glibc, libstdc++, libgcc_s, and libz, which the manylinux policies count as
# base) and that no RUNPATH leaves the package, then runs the Python tests and the digits example against it with
# the Swift toolchain's folder and LLVM 14's library folder made empty (a private mount namespace: `unshare -m`,
# as root) and the system's libLLVM-14/libclang-cpp hidden.
# Prints the wheel's size, the import time and the first JIT compile's time.
#
#   scripts/test-wheel.sh            # as root (CI is); extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" = 0 ] || { echo "scripts/test-wheel.sh: needs root (unshare -m and mounts hide the toolchain)" >&2; exit 1; }
wheel=${KERNELGEN_WHEEL:-$(scripts/build-wheel.sh | tail -n 1 | cut -d' ' -f1)}   # KERNELGEN_WHEEL: test a wheel built before
venv=.venv-wheel-test
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet numpy pytest scikit-learn pyyaml mpmath
torch_wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-*+cpu-*.whl 2>/dev/null | head -n 1 || true)
[ -n "$torch_wheel" ] && "$venv/bin/python" -m pip install --quiet "$torch_wheel"
"$venv/bin/python" -m pip install --quiet --no-deps snntorch==1.0.0 spikingjelly==2.0.0 norse==1.1.0 sinabs==3.1.3 loguru==0.7.3 \
    || echo "note: the SNN libraries could not be installed; their tests will skip" >&2
"$venv/bin/python" -m pip install --quiet "triton==3.9.0" \
    || echo "note: triton could not be installed; the Triton backend's tests will skip" >&2
"$venv/bin/python" -m pip install --quiet "$wheel"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

echo "== libraries: inside the package or the base system"
"$venv/bin/python" - "$site" <<'PY'
import pathlib, re, subprocess, sys
site = pathlib.Path(sys.argv[1])
# The base system: glibc's libraries, the C++ runtime, and libz (which the manylinux policies count as base).
base = re.compile(r"(linux-vdso|ld-linux-x86-64|libc|libm|libmvec|libpthread|libdl|librt|libutil|libz|libstdc\+\+|libgcc_s)\.so\.\d+$")
files = [f for d in (site / "kernelgen", site / "kernelgen.libs") if d.is_dir() for f in d.rglob("*.so*") if f.is_file()]
bad = []
for elf in files:
    dynamic = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    for runpath in re.findall(r"R(?:UN)?PATH.*\[(.*)\]", dynamic):
        bad += [f"{elf.name}: RUNPATH {p} leaves the package" for p in runpath.split(":") if p and not p.startswith("$ORIGIN")]
    for line in subprocess.run(["ldd", str(elf)], capture_output=True, text=True).stdout.splitlines():
        line = line.strip()
        if not line or "statically linked" in line:
            continue
        name, _, rest = line.partition(" => ")
        path = rest.split(" (")[0].strip() if rest else name.split(" (")[0]
        if path.startswith(str(site)):
            continue
        if not base.match(pathlib.Path(name.split(" (")[0]).name):
            bad.append(f"{elf.name} needs {name} -> {path or 'not found'}")
if bad:
    sys.exit("the wheel is not self-contained:\n  " + "\n  ".join(bad))
size = sum(f.stat().st_size for f in files) >> 20
print(f"ok: {len(files)} shared libraries ({size} MB installed), each resolved inside the package or the base system")
PY

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
    # Import and first-compile times from the installed wheel (an empty JIT cache; torch imported first, apart).
    env -u KERNELGEN_LIBRARY -u KERNELGEN_TOOLS KERNELGEN_CACHE_DIR="$(mktemp -d)" "../../$venv/bin/python" - <<"PY"
import time
start = time.perf_counter()
import torch
torch_import = time.perf_counter() - start
start = time.perf_counter()
import kernelgen
import kernelgen.torch as kt
imported = time.perf_counter() - start
start = time.perf_counter()
kt.surrogate("sigmoid", torch.linspace(-1, 1, 8, requires_grad=True), backend="jit", params={"scale": 3.25}).sum().backward()
compiled = time.perf_counter() - start
start = time.perf_counter()
kt.Neuron("lif", surrogate="arctan")(torch.rand(4, 16))
neuron = time.perf_counter() - start
print(f"import torch: {torch_import:.2f} s; import kernelgen + kernelgen.torch: {imported:.2f} s; first JIT compile and "
      f"call of a surrogate: {compiled:.2f} s; first kt.Neuron (JIT compile of lif x arctan) and call: {neuron:.2f} s")
PY
    env -u KERNELGEN_LIBRARY -u KERNELGEN_TOOLS "../../$venv/bin/python" -m pytest -q -rs -p no:cacheprovider "$@"
    env -u KERNELGEN_LIBRARY -u KERNELGEN_TOOLS "../../$venv/bin/python" ../../examples/python/digits_lif.py --epochs 2 --sweep-epochs 1
' bash "$toolchain" "$hide" "$venv" "$@"
echo "wheel test: ok ($wheel)"

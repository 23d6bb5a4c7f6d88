"""Two copies of libKernelgenABI.so in one process (e.g. two installed versions) share libLLVM and its process-wide
options; each JIT-compiles without killing the process (issue 17: a second parse of LLVM's command line exited
with "may only occur zero or one times")."""
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import ctypes, pathlib, shutil, sys, tempfile
    import numpy as np
    import kernelgen
    from kernelgen import _library

    copy = pathlib.Path(tempfile.mkdtemp()) / "libKernelgenABI.so"
    shutil.copy(_library.library_path(), copy)
    second = _library._load(copy)
    assert second._handle != _library.lib._handle, "the copy should be a second library in the process"

    x = np.linspace(-2, 2, 9)
    first = kernelgen.Surrogate("sigmoid", backend="jit", dtype="float64", scale=4.25).backward(x, np.ones_like(x))
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    names, values = (ctypes.c_char_p * 1)(b"scale"), (ctypes.c_double * 1)(4.5)   # another value: a compile, not a cache hit
    status = second.kg_bind(b"sigmoid", b"jit", b"float64", names, values, 1, ctypes.byref(handle), ctypes.byref(error))
    assert status == 0, ctypes.string_at(error.value)
    grad = np.empty_like(x)
    status = second.kg_backward(handle, x.ctypes.data, None, np.ones_like(x).ctypes.data, grad.ctypes.data, x.size,
                                ctypes.byref(error))
    assert status == 0, ctypes.string_at(error.value)
    second.kg_release(handle)
    def sigmoid_grad(scale):  # scale s(1 - s) without cancellation: e^-|a| / (1 + e^-|a|)^2
        e = np.exp(-np.abs(scale * x))
        return scale * e / (1 + e) ** 2
    np.testing.assert_allclose(first, sigmoid_grad(4.25), rtol=1e-13)
    np.testing.assert_allclose(grad, sigmoid_grad(4.5), rtol=1e-13)
    print("ok")
    """
)


def test_two_copies_of_the_library_jit_compile_in_one_process(tmp_path):
    env = dict(os.environ, KERNELGEN_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"

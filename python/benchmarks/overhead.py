#!/usr/bin/env python3
"""Per-call overhead and throughput of kernelgen's NumPy path, against the C kernels' own rate in one process.

    python3 python/benchmarks/overhead.py            # the installed package (pip install ./python)
    KERNELGEN_LIBRARY=.build/release/libKernelgenABI.so python3 python/benchmarks/overhead.py

Measures, for sigmoid (scale 5, backend c, one thread), n = 1, 4096, 65536 and 1048576:
  - the NumPy call `s.backward(x, g, out=o)` / `s.forward(x, out=o)` (and without out=, which allocates),
  - the bare ctypes call of kg_backward (no argument checks), to separate ctypes' cost from the package's,
  - the kernel kg_sigmoid_backward_f32/f64 called directly through ctypes on the same arrays: the kernel's own
    rate for the throughput comparison (ctypes adds under 1 us, nothing at these sizes; NumPy's large arrays sit
    on huge pages, which a C program's malloc'ed buffers do not, so the same buffers matter beyond the caches),
  - in C (abi_overhead.c, compiled here with cc against the same library): kg_backward through the handle and
    the kernel called directly, for the C-level overhead.
Overhead = time at n = 1 minus the kernel's own time at n = 1 (in C). Best of several windows; this VM's speed drifts by
20-40% within minutes, so compare rows of one run. Nothing here is asserted: it is a measurement.
"""
import ctypes
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import kernelgen
from kernelgen import _library

ROOT = Path(__file__).resolve().parents[2]
SIZES = (1, 4096, 65536, 1048576)


def per_call(f, seconds=0.2):
    """Best of 7 windows, seconds per call."""
    f()
    best = float("inf")
    for _ in range(7):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 7:
            for _ in range(8):
                f()
            calls += 8
        best = min(best, elapsed / calls)
    return best


def c_measurements():
    """{(what, dtype, n): ns per call} from abi_overhead.c."""
    library = Path(kernelgen.library_path())
    with tempfile.TemporaryDirectory() as folder:
        binary = Path(folder) / "abi_overhead"
        subprocess.run(["cc", "-O2", "-std=c11", f"-I{ROOT}/Sources/KernelgenABI/include", f"-I{ROOT}/Generated/C/include",
                        str(Path(__file__).with_name("abi_overhead.c")), f"-L{library.parent}", "-l:" + library.name,
                        f"-Wl,-rpath,{library.parent}", "-o", str(binary)], check=True)
        lines = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.split("\n")
    return {(w, d, int(n)): float(ns) for w, d, n, ns in (line.split() for line in lines if line)}


def main():
    print(f"library: {kernelgen.library_path()}")
    c = c_measurements()
    kernels = {"float32": _library.lib.kg_sigmoid_backward_f32, "float64": _library.lib.kg_sigmoid_backward_f64}
    for dtype, kernel in kernels.items():
        vp = ctypes.c_void_p
        kernel.argtypes = [vp, vp, vp, vp, ctypes.c_size_t, ctypes.c_float if dtype == "float32" else ctypes.c_double]
        kernel.restype = None
    rows = []
    for dtype in ("float32", "float64"):
        s = kernelgen.Surrogate("sigmoid", dtype=dtype)
        s.threads = 1
        for n in SIZES:
            x = np.random.default_rng(0).uniform(-5, 5, n).astype(dtype)
            g, o = np.ones_like(x), np.empty_like(x)
            p = _library.data_pointer
            raw = _library.lib.kg_backward
            args = (s._h, p(x), None, p(g), p(o), n, None)
            kernel = kernels[dtype]
            kernel_args = (p(x), None, p(g), p(o), n, 5.0)
            row = {
                "dtype": dtype, "n": n,
                "numpy backward out=": per_call(lambda: s.backward(x, g, out=o)) * 1e9,
                "numpy backward": per_call(lambda: s.backward(x, g)) * 1e9,
                "numpy forward out=": per_call(lambda: s.forward(x, out=o)) * 1e9,
                "ctypes kg_backward": per_call(lambda: raw(*args)) * 1e9,
                "ctypes kernel": per_call(lambda: kernel(*kernel_args)) * 1e9,
                "C kg_backward": c[("abi_backward", dtype, n)],
                "C kernel": c[("kernel_backward", dtype, n)],
            }
            rows.append(row)
    keys = list(rows[0])
    print("ns per call (backward unless named; kernel = kg_sigmoid_backward_* called directly)")
    print(" | ".join(f"{k:>18}" for k in keys))
    for row in rows:
        print(" | ".join(f"{row[k]:>18}" if isinstance(row[k], str) else f"{row[k]:>18.0f}" for k in keys))
    print("\nthroughput, G elements/s (numpy backward out= / the kernel through ctypes on the same arrays, the ratio)")
    for row in rows:
        if row["n"] >= 65536:
            numpy_rate, kernel_rate = row["n"] / row["numpy backward out="], row["n"] / row["ctypes kernel"]
            print(f"{row['dtype']:>8} n={row['n']:>8}: {numpy_rate:.2f} / {kernel_rate:.2f} ({100 * numpy_rate / kernel_rate:.0f}%)")
    for dtype in ("float32", "float64"):
        one = next(r for r in rows if r["dtype"] == dtype and r["n"] == 1)
        print(f"\noverhead at n = 1, {dtype}: NumPy call {one['numpy backward out='] - one['C kernel']:.0f} ns "
              f"({one['numpy backward'] - one['C kernel']:.0f} allocating out), C ABI {one['C kg_backward'] - one['C kernel']:.0f} ns, "
              f"of which ctypes' bare call {one['ctypes kg_backward'] - one['C kg_backward']:.0f} ns")
    return 0


if __name__ == "__main__":
    sys.exit(main())

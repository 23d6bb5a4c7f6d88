"""Compiles every Triton kernel of the surrogates named on the command line for a CUDA GPU (sm_90: PTX and a cubin;
no GPU needed), with kernelgen.torch's launch options, and checks the PTX: IEEE division, no arithmetic that
flushes subnormals. One line per kernel, `<name> <op> <dtype> ok` or the problem; exit status 1 if any failed.
Run by test_triton.py in a process without TRITON_INTERPRET."""
import re
import sys
import traceback

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

import kernelgen  # noqa: F401 (the library)
from kernelgen.torch import _triton


def signature(kernel, module, dtype, constexprs):
    ty = "fp32" if dtype == "float32" else "fp64"
    name = kernel.fn.__name__
    pointers = ["x_ptr", "y_ptr", "g_ptr", "out_ptr"] if "backward" in name else ["x_ptr", "out_ptr"]
    found = {p: "*" + ty for p in pointers}
    found["n"] = "i32"
    if name in module["SAMPLING"]:
        found.update(seed="u64", offset="u64")
    found.update({c: "constexpr" for c in constexprs})
    found["BLOCK"] = "constexpr"
    return found


def check(name):
    assert not _triton.interpreting(), "run without TRITON_INTERPRET"
    module = _triton.module(name)
    integers = set(module["INTEGER_PARAMETERS"])
    constexprs = {f"c_{p[0]}": (int(p[1]) if p[0] in integers else p[1]) for p in module["PARAMETERS"]}
    failed = False
    for (op, dtype), kernel in module["KERNELS"].items():
        what = f"{name} {op} {dtype}"
        try:
            source = ASTSource(fn=kernel, signature=signature(kernel, module, dtype, constexprs),
                               constexprs={**constexprs, "BLOCK": _triton.BLOCK})
            compiled = triton.compile(source, target=GPUTarget("cuda", 90, 32), options=dict(_triton.OPTIONS))
        except Exception:
            print(f"{what} does not compile: {traceback.format_exc()}")
            failed = True
            continue
        ptx = compiled.asm["ptx"]
        # libdevice's own algorithms use approximate ex2, lg2 and rcp inside (expf, atanf): within their bounds.
        flushing = sorted(set(re.findall(r"\b(?:add|sub|mul|fma|div|sqrt)\.[a-z.]*ftz[a-z0-9.]*", ptx)))
        problems = []
        if ".entry" not in ptx or not compiled.asm.get("cubin"):
            problems.append("no kernel entry or cubin")
        if "div.full.f32" in ptx or "div.approx" in ptx:
            problems.append("approximate division")
        if flushing:
            problems.append(f"subnormals flushed by {flushing}")
        if problems:
            print(f"{what}: {'; '.join(problems)}")
            failed = True
        else:
            print(f"{what} ok")
    return failed


if __name__ == "__main__":
    sys.exit(1 if any([check(name) for name in sys.argv[1:]]) else 0)

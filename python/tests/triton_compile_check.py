"""Compiles every Triton kernel of the surrogates named on the command line (and of the neurons after `--neurons`, with
a deterministic and a stochastic surrogate) for a CUDA GPU (sm_90: PTX and a cubin;
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


#: Specs whose kernels are also compiled with the signature of small arguments: n the constant 1 (as Triton may
#: specialise an int argument equal to 1), seed and offset int32 (a Python int below 2^31 is typed so).
SMALL_ARGUMENTS = {"sigmoid", "noisy_threshold", "noisy_gradient"}


def signature(kernel, module, dtype, constexprs, small=False, half=False):
    ty = "fp32" if dtype == "float32" else "fp64"
    name = kernel.fn.__name__
    pointers = ["x_ptr", "y_ptr", "g_ptr", "out_ptr"] if "backward" in name else ["x_ptr", "out_ptr"]
    # half: a bfloat16 call of the float32 kernels (its saved output y stays float32)
    found = {p: ("*bf16" if half and p != "y_ptr" else "*" + ty) for p in pointers}
    found["n"] = "constexpr" if small else "i32"
    if name in module["SAMPLING"]:
        found.update(seed="i32", offset="i32") if small else found.update(seed="u64", offset="u64")
    found.update({c: "constexpr" for c in constexprs})
    found["NEGATIVE_ZEROS"] = "constexpr"
    found["BLOCK"] = "constexpr"
    return found


def compile_and_check(what, kernel, signature, constexprs):
    """Compiles for sm_90 and checks the PTX; prints `<what> ok` or the problem; True when it failed."""
    try:
        compiled = triton.compile(ASTSource(fn=kernel, signature=signature, constexprs=constexprs),
                                  target=GPUTarget("cuda", 90, 32), options=dict(_triton.OPTIONS))
    except Exception:
        print(f"{what} does not compile: {traceback.format_exc()}")
        return True
    ptx = compiled.asm["ptx"]
    # libdevice's own algorithms use approximate ex2, lg2 and rcp inside (expf, atanf): within their bounds.
    flushing = sorted(set(re.findall(r"\b(?:add|sub|mul|fma|div|sqrt)\.[a-z.]*ftz[a-z0-9.]*", ptx)))
    problems = []
    if ".entry" not in ptx or not compiled.asm.get("cubin"):
        problems.append("no kernel entry or cubin")
    if "div.full.f32" in ptx or "div.approx" in ptx or "sqrt.approx" in ptx:
        problems.append("approximate division or square root")
    if flushing:
        problems.append(f"subnormals flushed by {flushing}")
    print(f"{what}: {'; '.join(problems)}" if problems else f"{what} ok")
    return bool(problems)


def check(name):
    assert not _triton.interpreting(), "run without TRITON_INTERPRET"
    module = _triton.module(name)
    integers = set(module["INTEGER_PARAMETERS"])
    constexprs = {f"c_{p[0]}": (int(p[1]) if p[0] in integers else p[1]) for p in module["PARAMETERS"]}
    failed = False
    for (op, dtype), kernel in module["KERNELS"].items():
        variants = [(False, False), (True, False)] if name in SMALL_ARGUMENTS else [(False, False)]
        if name in SMALL_ARGUMENTS and dtype == "float32":
            variants.append((False, True))
        for small, half in variants:
            values = {**constexprs, "NEGATIVE_ZEROS": 0, "BLOCK": _triton.BLOCK, **({"n": 1} if small else {})}
            what = f"{name} {op} {dtype}" + (" (small arguments)" if small else "") + (" (bfloat16 arrays)" if half else "")
            failed |= compile_and_check(what, kernel, signature(kernel, module, dtype, constexprs, small, half), values)
    return failed


NEURON_SIGNATURES = {
    "forward": ["x_ptr", "params_ptr", "state_ptr", "spikes_ptr", "saved_ptr"],
    "backward": ["x_ptr", "params_ptr", "saved_ptr", "grad_spikes_ptr", "grad_state_ptr", "grad_x_ptr", "grad_params_ptr"],
}


def check_neuron(neuron, surrogate):
    """The neuron's kernels with `surrogate` (its default parameters folded in)."""
    module = _triton.neuron_module(neuron, surrogate, [], [], [])
    failed = False
    for (op, dtype), kernel in module["KERNELS"].items():
        ty = "fp32" if dtype == "float32" else "fp64"
        for small in (False, True):
            signature = {p: ("*fp64" if p == "params_ptr" else "*" + ty) for p in NEURON_SIGNATURES[op.removeprefix("train_")]}
            signature.update(steps="constexpr", n="constexpr") if small else signature.update(steps="i32", n="i32")
            if op.startswith("train_"):
                signature.update(seed="i32", offset="i32") if small else signature.update(seed="u64", offset="u64")
            values = {"BLOCK": _triton.BLOCK, **({"steps": 1, "n": 1} if small else {})}
            if op.endswith("forward"):
                signature["SAVE"] = "constexpr"
                values["SAVE"] = True
            signature["BLOCK"] = "constexpr"
            what = f"{neuron}+{surrogate} {op} {dtype}" + (" (small arguments)" if small else "")
            failed |= compile_and_check(what, kernel, signature, values)
    return failed


if __name__ == "__main__":
    arguments = sys.argv[1:]
    split = arguments.index("--neurons") if "--neurons" in arguments else len(arguments)
    results = [check(name) for name in arguments[:split]]
    results += [check_neuron(neuron, surrogate) for neuron in arguments[split + 1:] for surrogate in ("sigmoid", "noisy_threshold")]
    sys.exit(1 if any(results) else 0)

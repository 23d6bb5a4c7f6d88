"""kernelgen.torch measured in one process: per-call overhead of the autograd path, and the backward's throughput
against the C kernel called directly, PyTorch eager and torch.compile of the same formula (SpikeDE's sigmoid).

    python python/benchmarks/torch_layer.py [--rounds 5] [--dtype float32] [--sizes 4096,65536,1048576,16777216]
                                            [--threads 1,2] [--no-compile]

Every number is a time per call from a window of repeated calls (>= --window seconds); the contenders of one size
and thread count are measured in turn, --rounds times, interleaved (A B C D A B C D ...), and the table gives the
median and the range over the rounds. Threads: torch.set_num_threads(t) and kernelgen.torch.set_threads(t).

Contenders of the backward (grad_in = grad_out * scale * sigmoid(scale x) * (1 - sigmoid(scale x)), scale = 5):
  kernel    kg_backward through ctypes on preallocated tensors (the kernels' own rate, plus ~0.6 us of ctypes)
  layer     the torch layer's backward as autograd runs it: SigmoidSurrogate's backward (torch.autograd.grad of
            y = sigmoid_surrogate(x) with retain_graph), engine included
  layer-fn  the layer's backward function alone (contiguous check, output allocation, the kernel call)
  eager     SpikeDE's formula in PyTorch eager
  compile   torch.compile of the same formula (warmed up: in cache)
"""
import argparse
import ctypes
import statistics
import time

import torch

import kernelgen
import kernelgen.torch as kt
from kernelgen import _library

SCALE = 5.0


def formula(x, g):
    sigmoid = torch.sigmoid(SCALE * x)
    return g * (SCALE * sigmoid * (1 - sigmoid))


class SpikeDESigmoid(torch.autograd.Function):
    """SpikeDE's SigmoidSurrogate, as its code writes it (the overhead baseline in plain torch)."""

    @staticmethod
    def forward(ctx, input, scale):
        ctx.save_for_backward(input)
        ctx.scale = scale
        return (input >= 0).float()

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        sigmoid = torch.sigmoid(ctx.scale * input)
        return grad_output * (ctx.scale * sigmoid * (1 - sigmoid)), None


class Empty(torch.autograd.Function):
    """Does nothing but allocate its outputs: the floor of any autograd.Function round trip."""

    @staticmethod
    def forward(ctx, input, scale):
        ctx.save_for_backward(input)
        return torch.empty_like(input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return torch.empty_like(input), None


def per_call(fn, window):
    """Seconds per call of fn, from as many calls as fill `window` seconds (calibrated once)."""
    fn()
    n, spent = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        spent = time.perf_counter() - start
        if spent >= window:
            return spent / n
        n = max(n * 2, int(n * window / max(spent, 1e-9) * 1.1))


def interleaved(contenders, rounds, window):
    """{name: [seconds per call, one per round]}, the contenders measured in turn each round."""
    found = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            found[name].append(per_call(fn, window))
    return found


def summary(samples, scale=1e6):
    values = sorted(v * scale for v in samples)
    return statistics.median(values), values[0], values[-1]


def overhead(args, dtype):
    print(f"\n## Per-call overhead of the autograd path ({dtype}, 1 thread): forward + backward, y.backward(g)")
    print("us per call: median [min - max] over rounds")
    torch.set_num_threads(1)
    kt.set_threads(1)
    for n in (1, 4096):
        x = torch.zeros(n, dtype=dtype, requires_grad=True)
        g = torch.ones(n, dtype=dtype)
        contenders = {
            "kernelgen.torch sigmoid_surrogate": lambda: kt.sigmoid_surrogate(x).backward(g),
            "SpikeDE formula (plain torch Function)": lambda: SpikeDESigmoid.apply(x, SCALE).backward(g),
            "empty autograd.Function (floor)": lambda: Empty.apply(x, SCALE).backward(g),
            "kernelgen.torch forward only": lambda: kt.sigmoid_surrogate(x),
        }
        found = interleaved(contenders, args.rounds, args.window)
        floor = statistics.median(found["empty autograd.Function (floor)"]) * 1e6
        print(f"n = {n}:")
        for name, samples in found.items():
            med, lo, hi = summary(samples)
            extra = f"   (+{med - floor:.1f} over the floor)" if name.startswith(("kernelgen.torch sigmoid", "SpikeDE")) else ""
            print(f"  {name:<40} {med:7.2f} [{lo:.2f} - {hi:.2f}]{extra}")


def throughput(args, dtype):
    print(f"\n## Backward throughput ({dtype}, scale {SCALE}): G elements/s, median [min - max] over rounds; "
          "ratio = median / kernel's median")
    compiled = None
    if not args.no_compile:
        try:
            compiled = torch.compile(formula, dynamic=False)
        except Exception as error:  # noqa: BLE001 - report what happened, measure the rest
            print(f"torch.compile unavailable: {error}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        kt.set_threads(threads)
        for n in args.sizes:
            x = torch.randn(n, dtype=dtype) * 2
            g = torch.randn(n, dtype=dtype)
            out = torch.empty_like(x)
            leaf = x.clone().requires_grad_(True)
            y = kt.sigmoid_surrogate(leaf)
            runner = kt._runner("sigmoid", "c", x, (("scale", SCALE),))
            lib, h = _library.lib, runner.h
            xp, gp, op = x.data_ptr(), g.data_ptr(), out.data_ptr()
            contenders = {
                "kernel": lambda: lib.kg_backward(h, xp, None, gp, op, n, None),
                "layer": lambda: torch.autograd.grad(y, leaf, g, retain_graph=True),
                "layer-fn": lambda: runner.backward(x, None, g),
                "eager": lambda: formula(x, g),
            }
            if compiled is not None:
                try:
                    start = time.perf_counter()
                    compiled(x, g)
                    first = time.perf_counter() - start
                    contenders["compile"] = lambda: compiled(x, g)
                except Exception as error:  # noqa: BLE001
                    print(f"torch.compile failed at n = {n}: {type(error).__name__}: {str(error)[:300]}")
                    compiled = None
            # the values agree (so the contenders compute the same thing)
            want = formula(x.double(), g.double())
            for name in ("layer-fn", "compile"):
                if name in contenders:
                    got = runner.backward(x, None, g) if name == "layer-fn" else compiled(x, g)
                    assert torch.allclose(got.double(), want, rtol=1e-4, atol=1e-5 * SCALE), name
            found = interleaved(contenders, args.rounds, args.window)
            kernel = statistics.median(found["kernel"])
            row = []
            for name, samples in found.items():
                rates = [n / s / 1e9 for s in samples]
                med, lo, hi = statistics.median(rates), min(rates), max(rates)
                row.append(f"{name} {med:.2f} [{lo:.2f}-{hi:.2f}] x{kernel / statistics.median(samples):.2f}")
            print(f"threads {threads} n = {n:>8}: " + "; ".join(row))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--window", type=float, default=0.05, help="seconds per measurement window")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--sizes", default="4096,65536,1048576,16777216")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--only", choices=("overhead", "throughput"))
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.threads = [int(t) for t in args.threads.split(",")]
    dtype = getattr(torch, args.dtype)
    print(f"kernelgen {kernelgen.__version__} ({kernelgen.library_path()}), torch {torch.__version__}, "
          f"{args.rounds} rounds of {args.window * 1e3:.0f} ms windows")
    if args.only != "throughput":
        overhead(args, dtype)
    if args.only != "overhead":
        throughput(args, dtype)
    kt.set_threads(None)


if __name__ == "__main__":
    main()

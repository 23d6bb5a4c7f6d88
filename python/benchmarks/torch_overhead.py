"""Per-call cost of kernelgen.torch's eager autograd path, in us: forward + backward of one call
(`y = f(x); y.backward(g)`) for the drop-in function, `surrogate()` and a `Spike` module, beside an empty
autograd.Function (the engine's floor). One thread; 5 rounds of 200 ms windows, median [min - max].

    python python/benchmarks/torch_overhead.py LABEL

Run it alternately against two installs (or PYTHONPATH trees) to compare layers: the machine drifts 20-40%, so
only interleaved runs compare."""
import statistics
import sys
import time

import torch

import kernelgen.torch as kt


class Empty(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, scale):
        ctx.save_for_backward(input)
        return torch.empty_like(input)

    @staticmethod
    def backward(ctx, grad_output):
        return torch.empty_like(grad_output), None


def per_call(fn, window=0.2):
    fn()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        spent = time.perf_counter() - start
        if spent >= window:
            return spent / n * 1e6
        n = max(n * 2, int(n * window / max(spent, 1e-9) * 1.1))


def main(label):
    torch.set_num_threads(1)
    kt.set_threads(1)
    spike = kt.Spike("sigmoid", scale=5.0)
    found = {}
    for n in (1, 4096):
        x = torch.zeros(n, requires_grad=True)
        g = torch.ones(n)
        contenders = {
            "sigmoid_surrogate": lambda: kt.sigmoid_surrogate(x).backward(g),
            "surrogate()": lambda: kt.surrogate("sigmoid", x, scale=5.0).backward(g),
            "Spike module": lambda: spike(x).backward(g),
            "empty Function": lambda: Empty.apply(x, 5.0).backward(g),
        }
        for _ in range(5):
            for name, fn in contenders.items():
                found.setdefault((n, name), []).append(per_call(fn))
    for (n, name), values in found.items():
        print(f"{label} n={n} {name}: {statistics.median(values):.2f} [{min(values):.2f} - {max(values):.2f}] us")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "kernelgen")

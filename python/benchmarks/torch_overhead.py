"""Per-call cost of kernelgen.torch's eager autograd path, in us: forward + backward of one call
(`y = f(x); y.backward(g)`) for the drop-in function, `surrogate()` and a `Spike` module, beside an empty
autograd.Function (the engine's floor). One thread; 5 rounds of 200 ms windows, median [min - max].

    python python/benchmarks/torch_overhead.py LABEL

Run it alternately against two installs (or PYTHONPATH trees) to compare layers: the machine drifts 20-40%, so
only interleaved runs compare."""
import statistics
import sys

import torch

import kernelgen.torch as kt
from torch_layer import Empty  # the engine's floor, as torch_layer.py measures it


def per_call(fn, window=0.2):
    from torch_layer import per_call as seconds
    return seconds(fn, window) * 1e6


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

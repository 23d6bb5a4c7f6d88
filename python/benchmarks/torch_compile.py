"""kernelgen.torch where researchers train: ms per training step of two LIF networks, eager and under
torch.compile, with kernelgen's surrogate (each compile route) against SpikeDE's formula; graph breaks; and the
half types' kernel rate against float32 with the same-run memory roofline.

    python python/benchmarks/torch_compile.py [--rounds 5] [--steps 10] [--threads 1] [--skip-networks]
                                              [--skip-half]

Networks (Adam, cross-entropy on the summed readout, BPTT through all steps, one optimiser step per step):
  lif784   784 -> 512 -> 10, T = 16, batch 64 (the issue's network), hard reset  v = v * (1 - s)
  digits   64 -> 128 -> 10, T = 16, batch 128 (examples/python/digits_lif.py's), soft reset  v = v - s
Contenders: SpikeDE's SigmoidSurrogate (a plain torch autograd.Function, copied), kernelgen.torch's
sigmoid_surrogate; eager, and torch.compile(fullgraph=False so a break is counted, not fatal) with kernelgen's
"expressions" and "kernels" routes. Compile time (the first step) is reported apart; a step's time is the median
over --rounds interleaved rounds of --steps steps each, with the range.

Half types: the backward (grad_out * surrogate gradient) of kernelgen's C kernels through kernelgen.torch's
runner (no autograd engine) at n = 65536 and 2^24, float32 and bfloat16/float16 (the C kernels that read and write
the half types), G elements/s: as a layer calls it (a new output tensor each call, whose fresh pages the first
write faults in) and into a preallocated output (the kernel alone); roofline: the bytes a kernel must move (x,
grad_out in, grad_in out: 3 elements) at the same run's copy bandwidth (torch's copy of a 2^24-element float32
tensor: read + write). Rounds interleave the dtypes, so drift hits them alike.
"""
import argparse
import statistics
import time

import torch

import kernelgen
import kernelgen.torch as kt
from torch_layer import SpikeDESigmoid  # SpikeDE's SigmoidSurrogate as its code writes it

SCALE = 5.0


def spikede(v):
    return SpikeDESigmoid.apply(v, SCALE)


def kernelgen_spike(v):
    return kt.sigmoid_surrogate(v, SCALE)


class LIFNet(torch.nn.Module):
    def __init__(self, spike, inputs, hidden, soft_reset, beta=0.9):
        super().__init__()
        self.fc = torch.nn.Linear(inputs, hidden)
        self.readout = torch.nn.Linear(hidden, 10)
        self.spike, self.beta, self.soft_reset = spike, beta, soft_reset

    def forward(self, x):  # (T, batch, inputs)
        v = torch.zeros(x.shape[1], self.fc.out_features, dtype=x.dtype)
        out = 0
        for t in range(x.shape[0]):
            v = self.beta * v + self.fc(x[t])
            s = self.spike(v - 1.0)
            v = v - s if self.soft_reset else v * (1.0 - s)
            out = out + self.readout(s)
        return out / x.shape[0]


NETWORKS = {"lif784": (784, 512, 64, False), "digits": (64, 128, 128, True)}


def make_step(name, spike, compiled, route):
    inputs, hidden, batch, soft = NETWORKS[name]
    torch.manual_seed(0)
    model = LIFNet(spike, inputs, hidden, soft)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = (torch.rand(16, batch, inputs) < 0.2).float()
    target = torch.randint(0, 10, (batch,))
    forward = model
    if compiled:
        kt.set_compile_route(route)
        forward = torch.compile(model)

    def step():
        loss = torch.nn.functional.cross_entropy(forward(x), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    start = time.perf_counter()
    step()  # compiles when compiled
    first = time.perf_counter() - start
    return step, first


def graph_breaks(name, spike, route):
    """Dynamo's graph-break count of the network's forward (torch._dynamo.explain; resets Dynamo's caches)."""
    inputs, hidden, batch, soft = NETWORKS[name]
    kt.set_compile_route(route)
    torch._dynamo.reset()
    count = torch._dynamo.explain(LIFNet(spike, inputs, hidden, soft))(torch.zeros(16, batch, inputs)).graph_break_count
    torch._dynamo.reset()
    return count


def networks(args):
    print(f"\n## ms per training step ({args.threads} thread(s), median [min - max] over {args.rounds} rounds of "
          f"{args.steps} steps, interleaved)")
    for name in NETWORKS:
        contenders = {
            "SpikeDE formula, eager": (spikede, False, None),
            "kernelgen, eager": (kernelgen_spike, False, None),
            "SpikeDE formula, compiled": (spikede, True, "expressions"),
            "kernelgen, compiled (expressions route)": (kernelgen_spike, True, "expressions"),
            "kernelgen, compiled (kernels route)": (kernelgen_spike, True, "kernels"),
        }
        breaks = {label: graph_breaks(name, spike, route) for label, (spike, compiled, route) in contenders.items()
                  if compiled}
        steps, firsts = {}, {}
        for label, (spike, compiled, route) in contenders.items():
            steps[label], firsts[label] = make_step(name, spike, compiled, route)
        # Dynamo guards on the route setting: each contender runs with the route it was compiled with (both
        # graphs stay cached, nothing recompiles)
        times = {label: [] for label in steps}
        for round in range(args.rounds + 1):  # round 0 warms up (the backward's first run, allocator)
            for label, step in steps.items():
                kt.set_compile_route(contenders[label][2] or "expressions")
                start = time.perf_counter()
                for _ in range(args.steps):
                    step()
                if round:
                    times[label].append((time.perf_counter() - start) / args.steps * 1e3)
        print(f"\n{name} ({NETWORKS[name][:2]} hidden, batch {NETWORKS[name][2]}, T = 16)")
        print("| contender | ms per step | graph breaks | first step (compile) s |")
        print("|---|---|---|---|")
        for label, values in times.items():
            print(f"| {label} | {statistics.median(values):.2f} [{min(values):.2f} - {max(values):.2f}] | "
                  f"{breaks.get(label, '-')} | {firsts[label]:.2f} |")
    kt.set_compile_route("expressions")


def rate(fn, n, window=0.3):
    fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < window:
        fn()
        calls += 1
    return n * calls / (time.perf_counter() - start) / 1e9


def half(args):
    print(f"\n## backward kernels, G elements/s ({args.threads} thread(s)), median [min - max] over {args.rounds} "
          f"rounds; roofline = copy bandwidth / 3 elements' bytes")
    big = torch.ones(1 << 24)
    copy_rates = []
    dst = torch.empty_like(big)
    for _ in range(args.rounds):
        copy_rates.append(rate(lambda: dst.copy_(big), 1 << 24) * 8)  # GB/s: 4 bytes read + 4 written
    bandwidth = statistics.median(copy_rates)
    print(f"copy bandwidth (same run): {bandwidth:.1f} GB/s")
    print("| n | dtype | new output G elements/s | x float32 | preallocated output G/s | x float32 | roofline G/s | share |")
    print("|---|---|---|---|---|---|---|---|")
    dtypes = (torch.float32, torch.bfloat16, torch.float16)
    for n in (65536, 1 << 24):
        calls = {}
        for dtype in dtypes:
            x = torch.linspace(-3, 3, n).to(dtype)
            g = torch.ones(n, dtype=dtype)
            out = torch.empty_like(x)
            runner = kt._runner("sigmoid", "c", x, (("scale", SCALE),))
            calls[dtype] = (lambda r=runner, x=x, g=g: r.backward(x, None, g),
                            lambda r=runner, x=x, g=g, out=out: r.backward(x, None, g, out=out), x.element_size())
        samples = {(d, k): [] for d in dtypes for k in (0, 1)}
        for _ in range(args.rounds):
            for d in dtypes:
                for k in (0, 1):
                    samples[(d, k)].append(rate(calls[d][k], n))
        base = [statistics.median(samples[(torch.float32, k)]) for k in (0, 1)]
        for d in dtypes:
            new, pre = (statistics.median(samples[(d, k)]) for k in (0, 1))
            roofline = bandwidth / (3 * calls[d][2])
            lo = [min(samples[(d, k)]) for k in (0, 1)]
            hi = [max(samples[(d, k)]) for k in (0, 1)]
            print(f"| {n} | {str(d).split('.')[-1]} | {new:.3f} [{lo[0]:.3f} - {hi[0]:.3f}] | {new / base[0]:.2f} | "
                  f"{pre:.3f} [{lo[1]:.3f} - {hi[1]:.3f}] | {pre / base[1]:.2f} | {roofline:.2f} | {pre / roofline:.0%} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-networks", action="store_true")
    parser.add_argument("--skip-half", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    kt.set_threads(args.threads)
    print(f"kernelgen {kernelgen.__version__}, torch {torch.__version__}, {args.threads} thread(s)")
    if not args.skip_networks:
        networks(args)
    if not args.skip_half:
        half(args)


if __name__ == "__main__":
    main()

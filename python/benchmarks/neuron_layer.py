"""One LIF layer, forward + backward through time, float32: kernelgen's fused neuron kernels (kt.Neuron) against the
same neuron as a PyTorch loop, eager and compiled, and the libraries' LIF layers; with the same-run memory roofline.

    python python/benchmarks/neuron_layer.py [--rounds 5] [--threads 1] [--sizes 8x16x1024,32x16x1024,...]
                                             [--models] [--no-compile] [--memory 32x64x4096]

Layer (SpikingJelly's LIFNode(): tau = 2, v_threshold = 1, v_reset = 0, hard reset, decay_input; sigmoid surrogate,
scale 4): input [T, B, N] drawn once, loss = sum(spikes * w), one forward and one backward per call.
Contenders (all float32, CPU, `--threads` threads):
  eager loop    the charge/fire/reset loop in torch ops with SpikeDE's SigmoidSurrogate (a plain autograd.Function)
  eager + kt    the same loop with kernelgen.torch.sigmoid_surrogate
  compiled loop torch.compile of the eager loop (compile time, the first call, reported apart)
  spikingjelly  LIFNode(step_mode="m") (its torch backend) with surrogate.Sigmoid(alpha=4)   (when installed)
  snntorch      Leaky(beta=0.5) stepped T times (the same cost class; snnTorch has no decay_input LIF)  (when installed)
  kt.Neuron     kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": 4}): the JIT's kernels (the
                surrogate's scale folded in) and, backend="c", the ahead-of-time ones (the scale a runtime argument)
Roofline: the bytes the fused kernels must move, forward x in, spikes and the saved state out (12 bytes per neuron
and step), backward x, saved state and grad spikes in, grad x out (16 bytes), at the same run's copy bandwidth
(torch's copy of 2^24 float32: read + write). A time is the median over --rounds interleaved rounds, with the range.
--models adds whole layers: Linear(64 -> 4096) + LIF at T = 128, Linear(64 -> 1024) + LIF at T = 128 (with the
Linear alone), Linear(1024 -> 1024) + LIF at T = 32, batch 16, Adam step included.
"""
import argparse
import statistics
import time

import torch

import kernelgen.torch as kt
from torch_layer import SpikeDESigmoid  # SpikeDE's SigmoidSurrogate as its code writes it

SCALE = 4.0


def lif_loop(spike):
    def run(x, tau=2.0, v_threshold=1.0, v_reset=0.0):
        v = torch.full_like(x[0], v_reset)
        out = []
        for t in range(x.shape[0]):
            h = v + (x[t] - (v - v_reset)) / tau
            s = spike(h - v_threshold)
            v = (1.0 - s) * h + s * v_reset
            out.append(s)
        return torch.stack(out)
    return run


def contenders(compile_loop):
    found = {
        "eager loop": lif_loop(lambda u: SpikeDESigmoid.apply(u, SCALE)),
        "eager + kt surrogate": lif_loop(lambda u: kt.sigmoid_surrogate(u, SCALE)),
    }
    if compile_loop:
        found["compiled loop"] = torch.compile(lif_loop(lambda u: SpikeDESigmoid.apply(u, SCALE)))
    try:
        from spikingjelly.activation_based import neuron, surrogate
        node = neuron.LIFNode(step_mode="m", surrogate_function=surrogate.Sigmoid(alpha=SCALE))

        def jelly(x):
            node.reset()
            return node(x)
        found["spikingjelly LIFNode"] = jelly
    except ImportError:
        pass
    try:
        import snntorch
        from snntorch import surrogate as snn_surrogate
        leaky = snntorch.Leaky(beta=0.5, spike_grad=snn_surrogate.sigmoid(slope=SCALE))

        def snn(x):
            mem = torch.zeros_like(x[0])
            out = []
            for t in range(x.shape[0]):
                s, mem = leaky(x[t], mem)
                out.append(s)
            return torch.stack(out)
        found["snntorch Leaky"] = snn
    except ImportError:
        pass
    for backend, name in (("jit", "kt.Neuron (fused)"), ("c", "kt.Neuron (fused, backend c)")):
        layer = kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": SCALE}, backend=backend)

        def fused(x, layer=layer):
            layer.reset()
            return layer(x)
        found[name] = fused
    return found


def kernels_alone(x, w, threads, backend="jit"):
    """The fused forward and backward through the C ABI on preallocated buffers: what the kernels themselves cost."""
    import ctypes
    from kernelgen import _library
    from kernelgen.torch import _neuron
    steps, n = x.shape[0], x[0].numel()
    bound = _neuron._bind("lif", "sigmoid", {"scale": SCALE}, "float32", backend=backend)
    x2, g = x.detach().reshape(steps, n).contiguous(), w.reshape(steps, n).contiguous()
    p = torch.tensor([2.0, 1.0, 0.0], dtype=torch.float64)
    state, spikes, saved = torch.zeros(1, n), torch.empty(steps, n), torch.empty(steps, 1, n)
    grad_state, grad_x = torch.zeros(1, n), torch.empty(steps, n)
    ptr, error = _neuron._ptr, ctypes.c_void_p()

    def run():
        state.zero_()
        _library.lib.kg_neuron_forward(bound.handle, ptr(x2), ptr(p), ptr(state), ptr(spikes), ptr(saved), steps, n,
                                       threads, 0, 0, 0, ctypes.byref(error))
        grad_state.zero_()
        _library.lib.kg_neuron_backward(bound.handle, ptr(x2), ptr(p), ptr(saved), ptr(g), ptr(grad_state), ptr(grad_x),
                                        None, steps, n, threads, 0, 0, 0, ctypes.byref(error))
    return run


def bandwidth(rounds):
    big, dst = torch.ones(1 << 24), torch.empty(1 << 24)
    rates = []
    for _ in range(rounds):
        dst.copy_(big)
        start = time.perf_counter()
        for _ in range(5):
            dst.copy_(big)
        rates.append(5 * 8 * (1 << 24) / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def layer_table(args, bw):
    print(f"\n## LIF layer forward + backward, float32, {args.threads} thread(s): ms per call, median [min - max] of "
          f"{args.rounds} interleaved rounds; roofline at {bw:.1f} GB/s (28 bytes per neuron-step)")
    print("| T x B x N | contender | ms | x eager loop | x compiled loop | roofline ms | share of roofline |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        steps, batch, n = map(int, size.split("x"))
        g = torch.Generator().manual_seed(0)
        x = (torch.rand(steps, batch, n, generator=g) * 1.2).requires_grad_()
        w = torch.randn(steps, batch, n, generator=g)
        fns = {name: (lambda fn=fn: (fn(x) * w).sum().backward()) for name, fn in contenders(not args.no_compile).items()}
        fns["kernels alone (ABI, no autograd)"] = kernels_alone(x, w, args.threads)
        fns["kernels alone, backend c"] = kernels_alone(x, w, args.threads, "c")
        first = {}
        for name, fn in fns.items():
            first[name] = timed(fn)
        times = {name: [] for name in fns}
        for _ in range(args.rounds):
            for name, fn in fns.items():
                x.grad = None
                times[name].append(timed(fn) * 1e3)
        roof = 28 * steps * batch * n / (bw * 1e9) * 1e3
        eager = statistics.median(times["eager loop"])
        compiled = statistics.median(times["compiled loop"]) if "compiled loop" in times else None
        for name, values in times.items():
            m = statistics.median(values)
            note = f" (first call {first[name]:.1f} s)" if name == "compiled loop" else ""
            print(f"| {steps}x{batch}x{n} | {name}{note} | {m:.2f} [{min(values):.2f} - {max(values):.2f}] | "
                  f"{eager / m:.1f} | {compiled / m if compiled else float('nan'):.1f} | {roof:.2f} | {roof / m:.0%} |")


class Model(torch.nn.Module):
    def __init__(self, inputs, hidden, lif):
        super().__init__()
        self.fc = torch.nn.Linear(inputs, hidden)
        self.lif = lif

    def forward(self, x):  # [T, B, inputs]
        return self.lif(self.fc(x))


def model_table(args):
    print(f"\n## Linear + LIF training step (Adam), float32, batch 16, {args.threads} thread(s): ms per step, median "
          f"[min - max] of {args.rounds} interleaved rounds")
    print("| model | contender | ms |")
    print("|---|---|---|")
    for inputs, hidden, steps in [(64, 4096, 128), (64, 1024, 128), (1024, 1024, 32)]:
        g = torch.Generator().manual_seed(1)
        x = torch.rand(steps, 16, inputs, generator=g)
        loop = lif_loop(lambda u: SpikeDESigmoid.apply(u, SCALE))

        def neuron(u, layer=kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": SCALE})):
            layer.reset()
            return layer(u)
        variants = {"eager loop": Model(inputs, hidden, loop), "kt.Neuron": Model(inputs, hidden, neuron),
                    "Linear alone": Model(inputs, hidden, lambda u: u)}
        if not args.no_compile:
            variants["compiled loop"] = torch.compile(Model(inputs, hidden, loop))
        steps_fn = {}
        for name, model in variants.items():
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)

            def step(model=model, opt=opt):
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()
            steps_fn[name] = step
            step()
        times = {name: [] for name in steps_fn}
        for _ in range(args.rounds):
            for name, fn in steps_fn.items():
                times[name].append(timed(fn) * 1e3)
        for name, values in times.items():
            print(f"| Linear({inputs} -> {hidden}) + LIF, T = {steps} | {name} | {statistics.median(values):.1f} "
                  f"[{min(values):.1f} - {max(values):.1f}] |")


def memory_table(args):
    """Peak resident memory of one forward + backward, each contender alone in a fresh process (ru_maxrss after the
    step minus before it: what the step allocated at its peak, the input and its gradient included)."""
    import json
    import subprocess
    import sys
    steps, batch, n = map(int, args.memory.split("x"))
    print(f"\n## peak memory of one forward + backward at T x B x N = {args.memory}, float32 (MB above the process "
          f"before the step; fresh process per contender)")
    print("| contender | peak MB | bytes per neuron-step |")
    print("|---|---|---|")
    for name in ("eager loop", "spikingjelly LIFNode", "kt.Neuron (fused)"):
        code = f"""
import resource, sys, json, torch
sys.argv = ['neuron_layer']
sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parent)!r})
import neuron_layer as b
torch.set_num_threads(1)
fns = b.contenders(False)
if {name!r} not in fns: print(json.dumps(None)); raise SystemExit
x = torch.rand({steps}, {batch}, {n}) * 1.2
x.requires_grad_()
w = torch.randn({steps}, {batch}, {n})
fn = fns[{name!r}]
(fn(x[:2, :1]) * w[:2, :1]).sum().backward()   # warm up (the JIT compile, lazy imports) on a small slice
x.grad = None
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
(fn(x) * w).sum().backward()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps((after - before) / 1024))
"""
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        lines = out.stdout.strip().splitlines()
        value = json.loads(lines[-1]) if lines else None
        if value is None:
            print(f"| {name} | - ({out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'not installed'}) | - |")
            continue
        print(f"| {name} | {value:.0f} | {value * 2 ** 20 / (steps * batch * n):.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sizes", default="8x16x1024,32x16x1024,128x16x1024,32x64x16384")
    parser.add_argument("--models", action="store_true")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--memory", default=None, help="T x B x N for the peak-memory table, e.g. 32x64x4096")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    kt.set_threads(args.threads)
    bw = bandwidth(args.rounds)
    print(f"torch {torch.__version__}, copy bandwidth {bw:.1f} GB/s")
    if args.sizes:
        layer_table(args, bw)
    if args.memory:
        memory_table(args)
    if args.models:
        model_table(args)


if __name__ == "__main__":
    main()

"""kernelgen's Triton kernels on a CUDA GPU, with the device's memory roofline measured in the same run.

    python python/benchmarks/triton_gpu.py [--rounds 20] [--sizes 32x16x1024,128x16x1024,32x64x16384] [--no-compile]

Needs a CUDA GPU, torch with CUDA and triton (the CUDA build of torch brings it); it exits with a message
otherwise. Not run by the tests (it times).

1. The surrogate backward (sigmoid, scale 4; float32 and bfloat16) at n = 2^20 and 2^24: kernelgen's Triton
   kernel alone, the same through autograd (`kt.surrogate(..., backend="triton")`), the torch expression module
   (`backend="torch"`: the formula as separate torch operations) and `torch.compile` of it (Inductor's fused
   kernel). Roofline: x and grad_out read, grad_in written (3 elements) at the measured copy bandwidth.
2. One LIF layer (SpikingJelly's LIFNode(): tau 2, threshold 1, hard reset to 0, sigmoid surrogate scale 4),
   forward + backward through time, float32, [T, B, N]: `kt.Neuron("lif", backend="triton")` (one fused kernel each
   way), the charge/fire/reset loop in torch operations eagerly and under torch.compile, and SpikingJelly's
   multi-step LIFNode with its fastest installed backend (triton or cupy) when SpikingJelly is installed.
   Roofline: forward x in, spikes and the saved state out (12 bytes per neuron and step), backward x, saved state
   and grad spikes in, grad x out (16 bytes).
Times are medians over --rounds (CUDA events), with the range; the copy bandwidth is torch's copy of 2^26 float32.
"""
import argparse
import statistics
import sys

import torch

from neuron_layer import lif_loop  # the same charge/fire/reset loop as the CPU benchmark


def fail(message):
    sys.exit(f"triton_gpu.py: {message}")


def timed(fn, rounds, warmup=3):
    """Median and range in ms of fn() over `rounds` CUDA-event-timed calls."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(rounds):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times), max(times)


def bandwidth(rounds):
    """Bytes per second of a device copy of 2^26 float32 (read + write)."""
    a = torch.empty(1 << 26, device="cuda")
    b = torch.empty_like(a)
    ms, _, _ = timed(lambda: b.copy_(a), rounds)
    return 2 * a.numel() * 4 / (ms * 1e-3)


def row(name, result, roofline_ms):
    ms, lo, hi = result
    print(f"  {name:38s} {ms:9.4f} ms [{lo:.4f}-{hi:.4f}]  {100 * roofline_ms / ms:5.1f}% of the roofline")


def surrogate_benchmark(kt, rounds, compile_too, bw):
    print("surrogate backward, sigmoid (scale 4): grad_in = grad_out * s'(x)")
    for dtype in (torch.float32, torch.bfloat16):
        for n in (1 << 20, 1 << 24):
            x = torch.randn(n, device="cuda", dtype=dtype)
            g = torch.randn_like(x)
            roofline = 3 * n * x.element_size() / bw * 1e3
            print(f" {dtype}, n = {n}: roofline {roofline:.4f} ms at {bw / 1e9:.0f} GB/s")
            runner = kt._runners.runner("sigmoid", "triton", x, (("scale", 4.0),))
            row("Triton kernel", timed(lambda: runner.backward(x, None, g), rounds), roofline)
            xg = x.clone().requires_grad_()

            def through(backend):
                def call():
                    y = kt.surrogate("sigmoid", xg, backend=backend, scale=4.0)
                    torch.autograd.grad(y, xg, g)
                return call
            row("kt.surrogate(backend='triton'), autograd", timed(through("triton"), rounds), roofline)
            row("expression module (torch ops), autograd", timed(through("torch"), rounds), roofline)
            if compile_too:
                module = kt._runners.expression_module("sigmoid")
                backward = torch.compile(lambda a, b: module["backward"](a, None, b, 4.0))
                row("torch.compile of the expression", timed(lambda: backward(x, g), rounds), roofline)


def spikingjelly_lif():
    try:
        from spikingjelly.activation_based import neuron, surrogate
    except ImportError:
        return None, "not installed"
    for backend in ("triton", "cupy"):
        try:
            node = neuron.LIFNode(step_mode="m", backend=backend, surrogate_function=surrogate.Sigmoid(alpha=4.0)).cuda()
            node(torch.zeros(2, 1, 32, device="cuda"))
            node.reset()

            def run(x, node=node):
                node.reset()
                return node(x)
            return run, backend
        except Exception as error:  # a backend SpikingJelly cannot use here
            reason = f"{backend}: {error}"
    return None, reason


def lif_benchmark(kt, sizes, rounds, compile_too, bw):
    print("LIF layer, forward + backward through time, float32")
    layer = kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": 4.0}, backend="triton")
    loop = lif_loop(lambda u: kt.surrogate("sigmoid", u, backend="torch", scale=4.0))
    compiled = torch.compile(loop) if compile_too else None
    jelly, jelly_backend = spikingjelly_lif()
    for text in sizes:
        steps, batch, n = (int(v) for v in text.split("x"))
        x = torch.rand(steps, batch, n, device="cuda").requires_grad_()
        w = torch.randn(steps, batch, n, device="cuda")
        roofline = (12 + 16) * steps * batch * n / bw * 1e3
        print(f" T x B x N = {text}: roofline {roofline:.4f} ms")

        def step(f):
            def call():
                if hasattr(f, "reset"):
                    f.reset()
                (f(x) * w).sum().backward()
            return call
        row("kt.Neuron('lif', backend='triton')", timed(step(layer), rounds), roofline)
        row("torch loop, eager", timed(step(loop), rounds), roofline)
        if compiled is not None:
            row("torch loop, torch.compile", timed(step(compiled), rounds), roofline)
        if jelly is not None:
            row(f"SpikingJelly LIFNode ({jelly_backend})", timed(step(jelly), rounds), roofline)
        else:
            print(f"  SpikingJelly LIFNode: skipped ({jelly_backend})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sizes", default="32x16x1024,128x16x1024,32x64x16384")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile contenders")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        fail("needs a CUDA GPU and a CUDA build of torch (torch.cuda.is_available() is False); the Triton kernels' "
             "CPU checks are python/tests/test_triton.py (Triton's interpreter)")
    try:
        import triton  # noqa: F401
    except ImportError:
        fail("needs triton (pip install triton; CUDA builds of torch bring it)")
    import kernelgen.torch as kt
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, triton {triton.__version__}")
    bw = bandwidth(args.rounds)
    print(f"copy bandwidth: {bw / 1e9:.0f} GB/s (torch copy of 2^26 float32, read + write)")
    surrogate_benchmark(kt, args.rounds, not args.no_compile, bw)
    lif_benchmark(kt, args.sizes.split(","), args.rounds, not args.no_compile, bw)


if __name__ == "__main__":
    main()

"""backend="triton": every surrogate's Triton kernels (Specs/ and Catalogue/) against the library's C kernels.

Without a GPU the kernels run in Triton's interpreter on CPU tensors (conftest sets TRITON_INTERPRET=1 before triton
is imported); with KERNELGEN_TRITON_GPU=1 on a machine with CUDA they run compiled on CUDA tensors, and the same
comparisons hold. Every op of every spec, float32 and float64, on a grid of [-12, 12] plus 0, -0, +-inf, NaN,
subnormals and huge values: within 8 ulp of the C kernel's value plus 8 eps times the largest value on the grid (each
is within 4 ulp of the exact value: docs/accuracy.md), NaN where and only where the C kernel is NaN. The sampled ops
draw the C kernels' Philox bits: a spec whose training forward is its draw `uniform()` gives the C kernel's values
bit for bit and an independent NumPy Philox's, at offsets across 2^32 and 2^64. Shapes not a multiple of the block,
empty, 0-d and strided tensors; every kernel compiled by Triton for a CUDA GPU (sm_90: no GPU needed) so what the
interpreter runs is what the compiler accepts. Tests that need a GPU skip elsewhere with the reason.

triton is installed by scripts/test.sh (PyPI); without it these tests skip, unless KERNELGEN_REQUIRE_TRITON=1 (CI)."""
import glob
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REQUIRE = os.environ.get("KERNELGEN_REQUIRE_TRITON") == "1"
torch = pytest.importorskip("torch") if os.environ.get("KERNELGEN_REQUIRE_TORCH") != "1" else __import__("torch")
triton = __import__("triton") if REQUIRE else pytest.importorskip("triton", reason="triton is not installed (pip install triton)")
yaml = pytest.importorskip("yaml")

import kernelgen  # noqa: E402
import kernelgen.torch as kt  # noqa: E402
from kernelgen.torch import _philox, _triton  # noqa: E402

# The interpreter runs NumPy on the edges (inf, NaN, huge values): its overflow and invalid-value warnings are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

ROOT = Path(__file__).resolve().parents[2]
GPU = os.environ.get("KERNELGEN_TRITON_GPU") == "1"
DEVICE = "cuda" if GPU else "cpu"
needs_gpu = pytest.mark.skipif(not (GPU and torch.cuda.is_available()),
                               reason="needs a CUDA GPU and KERNELGEN_TRITON_GPU=1 (here the kernels run in Triton's interpreter)")

BUILT_IN = sorted(info.name for info in kernelgen.surrogates())
CATALOGUE = sorted(yaml.safe_load(open(f))["name"] for f in glob.glob(str(ROOT / "Catalogue" / "*" / "*.yaml")))
DTYPES = (torch.float32, torch.float64)
SEED = 0x9E3779B97F4A7C15


def test_the_interpreter_runs_these_tests():
    """The comparisons below run the kernels somewhere real: Triton's interpreter here, a GPU in GPU mode."""
    assert GPU or _triton.interpreting(), "TRITON_INTERPRET=1 must be set before triton is imported (conftest.py)"


def grid(dtype):
    info = torch.finfo(dtype)
    edges = [0.0, -0.0, math.inf, -math.inf, math.nan, info.tiny / 4, -info.tiny / 4, info.tiny, info.max, -info.max,
             1e30, -1e30, 1e-30, -1e-30, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0]
    return torch.cat([torch.linspace(-12, 12, GRID, dtype=dtype), torch.tensor(edges, dtype=dtype)])


GRID = 2401  # the grid's points before the edges


def close(got, want, what, scale_from=None):
    """Within 8 ulp of `want` plus 8 eps times the largest finite |want| (over the first `scale_from` elements when
    given: the grid's, not the edges' huge values); NaN exactly where want is NaN; a zero's sign as want's."""
    got, want = got.detach().cpu(), want.detach().cpu()
    assert got.dtype == want.dtype and got.shape == want.shape, what
    zero = want == 0
    assert torch.equal(torch.signbit(got[zero]), torch.signbit(want[zero])), f"{what}: the sign of a zero differs"
    scale_part = want.reshape(-1)[:scale_from] if scale_from is not None else want
    finite = scale_part[torch.isfinite(scale_part)]
    nan = torch.isnan(want)
    assert torch.equal(torch.isnan(got), nan), f"{what}: NaN at {got[torch.isnan(got) != nan][:5].tolist()} vs {want[torch.isnan(got) != nan][:5].tolist()}"
    g, w = got[~nan].double(), want[~nan].double()
    inf = torch.isinf(w)
    assert torch.equal(g[inf], w[inf]), f"{what}: infinities differ"
    g, w = g[~inf], w[~inf]
    if w.numel() == 0:
        return
    eps = torch.finfo(want.dtype).eps
    scale = finite.double().abs().max().item() if finite.numel() else 0.0
    ulp = torch.maximum(w.abs(), torch.tensor(torch.finfo(want.dtype).tiny, dtype=torch.float64)) * eps
    bound = 8 * ulp + 8 * eps * scale
    bad = (g - w).abs() > bound
    assert not bad.any(), f"{what}: {bad.sum().item()} values off, e.g. {g[bad][:3].tolist()} vs {w[bad][:3].tolist()}"


def reference_backend(name):
    return "c" if name in BUILT_IN else "jit"


def modes(name):
    """The calls to compare: (description, keywords of kt.surrogate)."""
    found = [("eval", {}), ("training, sampled", {"training": True, "seed": SEED}),
             ("training, mean field", {"training": True, "sample": False})]
    if has_primitive(name):
        found.append(("smooth", {"smooth": True}))
    return found


def has_primitive(name):
    return kernelgen.Surrogate(name, backend=reference_backend(name)).has_primitive


def run(name, backend, x, grad_out, keywords):
    x = x.detach().clone().requires_grad_()
    y = kt.surrogate(name, x, backend=backend, **keywords)
    (grad,) = torch.autograd.grad(y, x, grad_out)
    return y, grad


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", BUILT_IN + CATALOGUE)
def test_every_op_agrees_with_the_c_kernels(name, dtype):
    x = grid(dtype)
    # of magnitude near 1 everywhere (so the bound's scale is the surrogate's), varying in sign-free steps
    grad_out = 1.25 + 0.75 * torch.sin(torch.arange(x.numel(), dtype=dtype))
    for what, keywords in modes(name):
        y_c, g_c = run(name, reference_backend(name), x, grad_out, keywords)
        y_t, g_t = run(name, "triton", x.to(DEVICE), grad_out.to(DEVICE), keywords)
        close(y_t, y_c, f"{name} {dtype} {what} forward", scale_from=GRID)
        close(g_t, g_c, f"{name} {dtype} {what} backward", scale_from=GRID)


UNIFORM_SPEC = """\
name: triton_test_uniform
summary: The training forward is the sampled draw itself (to compare noise bit for bit).
forward: heaviside(x)
train_forward: uniform() + 0 * x
backward: exp(-x * x) / sqrt(pi)
"""


@pytest.fixture(scope="module")
def uniform_spec():
    return kernelgen.load_spec(text=UNIFORM_SPEC, file="triton_test_uniform.yaml")


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("offset", [0, 3, (1 << 32) - 5, (1 << 64) - 7])
def test_noise_is_the_c_kernels_bit_for_bit(uniform_spec, dtype, offset):
    """The draws at element counters offset, offset + 1, ... (every alignment of a Philox block, and counters that
    carry into the block's high word and wrap past 2^64), from the JIT's C kernel and from NumPy's Philox."""
    x = torch.zeros(2053, dtype=dtype)
    tri = _triton.Runner(uniform_spec, x.to(DEVICE), {})
    jit = kt._runners.runner(uniform_spec, "jit", x, ())
    got = tri.train(x.to(DEVICE), True, SEED, None, offset=offset).cpu()
    want = jit.train(x, True, SEED, None, offset=offset % (1 << 64))
    assert torch.equal(got, want)
    assert torch.equal(got, _philox.uniform(SEED, 0, 0, tuple(x.shape), dtype, offset=offset))
    assert 0 <= got.min() and got.max() < 1 and got.unique().numel() > 2000


def test_the_sampled_backward_draws_stream_2():
    """noisy_gradient's sampled backward: the C kernel's values for the same key (stream 2, not the forward's 0)."""
    x = torch.linspace(-3, 3, 1001, dtype=torch.float64)
    g = torch.ones_like(x)
    tri = _triton.Runner("noisy_gradient", x.to(DEVICE), {})
    c = kt._runners.runner("noisy_gradient", "c", x, ())
    assert torch.equal(tri.train_backward(x.to(DEVICE), None, g.to(DEVICE), SEED, None).cpu(),
                       c.train_backward(x, None, g, SEED, None))
    assert not torch.equal(tri.train_backward(x.to(DEVICE), None, g.to(DEVICE), SEED + 1, None).cpu(),
                           c.train_backward(x, None, g, SEED, None))


@pytest.mark.parametrize("shape", [(), (0,), (1,), (1023,), (1025,), (3, 0, 2), (7, 300)])
def test_shapes(shape):
    x = torch.randn(shape, dtype=torch.float32, generator=torch.Generator().manual_seed(1)) * 3
    y_c, g_c = run("sigmoid", "c", x, torch.ones_like(x), {})
    y_t, g_t = run("sigmoid", "triton", x.to(DEVICE), torch.ones_like(x).to(DEVICE), {})
    assert y_t.shape == x.shape and g_t.shape == x.shape and y_t.dtype == x.dtype
    assert torch.equal(y_t.cpu(), y_c)
    close(g_t, g_c, f"sigmoid {shape}")


def test_strided_and_half_inputs():
    base = torch.linspace(-4, 4, 4000).reshape(40, 100)
    x = base.t()[::2]  # not contiguous
    y_c, g_c = run("gaussian", "c", x, torch.ones_like(x), {})
    y_t, g_t = run("gaussian", "triton", x.to(DEVICE), torch.ones_like(x).to(DEVICE), {})
    assert torch.equal(y_t.cpu(), y_c)
    close(g_t, g_c, "gaussian, strided")

@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bfloat16", "float16"])
@pytest.mark.parametrize("name", ["arctan", "noisy_threshold", "noisy_gradient"])
def test_half_types_are_read_and_written_natively(name, dtype):
    """A bfloat16 or float16 call runs the float32 kernels on the half-type arrays (no float32 copy), rounded once
    to nearest even: within one ulp of the half type from the C kernels' float32 value (which C rounds once too),
    spikes equal; sampled calls draw the C kernels' noise (noisy_threshold's forward, noisy_gradient's backward)."""
    base = torch.cat([torch.linspace(-4, 4, 3001), torch.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, 1e30])])
    h = base.to(dtype)
    g = (1.25 + 0.75 * torch.sin(torch.arange(h.numel(), dtype=torch.float32))).to(dtype)
    assert isinstance(kt._runners.runner(name, "triton", h.to(DEVICE), ()), _triton.Runner)  # not a float32 copy
    for keywords in ({}, {"training": True, "seed": SEED}, {"training": True, "sample": False}):
        y_c, g_c = run(name, "c", h, g, keywords)
        y_t, g_t = run(name, "triton", h.to(DEVICE), g.to(DEVICE), keywords)
        assert y_t.dtype == dtype and g_t.dtype == dtype
        for got, want, what in ((y_t.cpu(), y_c, "forward"), (g_t.cpu(), g_c, "backward")):
            nan = torch.isnan(want)
            assert torch.equal(torch.isnan(got), nan), f"{name} {dtype} {keywords} {what}: NaN"
            gw, ww = got[~nan].float(), want[~nan].float()
            ulp = torch.maximum(ww.abs(), torch.tensor(torch.finfo(dtype).tiny)) * torch.finfo(dtype).eps
            off = ((gw - ww).abs() > ulp) & (gw != ww)
            assert not off.any(), f"{name} {dtype} {keywords} {what}: {gw[off][:3].tolist()} vs {ww[off][:3].tolist()}"
        if not keywords:
            assert torch.equal(y_t.cpu(), y_c)  # spikes: 0 or 1


def test_parameters_are_checked_and_specialised():
    x = torch.linspace(-2, 2, 101, dtype=torch.float64)
    for value in (0.25, 7.5):
        y_c, g_c = run("sigmoid", "c", x, torch.ones_like(x), {"scale": value})
        y_t, g_t = run("sigmoid", "triton", x.to(DEVICE), torch.ones_like(x).to(DEVICE), {"scale": value})
        close(g_t, g_c, f"sigmoid scale={value}")
    with pytest.raises(kernelgen.ParameterError, match="scale"):
        kt.surrogate("sigmoid", x.to(DEVICE), backend="triton", scale=-1.0)
    with pytest.raises(kernelgen.ParameterError, match="no parameter"):
        kt.surrogate("sigmoid", x.to(DEVICE), backend="triton", sigma=1.0)


INTEGER_SPEC = """\
name: triton_test_sum
summary: A sum bounded by an integer parameter.
params:
  n: {default: 3, min: 1, max: 6, integer: true}
forward: heaviside(x)
backward: sum(i, 1, n, exp(-i * x * x) * sqrt(i / pi)) / n
"""


def test_integer_and_negative_zero_parameters():
    """An integer parameter is refused when not an integer (as the C library refuses it); the sum it bounds agrees
    with the JIT's at each value. A -0.0 parameter is its own kernel (Triton's cache would take 0.0's)."""
    name = kernelgen.load_spec(text=INTEGER_SPEC, file="triton_test_sum.yaml")
    x = torch.linspace(-3, 3, 301, dtype=torch.float64)
    for n in (1.0, 4.0, 6.0):
        y_j, g_j = run(name, "jit", x, torch.ones_like(x), {"n": n})
        y_t, g_t = run(name, "triton", x.to(DEVICE), torch.ones_like(x).to(DEVICE), {"n": n})
        close(g_t, g_j, f"sum to n = {n}")
    with pytest.raises(kernelgen.ParameterError, match="integer"):
        kt.surrogate(name, x.to(DEVICE), backend="triton", n=2.5)
    with pytest.raises(kernelgen.ParameterError, match="integer"):
        kt.surrogate(name, x, backend="torch", n=2.5)
    zero = kt._runners.runner("noisy_threshold", "triton", x.to(DEVICE), (("scale", 0.0),))
    negative = kt._runners.runner("noisy_threshold", "triton", x.to(DEVICE), (("scale", -0.0),))
    assert zero.constexprs["NEGATIVE_ZEROS"] == 0 and negative.constexprs["NEGATIVE_ZEROS"] == 1


HOSTILE_SPECS = {
    # logic between a parameter-only condition (0-d) and one of x (a block)
    "triton_test_logic": "params:\n  a: {default: 1.0}\nforward: \"(a > 0) && (x > 0) || !(a > 2) && (x < -1)\"\n"
                         "backward: \"where((a > 0) && (x > 0), exp(-x * x), 0.25)\"\n",
    # C99 pow at -inf and -0 with a parameter exponent of 0.5 (sqrt would give NaN and -0)
    "triton_test_pow": "params:\n  a: {default: 0.5}\nforward: heaviside(x)\nbackward: \"x ^ a / (1 + abs(x) ^ 3)\"\n",
    # a parameter at -0.0 and 0.0 (1 / a is -inf or inf)
    "triton_test_zero": "params:\n  a: {default: 1.0}\nforward: heaviside(x)\nbackward: \"exp(-x * x) / (1 + 1 / a)\"\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SPECS))
def test_specs_a_hostile_user_writes(name):
    """From a hostile reading (the first two failed in the interpreter, the third in the JIT's own cache)."""
    kernelgen.load_spec(text=f"name: {name}\nsummary: s.\n{HOSTILE_SPECS[name]}", file=f"{name}.yaml")
    x = grid(torch.float64)
    values = [{"a": 0.0}, {"a": -0.0}, {"a": 0.0}] if name == "triton_test_zero" else [{}, {"a": 3.0}]
    for keywords in values:
        y_j, g_j = run(name, "jit", x, torch.ones_like(x), keywords)
        y_t, g_t = run(name, "triton", x.to(DEVICE), torch.ones_like(x).to(DEVICE), keywords)
        y_e, g_e = run(name, "torch", x, torch.ones_like(x), keywords)
        for got in (y_t, y_e):
            close(got, y_j, f"{name} {keywords} forward", scale_from=GRID)
        for got in (g_t, g_e):
            close(got, g_j, f"{name} {keywords} backward", scale_from=GRID)
    if name == "triton_test_zero":  # the sign reaches the result: 1 / (1 + 1/a) = +0 or -0 at x = 0
        signs = [torch.signbit(run(name, "jit", torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64),
                                   v)[1]).item() for v in values]
        assert signs == [False, True, False]


def test_a_learnable_parameter_and_a_double_backward_take_the_expression_module():
    """The kernels compute values only: a learnable parameter's gradient and create_graph=True run the spec's torch
    expressions (as for the C kernels): the Triton backend routes them so, with values equal to backend "c"'s and to
    the formula (sigmoid: d/dx = k s (1 - s), s = sigmoid(k x))."""
    x = torch.linspace(-2, 2, 51, dtype=torch.float64)
    results = []
    for backend, device in (("c", "cpu"), ("triton", DEVICE)):
        scale = torch.tensor(3.0, dtype=torch.float64, device=device, requires_grad=True)
        xv = x.detach().clone().to(device).requires_grad_()
        y = kt.surrogate("sigmoid", xv, backend=backend, scale=scale)
        (gx,) = torch.autograd.grad(y.sum(), xv, create_graph=True)
        gx.sum().backward()
        results.append((gx.detach().cpu(), xv.grad.cpu(), scale.grad.cpu()))
    for got, want in zip(results[1], results[0]):
        close(got, want, "learnable / second order")
    s = torch.sigmoid(3.0 * x)
    close(results[1][0], 3.0 * s * (1 - s), "the first derivative against the formula")
    close(results[1][1], 3.0 * 3.0 * s * (1 - s) * (1 - 2 * s), "the second derivative against the formula")


def test_compile_and_the_custom_op_run_the_triton_kernels():
    x = torch.linspace(-3, 3, 301).to(DEVICE).requires_grad_()
    f = torch.compile(lambda v: kt.surrogate("arctan", v, backend="triton"), fullgraph=True)
    kt.set_compile_route("kernels")
    try:
        torch._dynamo.reset()
        y = f(x)
        y.sum().backward()
    finally:
        kt.set_compile_route("expressions")
        torch._dynamo.reset()
    y_c, g_c = run("arctan", "c", x.detach().cpu(), torch.ones(301), {})
    assert torch.equal(y.detach().cpu(), y_c)
    close(x.grad, g_c, "arctan under torch.compile")


def test_cpu_tensors_outside_the_interpreter_are_refused(monkeypatch):
    monkeypatch.setattr(_triton, "interpreting", lambda: False)
    kt.clear_caches()
    try:
        with pytest.raises(kernelgen.BackendError, match="CUDA tensor"):
            kt.surrogate("sigmoid", torch.zeros(3), backend="triton")
    finally:
        kt.clear_caches()


def test_the_module_is_source_text_of_the_spec():
    neuron = kernelgen.neuron_triton_source("lif", "arctan", scale=3.0)
    # arctan's scale 3 folded in: scale / 2 = 1.5 (0x1.8p+0) and pi scale / 2 (0x1.2d97c8p+2 in float32)
    assert "def backward_f32(" in neuron and "STATE_COUNT = 1" in neuron and "float.fromhex('0x1.8p+0')" in neuron
    with pytest.raises(kernelgen.ParameterError, match="scale"):
        kernelgen.neuron_triton_source("lif", "arctan", scale=-1.0)
    text = kernelgen.triton_source("sigmoid")
    assert text.startswith("# generated by kernelgen from Specs/sigmoid.yaml")
    assert "@triton.jit" in text and '("backward", "float64"): backward_f64' in text
    with pytest.raises(kernelgen.UnknownSurrogateError):
        kernelgen.triton_source("sigmoidd")


def test_every_kernel_compiles_for_a_cuda_gpu():
    """Triton's compiler (to PTX and a cubin for sm_90, with the launch options; no GPU needed) accepts every kernel
    of every spec: the interpreter runs Python, so a kernel it runs could still be one the compiler refuses. In a
    process of its own without the interpreter (Triton's interpreter leaves its stand-ins for triton.language in
    place after a device-function call, which the compiler then trips over)."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    script = Path(__file__).with_name("triton_compile_check.py")
    done = subprocess.run([sys.executable, str(script), *(BUILT_IN + CATALOGUE), "--neurons", *NEURONS], env=env, capture_output=True,
                          text=True, timeout=900)
    report = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    compiled = [line for line in report if line.endswith(" ok")]
    # every op of every spec in both dtypes: at least forward and backward each; each neuron's four kernels with a
    # deterministic surrogate, eight with a stochastic one
    assert len(compiled) >= 4 * len(BUILT_IN + CATALOGUE) + 12 * len(NEURONS), report


NEURONS = sorted(n["name"] for n in kt.neurons())
NEURON_SURROGATES = ["sigmoid", "arctan", "noisy_threshold", "noisy_gradient", "spikingjelly_piecewise_exp"]


def run_layer(neuron, surrogate, backend, dtype, device, training, surrogate_params=None):
    """Two calls (the state kept between them) and a backward: the spikes, the final state and every gradient."""
    layer = kt.Neuron(neuron, surrogate=surrogate, backend=backend, surrogate_params=surrogate_params).to(device, dtype)
    layer.train(training)
    x = (torch.rand(7, 3, 1100, dtype=dtype, generator=torch.Generator().manual_seed(1)) * 2.2 - 0.1).to(device).requires_grad_()
    torch.manual_seed(5)
    first = layer(x)
    second = layer(0.5 * x)
    weights = torch.linspace(-1, 1, first.numel(), dtype=dtype, device=device).reshape(first.shape)
    ((first * weights).sum() + second.sum() + layer.state.sum()).backward()
    return [first, second, layer.state, x.grad] + [p.grad for _, p in sorted(layer.named_parameters())]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("surrogate", NEURON_SURROGATES)
@pytest.mark.parametrize("neuron", NEURONS)
def test_neuron_layers_agree_with_the_jit_kernels(neuron, surrogate, dtype):
    """The fused forward and backward through time in Triton against the JIT's C kernels: eval and training (a
    stochastic surrogate samples the same Philox draws for the same key), two calls with the kept state, N not a
    multiple of the block; spikes of a hard threshold equal, the rest within the bound."""
    for training in (False, True):
        want = run_layer(neuron, surrogate, "jit", dtype, "cpu", training)
        got = run_layer(neuron, surrogate, "triton", dtype, DEVICE, training)
        assert len(got) == len(want)
        for k, (g, w) in enumerate(zip(got, want)):
            close(g, w, f"{neuron} {surrogate} {dtype} training={training} output {k}")


def test_a_learned_surrogate_parameter_in_a_triton_layer():
    results = []
    for backend, device in (("jit", "cpu"), ("triton", DEVICE)):
        scale = torch.nn.Parameter(torch.tensor(4.0))
        results.append(run_layer("lif", "sigmoid", backend, torch.float64, device, True, {"scale": scale}) + [scale.grad])
    for k, (g, w) in enumerate(zip(results[1], results[0])):
        close(g, w, f"lif, learned sigmoid scale, output {k}")
    assert results[1][-1] is not None and results[1][-1].abs() > 0


def test_neuron_layer_edges():
    """T = 0, one neuron, and the compile-safe op under torch.compile."""
    layer = kt.Neuron("lif", surrogate="sigmoid", backend="triton")
    assert layer(torch.zeros(0, 5).to(DEVICE)).shape == (0, 5)
    layer.reset()
    one = layer(torch.full((4, 1), 0.9).to(DEVICE))
    ref = kt.Neuron("lif", surrogate="sigmoid")(torch.full((4, 1), 0.9))
    assert torch.equal(one.cpu(), ref)
    layer.reset()
    compiled = torch.compile(layer, fullgraph=True)
    x = torch.rand(5, 2, 300).to(DEVICE) * 2
    torch._dynamo.reset()
    try:
        assert torch.equal(compiled(x).cpu(), kt.Neuron("lif", surrogate="sigmoid")(x.cpu()))
    finally:
        torch._dynamo.reset()


def test_the_docs_cpu_block_runs():
    """docs/triton.md's block for machines without a GPU (the interpreter is already on here)."""
    text = (ROOT / "docs" / "triton.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    block = next(b for b in blocks if "TRITON_INTERPRET" in b)
    namespace = {}
    exec(compile(block, "docs/triton.md (CPU block)", "exec"), namespace)
    assert namespace["spikes"].shape == (8, 4, 100)


@needs_gpu
def test_cuda_tensors_take_the_triton_kernels_by_default():
    x = torch.linspace(-3, 3, 1 << 20, device="cuda")
    runner = kt._runners.runner("sigmoid", "c", x, ())
    assert isinstance(runner, _triton.Runner)
    y = kt.surrogate("sigmoid", x)
    assert torch.equal(y.cpu(), kt.surrogate("sigmoid", x.cpu()))

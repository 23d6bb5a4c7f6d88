"""bfloat16 and float16 in kernelgen.torch: every backend takes them and returns the input's dtype; the results
are within 1 ulp of the storage type from the exact value (an mpmath evaluation of the spec's formulas,
mp_formula.py, at the half-type grid), spikes exact; torch.autocast on the CPU; a bfloat16 model trains."""
import math
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

import mp_formula
from spikede_reference import torch

import kernelgen
import kernelgen.torch as kt

ROOT = Path(__file__).resolve().parents[2]
HALVES = [torch.bfloat16, torch.float16]
BUILT_INS = ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold", "noisy_gradient"]


@lru_cache(maxsize=None)
def spec(name):
    data = yaml.safe_load((ROOT / "Specs" / f"{name}.yaml").read_text())
    return data, {k: float(v["default"]) for k, v in (data.get("params") or {}).items()}


@lru_cache(maxsize=None)
def exact(name, x):
    data, params = spec(name)
    return mp_formula.reference(mp_formula.surrogate_gradient(data), x, params)


def grid(dtype):
    """[-8, 8] in steps of 1/16 and 0, -0, the smallest subnormal and normal, 1e-3, the largest, inf, NaN, as
    values of `dtype` (rounded to it first)."""
    info = torch.finfo(dtype)
    values = [k / 16 for k in range(-128, 129)] + [-0.0, info.tiny, -info.tiny, info.smallest_normal / 8, 1e-3,
                                                  -1e-3, info.max, -info.max, math.inf, -math.inf, math.nan]
    return torch.tensor(values, dtype=torch.float64).to(dtype)


def ulp(value, dtype):
    """The spacing of `dtype` at |value| (a float64 tensor): 2^(e - p + 1), at least the smallest subnormal."""
    info = torch.finfo(dtype)
    digits = {torch.bfloat16: 8, torch.float16: 11}[dtype]
    exponent = torch.floor(torch.log2(value.abs().clamp(min=info.smallest_normal)))
    return torch.pow(2.0, exponent - digits + 1)


#: Surrogates whose backward reads y, the forward output: their float32 kernels' bound has an absolute floor of
#: 4 eps32 times the peak (scale y (1 - y) cancels where y rounds near 1: the float32 value is as far off as
#: SpikeDE's), which the half types inherit; everywhere else the bound is 1 ulp of the half type alone.
READS_Y = {"noisy_threshold"}


def assert_within_one_ulp(got, x, name, dtype):
    truth = torch.tensor([float(exact(name, float(v))) for v in x.double()], dtype=torch.float64)
    rounded = truth.to(dtype).double()
    g = got.double()
    finite = torch.isfinite(rounded)
    peak = truth[torch.isfinite(truth)].abs().max().item()
    floor = 4 * torch.finfo(torch.float32).eps * peak if name in READS_Y else 0.0
    bad = torch.where(torch.isnan(truth), ~torch.isnan(g),
                      torch.where(finite, ~((g - truth).abs() <= ulp(truth, dtype) + floor), g != rounded))
    where = bad.nonzero().flatten()[:5].tolist()
    assert not bad.any(), f"{name} {dtype}: " + "; ".join(
        f"x = {x[i].item()!r}: got {got[i].item()!r}, exact {float(truth[i])!r}" for i in where)


@pytest.mark.parametrize("name", BUILT_INS)
@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("backend", ["c", "swift", "jit", "torch"])
def test_half_types_within_one_ulp_of_the_exact_value(name, dtype, backend):
    x = grid(dtype)
    leaf = x.clone().requires_grad_(True)
    y = kt.surrogate(name, leaf, backend=backend, training=True, sample=False)
    assert y.dtype == dtype and y.shape == x.shape
    y.backward(torch.ones_like(y))
    assert leaf.grad.dtype == dtype
    assert_within_one_ulp(leaf.grad, x, name, dtype)
    spikes = kt.surrogate(name, x, backend=backend)
    assert torch.equal(spikes, kt.surrogate(name, x.float(), backend=backend).to(dtype))
    assert set(spikes[~torch.isnan(x)].unique().tolist()) <= {0.0, 1.0}


def test_noisy_spike_in_half_types_is_the_float32_sample_rounded():
    x = torch.linspace(-2, 2, 257)
    for dtype in HALVES:
        got = kt.noisy_threshold_spike(x.to(dtype), seed=99)
        want = kt.noisy_threshold_spike(x.to(dtype).float(), seed=99).to(dtype)
        assert got.dtype == dtype and torch.equal(got, want)


def test_autocast_on_the_cpu():
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(16, 32), kt.Spike("sigmoid", scale=4.0))
    x = torch.randn(8, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = layer(x)
    assert y.dtype == torch.bfloat16
    y.float().sum().backward()
    weight = layer[0].weight.grad
    assert weight is not None and weight.dtype == torch.float32 and torch.isfinite(weight).all()
    # the same as computing the Linear in bfloat16 by hand
    with torch.no_grad():
        v = torch.nn.functional.linear(x.bfloat16(), layer[0].weight.bfloat16(), layer[0].bias.bfloat16())
    assert torch.equal(y.detach(), (v >= 0).to(torch.bfloat16))


@pytest.mark.parametrize("route", ["expressions", "kernels"])
def test_bfloat16_model_trains_and_compiles(route):
    kt.set_compile_route(route)
    try:
        torch._dynamo.reset()
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(16, 32), kt.Spike("arctan"), torch.nn.Linear(32, 2)).bfloat16()
        x, target = torch.randn(64, 16).bfloat16(), torch.randint(0, 2, (64,))
        optimiser = torch.optim.SGD(model.parameters(), lr=0.5)
        compiled = torch.compile(model, fullgraph=True)
        losses = []
        for _ in range(15):
            loss = torch.nn.functional.cross_entropy(compiled(x).float(), target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        assert losses[-1] < losses[0]
    finally:
        kt.set_compile_route("expressions")


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("backend", ["c", "swift", "jit"])
def test_half_calls_equal_one_float32_call(monkeypatch, dtype, backend):
    """Every op equals the float32 call on the widened tensor, rounded once, noise included: the C and JIT kernels
    read and write the half type themselves; the Swift kernels' calls run in chunks through float32 buffers (each
    chunk with its noise offset; a small chunk here, so five chunks and a tail)."""
    from kernelgen.torch import _runners
    monkeypatch.setattr(_runners._Half, "CHUNK", 1000)
    kt.clear_caches()
    n = 5003
    x = torch.linspace(-3, 3, n).to(dtype)
    g = torch.linspace(-1, 2, n).to(dtype)
    native = _runners.runner("sigmoid", backend, x, ())
    assert isinstance(native, _runners._Kernels) == (backend != "swift"), type(native)
    for name, training in (("sigmoid", False), ("noisy_threshold", True), ("noisy_gradient", True)):
        leaf = x.clone().requires_grad_(True)
        y = kt.surrogate(name, leaf, training=training, seed=77, backend=backend)
        y.backward(g)
        wide = x.float().requires_grad_(True)
        y32 = kt.surrogate(name, wide, training=training, seed=77, backend=backend)
        y32.backward(g.float())
        assert torch.equal(y, y32.to(dtype)), name
        assert torch.equal(leaf.grad, wide.grad.to(dtype)), name
    smooth = kt.surrogate("arctan", x, smooth=True, backend=backend)
    assert torch.equal(smooth, kt.surrogate("arctan", x.float(), smooth=True, backend=backend).to(dtype))


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("backend", ["c", "jit"])
@pytest.mark.parametrize("name", BUILT_INS)
def test_native_half_kernels_are_the_float32_kernels_rounded(name, backend, dtype):
    """The library's half-type kernels (ABI 9) bit for bit against the float32 kernels' results rounded by PyTorch,
    every op (eval, sampled and mean-field training forwards, primitive, backward, sampled backward) on [-12, 12] and
    the edges; NaN where PyTorch's is NaN."""
    from kernelgen.torch import _runners
    edges = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-40, -1e-40, 1e-7, 3e38, -3e38, 65504.0, 1e5]
    x = torch.cat([torch.linspace(-12, 12, 4001), torch.tensor(edges)]).to(dtype)
    g = torch.linspace(-2, 2, x.numel()).to(dtype)
    half = _runners.runner(name, backend, x, ())
    wide = _runners.runner(name, backend, x.float(), ())
    assert isinstance(half, _runners._Kernels) and half.surrogate.dtype.name == str(dtype).split(".")[-1]
    xf, gf = x.float(), g.float()
    y = wide.forward(xf)
    pairs = {"forward": (half.forward(x), y),
             "train": (half.train(x, True, 1234, None), wide.train(xf, True, 1234, None)),
             "mean": (half.train(x, False, None, None), wide.train(xf, False, None, None)),
             "backward": (half.backward(x, y if half.reads_y else None, g), wide.backward(xf, y if half.reads_y else None, gf))}
    if half.has_primitive:
        pairs["primitive"] = (half.primitive(x), wide.primitive(xf))
    if half.has_train_backward:
        pairs["train_backward"] = (half.train_backward(x, None, g, 99, None), wide.train_backward(xf, None, gf, 99, None))
    for op, (got, want32) in pairs.items():
        want = want32.to(dtype)
        assert got.dtype == dtype
        nan = torch.isnan(want)
        assert torch.equal(torch.isnan(got), nan), (op, x[torch.isnan(got) != nan][:5])
        same = got[~nan].view(torch.int16) == want[~nan].view(torch.int16)
        assert same.all(), (op, x[~nan][~same][:5], got[~nan][~same][:5], want[~nan][~same][:5])


def scaled(factor, tag):
    return f"name: kg_scaled_{tag}\nsummary: x times a factor\nforward: x * {factor}\nbackward: grad_out * 0 + 1\n"


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("factor,tag", [("1.3", "a"), ("1.00390625", "b"), ("1.00048828125", "c")])
def test_the_library_converts_every_half_value_as_pytorch_does(dtype, factor, tag):
    """All 65536 bit patterns through a forward x * factor (a float32 product, then rounded to the half type): the
    layer's widening and its rounding equal PyTorch's conversions of the float32 product. 1 + 2^-8 and 1 + 2^-11 put the products of powers
    of two exactly halfway between bfloat16 and float16 neighbours (ties to even); large values overflow to inf,
    small ones round into the subnormals."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kernelgen.SpecWarning)
        name = kernelgen.load_spec(text=scaled(factor, tag), file=f"kg_scaled_{tag}.yaml")
    bits = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16)
    x = bits.view(dtype)
    got = kt.surrogate(name, x, backend="jit")
    want = (x.float() * torch.tensor(float(factor), dtype=torch.float32)).to(dtype)
    nan = torch.isnan(want)
    assert torch.equal(torch.isnan(got), nan)
    assert torch.equal(got[~nan].view(torch.int16), want[~nan].view(torch.int16))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64] + HALVES)
def test_empty_tensors_through_a_backward_that_reads_y(dtype):
    """An empty tensor's data pointer is NULL: the backward must not pass it as a missing y."""
    for kw in (dict(training=True), dict(training=True, sample=False), dict(training=False), dict(smooth=True)):
        e = torch.empty(0, 3, dtype=dtype, requires_grad=True)
        kt.surrogate("noisy_threshold", e, **kw).sum().backward()
        assert e.grad.shape == (0, 3) and e.grad.dtype == dtype


def test_half_types_whatever_the_default_dtype():
    """A half type's backward that reads y takes the float32 forward's value, also when torch's default dtype is
    float64 (the float32 runner behind a half-type one is float32 by name, not by default)."""
    x = torch.linspace(-3, 3, 4099).to(torch.bfloat16)
    g = torch.linspace(-1, 1, 4099).to(torch.bfloat16)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        kt.clear_caches()
        leaf = x.clone().requires_grad_(True)
        kt.surrogate("noisy_threshold", leaf, training=True, sample=False).backward(g)
    finally:
        torch.set_default_dtype(old)
    wide = x.float().requires_grad_(True)
    kt.surrogate("noisy_threshold", wide, training=True, sample=False).backward(g.float())
    assert torch.equal(leaf.grad, wide.grad.to(torch.bfloat16))


@pytest.mark.parametrize("dtype", HALVES)
def test_smooth_mode_through_the_custom_op_saves_a_float32_y(dtype):
    """Compiled with the kernels route, the smooth (primitive) forward of a surrogate whose backward reads y saves the
    float32 mean-field output for the half-type kernels: the gradient equals eager's."""
    x = torch.linspace(-3, 3, 1001).to(dtype)
    g = torch.linspace(-1, 1, 1001).to(dtype)
    eager = x.clone().requires_grad_(True)
    kt.surrogate("noisy_threshold", eager, smooth=True).backward(g)
    kt.set_compile_route("kernels")
    try:
        torch._dynamo.reset()
        f = torch.compile(lambda v: kt.surrogate("noisy_threshold", v, smooth=True), fullgraph=True, backend="aot_eager")
        leaf = x.clone().requires_grad_(True)
        f(leaf).backward(g)
    finally:
        kt.set_compile_route("expressions")
    assert torch.equal(leaf.grad, eager.grad)


@pytest.mark.parametrize("dtype", HALVES)
def test_expression_module_sampling_with_a_seed_reads_the_float32_y(dtype):
    """backend="torch", sampled with a seed: the backward that reads y gets the float32 sample (drawn again from the
    seed), as the kernels' backends do, not the rounded one (which is 1 where the sample rounds to 1, and the
    gradient 0)."""
    x = torch.tensor([1.0, 1.25, 1.5, 2.0, -0.5, 0.0]).to(dtype)
    g = torch.ones(6, dtype=dtype)
    half = x.clone().requires_grad_(True)
    kt.surrogate("noisy_threshold", half, backend="torch", training=True, seed=3).backward(g)
    wide = x.float().requires_grad_(True)
    kt.surrogate("noisy_threshold", wide, backend="torch", training=True, seed=3).backward(g.float())
    assert torch.equal(half.grad, wide.grad.to(dtype))
    assert (half.grad > 0).all()

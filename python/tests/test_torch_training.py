"""kernelgen.torch in training: the whole parameter gradient of a small LIF network (SpikeDE-formula
Functions against kernelgen.torch), the noisy spike in eval, mean-field and sampled modes and its
reproducibility, NoisyThresholdSpikeModule and Spike following .train()/.eval(), a spec loaded at run time and
a JIT tuning loop from Python."""
import math

import numpy as np
import pytest

from spikede_reference import FUNCTIONS, SURROGATES, assert_close, noisy_threshold_spike, torch

import kernelgen
import kernelgen.torch as kt

KT = {"sigmoid": kt.SigmoidSurrogate, "arctan": kt.ArctanSurrogate,
      "piecewise_linear": kt.PiecewiseLinearSurrogate, "gaussian": kt.GaussianSurrogate}


class TinyLIF(torch.nn.Module):
    """Input -> Linear -> LIF (v = beta v + I, spike = S(v - 1), soft reset v -= spike) -> Linear readout of the
    spike counts, over T steps (BPTT through the membrane)."""

    def __init__(self, spike, inputs=6, hidden=8, outputs=3, beta=0.8):
        super().__init__()
        self.fc = torch.nn.Linear(inputs, hidden)
        self.out = torch.nn.Linear(hidden, outputs)
        self.spike, self.beta = spike, beta

    def forward(self, x):  # x: (T, batch, inputs)
        v = torch.zeros(x.shape[1], self.fc.out_features, dtype=x.dtype)
        counts = 0
        for t in range(x.shape[0]):
            v = self.beta * v + self.fc(x[t])
            s = self.spike(v - 1.0)
            v = v - s
            counts = counts + s
        return self.out(counts / x.shape[0])


def gradients(spike, dtype, seed=0):
    torch.manual_seed(seed)
    model = TinyLIF(spike).to(dtype)
    x = torch.rand(12, 5, 6, dtype=dtype) * 1.5
    target = torch.tensor([0, 1, 2, 1, 0])
    loss = torch.nn.functional.cross_entropy(model(x), target)
    loss.backward()
    return loss.detach(), {n: p.grad.detach().clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_lif_network_gradient_matches_spikede(name, dtype):
    _, _, default, other = SURROGATES[name]
    for value in (default, other):
        ref_loss, ref = gradients(lambda v: FUNCTIONS[name].apply(v, value), dtype)
        loss, got = gradients(lambda v: KT[name].apply(v, value), dtype)
        assert loss.item() == ref_loss.item()  # same spikes, same forward
        assert any(g.abs().sum() > 0 for g in ref.values()), "the network must pass a gradient"
        tol = 1e-5 if dtype == torch.float32 else 1e-12
        for key in ref:
            scale = ref[key].abs().max().item()
            error = (got[key] - ref[key]).abs().max().item()
            assert error <= tol * max(scale, 1e-30), f"{name}={value} {key}: max error {error} vs scale {scale}"
        # a broken gradient (scaled by 1.001) would be caught by this tolerance
        assert (1.001 * ref["fc.weight"] - ref["fc.weight"]).abs().max().item() > tol * ref["fc.weight"].abs().max().item()


# MARK: the noisy spike


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_noisy_spike_eval_is_the_hard_spike_without_gradient(dtype):
    x = torch.tensor([-1.0, -0.0, 0.0, 1e-30, -1e-30, math.nan, math.inf], dtype=dtype, requires_grad=True)
    y = kt.noisy_threshold_spike(x, training=False)
    assert y.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0] and y.dtype == dtype
    assert not y.requires_grad  # as SpikeDE's (input >= 0).float()
    module = kt.NoisyThresholdSpikeModule(scale=3.0).eval()
    assert module(x).tolist() == y.tolist() and not module(x).requires_grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("scale", [5.0, 1.5])
def test_noisy_spike_mean_field_matches_spikede(scale, dtype):
    x = torch.linspace(-4, 4, 801, dtype=torch.float64).to(dtype)
    g = torch.cos(torch.arange(801, dtype=torch.float64)).to(dtype)
    leaf = x.clone().requires_grad_(True)
    y = kt.noisy_threshold_spike(leaf, scale, sample=False)
    y.backward(g)
    ref_leaf = x.double().requires_grad_(True)
    ref = noisy_threshold_spike(ref_leaf, scale, sample=False)
    ref.backward(g.double())
    assert y.dtype == dtype
    assert_close(y.detach(), ref.detach(), f"mean field scale={scale}")
    assert_close(leaf.grad, ref_leaf.grad, f"mean-field gradient scale={scale}", peak=scale / 4)


def test_noisy_spike_sampled_is_spikede_with_logistic_noise():
    """y = sigmoid(scale x + g), g ~ Logistic(0, 1): g recovered from y is logistic (mean 0, variance pi^2/3, the
    CDF at a few points), independent of x; the gradient is SpikeDE's autograd through sigmoid: scale y (1 - y)."""
    torch.manual_seed(11)
    n = 400_000
    x = (torch.rand(n, dtype=torch.float64) - 0.5) * 0.4
    leaf = x.clone().requires_grad_(True)
    y = kt.noisy_threshold_spike(leaf, 2.0)
    grad_out = torch.rand(n, dtype=torch.float64)
    y.backward(grad_out)
    yd = y.detach()
    assert ((yd > 0) & (yd < 1)).all()
    noise = torch.logit(yd) - 2.0 * x
    assert abs(noise.mean().item()) < 0.02
    assert abs(noise.var().item() - math.pi ** 2 / 3) < 0.05
    for q in (-2.0, 0.0, 1.0):
        assert abs((noise <= q).double().mean().item() - 1 / (1 + math.exp(-q))) < 0.005
    assert abs(torch.corrcoef(torch.stack([noise, x]))[0, 1].item()) < 0.01
    # SpikeDE's gradient of the same y: autograd through sigmoid(z + g) with this g held fixed
    z = x.clone().requires_grad_(True)
    torch.sigmoid(z * 2.0 + noise).backward(grad_out)
    assert_close(leaf.grad, z.grad, "sampled gradient", peak=0.5)


def test_noisy_spike_reproducible_under_manual_seed_and_fresh_every_call():
    x = torch.linspace(-1, 1, 1000)
    torch.manual_seed(5)
    a, b = kt.noisy_threshold_spike(x), kt.noisy_threshold_spike(x)
    torch.manual_seed(5)
    a2, b2 = kt.noisy_threshold_spike(x), kt.noisy_threshold_spike(x)
    assert torch.equal(a, a2) and torch.equal(b, b2)
    assert not torch.equal(a, b)  # a fresh draw every call
    torch.manual_seed(6)
    assert not torch.equal(kt.noisy_threshold_spike(x), a)
    # the module in training mode draws the same way
    module = kt.NoisyThresholdSpikeModule().train()
    torch.manual_seed(5)
    assert torch.equal(module(x), a)
    # a generator of one's own, and an explicit seed (the same samples every call)
    gen = torch.Generator().manual_seed(9)
    c = kt.noisy_threshold_spike(x, generator=gen)
    assert torch.equal(c, kt.noisy_threshold_spike(x, generator=torch.Generator().manual_seed(9)))
    assert torch.equal(kt.noisy_threshold_spike(x, seed=123), kt.noisy_threshold_spike(x, seed=123))
    assert not torch.equal(kt.noisy_threshold_spike(x, seed=123), kt.noisy_threshold_spike(x, seed=124))


def test_the_seed_comes_from_torchs_generator_and_keys_the_kernels_stream():
    """The Philox key of a call is 64 bits drawn from torch's generator: the NumPy layer given that key computes
    the same samples, and the draw advances torch's generator exactly once."""
    x = torch.linspace(-1, 1, 257, dtype=torch.float64)
    torch.manual_seed(21)
    y = kt.noisy_threshold_spike(x, 4.0)
    after = torch.rand(1)
    torch.manual_seed(21)
    key = int(torch.randint(-(1 << 63), (1 << 63) - 1, (), dtype=torch.int64)) & ((1 << 64) - 1)
    assert torch.equal(torch.rand(1), after)
    s = kernelgen.Surrogate("noisy_threshold", dtype="float64", scale=4.0)
    assert np.array_equal(y.numpy(), s.forward(x.numpy(), training=True, seed=key))
    assert torch.equal(kt.noisy_threshold_spike(x, 4.0, seed=key), y)


def test_noisy_spike_expression_backend_draws_from_torch():
    """backend="torch" (what CUDA tensors use): SpikeDE's formula from the same torch.rand draws."""
    x = torch.linspace(-1, 1, 1000, dtype=torch.float64)
    torch.manual_seed(3)
    got = kt.noisy_threshold_spike(x, 3.0, backend="torch")
    torch.manual_seed(3)
    want = noisy_threshold_spike(x, 3.0)  # draws torch.rand_like(x) as SpikeDE does
    assert_close(got, want, "expression backend, sampled")
    seeded = kt.noisy_threshold_spike(x, 3.0, backend="torch", seed=77)
    assert torch.equal(seeded, kt.noisy_threshold_spike(x, 3.0, backend="torch", seed=77))


def test_spike_module_follows_training_mode():
    x = torch.linspace(-1, 1, 101, requires_grad=True)
    spike = kt.Spike("noisy_threshold", scale=4.0)
    assert spike.training
    torch.manual_seed(2)
    soft = spike(x)
    torch.manual_seed(2)
    assert torch.equal(soft, kt.noisy_threshold_spike(x, 4.0))
    spike.eval()
    hard = spike(x)
    assert torch.equal(hard, (x.detach() >= 0).float())
    mean = kt.Spike("noisy_threshold", sample=False, scale=4.0)
    assert_close(mean(x).detach(), torch.sigmoid(4.0 * x.detach().double()), "Spike mean field")
    # a surrogate without a training forward: the same spikes in both modes
    s = kt.Spike("arctan", scale=3.0)
    assert torch.equal(s(x), s.eval()(x))
    assert "arctan" in repr(s) and "scale=3.0" in repr(s)


# MARK: specs loaded at run time, the JIT


WIDTH_SPEC = """name: {name}
summary: A triangular surrogate for the tests.
params:
  width:
    default: 0.5
    min: 0.01
    doc: Half-width of the triangle.
forward: heaviside(x)
backward: max(0, 1 - abs(x) / width) / width
"""


def triangle(x, width):
    return torch.clamp(1 - x.abs() / width, min=0) / width


def test_runtime_spec_from_python():
    name = kernelgen.load_spec(text=WIDTH_SPEC.format(name="tri_torch"), file="tri_torch.yaml")
    assert name == "tri_torch"
    x = torch.linspace(-1, 1, 401, dtype=torch.float64)
    for backend in ("jit", "torch"):
        for width in (0.5, 0.25):
            leaf = x.clone().requires_grad_(True)
            y = kt.surrogate(name, leaf, backend=backend, width=width)
            y.backward(torch.ones_like(x))
            assert torch.equal(y.detach(), (x >= 0).double())
            assert_close(leaf.grad, triangle(x, width), f"tri_torch {backend} width={width}")
    with pytest.raises(kernelgen.BackendError):
        kt.surrogate(name, x)  # backend "c": no ahead-of-time kernels for a runtime spec


def test_reloading_a_spec_replaces_what_the_layer_cached():
    kernelgen.load_spec(text=WIDTH_SPEC.format(name="tri_reload"), file="tri_reload.yaml")
    x = torch.linspace(-1, 1, 101, dtype=torch.float64, requires_grad=True)
    kt.surrogate("tri_reload", x, backend="jit").backward(torch.ones_like(x))
    first = x.grad.clone()
    assert_close(first, triangle(x.detach(), 0.5), "before the reload")
    with pytest.warns(kernelgen.SpecWarning, match="integrates to 0.5"):
        kernelgen.load_spec(text=WIDTH_SPEC.format(name="tri_reload").replace("/ width\n", "/ (2 * width)\n"),
                            file="tri_reload.yaml")
    for backend in ("jit", "torch"):
        x.grad = None
        kt.surrogate("tri_reload", x, backend=backend).backward(torch.ones_like(x))
        assert_close(x.grad, triangle(x.detach(), 0.5) / 2, f"after the reload, {backend}")


def test_jit_tuning_loop():
    """A sweep of sigmoid's scale through the JIT: each value is its own compiled kernel (bind_ms > 0), the
    gradient is SpikeDE's at that value, and the second pass hits the layer's cache (no new bind)."""
    x = torch.linspace(-2, 2, 4001)
    handles = {}
    for scale in (1.0, 2.5, 4.0, 7.5, 10.0):
        spike = kt.Spike("sigmoid", backend="jit", scale=scale)
        leaf = x.clone().requires_grad_(True)
        spike(leaf).sum().backward()
        assert_close(leaf.grad, SURROGATES["sigmoid"][0](x.double(), scale), f"jit scale={scale}")
        assert kt.bind_ms("sigmoid", scale=scale) > 0
        handles[scale] = kt._runner("sigmoid", "jit", x, (("scale", scale),))
        assert handles[scale].surrogate.backend == "jit"
    for scale, runner in handles.items():
        assert kt._runner("sigmoid", "jit", x, (("scale", scale),)) is runner
    # changing a module's params takes effect on the next call
    spike = kt.Spike("gaussian", backend="jit", sigma=1.0)
    leaf = x.clone().requires_grad_(True)
    spike.params = {"sigma": 0.25}
    spike(leaf).sum().backward()
    assert_close(leaf.grad, SURROGATES["gaussian"][0](x.double(), 0.25), "gaussian after params change")


def test_threads_setting_keeps_the_values():
    x = torch.linspace(-3, 3, 300_001)
    want = SURROGATES["arctan"][0](x.double(), 2.0)
    try:
        for threads in (1, 2, None):
            kt.set_threads(threads)
            assert kt.get_threads() == threads
            leaf = x.clone().requires_grad_(True)
            kt.arctan_surrogate(leaf).sum().backward()
            assert_close(leaf.grad, want, f"threads={threads}")
            assert kt._spikede("arctan", "scale", x, 2.0).surrogate.threads == threads  # the handle's setting
    finally:
        kt.set_threads(None)


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_double_backward_follows_spikedes_formulas(name):
    """create_graph=True: the gradient is itself differentiable (through the expression module), as SpikeDE's
    torch formulas are: second derivatives of sum(S(x)^2 * w) agree."""
    _, _, default, _ = SURROGATES[name]
    x = torch.linspace(-1.5, 1.5, 61, dtype=torch.float64)
    w = torch.cos(torch.arange(61, dtype=torch.float64))
    results = []
    for fn in (FUNCTIONS[name], KT[name]):
        leaf = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad((fn.apply(leaf * 1.5, default) * w).sum(), leaf, create_graph=True)
        if name == "piecewise_linear":  # a step function of x: the gradient does not depend on x differentiably
            assert not g.requires_grad
            results.append((g.detach(), None))
            continue
        (h,) = torch.autograd.grad((g * g).sum(), leaf)
        results.append((g.detach(), h))
    assert_close(results[1][0], results[0][0], f"{name} first derivative")
    if name != "piecewise_linear":
        assert_close(results[1][1], results[0][1], f"{name} second derivative")
        assert results[0][1].abs().max() > 0


def test_noisy_spike_double_backward():
    x = torch.linspace(-1, 1, 41, dtype=torch.float64)
    results = []
    for fn in (lambda t: kt.noisy_threshold_spike(t, 3.0, sample=False),
               lambda t: noisy_threshold_spike(t, 3.0, sample=False)):
        leaf = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(fn(leaf).pow(2).sum(), leaf, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), leaf)
        results.append(h)
    assert_close(results[0], results[1], "noisy mean-field second derivative")

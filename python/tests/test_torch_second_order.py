"""Second derivatives through kernelgen.torch (create_graph=True): gradgradcheck for every built-in and catalogue
surrogate at points where its surrogate gradient is smooth; a backward that reads y sees y as a function of x
(the noisy threshold's Hessian); a select's untaken branch leaks no NaN (SpikingJelly's S2NN at x = -1); the
expression module's pow agrees with C99 at -0, +-inf and NaN."""
import math
import warnings
from pathlib import Path

import pytest

from spikede_reference import torch

import kernelgen
import kernelgen.torch as kt

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = sorted(f"{p.parent.name}_{p.stem}" for p in (ROOT / "Catalogue").glob("*/*.yaml"))
BUILT_INS = ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold", "noisy_gradient"]
#: Points away from the kinks of the piecewise surrogates (0, +-1, +-1/2, window edges) and from integers.
POINTS = [-1.7321, -0.6180, -0.2071, 0.1414, 0.4142, 0.8660, 1.4142]


def surrogate_at(name, backend, **kw):
    return lambda x: kt.surrogate(name, x, backend=backend, **kw)


@pytest.mark.parametrize("name", BUILT_INS + CATALOGUE)
def test_gradgradcheck(name):
    backend = "c" if name in BUILT_INS else "torch"
    x = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    f = surrogate_at(name, backend)
    assert torch.autograd.gradgradcheck(f, (x,), check_undefined_grad=False)


def test_noisy_threshold_smooth_hessian_by_hand():
    """smooth=True: y = sigmoid(5 x), backward 5 y (1 - y); d2y/dx2 = 25 s (1 - s)(1 - 2 s) = 2.3683 at x = -0.3."""
    x = torch.tensor([-0.3], dtype=torch.float64, requires_grad=True)
    y = kt.surrogate("noisy_threshold", x, smooth=True)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    s = 1 / (1 + math.exp(1.5))
    assert h.item() == pytest.approx(25 * s * (1 - s) * (1 - 2 * s), rel=1e-12)
    assert h.item() == pytest.approx(2.3683, abs=1e-4)
    # the hard spike's surrogate too (the backward reads the mean-field y): the same second derivative
    x2 = x.detach().clone().requires_grad_(True)
    y2 = kt.noisy_threshold_spike(x2, sample=False)
    (g2,) = torch.autograd.grad(y2.sum(), x2, create_graph=True)
    (h2,) = torch.autograd.grad(g2.sum(), x2)
    assert h2.item() == pytest.approx(h.item(), rel=1e-12)


def test_s2nn_double_backward_leaks_no_nan_from_the_untaken_branch():
    """SpikingJelly's S2NN: alpha s (1 - s) (s = sigmoid(alpha x)) for x < 0, beta / (x + 1) for x >= 0; at x = -1
    the untaken branch is beta / 0. d/dx of alpha s (1 - s) = alpha^2 s (1 - s)(1 - 2 s) = 0.272437 (alpha 4)."""
    x = torch.tensor([-1.0], dtype=torch.float64, requires_grad=True)
    y = kt.surrogate("spikingjelly_s2nn", x, backend="jit")
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    s = 1 / (1 + math.exp(4.0))
    assert h.item() == pytest.approx(16 * s * (1 - s) * (1 - 2 * s), rel=1e-12)
    assert h.item() == pytest.approx(0.272437, abs=1e-6)


def pow_spec(exponent, tag):
    return f"""name: kg_pow_{tag}
summary: x ^ {exponent}
forward: heaviside(x)
backward: x ^ {exponent}
"""


@pytest.mark.parametrize("exponent,tag", [(0.5, "half"), (-0.5, "minus_half"), (1.5, "three_halves"),
                                          (-2.5, "minus_five_halves"), (0.25, "quarter")])
def test_torch_expression_pow_is_c99_pow(exponent, tag):
    with warnings.catch_warnings():  # x ^ k does not integrate to 1: not the point here
        warnings.simplefilter("ignore", kernelgen.SpecWarning)
        name = kernelgen.load_spec(text=pow_spec(exponent, tag), file=f"kg_pow_{tag}.yaml")
    x = [-0.0, 0.0, math.inf, -math.inf, math.nan, 4.0, 0.25, -4.0, 1e-30, 1e30]
    for dtype in (torch.float32, torch.float64):
        xs = torch.tensor(x, dtype=dtype)
        # C99 pow's value rounded to the dtype (overflow to inf, underflow to subnormals or 0 as powf would)
        expected = torch.tensor([_pow(v, exponent) for v in xs.tolist()], dtype=torch.float64).to(dtype).double()
        for backend in ("torch", "jit"):
            leaf = xs.clone().requires_grad_(True)
            kt.surrogate(name, leaf, backend=backend).backward(torch.ones_like(xs))
            got = leaf.grad.double()
            exact = (got == expected) & (torch.signbit(got) == torch.signbit(expected))
            close = (got - expected).abs() <= 4 * torch.finfo(dtype).eps * expected.abs()
            same = exact | (torch.isnan(got) & torch.isnan(expected)) | (close & (expected != 0))
            assert same.all(), f"{backend} {dtype} x^{exponent}: x = {xs[~same].tolist()}: got " \
                               f"{got[~same].tolist()}, C99 {expected[~same].tolist()}"


def _pow(a, b):
    """C99 pow for the cases the test needs (Annex F), in Python floats."""
    if math.isnan(a):
        return math.nan
    if a == 0:
        return math.inf if b < 0 else 0.0  # b not an odd integer: +0 or +inf for both zeros
    if math.isinf(a):
        return (0.0 if b < 0 else math.inf)  # |a| = inf, b not an odd integer
    if a < 0:
        return math.nan
    try:
        return float(a ** b)
    except OverflowError:
        return math.inf


def test_sampled_backward_under_create_graph_is_keyed_by_its_forward():
    """noisy_gradient samples its backward with its forward's Philox key: under create_graph=True the gradient is
    the kernels' (the same draws, from the key, not torch's generator, which is left as it was)."""
    x = torch.linspace(-1.5, 1.5, 301, dtype=torch.float64)
    g = torch.linspace(-1, 2, 301, dtype=torch.float64)
    grads = []
    for create_graph in (False, True):
        leaf = x.clone().requires_grad_(True)
        y = kt.surrogate("noisy_gradient", leaf, training=True, seed=1234)
        state = torch.get_rng_state()
        (grad,) = torch.autograd.grad(y, leaf, g, create_graph=create_graph)
        assert torch.equal(torch.get_rng_state(), state), "the backward advanced torch's generator"
        grads.append(grad)
    torch.testing.assert_close(grads[1].detach(), grads[0], rtol=4 * torch.finfo(torch.float64).eps, atol=0)
    leaf = x.clone().requires_grad_(True)
    (mean,) = torch.autograd.grad(kt.surrogate("noisy_gradient", leaf, training=True, sample=False), leaf, g)
    assert not torch.equal(grads[0], mean)  # sampled, not the mean field
    # float32 and a key drawn from torch's generator
    for dtype in (torch.float32,):
        leaf = x.to(dtype).requires_grad_(True)
        torch.manual_seed(5)
        (a,) = torch.autograd.grad(kt.surrogate("noisy_gradient", leaf, training=True), leaf, g.to(dtype))
        torch.manual_seed(5)
        (b,) = torch.autograd.grad(kt.surrogate("noisy_gradient", leaf, training=True), leaf, g.to(dtype),
                                   create_graph=True)
        torch.testing.assert_close(b.detach(), a, rtol=4 * torch.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_philox_draws_are_the_kernels(dtype):
    """The Python Philox (`_philox.uniform`) against the kernels: a spec whose sampled backward is its draw."""
    from kernelgen.torch import _philox
    with pytest.warns(kernelgen.SpecWarning, match="not-normalised"):
        name = kernelgen.load_spec(text="name: kg_draw_is_gradient\nsummary: u\nforward: heaviside(x)\n"
                                        "backward: uniform() + 0 * x\n", file="kg_draw_is_gradient.yaml")
    s = kernelgen.Surrogate(name, backend="jit", dtype=str(dtype).split(".")[-1])
    n = 4099
    x = __import__("numpy").zeros(n, dtype=str(dtype).split(".")[-1])
    for key in (0, 1234, (1 << 64) - 1):
        got = s.backward(x, x + 1, training=True, seed=key)
        assert torch.equal(torch.from_numpy(got), _philox.uniform(key, 2, 0, (n,), dtype))

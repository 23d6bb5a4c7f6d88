"""The catalogue (Catalogue/<library>/<function>.yaml) against the libraries' own autograd.

Each catalogue spec is run by name through the JIT (`kernelgen.Surrogate(name, backend="jit")`) and compared with
the library function it transcribes, forward and backward (`torch.autograd`, grad_out = 1), on a grid of [-10, 10]
plus 0, -0, +-inf, NaN, subnormals and large values, in float32 and float64, with the library's default
parameters (the spec's defaults must be the library's). The reference is the library: forward bit for bit, backward
within the documented accuracy bound (docs/accuracy.md) (4 ulp of the value plus 4 eps times the largest value on the grid), NaN where
and only where the library is NaN. Where the library is numerically wrong, `KNOWN` says where and how; the test
asserts that the library really is wrong there (so a fixed library fails it) and that kernelgen agrees with a
float64 / long double closed form written here, not with the library.

Libraries: `pip install --no-deps snntorch spikingjelly norse sinabs` beside torch. Norse's and sinabs's package
`__init__` import heavy optional dependencies (nir, pbr); only their surrogate modules are imported here, by
path. Without a library the tests of its functions skip, unless KERNELGEN_REQUIRE_CATALOGUE_LIBS=1 (CI), which
makes a missing library a failure.

Every one of the four libraries' 48 surrogate and spiking functions is a catalogue spec (CASES, STOCHASTIC); a
test checks that every catalogue spec is compared here."""

import importlib
import importlib.util
import math
import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest

REQUIRE = os.environ.get("KERNELGEN_REQUIRE_CATALOGUE_LIBS") == "1"
ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "Catalogue"

torch = pytest.importorskip("torch") if not (REQUIRE or os.environ.get("KERNELGEN_REQUIRE_TORCH") == "1") else __import__("torch")
import kernelgen  # noqa: E402
import kernelgen.torch  # noqa: E402


def _stub_packages(dotted):
    """Makes `dotted`'s packages importable without running their __init__ (which import heavy extras)."""
    top = importlib.util.find_spec(dotted.split(".")[0])
    if top is None:
        raise ImportError(f"{dotted.split('.')[0]} is not installed")
    base = Path(top.submodule_search_locations[0]).parent
    parts = dotted.split(".")
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(base.joinpath(*parts[:i]))]
            sys.modules[name] = module


def _load(library):
    if library == "snntorch":
        return importlib.import_module("snntorch.surrogate")
    if library == "spikingjelly":
        return importlib.import_module("spikingjelly.activation_based.surrogate")
    if library == "norse":
        _stub_packages("norse.torch.functional")
        return importlib.import_module("norse.torch.functional.threshold")
    if library == "sinabs":
        _stub_packages("sinabs")
        return importlib.import_module("sinabs.activation")
    raise ValueError(library)


_modules = {}


def library(name):
    if name not in _modules:
        try:
            _modules[name] = _load(name)
        except ImportError as error:
            _modules[name] = error
    found = _modules[name]
    if isinstance(found, Exception):
        if REQUIRE:
            pytest.fail(f"{name} cannot be imported ({found}); KERNELGEN_REQUIRE_CATALOGUE_LIBS=1 requires it "
                        f"(pip install --no-deps {name})")
        pytest.skip(f"{name} is not installed: {found}")
    return found


def _sinabs(fn, *args, grad=None):
    def call(x):
        m = library("sinabs")
        return fn(m)(x, *args, grad(m) if grad else m.SingleExponential())
    return call


def _custom_fast_sigmoid(input_, grad_input, spikes):
    """snnTorch's docstring example for custom_surrogate, verbatim (the catalogue spec instantiates it)."""
    ## The hyperparameter slope is defined inside the function.
    slope = 25
    grad = grad_input / (slope * torch.abs(input_) + 1.0) ** 2
    return grad


# spec name -> (library, function of x with the library's defaults)
CASES = {
    # custom_surrogate takes any function of (input, grad_input, spikes): its docs' example; the backward reads grad_out.
    "snntorch_custom_surrogate": ("snntorch", lambda x: library("snntorch").custom_surrogate(_custom_fast_sigmoid)(x)),
    "snntorch_straight_through_estimator": ("snntorch", lambda x: library("snntorch").straight_through_estimator()(x)),
    "snntorch_triangular": ("snntorch", lambda x: library("snntorch").triangular()(x)),
    "snntorch_fast_sigmoid": ("snntorch", lambda x: library("snntorch").fast_sigmoid()(x)),
    "snntorch_atan": ("snntorch", lambda x: library("snntorch").atan()(x)),
    "snntorch_heaviside": ("snntorch", lambda x: library("snntorch").heaviside()(x)),
    "snntorch_sigmoid": ("snntorch", lambda x: library("snntorch").sigmoid()(x)),
    "snntorch_spike_rate_escape": ("snntorch", lambda x: library("snntorch").spike_rate_escape()(x)),
    # snntorch.surrogate.LSO() calls StochasticSpikeOperator.apply(x, slope) (TypeError), and LeakySpikeOperator's
    # backward returns one gradient for two inputs (RuntimeError): only the forward runs (LIBRARY_BACKWARD_FAILS).
    "snntorch_lso": ("snntorch", lambda x: library("snntorch").LeakySpikeOperator.apply(x, 0.1)),
    "snntorch_sfs": ("snntorch", lambda x: library("snntorch").SFS()(x)),
    # Noise in the backward: compared by test_sso_* (the mean field exactly, the samples statistically).
    "snntorch_sso": ("snntorch", lambda x: library("snntorch").SSO()(x)),
    "spikingjelly_piecewise_quadratic": ("spikingjelly", lambda x: library("spikingjelly").PiecewiseQuadratic()(x)),
    "spikingjelly_piecewise_exp": ("spikingjelly", lambda x: library("spikingjelly").PiecewiseExp()(x)),
    "spikingjelly_sigmoid": ("spikingjelly", lambda x: library("spikingjelly").Sigmoid()(x)),
    "spikingjelly_soft_sign": ("spikingjelly", lambda x: library("spikingjelly").SoftSign()(x)),
    "spikingjelly_super_spike": ("spikingjelly", lambda x: library("spikingjelly").SuperSpike()(x)),
    "spikingjelly_atan": ("spikingjelly", lambda x: library("spikingjelly").ATan()(x)),
    "spikingjelly_nonzero_sign_log_abs": ("spikingjelly", lambda x: library("spikingjelly").NonzeroSignLogAbs()(x)),
    "spikingjelly_erf": ("spikingjelly", lambda x: library("spikingjelly").Erf()(x)),
    "spikingjelly_piecewise_leaky_relu": ("spikingjelly", lambda x: library("spikingjelly").PiecewiseLeakyReLU()(x)),
    "spikingjelly_squarewave_fourier_series": ("spikingjelly", lambda x: library("spikingjelly").SquarewaveFourierSeries()(x)),
    "spikingjelly_s2nn": ("spikingjelly", lambda x: library("spikingjelly").S2NN()(x)),
    "spikingjelly_q_pseudo_spike": ("spikingjelly", lambda x: library("spikingjelly").QPseudoSpike()(x)),
    "spikingjelly_leaky_k_relu": ("spikingjelly", lambda x: library("spikingjelly").LeakyKReLU()(x)),
    "spikingjelly_fake_numerical_gradient": ("spikingjelly", lambda x: library("spikingjelly").FakeNumericalGradient()(x)),
    "spikingjelly_log_tailed_relu": ("spikingjelly", lambda x: library("spikingjelly").LogTailedReLU()(x)),
    "spikingjelly_deterministic_pass": ("spikingjelly", lambda x: library("spikingjelly").DeterministicPass()(x)),
    # max_spike_count has no library default: the spec's is 4.
    "spikingjelly_multi_level_spike_count": ("spikingjelly", lambda x: library("spikingjelly").MultiLevelSpikeCount(4)(x)),
    "spikingjelly_rect": ("spikingjelly", lambda x: library("spikingjelly").Rect()(x)),
    # Norse's functions take their sharpness without a default; LIFParameters' default alpha is 100.
    "norse_heaviside": ("norse", lambda x: library("norse").heaviside(x)),
    "norse_superspike": ("norse", lambda x: library("norse").superspike_fn(x, torch.as_tensor(100.0))),
    "norse_heavi_erfc": ("norse", lambda x: library("norse").heavi_erfc_fn(x, 100.0)),
    "norse_heavi_tanh": ("norse", lambda x: library("norse").heavi_tanh_fn(x, 100.0)),
    "norse_heavi_circ": ("norse", lambda x: library("norse").heavi_circ_fn(x, 100.0)),
    "norse_triangle": ("norse", lambda x: library("norse").triangle_fn(x)),
    # sinabs: surrogate gradients as its layers use them (SingleSpike forward, spike_threshold 1.0).
    "sinabs_heaviside": ("sinabs", _sinabs(lambda m: m.SingleSpike.apply, 1.0, grad=lambda m: m.Heaviside())),
    "sinabs_gaussian": ("sinabs", _sinabs(lambda m: m.SingleSpike.apply, 1.0, grad=lambda m: m.Gaussian())),
    "sinabs_multi_gaussian": ("sinabs", _sinabs(lambda m: m.SingleSpike.apply, 1.0, grad=lambda m: m.MultiGaussian())),
    "sinabs_single_exponential": ("sinabs", _sinabs(lambda m: m.SingleSpike.apply, 1.0, grad=lambda m: m.SingleExponential())),
    "sinabs_periodic_exponential": ("sinabs", _sinabs(lambda m: m.SingleSpike.apply, 1.0, grad=lambda m: m.PeriodicExponential())),
    "sinabs_single_spike": ("sinabs", _sinabs(lambda m: m.SingleSpike.apply, 1.0)),
    "sinabs_multi_spike": ("sinabs", _sinabs(lambda m: m.MultiSpike.apply, 1.0)),
    # max_num_spikes_per_bin: library default None (no limit, = multi_spike); the spec's default is 1.
    "sinabs_max_spike": ("sinabs", lambda x: library("sinabs").MaxSpike(1).apply(x, 1.0, library("sinabs").SingleExponential())),
    "sinabs_quantize": ("sinabs", lambda x: library("sinabs").Quantize.apply(x)),
}

# Stochastic forwards (a bernoulli(p) draw in the spec's train_forward; the libraries always sample): spec ->
# (library, the library's sampling function of x with its defaults, the library's probability of a 1 as its forward
# computes it (torch), the deterministic part of the output (numpy; the draw is output - base), where the library
# accepts x). The mean field is compared with base + probability, the draws statistically, the backward exactly.
STOCHASTIC = {
    "spikingjelly_poisson_pass": ("spikingjelly", lambda x: library("spikingjelly").PoissonPass()(x), lambda x: x,
                                  lambda x: np.zeros_like(x), lambda x: (x >= 0) & (x <= 1)),
    "norse_logistic": ("norse", lambda x: library("norse").logistic_fn(x, 100.0), lambda x: 0.5 + 0.5 * torch.tanh(100.0 * x),
                       lambda x: np.zeros_like(x), lambda x: ~np.isnan(x)),
    # Norse's x.pow(2) overflows beyond 1.8e19 (float32), 1.3e154 (float64): its probability is 1/2 there (NaN at
    # +-inf, which its Bernoulli refuses); the spec's is right (test_circ_dist_library_overflows).
    "norse_circ_dist": ("norse", lambda x: library("norse").circ_dist_fn(x, 100.0), lambda x: 0.5 + 0.5 * (x / (x.pow(2) + 100.0 ** 2).sqrt()),
                        lambda x: np.zeros_like(x), lambda x: np.abs(x) < (1e19 if x.dtype == np.float32 else 1e150)),
    "sinabs_stochastic_rounding": ("sinabs", lambda x: library("sinabs").StochasticRounding.apply(x), lambda x: x - x.floor(),
                                   lambda x: np.floor(x), lambda x: np.isfinite(x)),
}


# Specs whose backward draws noise: name -> the library's subthreshold noise as (low, high) of its uniform support
# and the mean field, each a function of x's dtype. SSO(mean=0, variance=0.2): (rand - 0.5 + mean) * variance.
SAMPLED_BACKWARD = {
    "snntorch_sso": ((lambda t: (t(0.5) - t(0.5) + t(0)) * t(0.2)),  # the noise at its mean, E[u] = 1/2, as kernelgen rounds it
                     (lambda t: ((t(0) - t(0.5)) * t(0.2), (t(1) - t(0.5)) * t(0.2)))),  # its support [-0.1, 0.1)
}


def _ld_sigmoid_grad(a):
    a = np.abs(np.asarray(a, dtype=np.longdouble))
    e = np.exp(-a)
    return e / (1 + e) ** 2


def _ld_multi_gaussian(x):
    v = np.asarray(x, dtype=np.longdouble) - 1
    root = np.sqrt(2 * np.longdouble(np.pi))

    def g(mu, sigma):
        return np.exp(-((v - mu) ** 2) / (2 * sigma ** 2)) / (sigma * root)

    half, wide = np.longdouble(0.5), np.longdouble(3)
    return np.longdouble(1.15) * g(0, half) - np.longdouble(0.15) * g(half, wide) - np.longdouble(0.15) * g(-half, wide)


# Where a library is wrong: spec -> (mask(x, dtype) of the points, check of the library's values there, what the
# true value is, in long double, as a function of x, and the documentation's wording).
KNOWN = {
    "snntorch_sigmoid": (
        lambda x, dt: x <= (-3.4202 if dt == np.float32 else -28.263),
        lambda lib: np.all(np.isnan(lib) | (lib == 0)) and np.isnan(lib).any(),
        lambda x: 25 * _ld_sigmoid_grad(25 * x),
        lambda x: np.abs(25 * x),
        "0 where (e^(-slope x) + 1)^2 overflows and NaN (inf / inf) from x <= -3.55 (float32), -28.4 (float64), "
        "where the true value is positive",
    ),
    "spikingjelly_sigmoid": (
        lambda x, dt: x * 4 >= (17.33 if dt == np.float32 else 37.5),
        lambda lib: np.all(lib == 0),
        lambda x: 4 * _ld_sigmoid_grad(4 * x),
        lambda x: np.abs(4 * x),
        "0 (1 - sigmoid(alpha x) rounds to 0) where the true value is e^(-alpha x) alpha > 0",
    ),
    "norse_heavi_erfc": (
        # torch.as_tensor(np.pi) is a float32 tensor: float64 results carry float32's sqrt(pi).
        lambda x, dt: (np.abs(x) < 0.2) if dt == np.float64 else np.zeros(x.shape, dtype=bool),
        lambda lib: True,
        lambda x: 2 * np.exp(-(100 * np.asarray(x, dtype=np.longdouble)) ** 2) / np.sqrt(np.longdouble(np.pi)),
        lambda x: 2 * (100 * x) ** 2,
        "float64: off by 3.0e-8 relative (its sqrt(pi) is float32's)",
    ),
    "sinabs_gaussian": (
        # torch.sqrt(2 * torch.tensor(math.pi)) is float32: float64 results carry float32's sqrt(2 pi).
        lambda x, dt: (np.abs(x - 1) < 3) if dt == np.float64 else np.zeros(x.shape, dtype=bool),
        lambda lib: True,
        lambda x: np.exp(-(np.asarray(x, dtype=np.longdouble) - 1) ** 2 / np.longdouble(0.5)) / (np.longdouble(0.5) * np.sqrt(2 * np.longdouble(np.pi))),
        lambda x: 4 * np.abs(x) * (np.abs(x - 1) + 1),
        "float64: off by 2.4e-8 relative (its sqrt(2 pi) is float32's)",
    ),
    "sinabs_multi_gaussian": (
        # as sinabs_gaussian, and (s * sigma) * sqrt(2 pi) is a float32 product too: off by up to 3e-8 relative.
        lambda x, dt: (np.abs(x) <= 10) if dt == np.float64 else np.zeros(x.shape, dtype=bool),
        lambda lib: True,
        lambda x: _ld_multi_gaussian(x),
        lambda x: 4 * np.abs(x) * (np.abs(x - 1) + 1),
        "float64: off by up to 3e-8 relative (sqrt(2 pi) and its products are float32)",
    ),
    "norse_heavi_circ": (
        lambda x, dt: np.isinf(x) | (np.abs(x) > (1.8e19 if dt == np.float32 else 1.3e154)),
        lambda lib: np.all(np.isnan(lib)),
        lambda x: (1 / np.sqrt(1 + (np.asarray(x, dtype=np.longdouble) / 100) ** 2)) ** 3,
        lambda x: np.full(x.shape, 3.0),
        "NaN (alpha^2 + x^2 overflows) where the true value is ~0",
    ),
}

# Library backwards that cannot run: spec -> (the exception, the backward as the library's source writes it).
LIBRARY_BACKWARD_FAILS = {
    "snntorch_lso": (RuntimeError, lambda x: np.where(x > 0, 1.0, 0.1)),
}

# Library forwards computed in float32 whatever the input's dtype (`.float()`): in float64 they round to float32
# beyond 2^24 and overflow to inf beyond its range (and (v > 0) * -inf is NaN).
FLOAT32_FORWARD = {"sinabs_multi_spike", "sinabs_max_spike"}


# Where kernelgen's own math has a documented domain (docs/specs.md, functions): sin/cos are NaN for |a| > 2^20 (float),
# 2^30 (double); the library's torch.cos is finite there.
KERNELGEN_DOMAIN = {
    "spikingjelly_squarewave_fourier_series": lambda x, dt: np.abs(x * (2 * math.pi / 8)) > (2.0 ** 20 if dt == np.float32 else 2.0 ** 30),
}


def grid(dtype):
    info = np.finfo(dtype)
    tiny = info.smallest_subnormal
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, tiny, -tiny, tiny * 3, info.smallest_normal / 2, -info.smallest_normal / 2,
               1e-8, -1e-8, 1e4, -1e4, 1e30, -1e30, info.max, -info.max, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 1.5, 2.5, 3.5]
    return np.concatenate([np.linspace(-10, 10, 2001), np.array(special)]).astype(dtype)


def library_values(fn, x, backward=True):
    xt = torch.tensor(x, requires_grad=True)
    y = fn(xt)
    if not backward:
        return y.detach().numpy().astype(x.dtype), None
    if y.requires_grad:
        y.backward(torch.ones_like(y))
        grad = xt.grad
        grad = torch.zeros_like(xt) if grad is None else grad
    else:  # not differentiable (Norse's heaviside): autograd gives no gradient, i.e. 0
        grad = torch.zeros_like(xt)
    return y.detach().numpy().astype(x.dtype), grad.detach().numpy().astype(x.dtype)


def kernelgen_values(name, x):
    s = kernelgen.Surrogate(name, backend="jit", dtype=x.dtype)
    return np.asarray(s.forward(x)), np.asarray(s.backward(x, np.ones_like(x)))


def within_bound(kernel, reference, dtype):
    eps = np.finfo(dtype).eps
    finite = np.isfinite(reference)
    peak = np.max(np.abs(reference[finite])) if finite.any() else 0.0
    tol = 4 * eps * np.abs(reference.astype(np.float64)) + 4 * eps * peak
    same_nan = np.isnan(kernel) == np.isnan(reference)
    close = np.where(finite, np.abs(kernel.astype(np.float64) - reference.astype(np.float64)) <= tol, kernel == reference)
    return same_nan & (np.isnan(reference) | close)


def catalogue_names():
    return sorted(f"{p.parent.name}_{p.stem}" for p in CATALOGUE.glob("*/*.yaml"))


def test_every_catalogue_spec_is_compared_and_every_gap_is_named():
    assert CATALOGUE.is_dir(), f"no catalogue at {CATALOGUE}"
    names = catalogue_names()
    assert len(names) == 48
    assert sorted(list(CASES) + list(STOCHASTIC)) == names
    # The four libraries' functions: 48, every one a spec.


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(set(CASES) - set(SAMPLED_BACKWARD)))
def test_catalogue_spec_agrees_with_its_library(name, dtype):
    lib_name, fn = CASES[name]
    library(lib_name)
    x = grid(dtype)
    kg_y, kg_g = kernelgen_values(name, x)
    if name in LIBRARY_BACKWARD_FAILS:
        error, written = LIBRARY_BACKWARD_FAILS[name]
        with pytest.raises(error):
            library_values(fn, x)
        lib_y, lib_g = library_values(fn, x, backward=False)
        lib_g = written(x).astype(dtype)
    else:
        lib_y, lib_g = library_values(fn, x)
    if name in FLOAT32_FORWARD and dtype == np.float64:
        wide = np.abs(x) >= 2.0 ** 24
        assert np.any(lib_y[wide] != kg_y[wide]), f"{name}: the library's forward is no longer float32"
        with np.errstate(invalid="ignore", over="ignore"):
            as_float32 = (x > 0) * np.trunc(x).astype(np.float32).astype(np.float64)
        if name == "sinabs_max_spike":
            as_float32 = np.minimum(as_float32, 1.0)
        assert np.array_equal(lib_y[wide], as_float32[wide], equal_nan=True)
        lib_y = np.where(wide, kg_y, lib_y)
    assert kg_y.dtype == dtype and kg_g.dtype == dtype

    skip = np.zeros(x.shape, dtype=bool)
    if name in KERNELGEN_DOMAIN:
        domain = KERNELGEN_DOMAIN[name](x, dtype)
        assert domain.any()
        assert np.all(np.isnan(kg_g[domain] )), "kernelgen's cos is NaN outside its documented domain"
        assert np.all(np.isfinite(lib_g[domain & ~np.isinf(x)]))
        skip |= domain
    if name in KNOWN:
        where, library_is_wrong, truth, condition, _ = KNOWN[name]
        mask = where(x, dtype) & ~np.isnan(x)
        if name in ("norse_heavi_erfc", "sinabs_gaussian", "sinabs_multi_gaussian") and mask.any():
            true = KNOWN[name][2](x[mask]).astype(np.float64)
            relative = np.abs(lib_g[mask] - true)[true > 0] / true[true > 0]
            assert np.all(relative > 1e-11), f"{name}: the float64 gradient is no longer off by float32's constant"
        assert library_is_wrong(lib_g[mask]), f"{name}: the library is no longer wrong where the test says it is"
        true = truth(x[mask]).astype(np.float64)
        got = kg_g[mask].astype(np.float64)
        eps = np.finfo(dtype).eps
        tiny = np.finfo(dtype).smallest_normal
        # 8 ulp plus twice the condition number |x f'(x) / f(x)| (an error one rounding of x explains), as check's lint.
        with np.errstate(over="ignore", invalid="ignore"):
            allowed = (8 + 2 * condition(x[mask].astype(np.float64))) * eps * np.abs(true) + tiny
        if name == "sinabs_multi_gaussian" and mask.any():  # crosses 0 (a difference of Gaussians): the documented term relative to the peak
            allowed = allowed + 4 * eps * np.max(np.abs(true))
        assert np.all(np.abs(got - true) <= np.nan_to_num(allowed, nan=np.inf)), (name, x[mask][np.argmax(np.abs(got - true))])
        skip |= mask

    # Forward: bit for bit (both are exact comparisons, selects and roundings).
    same = (kg_y == lib_y) | (np.isnan(kg_y) & np.isnan(lib_y))
    assert np.all(same & (np.signbit(kg_y) == np.signbit(lib_y)) | np.isnan(lib_y)), \
        (name, x[~same][:5], kg_y[~same][:5], lib_y[~same][:5])
    # Backward: within the documented bound (docs/accuracy.md) of the library's own value.
    ok = within_bound(kg_g, lib_g, dtype) | skip
    assert np.all(ok), (name, x[~ok][:5], kg_g[~ok][:5], lib_g[~ok][:5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_sso_forward_is_the_librarys_and_its_mean_field_backward_is_the_formula_at_the_mean(dtype):
    """snnTorch's SSO: the forward bit for bit; the backward outside training (the mean field) exactly
    x > 0 ? 1 : (E[u] - 0.5 + mean) * variance, i.e. 1 above the threshold and 0 at and below it (NaN included)."""
    lib_name, fn = CASES["snntorch_sso"]
    library(lib_name)
    x = grid(dtype)
    kg_y, kg_g = kernelgen_values("snntorch_sso", x)
    lib_y, _ = library_values(fn, x)
    assert np.array_equal(kg_y, lib_y) and np.array_equal(np.signbit(kg_y), np.signbit(lib_y))
    mean_field = SAMPLED_BACKWARD["snntorch_sso"][0](dtype)
    expected = np.where(x > 0, dtype(1), mean_field).astype(dtype)
    assert kg_g.dtype == dtype
    assert np.array_equal(kg_g, expected) and not np.signbit(kg_g).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_sso_sampled_backward_has_the_librarys_distribution(dtype):
    """Training with sampling: above the threshold the gradient is exactly grad_out, as the library's; below it,
    over 200 repeats of 2001 points, kernelgen's samples and the library's share the support [-0.1, 0.1) and the
    mean 0 and variance 0.2^2 / 12 of U(-0.1, 0.1) (within 5 standard errors), and repeats differ."""
    lib_name, fn = CASES["snntorch_sso"]
    library(lib_name)
    x = np.linspace(-10, 10, 2001).astype(dtype)
    below = ~(x > 0)
    low, high = SAMPLED_BACKWARD["snntorch_sso"][1](dtype)
    s = kernelgen.Surrogate("snntorch_sso", backend="jit", dtype=dtype)
    torch.manual_seed(7)
    ours, theirs = [], []
    for repeat in range(200):
        g = s.backward(x, np.ones_like(x), training=True, seed=1000 + repeat)
        _, lib_g = library_values(fn, x)
        assert np.array_equal(g[~below], np.ones_like(x[~below])) and np.array_equal(lib_g[~below], g[~below])
        ours.append(g[below])
        theirs.append(lib_g[below])
    n = sum(len(a) for a in ours)
    variance = 0.2 ** 2 / 12
    for label, samples in (("kernelgen", np.concatenate(ours)), ("snnTorch", np.concatenate(theirs))):
        assert samples.dtype == dtype
        assert samples.min() >= low and samples.max() < high, (label, samples.min(), samples.max())
        assert abs(samples.astype(np.float64).mean()) <= 5 * math.sqrt(variance / n), label
        # The variance of the sample variance of a uniform: (mu4 - sigma^4) / n with mu4 = 9/5 sigma^4.
        assert abs(samples.astype(np.float64).var() - variance) <= 5 * math.sqrt(0.8 * variance ** 2 / n), label
    assert not np.array_equal(ours[0], ours[1])
    # Reproducible from the seed; the mean field is not a sample.
    assert np.array_equal(s.backward(x, np.ones_like(x), training=True, seed=1000)[below], ours[0])
    assert not np.array_equal(s.backward(x, np.ones_like(x), training=True, sample=False)[below], ours[0])


def test_a_wrong_spec_is_caught(tmp_path):
    """The comparison can fail: a spec with another slope than the library's differs from it."""
    lib_name, fn = CASES["snntorch_fast_sigmoid"]
    library(lib_name)
    text = (CATALOGUE / "snntorch" / "fast_sigmoid.yaml").read_text().replace("default: 25.0", "default: 24.0")
    spec = tmp_path / "snntorch_fast_sigmoid_wrong.yaml"
    spec.write_text(text.replace("name: snntorch_fast_sigmoid", "name: snntorch_fast_sigmoid_wrong"))
    name = kernelgen.load_spec(path=str(spec))
    x = grid(np.float32)
    _, lib_g = library_values(fn, x)
    _, kg_g = kernelgen_values(name, x)
    assert not np.all(within_bound(kg_g, lib_g, np.float32))


def test_catalogue_runs_through_kernelgen_torch():
    """kernelgen.torch finds catalogue surrogates by name too (JIT backend), with autograd."""
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    y = kernelgen.torch.surrogate("spikingjelly_atan", x, backend="jit")
    y.sum().backward()
    expected = 1.0 / (1 + (math.pi / 2 * 2 * x.detach()) ** 2)
    assert torch.equal(y.detach(), (x.detach() >= 0).to(torch.float64))
    assert torch.allclose(x.grad, expected, rtol=1e-13, atol=0)


def test_spike_module_takes_catalogue_names():
    """kernelgen.torch.Spike(name) accepts a catalogue surrogate (it is not in the table's list of built-in and
    loaded ones; the JIT resolves it by name), checks its parameter names and primitive, and runs it; the
    gradient is sinabs' SingleExponential written here (grad_scale / (thr w) e^(-|x - thr| / (thr w)))."""
    spike = kernelgen.torch.Spike("sinabs_single_exponential", backend="jit", grad_width=0.25)
    assert "grad_width=0.25" in repr(spike)
    x = torch.linspace(-1, 3, 81, dtype=torch.float64, requires_grad=True)
    y = spike(x)
    y.sum().backward()
    width = 1.0 * 0.25
    expected = torch.exp(-(x.detach() - 1).abs() / width) / width
    assert torch.equal(y.detach(), (x.detach() >= 1).to(torch.float64))
    assert torch.allclose(x.grad, expected, rtol=1e-13, atol=0)
    # Its parameters are checked like a built-in's; a name neither built in nor in the catalogue is refused.
    with pytest.raises(kernelgen.ParameterError, match=r"`sinabs_single_exponential` has no parameter `grad_widht`; "
                                                       r"did you mean `grad_width`\?; "
                                                       r"expected one of: grad_width, grad_scale, spike_threshold"):
        kernelgen.torch.Spike("sinabs_single_exponential", backend="jit", grad_widht=0.25)
    with pytest.raises(kernelgen.BackendError, match="has no primitive"):
        kernelgen.torch.Spike("sinabs_single_exponential", backend="jit", smooth=True)
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate `sinabs_single_exponentail`; did you mean "
                                                              r"`sinabs_single_exponential`\?.*kernelgen list --catalogue"):
        kernelgen.torch.Spike("sinabs_single_exponentail", backend="jit")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_custom_surrogate_reads_grad_out(dtype):
    """The grad_out-aware backward against snnTorch's autograd for incoming gradients other than 1."""
    library("snntorch")
    _, fn = CASES["snntorch_custom_surrogate"]
    x = grid(dtype)
    g = np.resize(np.array([1.0, -2.5, 0.0, 3e5, -1e-3, np.inf, np.nan], dtype=dtype), x.shape)
    xt = torch.tensor(x, requires_grad=True)
    fn(xt).backward(torch.tensor(g))
    lib_g = xt.grad.numpy().astype(dtype)
    s = kernelgen.Surrogate("snntorch_custom_surrogate", backend="jit", dtype=dtype)
    kg_g = np.asarray(s.backward(x, g))
    ok = within_bound(kg_g, lib_g, dtype) | (np.isinf(lib_g) & (kg_g == lib_g))
    assert np.all(ok), (x[~ok][:5], g[~ok][:5], kg_g[~ok][:5], lib_g[~ok][:5])


def _probe(name, dtype):
    """Points where the library samples, with probabilities spread over (0, 1) and its ends."""
    _, _, _, _, valid = STOCHASTIC[name]
    if name == "spikingjelly_poisson_pass":
        x = np.linspace(0, 1, 21)
    elif name == "sinabs_stochastic_rounding":
        x = np.concatenate([np.linspace(-3, 3, 25) + 0.1, [0.0, 2.0, -1.0, 0.999]])
    else:
        x = np.linspace(-0.03, 0.03, 25) if name == "norse_logistic" else np.linspace(-300, 300, 25)
    x = x.astype(dtype)
    return x[valid(x)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(STOCHASTIC))
def test_stochastic_catalogue_spec_agrees_with_its_library(name, dtype):
    lib_name, fn, probability, base, valid = STOCHASTIC[name]
    library(lib_name)
    x = grid(dtype)
    x = x[valid(x)]
    s = kernelgen.Surrogate(name, backend="jit", dtype=dtype)
    # Mean field: the expectation of the library's output (its probability plus the deterministic part).
    p_lib = probability(torch.tensor(x)).numpy().astype(dtype)
    expected = (base(x) + p_lib).astype(dtype)
    mean_field = np.asarray(s.forward(x, training=True, sample=False))
    ok = within_bound(mean_field, expected, dtype)
    assert np.all(ok), (x[~ok][:5], mean_field[~ok][:5], expected[~ok][:5])
    # Backward: deterministic, against the library's autograd (grad_out = 1) through its sampling forward.
    xt = torch.tensor(x, requires_grad=True)
    fn(xt).backward(torch.ones(x.shape, dtype=xt.dtype))
    lib_g = xt.grad.numpy().astype(dtype)
    kg_g = np.asarray(s.backward(x, np.ones_like(x)))
    ok = within_bound(kg_g, lib_g, dtype)
    assert np.all(ok), (x[~ok][:5], kg_g[~ok][:5], lib_g[~ok][:5])
    # Samples: each draw (output - base) is 0 or 1, and over R repeats of each probe point the mean of the draws is
    # within 6 standard errors sqrt(p (1 - p) / R) of p, for kernelgen's sampler and the library's alike (a correct
    # sampler fails with probability about 2e-9 per point; the seeds are fixed).
    probe = _probe(name, dtype)
    repeats = 4000
    xs = np.repeat(probe, repeats)
    p = np.clip(probability(torch.tensor(probe, dtype=torch.float64)).numpy(), 0, 1)
    bound = 6 * np.sqrt(p * (1 - p) / repeats) + 1e-12
    torch.manual_seed(0)
    for label, y in (("kernelgen", np.asarray(s.forward(xs, training=True, sample=True, seed=7))),
                     ("library", fn(torch.tensor(xs)).numpy().astype(dtype))):
        draws = (y.astype(np.float64) - base(xs).astype(np.float64)).reshape(len(probe), repeats)
        assert np.all((draws == 0) | (draws == 1)), (label, np.unique(draws))
        means = draws.mean(axis=1)
        assert np.all(np.abs(means - p) <= bound), (label, probe[np.abs(means - p) > bound], means[np.abs(means - p) > bound])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_circ_dist_library_overflows(dtype):
    """Norse's CircDist probability is 1/2 where x^2 overflows (and NaN at +-inf); the spec's is the true ~1 / ~0."""
    library("norse")
    _, _, probability, _, _ = STOCHASTIC["norse_circ_dist"]
    big = np.array([1e30, -1e30] if dtype == np.float32 else [1e200, -1e200], dtype=dtype)
    assert np.all(probability(torch.tensor(big)).numpy() == 0.5), "Norse's CircDist no longer overflows"
    s = kernelgen.Surrogate("norse_circ_dist", backend="jit", dtype=dtype)
    assert np.array_equal(np.asarray(s.forward(np.append(big, [np.inf, -np.inf]).astype(dtype), training=True, sample=False)),
                          np.array([1, 0, 1, 0], dtype=dtype))


@pytest.mark.parametrize("backend", ["jit", "torch"])
def test_custom_surrogate_through_kernelgen_torch(backend):
    """kernelgen.torch's autograd hands grad_out to a grad_out-aware backward (kernels, or the PyTorch module's
    expression), which returns grad_in itself: not grad_out times it."""
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    g = torch.tensor([1.0, -2, 3, 0.5, -1, 2, 4, -3, 1], dtype=torch.float64)
    kernelgen.torch.surrogate("snntorch_custom_surrogate", x, backend=backend).backward(g)
    assert torch.allclose(x.grad, g / (25 * x.detach().abs() + 1) ** 2, rtol=1e-14, atol=0)

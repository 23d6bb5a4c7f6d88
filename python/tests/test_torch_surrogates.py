"""kernelgen.torch's SpikeDE drop-in against SpikeDE's formulas (spikede_reference.py, float64 torch): every seed
surrogate, default and other parameters, the grid and special values, shapes, strides, dtypes; the expression
backend (forced on CPU, and on the meta device) against the C kernels."""
import math

import pytest

from spikede_reference import FUNCTIONS, SURROGATES, assert_close, grid, heaviside, torch

import kernelgen
import kernelgen.torch as kt

DTYPES = [torch.float32, torch.float64]
WRAPPERS = {
    "sigmoid": (kt.sigmoid_surrogate, kt.SigmoidSurrogate, 5.0),
    "arctan": (kt.arctan_surrogate, kt.ArctanSurrogate, 2.0),
    "piecewise_linear": (kt.piecewise_linear_surrogate, kt.PiecewiseLinearSurrogate, 1.0),
    "gaussian": (kt.gaussian_surrogate, kt.GaussianSurrogate, 1.0),
}


def grads(fn, x, grad_out):
    """(y, grad_in) of y = fn(x) with grad_out, x a leaf copy."""
    leaf = x.detach().clone().requires_grad_(True)
    y = fn(leaf)
    y.backward(grad_out)
    return y.detach(), leaf.grad


def grad_out_for(x):
    """Upstream gradients that are not all 1: -2 ... 2, some zeros (so the product is checked)."""
    return (torch.arange(x.numel(), dtype=torch.float64).reshape(x.shape) % 9 - 4).to(x.dtype) / 2


def test_the_wrappers_have_spikede_signatures_and_defaults():
    import inspect
    expected = {
        kt.sigmoid_surrogate: "(input, scale=5.0)", kt.arctan_surrogate: "(input, scale=2.0)",
        kt.piecewise_linear_surrogate: "(input, gamma=1.0)", kt.gaussian_surrogate: "(input, sigma=1.0)",
    }
    for fn, signature in expected.items():
        assert str(inspect.signature(fn)) == signature, fn.__name__
    assert str(inspect.signature(kt.noisy_threshold_spike)).startswith("(input, scale=5.0, training=True, sample=True")
    assert str(inspect.signature(kt.NoisyThresholdSpikeModule)) == "(scale=5.0, sample=True)"
    for cls in (kt.SigmoidSurrogate, kt.ArctanSurrogate, kt.PiecewiseLinearSurrogate, kt.GaussianSurrogate):
        assert issubclass(cls, torch.autograd.Function)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(SURROGATES))
@pytest.mark.parametrize("which", ["default", "other"])
def test_forward_and_gradient_match_spikede(name, which, dtype):
    grad, pname, default, other = SURROGATES[name]
    wrapper, function, wrapper_default = WRAPPERS[name]
    assert wrapper_default == default
    value = default if which == "default" else other
    x = grid(dtype, value)
    g = grad_out_for(x)
    want_grad = g.double() * grad(x.double(), value)
    want_y = heaviside(x.double())
    calls = {"Function.apply": lambda t: function.apply(t, value),
             "surrogate()": lambda t: kt.surrogate(name, t, **{pname: value})}
    calls["wrapper"] = (lambda t: wrapper(t)) if which == "default" else (lambda t: wrapper(t, value))
    for label, call in calls.items():
        y, gi = grads(call, x, g)
        assert y.dtype == dtype and gi.dtype == dtype, label
        assert torch.equal(y.double(), want_y), f"{label}: forward is not H(x)"
        assert_close(gi, want_grad, f"{name} {label} {pname}={value} {dtype}", x)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_special_values_one_by_one(dtype):
    """0, -0, +-inf, NaN, subnormals: spikes and gradients as SpikeDE computes them in float64."""
    sub = float(torch.nextafter(torch.tensor(0.0, dtype=dtype), torch.tensor(1.0, dtype=dtype)))
    x = torch.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, sub, -sub], dtype=dtype)
    spikes = kt.sigmoid_surrogate(x)
    assert spikes.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    for name, (grad, pname, default, _) in SURROGATES.items():
        _, gi = grads(lambda t: kt.surrogate(name, t), x, torch.ones_like(x))
        want = grad(x.double(), default)
        for i, (got, expected) in enumerate(zip(gi.tolist(), want.tolist())):
            if math.isnan(expected):
                assert math.isnan(got), (name, x[i].item(), got)
            else:
                assert abs(got - expected) <= 4 * torch.finfo(dtype).eps * abs(expected), (name, x[i].item(), got, expected)
    # piecewise linear: NaN is outside the window (0), sigmoid/arctan/gaussian: NaN
    _, gi = grads(kt.piecewise_linear_surrogate, x, torch.ones_like(x))
    assert gi[4].item() == 0.0 and gi[2].item() == 0.0 and gi[0].item() == 0.5
    _, gi = grads(kt.gaussian_surrogate, x, torch.ones_like(x))
    assert math.isnan(gi[4].item()) and gi[2].item() == 0.0 and gi[3].item() == 0.0


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_shapes_strides_and_empty(dtype):
    """Views of a leaf passed as they are (not cloned, which would change the layout): the leaf's gradient is
    the reference Function's (SpikeDE's formulas through the same view)."""
    base = torch.linspace(-3, 3, 7 * 5 * 4, dtype=torch.float64).to(dtype).reshape(7, 5, 4)
    cases = {  # label: (leaf values, the view passed to the surrogate, contiguous?)
        "0-d": (torch.tensor(0.25, dtype=dtype), lambda t: t, True),
        "empty": (torch.empty(0, 3, dtype=dtype), lambda t: t, True),
        "3-d": (base, lambda t: t, True),
        "transposed": (base, lambda t: t.transpose(0, 2), False),
        "sliced": (base, lambda t: t[:, ::2, 1:], False),
        "offset": (base, lambda t: t[3:], True),
        "expanded": (torch.tensor([[-0.5], [0.5]], dtype=dtype), lambda t: t.expand(2, 6), False),
        "channels_last": (base.reshape(1, 7, 5, 4), lambda t: t.contiguous(memory_format=torch.channels_last), False),
    }
    for label, (values, view, contiguous) in cases.items():
        assert view(values).is_contiguous() == contiguous, label
        for name, (grad, _, default, _) in SURROGATES.items():
            shape = view(values).shape
            g = grad_out_for(torch.empty(shape, dtype=dtype))
            if len(shape) >= 2:  # grad_out with its own strides
                g = g.transpose(0, 1).contiguous().transpose(0, 1)
            leaf = values.detach().clone().requires_grad_(True)
            y = kt.surrogate(name, view(leaf))
            y.backward(g)
            ref_leaf = values.detach().double().clone().requires_grad_(True)
            ref = FUNCTIONS[name].apply(view(ref_leaf), default)
            ref.backward(g.double())
            assert y.shape == shape and y.dtype == dtype and leaf.grad.dtype == dtype, (label, name)
            assert torch.equal(y.double(), ref.detach()), (label, name)
            peak = 2 * g.abs().max().item() * grad(torch.zeros((), dtype=torch.float64), default).item() if g.numel() else 0.0
            assert_close(leaf.grad, ref_leaf.grad, f"{name} {label}", peak=peak)
            # a scalar loss: grad_out is an expanded 1 (stride 0)
            leaf.grad = None
            kt.surrogate(name, view(leaf)).sum().backward()
            ref_leaf.grad = None
            FUNCTIONS[name].apply(view(ref_leaf), default).sum().backward()
            assert_close(leaf.grad, ref_leaf.grad, f"{name} {label} sum()")


def test_non_contiguous_input_gives_the_gradient_at_its_own_elements():
    """The copy made of a non-contiguous input must not mix up elements (x.t() != x.contiguous() order)."""
    x = torch.tensor([[-1.0, 0.1], [0.2, -0.3]], requires_grad=True)
    xt = x.t()
    kt.sigmoid_surrogate(xt).backward(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    want = torch.zeros(2, 2, dtype=torch.float64)
    want[0, 0] = SURROGATES["sigmoid"][0](torch.tensor(-1.0, dtype=torch.float64), 5.0)
    assert_close(x.grad, want, "x.t() gradient")


def test_requires_grad_and_no_grad():
    x = torch.linspace(-1, 1, 5)
    y = kt.sigmoid_surrogate(x)
    assert not y.requires_grad and y.grad_fn is None
    leaf = x.clone().requires_grad_(True)
    with torch.no_grad():
        assert not kt.gaussian_surrogate(leaf).requires_grad
    y = kt.gaussian_surrogate(leaf)
    assert y.requires_grad and type(y.grad_fn).__name__ == "KernelgenSpikeBackward"  # (forward-mode AD too)
    assert type(kt.GaussianSurrogate.apply(leaf, 1.0).grad_fn).__name__ == "GaussianSurrogateBackward"
    # the input's other uses are untouched: the spike's backward does not write into saved tensors
    before = leaf.detach().clone()
    (y * 3).sum().backward()
    assert torch.equal(leaf.detach(), before)
    assert_close(leaf.grad, 3 * SURROGATES["gaussian"][0](before.double(), 1.0), "3 * gaussian")


def test_float64_spikes_are_float64():
    """SpikeDE returns float32 spikes for float64 input ((input >= 0).float(), a known bug); kernelgen keeps the dtype."""
    x = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    for fn in (kt.sigmoid_surrogate, kt.arctan_surrogate, kt.piecewise_linear_surrogate, kt.gaussian_surrogate):
        assert fn(x).dtype == torch.float64
    assert kt.noisy_threshold_spike(x, training=False).dtype == torch.float64
    assert kt.noisy_threshold_spike(x, sample=False).dtype == torch.float64


def test_parameters_as_ints_and_one_element_tensors():
    x = grid(torch.float32)
    _, a = grads(lambda t: kt.sigmoid_surrogate(t, 4), x, torch.ones_like(x))
    _, b = grads(lambda t: kt.sigmoid_surrogate(t, torch.tensor(4.0)), x, torch.ones_like(x))
    assert_close(a, SURROGATES["sigmoid"][0](x.double(), 4.0), "scale=4 (int)")
    assert torch.equal(a.nan_to_num(7), b.nan_to_num(7))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_backends_agree_with_the_c_kernels(dtype):
    """swift, jit and the expression module forced on CPU (backend="torch") against the C kernels, for every
    built-in spec: forward, backward and (noisy threshold) the mean-field training forward."""
    infos = {i.name: i for i in kernelgen.surrogates() if i.name in SURROGATES or i.name == "noisy_threshold"}
    assert len(infos) == 5
    x = grid(dtype, 0.375)
    g = grad_out_for(x)
    for name, info in infos.items():
        p = info.params[0]
        for value in (p.default, 0.375):
            want_y, want_g = grads(lambda t: kt.surrogate(name, t, backend="c", training=info.has_train_forward,
                                                           sample=False, **{p.name: value}), x, g)
            for backend in ("swift", "jit", "torch"):
                y, gi = grads(lambda t: kt.surrogate(name, t, backend=backend, training=info.has_train_forward,
                                                     sample=False, **{p.name: value}), x, g)
                assert y.dtype == dtype and gi.dtype == dtype
                assert_close(y, want_y.double(), f"{name} {backend} forward {p.name}={value}", x)
                assert_close(gi, want_g.double(), f"{name} {backend} backward {p.name}={value}", x)
            if info.has_train_forward:  # and the eval forward of the expression module
                y, _ = grads(lambda t: kt.surrogate(name, t, backend="torch", **{p.name: value}), x, g)
                assert torch.equal(y.double(), heaviside(x.double()))


def test_expression_backend_on_the_meta_device():
    """A tensor that is not on the CPU goes to the expression module (as CUDA would): shapes and dtypes flow."""
    x = torch.empty(3, 4, device="meta", dtype=torch.float64, requires_grad=True)
    y = kt.sigmoid_surrogate(x)
    assert y.device.type == "meta" and y.shape == (3, 4) and y.dtype == torch.float64
    y.sum().backward()
    assert x.grad.device.type == "meta" and x.grad.shape == (3, 4)
    z = kt.noisy_threshold_spike(torch.empty(5, device="meta"))
    assert z.device.type == "meta" and z.shape == (5,)


def test_spikede_reference_functions_are_the_formulas():
    """The references themselves (so a wrong reference cannot hide a wrong layer): known values."""
    x = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    FUNCTIONS["sigmoid"].apply(x, 5.0).backward(torch.ones(2, dtype=torch.float64))
    s = 1 / (1 + math.exp(-5))
    assert x.grad.tolist() == pytest.approx([1.25, 5 * s * (1 - s)], rel=1e-15)
    assert SURROGATES["arctan"][0](torch.tensor([0.0, 1.0], dtype=torch.float64), 2.0).tolist() == \
        pytest.approx([1.0, 1 / (1 + math.pi ** 2)], rel=1e-15)
    assert SURROGATES["gaussian"][0](torch.tensor([0.0], dtype=torch.float64), 1.0).item() == \
        pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert SURROGATES["piecewise_linear"][0](torch.tensor([-1.0, 1.0, 1.01], dtype=torch.float64), 1.0).tolist() == [0.5, 0.5, 0.0]

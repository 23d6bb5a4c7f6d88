"""kernelgen.torch's smooth forward (smooth=True): the spec's primitive, with the surrogate gradient as its
gradient. The reference is torch's own autograd of the primitive written here in float64 torch."""
import pytest

from spikede_reference import torch

import kernelgen
import kernelgen.torch as kt

#: name -> (the primitive in torch, parameter name, value)
PRIMITIVES = {
    "sigmoid": (lambda x, s: torch.sigmoid(s * x), "scale", 3.0),
    "arctan": (lambda x, s: torch.atan(torch.pi / 2 * s * x) / torch.pi + 0.5, "scale", 1.5),
    "gaussian": (lambda x, s: (1 + torch.erf(x / (s * 2 ** 0.5))) / 2, "sigma", 0.7),
    "noisy_threshold": (lambda x, s: torch.sigmoid(s * x), "scale", 4.0),
}


@pytest.mark.parametrize("backend", ["c", "jit", "torch"])
@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_smooth_forward_and_its_gradient(name, backend):
    primitive, pname, value = PRIMITIVES[name]
    x = torch.linspace(-4, 4, 801, dtype=torch.float64, requires_grad=True)
    y = kt.surrogate(name, x, backend=backend, smooth=True, **{pname: value})
    (g,) = torch.autograd.grad(y.sum(), x)
    xr = x.detach().clone().requires_grad_(True)
    yr = primitive(xr, torch.tensor(value, dtype=torch.float64))
    (gr,) = torch.autograd.grad(yr.sum(), xr)
    torch.testing.assert_close(y.detach(), yr.detach(), rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(g, gr, rtol=1e-12, atol=1e-14)


def test_piecewise_linear_smooth_forward():
    x = torch.linspace(-3, 3, 601, dtype=torch.float32, requires_grad=True)
    y = kt.surrogate("piecewise_linear", x, smooth=True, gamma=1.0)
    (g,) = torch.autograd.grad(y.sum(), x)
    xd = x.detach()
    torch.testing.assert_close(y.detach(), torch.clamp(xd / 2 + 0.5, 0, 1))
    torch.testing.assert_close(g, ((xd >= -1) & (xd <= 1)).float() / 2)


def test_spike_module_smooth_in_both_modes():
    spike = kt.Spike("sigmoid", smooth=True, scale=2.0)
    x = torch.tensor([-1.0, 0.0, 0.5], dtype=torch.float64)
    want = torch.sigmoid(2 * x)
    torch.testing.assert_close(spike.train()(x), want)
    torch.testing.assert_close(spike.eval()(x), want)
    assert "smooth=True" in repr(spike)


def test_a_primitive_only_spec_through_torch_and_the_jit():
    kernelgen.load_spec(text="name: torch_prim_only\nsummary: s\nparams:\n  k: 2.0\nprimitive: 0.5 * tanh(k * x) + 0.5\n")
    for backend in ("jit", "torch"):
        x = torch.linspace(-3, 3, 301, dtype=torch.float64, requires_grad=True)
        y = kt.surrogate("torch_prim_only", x, backend=backend, smooth=True)
        (g,) = torch.autograd.grad(y.sum(), x)
        xr = x.detach().clone().requires_grad_(True)
        (gr,) = torch.autograd.grad((0.5 * torch.tanh(2 * xr) + 0.5).sum(), xr)
        torch.testing.assert_close(g, gr, rtol=1e-12, atol=1e-14)
        # the spiking forward's gradient is the same derived backward
        s = kt.surrogate("torch_prim_only", x, backend=backend)
        (gs,) = torch.autograd.grad(s.sum(), x)
        torch.testing.assert_close(gs, gr, rtol=1e-12, atol=1e-14)


def test_smooth_without_a_primitive_is_an_error():
    kernelgen.load_spec(text="name: torch_no_prim\nsummary: s\nbackward: exp(-abs(x)) / 2\n")
    x = torch.zeros(3)
    for backend in ("jit", "torch"):
        with pytest.raises(kernelgen.BackendError, match=r"`torch_no_prim` has no primitive"):
            kt.surrogate("torch_no_prim", x, backend=backend, smooth=True)
    with pytest.raises(kernelgen.BackendError, match=r"`torch_no_prim` has no primitive"):
        kt.Spike("torch_no_prim", backend="jit", smooth=True)
    with pytest.raises(TypeError, match=r"smooth=1; expected True or False"):
        kt.surrogate("sigmoid", x, smooth=1)

"""SpikeDE's surrogate module (shared/seed/spikede-surrogate.md), its formulas copied into float64 torch, as the
references of the torch layer's tests; nothing here calls kernelgen. Also the torch import of those tests: in CI
(KERNELGEN_REQUIRE_TORCH=1) a missing torch is a failure, elsewhere the tests skip with the command that
installs the machine's CPU wheel."""
import math
import os

import pytest

if os.environ.get("KERNELGEN_REQUIRE_TORCH") == "1":
    import torch
else:
    torch = pytest.importorskip(
        "torch",
        reason="torch is not installed: pip install \"$(ls ${PIP_FIND_LINKS:-/opt/wheels}/torch-*+cpu-*.whl)\" "
               "(the machine's CPU wheel; PyPI's torch is a CUDA build)",
    )


# The surrogate gradients of SpikeDE's backward methods, in float64 (x and the parameter made float64 first).
def sigmoid_grad(x, scale):
    sigmoid = torch.sigmoid(scale * x)
    return scale * sigmoid * (1 - sigmoid)


def arctan_grad(x, scale):
    return scale / 2 / (1 + (math.pi / 2 * scale * x).pow_(2))


def piecewise_linear_grad(x, gamma):
    return ((x >= -gamma) & (x <= gamma)).double() / (2 * gamma)


def gaussian_grad(x, sigma):
    return torch.exp(-(x ** 2) / (2 * sigma ** 2)) / (sigma * torch.sqrt(torch.tensor(2 * torch.pi, dtype=torch.float64)))


def heaviside(x):
    """SpikeDE's forward, (input >= 0), as float64 (SpikeDE itself returns float32: `.float()`)."""
    return (x >= 0).double()


#: name -> (SpikeDE's gradient, the parameter, SpikeDE's default, another value exact in float32).
SURROGATES = {
    "sigmoid": (sigmoid_grad, "scale", 5.0, 2.5),
    "arctan": (arctan_grad, "scale", 2.0, 0.75),
    "piecewise_linear": (piecewise_linear_grad, "gamma", 1.0, 0.375),
    "gaussian": (gaussian_grad, "sigma", 1.0, 0.4375),
}


def _function(name, grad):
    """An autograd Function written as SpikeDE writes them: ctx.save_for_backward(input), forward (input >= 0)
    (in the input's dtype here, so float64 runs stay float64), backward grad_output * the formula in the
    input's dtype."""

    class Reference(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, param):
            ctx.save_for_backward(input)
            ctx.param = param
            return (input >= 0).to(input.dtype)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * grad(input, ctx.param).to(input.dtype), None

    Reference.__name__ = f"SpikeDE_{name}"
    return Reference


FUNCTIONS = {name: _function(name, entry[0]) for name, entry in SURROGATES.items()}


def noisy_threshold_spike(input, scale=5.0, training=True, sample=True, u=None):
    """SpikeDE's noisy_threshold_spike in plain torch (autograd through torch.sigmoid); `u` replaces its
    torch.rand_like draw when given. Eval returns the input's dtype here (SpikeDE: float32)."""
    if not training:
        return (input >= 0).to(input.dtype)
    z = input * scale
    if sample:
        if u is None:
            u = torch.rand_like(input)
        u = u.clamp(1e-6, 1 - 1e-6)
        g = torch.log(u) - torch.log1p(-u)
        return torch.sigmoid(z + g)
    return torch.sigmoid(z)


def edge_values(dtype):
    """0, -0, +-1e-8, subnormals, the smallest normal, +-1, large values, +-max, +-inf and NaN, in `dtype`."""
    info = torch.finfo(dtype)
    sub = float(torch.nextafter(torch.tensor(0.0, dtype=dtype), torch.tensor(1.0, dtype=dtype)))
    values = [0.0, -0.0, 1e-8, -1e-8, sub, -sub, info.tiny, -info.tiny, info.tiny / 4, 1.0, -1.0, 1e4, -1e4, 1e30,
              -1e30, info.max, -info.max, math.inf, -math.inf, math.nan]
    return torch.tensor(values, dtype=dtype)


def grid(dtype, param=None):
    """[-10, 10] in steps of 0.01, +-param (a window's edges) and the edge values, in `dtype`."""
    parts = [torch.arange(-1000, 1001, dtype=torch.float64).to(dtype) / 100, edge_values(dtype)]
    if param is not None:
        parts.append(torch.tensor([param, -param], dtype=dtype))
    return torch.cat(parts)


def misses(got, want, what, x=None, peak=None):
    """Where `got` (the layer's dtype) is not `want` (float64) within the project's bound: |got - want| <=
    4 ulp(want in got's dtype) + 4 eps * peak, NaN where NaN, infinities and exact zeros equal. `peak` is the
    function's peak magnitude (default: max|want|; give it when `want` holds only a tail, where SpikeDE's own
    float64 formula, e.g. 1 - sigmoid near 1, has absolute errors of eps times the peak)."""
    assert got.shape == want.shape, f"{what}: shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    dtype = got.dtype
    info = torch.finfo(dtype)
    want = want.double()
    finite = torch.isfinite(want)
    if peak is None:
        peak = want[finite].abs().max().item() if finite.any() else 0.0
    rounded = want.to(dtype).abs()
    ulp = (torch.nextafter(rounded, torch.full_like(rounded, math.inf)) - rounded).double()
    ulp = torch.where(torch.isfinite(ulp), ulp, torch.full_like(ulp, info.max))
    bound = 4 * ulp + 4 * info.eps * peak
    g = got.double()
    bad = torch.where(torch.isnan(want), ~torch.isnan(g),
                      torch.where(finite, ~((g - want).abs() <= bound), g != want))
    if not bad.any():
        return []
    index = bad.reshape(-1).nonzero().flatten()[:8].tolist()
    flat_x = None if x is None else x.reshape(-1)
    return [f"{what}: at {i}" + ("" if flat_x is None else f" (x = {flat_x[i].item()!r})")
            + f": got {got.reshape(-1)[i].item()!r}, expected {want.reshape(-1)[i].item()!r}" for i in index]


def assert_close(got, want, what, x=None, peak=None):
    found = misses(got, want, what, x, peak)
    assert not found, f"{len(found)}+ misses:\n" + "\n".join(found)

"""Learnable surrogate parameters: a parameter given as a tensor that requires grad (an nn.Parameter) gets the
gradient of the spec's primitive with respect to it (summed over elements, times grad_out), checked against
finite differences of the primitive in float64 and a hand-written derivative; the optimiser's updates reach the
kernels; specs without a primitive and backend "jit" refuse it with the reason; eager and compiled agree."""
import pytest

from spikede_reference import torch

import kernelgen
import kernelgen.torch as kt

X = torch.linspace(-2, 2, 41, dtype=torch.float64)
G = torch.linspace(-1, 3, 41, dtype=torch.float64)


def primitive_slope_fd(name, pname, value, h=1e-6):
    """d/dp sum(G * primitive(X; p)) by central differences of the primitive (smooth=True, no gradient asked)."""
    def total(v):
        return (G * kt.surrogate(name, X, smooth=True, **{pname: v})).sum().item()
    return (total(value + h) - total(value - h)) / (2 * h)


@pytest.mark.parametrize("name,pname,value", [("sigmoid", "scale", 3.0), ("arctan", "scale", 1.5),
                                              ("gaussian", "sigma", 0.7), ("noisy_threshold", "scale", 4.0)])
@pytest.mark.parametrize("backend", ["c", "torch"])
def test_the_gradient_of_a_learnable_parameter(name, pname, value, backend):
    p = torch.nn.Parameter(torch.tensor(value, dtype=torch.float64))
    spike = kt.Spike(name, backend=backend, **{pname: p}).eval()
    assert any(q is p for q in spike.parameters()), "the parameter is not registered with the module"
    leaf = X.clone().requires_grad_(True)
    y = spike(leaf)
    assert torch.equal(y.detach(), (X >= 0).double())
    y.backward(G)
    torch.testing.assert_close(p.grad.item(), primitive_slope_fd(name, pname, value), rtol=1e-6, atol=1e-9)
    # the input's gradient is the surrogate gradient at the parameter's value
    torch.testing.assert_close(leaf.grad, kt.surrogate(name, X, **{pname: value}).new_tensor(0) + _grad(name, pname, value))


def _grad(name, pname, value):
    leaf = X.clone().requires_grad_(True)
    kt.surrogate(name, leaf, **{pname: value}).backward(G)
    return leaf.grad


def test_sigmoid_scale_gradient_by_hand():
    """d/dscale sigmoid(scale x) = x s (1 - s): the sum of G x s (1 - s)."""
    scale = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    kt.surrogate("sigmoid", X, scale=scale).backward(G)
    s = torch.sigmoid(2.5 * X)
    torch.testing.assert_close(scale.grad, (G * X * s * (1 - s)).sum(), rtol=1e-12, atol=1e-15)
    # the drop-in with a tensor parameter: SpikeDE's returns no gradient for it; kernelgen's the same as above
    scale2 = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    kt.SigmoidSurrogate.apply(X, scale2).backward(G)
    torch.testing.assert_close(scale2.grad, scale.grad)


def test_optimiser_updates_reach_the_kernels():
    scale = torch.nn.Parameter(torch.tensor(2.0))
    spike = kt.Spike("sigmoid", scale=scale)
    optimiser = torch.optim.SGD(spike.parameters(), lr=0.5)
    x = torch.linspace(-1, 2, 9)  # not symmetric: the scale's gradient is not 0
    for _ in range(3):
        leaf = x.clone().requires_grad_(True)
        spike(leaf).sum().backward()
        s = torch.sigmoid(scale.detach() * x)
        torch.testing.assert_close(leaf.grad, scale.detach() * s * (1 - s))  # the current value, not the first
        optimiser.step()
        optimiser.zero_grad()
    assert scale.item() != 2.0


def test_refusals_say_why():
    with pytest.raises(kernelgen.BackendError, match="no primitive.*`width`"):
        kt.Spike("noisy_gradient", width=torch.nn.Parameter(torch.tensor(1.0)))
    with pytest.raises(kernelgen.BackendError, match="no primitive.*`width`"):
        kt.surrogate("noisy_gradient", torch.zeros(3), width=torch.tensor(1.0, requires_grad=True))
    with pytest.raises(kernelgen.BackendError, match="jit.*learnable"):
        kt.Spike("sigmoid", backend="jit", scale=torch.nn.Parameter(torch.tensor(4.0)))
    with pytest.raises(kernelgen.BackendError, match="jit.*learnable"):
        kt.surrogate("sigmoid", torch.zeros(3), backend="jit", scale=torch.tensor(4.0, requires_grad=True))
    # a tensor that does not require grad is a value, on every backend
    assert torch.equal(kt.surrogate("sigmoid", torch.ones(2), backend="jit", scale=torch.tensor(4.0)), torch.ones(2))


@pytest.mark.parametrize("compiler", ["aot_eager", "inductor"])
def test_compiled_learnable_parameter_matches_eager(compiler):
    grads = []
    for compiled in (False, True):
        torch._dynamo.reset()
        scale = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
        spike = kt.Spike("arctan", scale=scale)
        f = torch.compile(spike, fullgraph=True, backend=compiler) if compiled else spike
        leaf = X.clone().requires_grad_(True)
        f(leaf).backward(G)
        grads.append((leaf.grad, scale.grad))
    torch.testing.assert_close(grads[1][0], grads[0][0], rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(grads[1][1], grads[0][1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("how", ["surrogate c", "surrogate torch", "op"])
def test_a_gradient_penalty_reaches_a_learnable_parameter(how):
    """d/d scale of sum((d spike / dx)^2) through create_graph=True: sum 2 g (q (1 - q) + s x q (1 - q)(1 - 2 q)),
    g = s q (1 - q), q = sigmoid(s x) (by hand)."""
    scale = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
    x = torch.linspace(-2.5, 2.5, 51, dtype=torch.float64, requires_grad=True)
    if how == "op":
        y = torch.ops.kernelgen.spike(x, "sigmoid", "c", ["scale"], [], [scale], "eval", None)
    else:
        y = kt.surrogate("sigmoid", x, backend=how.split()[1], scale=scale)
    (gx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (gx ** 2).sum().backward()
    xs = x.detach()
    q = torch.sigmoid(3.0 * xs)
    g = 3.0 * q * (1 - q)
    want = (2 * g * (q * (1 - q) + 3.0 * xs * q * (1 - q) * (1 - 2 * q))).sum()
    torch.testing.assert_close(scale.grad, want, rtol=1e-12, atol=1e-14)


def test_torch_func_grad_with_respect_to_a_parameter():
    x = torch.linspace(-1, 2.5, 40, dtype=torch.float64)
    q = torch.sigmoid(3 * x)
    got = torch.func.grad(lambda s: kt.surrogate("sigmoid", x, scale=s).sum())(torch.tensor(3.0, dtype=torch.float64))
    torch.testing.assert_close(got, (x * q * (1 - q)).sum(), rtol=1e-12, atol=1e-14)
    # the per-sample recipe's first half: grad of a functional_call over the module's parameters
    spike = kt.Spike("arctan", scale=torch.nn.Parameter(torch.tensor(1.5, dtype=torch.float64)))
    params = dict(spike.named_parameters())
    grads = torch.func.grad(lambda p: torch.func.functional_call(spike, p, (x,)).sum())(params)
    eager = spike(x)
    eager.sum().backward()
    torch.testing.assert_close(grads["scale"], spike.scale.grad, rtol=1e-12, atol=1e-14)


def test_reassigning_params_takes_effect_with_learnable_values():
    spike = kt.Spike("sigmoid", scale=torch.nn.Parameter(torch.tensor(4.0)))
    spike.params = {"scale": 1.0}
    assert [n for n, _ in spike.named_parameters()] == []
    x = torch.zeros(3, requires_grad=True)
    spike(x).sum().backward()
    assert torch.equal(x.grad, torch.full((3,), 0.25))  # scale / 4 at 0: the new value
    spike.params = {"scale": torch.nn.Parameter(torch.tensor(2.0))}
    spike.scale = torch.nn.Parameter(torch.tensor(8.0))  # the registered attribute, reassigned
    x = torch.zeros(3, requires_grad=True)
    spike(x).sum().backward()
    assert torch.equal(x.grad, torch.full((3,), 2.0))


def test_a_parameter_named_like_a_module_attribute():
    name = kernelgen.load_spec(text="name: kg_named\nsummary: a parameter called name\nparams:\n  name:\n"
                                    "    default: 2.0\n    min: 0.1\nforward: heaviside(x)\n"
                                    "backward: name * sigmoid(name * x) * (1 - sigmoid(name * x))\nprimitive: sigmoid(name * x)\n",
                               file="kg_named.yaml")
    value = torch.nn.Parameter(torch.tensor(2.0, dtype=torch.float64))
    spike = kt.Spike(name, backend="torch", params={"name": value})
    assert spike.name == "kg_named" and spike.param_name is value
    x = torch.linspace(-1, 2, 7, dtype=torch.float64)
    spike(x).sum().backward()
    q = torch.sigmoid(2 * x)
    torch.testing.assert_close(value.grad, (x * q * (1 - q)).sum(), rtol=1e-12, atol=1e-14)


def test_load_spec_between_forward_and_a_higher_derivative_is_refused():
    x = torch.linspace(-1, 1, 5, dtype=torch.float64, requires_grad=True)
    y = kt.surrogate("sigmoid", x, backend="jit")
    kernelgen.load_spec(text="name: kg_other\nsummary: another\nforward: heaviside(x)\n"
                             "backward: 1 / (1 + x * x) / 3.141592653589793\n", file="kg_other.yaml")
    with pytest.raises(kernelgen.SpecError, match="load_spec was called between"):
        torch.autograd.grad(y.sum(), x, create_graph=True)
    (g,) = torch.autograd.grad(kt.surrogate("sigmoid", x, backend="jit").sum(), x)  # a new call is fine
    assert torch.isfinite(g).all()


def test_flags_are_booleans():
    for kw in (dict(training="no"), dict(sample="no"), dict(smooth=1)):
        with pytest.raises(TypeError, match="expected True or False"):
            kt.surrogate("sigmoid", torch.zeros(2), **kw)
    with pytest.raises(TypeError, match="expected True or False"):
        kt.noisy_threshold_spike(torch.zeros(2), training="no")

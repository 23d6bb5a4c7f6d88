"""torch.func and forward-mode AD on kernelgen.torch: vmap, grad, vmap(grad), jacrev, jacfwd, jvp, gradcheck with
forward AD, against finite differences in float64 (smooth=True: the spec's primitive, whose derivative the
surrogate is) and against SpikeDE's formulas (the hard spike's surrogate gradient)."""
import pytest

from spikede_reference import SURROGATES, torch

import kernelgen.torch as kt

func = torch.func
X = torch.tensor([-2.3, -1.1, -0.37, 0.0, 0.21, 0.83, 1.7], dtype=torch.float64)
SMOOTH = ["sigmoid", "arctan", "gaussian", "noisy_threshold"]


def finite_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("backend", ["c", "jit", "torch"])
def test_grad_jacrev_jacfwd_jvp_match_finite_differences(name, backend):
    f = lambda x: kt.surrogate(name, x, backend=backend, smooth=True)
    expected = finite_difference(lambda v: f(v), X)
    per_sample = func.vmap(func.grad(lambda v: f(v)))(X)
    torch.testing.assert_close(per_sample, expected, rtol=1e-7, atol=1e-9)
    torch.testing.assert_close(torch.diagonal(func.jacrev(f)(X)), expected, rtol=1e-7, atol=1e-9)
    torch.testing.assert_close(torch.diagonal(func.jacfwd(f)(X)), expected, rtol=1e-7, atol=1e-9)
    tangent = torch.linspace(-1, 2, X.numel(), dtype=torch.float64)
    value, out_tangent = func.jvp(f, (X,), (tangent,))
    torch.testing.assert_close(value, f(X))
    torch.testing.assert_close(out_tangent, expected * tangent, rtol=1e-7, atol=1e-9)
    # (check_batched_grad uses the legacy vmap of torch._vmap_internals, which knows no autograd.Function's vmap
    # rule; torch.func's batching is checked above: vmap(grad), jacrev, jacfwd)
    assert torch.autograd.gradcheck(f, (X.clone().requires_grad_(True),), check_forward_ad=True)


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_the_hard_spike_through_torch_func_is_the_surrogate_gradient(name):
    grad_formula, pname, default, other = SURROGATES[name]
    functions = [lambda x: kt.surrogate(name, x, **{pname: other}),
                 lambda x: getattr(kt, f"{name}_surrogate")(x, other)]
    want = grad_formula(X, other)
    for f in functions:
        assert torch.equal(func.vmap(f)(X.reshape(7, 1)).reshape(7), (X >= 0).double())
        torch.testing.assert_close(func.vmap(func.grad(f))(X), want, rtol=1e-12, atol=1e-15)
        torch.testing.assert_close(torch.diagonal(func.jacrev(f)(X)), want, rtol=1e-12, atol=1e-15)
        _, tangent = func.jvp(f, (X,), (torch.ones_like(X),))
        torch.testing.assert_close(tangent, want, rtol=1e-12, atol=1e-15)
    # the drop-in Function: vmap and reverse mode (Dynamo cannot trace a Function with a custom jvp)
    cls = {"sigmoid": kt.SigmoidSurrogate, "arctan": kt.ArctanSurrogate,
           "piecewise_linear": kt.PiecewiseLinearSurrogate, "gaussian": kt.GaussianSurrogate}[name]
    torch.testing.assert_close(func.vmap(func.grad(lambda x: cls.apply(x, other)))(X), want, rtol=1e-12, atol=1e-15)


def test_vmap_over_a_batch_dimension_that_is_not_the_first():
    x = torch.randn(3, 5, 4, dtype=torch.float64)
    got = func.vmap(lambda v: kt.surrogate("gaussian", v, sigma=0.5), in_dims=1)(x)
    assert torch.equal(got, kt.surrogate("gaussian", x.movedim(1, 0), sigma=0.5))


def test_vmap_randomness():
    x = torch.zeros(4, 1000)
    with pytest.raises(RuntimeError, match="randomness"):
        func.vmap(lambda v: kt.noisy_threshold_spike(v))(x)
    different = func.vmap(lambda v: kt.noisy_threshold_spike(v), randomness="different")(x)
    assert not torch.equal(different[0], different[1])
    same = func.vmap(lambda v: kt.noisy_threshold_spike(v), randomness="same")(x)
    assert all(torch.equal(same[0], same[k]) for k in range(1, 4)) and 0.4 < same.mean().item() < 0.6
    mean = func.vmap(lambda v: kt.noisy_threshold_spike(v, sample=False))(x)  # no randomness: the default works
    assert torch.equal(mean, torch.full_like(x, 0.5))


def test_forward_ad_dual_numbers():
    import torch.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        dual = fwAD.make_dual(X, torch.ones_like(X))
        out = fwAD.unpack_dual(kt.sigmoid_surrogate(dual, 2.5))
    assert torch.equal(out.primal, (X >= 0).double())
    torch.testing.assert_close(out.tangent, SURROGATES["sigmoid"][0](X, 2.5), rtol=1e-12, atol=1e-15)


def test_jacfwd_of_a_sampled_backward_is_its_gradient():
    """Each batch entry of jacfwd's vmap is the unbatched call: the same noise counters as grad's."""
    x = torch.linspace(-0.9, 0.9, 9, dtype=torch.float64)
    f = lambda v: kt.surrogate("noisy_gradient", v, training=True, seed=99)
    leaf = x.clone().requires_grad_(True)
    f(leaf).sum().backward()
    torch.testing.assert_close(torch.diagonal(torch.func.jacfwd(f)(x)), leaf.grad, rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(torch.diagonal(torch.func.jacrev(f)(x)), leaf.grad, rtol=1e-12, atol=1e-15)


def test_vmap_randomness_same_on_the_expression_module():
    x = torch.zeros(3, 500)
    same = torch.func.vmap(lambda v: kt.noisy_threshold_spike(v, backend="torch"), randomness="same")(x)
    assert torch.equal(same[0], same[1]) and torch.equal(same[0], same[2])

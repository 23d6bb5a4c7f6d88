"""kernelgen.torch with noise in the backward (`noisy_gradient`: the triangle max(0, 1 - |x| / width) times
1 + jitter (2u - 1), u drawn at backward time): training with sampling samples the backward with the Philox seed
the forward of the same call drew (the NumPy layer given that seed computes the same gradient), reproducibly under
torch.manual_seed; eval and sample=False give the mean-field backward, the triangle; the expression module
samples from torch's generator; the NumPy layer refuses a sampled backward without a seed."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kernelgen  # noqa: E402
import kernelgen.torch as kt  # noqa: E402

NAME = "noisy_gradient"


def triangle(x, width=1.0):
    return torch.clamp(1 - x.abs() / width, min=0)


def gradient(x, **kw):
    x = x.detach().clone().requires_grad_(True)
    kt.surrogate(NAME, x, **kw).backward(torch.ones_like(x))
    return x.grad


def drawn_key(seed):
    """The Philox key kernelgen.torch draws from torch's generator after torch.manual_seed(seed)."""
    torch.manual_seed(seed)
    return int(torch.randint(-(1 << 63), (1 << 63) - 1, (), dtype=torch.int64)) & ((1 << 64) - 1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_sampled_backward_uses_the_forwards_seed(dtype):
    """The backward of a sampled training call is the NumPy layer's sampled backward with the forward's key."""
    x = torch.linspace(-1.5, 1.5, 301, dtype=dtype)
    torch.manual_seed(5)
    got = gradient(x, training=True)
    s = kernelgen.Surrogate(NAME, dtype=str(dtype).removeprefix("torch."))
    want = s.backward(x.numpy(), np.ones(x.shape, dtype=s.dtype), training=True, seed=drawn_key(5))
    assert np.array_equal(got.numpy(), want)
    assert not torch.equal(got, triangle(x).to(dtype))  # really sampled
    # an explicit seed keys both too
    assert np.array_equal(gradient(x, training=True, seed=99).numpy(),
                          s.backward(x.numpy(), np.ones(x.shape, dtype=s.dtype), training=True, seed=99))


def test_sampled_backward_is_reproducible_and_fresh_every_call():
    x = torch.linspace(-1, 1, 200, dtype=torch.float64)
    torch.manual_seed(11)
    a, b = gradient(x, training=True), gradient(x, training=True)
    torch.manual_seed(11)
    assert torch.equal(gradient(x, training=True), a)
    assert not torch.equal(a, b)
    # within the jitter's range of the triangle: 1 + 0.5 (2u - 1) in [0.5, 1.5)
    t = triangle(x)
    assert torch.all(a >= 0.5 * t) and torch.all(a <= 1.5 * t)


@pytest.mark.parametrize("backend", ["c", "swift", "jit", "torch"])
def test_eval_and_mean_field_backward_is_the_triangle(backend):
    x = torch.linspace(-2, 2, 401, dtype=torch.float64)
    for kw in ({"training": False}, {"training": True, "sample": False}):
        g = gradient(x, backend=backend, width=0.5, **kw)
        assert torch.allclose(g, triangle(x, 0.5), rtol=0, atol=4e-16), (backend, kw)


def test_spike_module_samples_the_backward_only_in_training():
    x = torch.linspace(-1, 1, 100, dtype=torch.float32)
    module = kt.Spike(NAME, seed=3)
    module.train()
    v = x.clone().requires_grad_(True)
    module(v).sum().backward()
    s = kernelgen.Surrogate(NAME)
    assert np.array_equal(v.grad.numpy(), s.backward(x.numpy(), np.ones(100, np.float32), training=True, seed=3))
    module.eval()
    w = x.clone().requires_grad_(True)
    module(w).sum().backward()
    assert torch.allclose(w.grad, triangle(x), rtol=0, atol=1e-7)


def test_expression_backend_samples_from_torchs_generator():
    """backend="torch" (what other devices use): the noise is torch.rand from the generator at backward time."""
    x = torch.linspace(-1, 1, 500, dtype=torch.float64)
    generator = torch.Generator().manual_seed(8)
    a = gradient(x, backend="torch", training=True, generator=generator)
    generator.manual_seed(8)
    u = torch.rand(x.shape, dtype=x.dtype, generator=generator)
    assert torch.allclose(a, triangle(x) * (1 + 0.5 * (2 * u - 1)), rtol=0, atol=4e-16)


def test_numpy_layer_needs_the_seed_of_a_sampled_backward():
    s = kernelgen.Surrogate(NAME, dtype="float64")
    assert s.has_train_backward and s.stochastic
    x = np.linspace(-1, 1, 9)
    with pytest.raises(ValueError, match="seed is None"):
        s.backward(x, np.ones_like(x), training=True)
    # chunks at their offsets are one call
    whole = s.backward(x, np.ones_like(x), training=True, seed=4)
    parts = np.concatenate([s.backward(x[:4], np.ones(4), training=True, seed=4),
                            s.backward(x[4:], np.ones(5), training=True, seed=4, offset=4)])
    assert np.array_equal(whole, parts)
    assert not kernelgen.Surrogate("sigmoid").has_train_backward
    infos = {i.name: i for i in kernelgen.surrogates()}
    assert infos[NAME].has_train_backward and infos[NAME].stochastic and not infos[NAME].has_train_forward
    assert not infos["noisy_threshold"].has_train_backward

"""The noisy threshold's sampled training forward: y = sigmoid(scale x + g), g ~ Logistic(0, 1) from a counter
keyed by the seed: reproducible, chunkable with offsets, the same in every backend, and logistic noise."""
import numpy as np
import pytest

import kernelgen


@pytest.fixture(params=["float32", "float64"])
def spike(request):
    return kernelgen.Surrogate("noisy_threshold", dtype=request.param, scale=2.0)


def test_same_seed_same_noise_other_seed_other_noise(spike):
    x = np.zeros(1000, spike.dtype)
    a = spike.forward(x, training=True, seed=42)
    np.testing.assert_array_equal(spike.forward(x, training=True, seed=42), a)
    assert np.mean(spike.forward(x, training=True, seed=43) != a) > 0.99


def test_chunks_with_offsets_equal_one_call(spike):
    x = np.linspace(-3, 3, 1001).astype(spike.dtype)
    whole = spike.forward(x, training=True, seed=5)
    parts = [spike.forward(x[i:i + 300], training=True, seed=5, offset=i) for i in range(0, 1001, 300)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_every_backend_draws_the_same_noise(spike):
    x = np.linspace(-1, 1, 513).astype(spike.dtype)
    results = [kernelgen.Surrogate("noisy_threshold", backend=b, dtype=spike.dtype.name, scale=2.0)
               .forward(x, training=True, seed=9, offset=3) for b in ("c", "swift", "jit")]
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_the_noise_is_logistic(spike):
    # g = logit(y) - scale x at x = 0: Logistic(0, 1) has mean 0, variance pi^2 / 3 and CDF 1 / (1 + e^-t).
    y = spike.forward(np.zeros(200_000, spike.dtype), training=True, seed=123).astype(np.float64)
    g = (np.log(y) - np.log1p(-y)) / 1.0  # scale * x = 0
    assert abs(g.mean()) < 0.03
    assert abs(g.var() - np.pi ** 2 / 3) < 0.05
    for t in (-2.0, -0.5, 0.0, 1.0, 3.0):
        assert abs(np.mean(g <= t) - 1 / (1 + np.exp(-t))) < 0.005


def test_seed_none_draws_from_numpys_global_generator(spike):
    x = np.zeros(64, spike.dtype)
    np.random.seed(2024)
    first = spike.forward(x, training=True)
    second = spike.forward(x, training=True)
    assert np.mean(first != second) > 0.9  # a fresh seed every call
    np.random.seed(2024)
    np.testing.assert_array_equal(spike.forward(x, training=True), first)
    np.testing.assert_array_equal(spike.forward(x, training=True), second)


def test_a_generator_as_seed(spike):
    x = np.zeros(64, spike.dtype)
    a = spike.forward(x, training=True, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(spike.forward(x, training=True, seed=np.random.default_rng(7)), a)
    seed = int(np.random.default_rng(7).integers(0, 2**64, dtype=np.uint64))
    np.testing.assert_array_equal(spike.forward(x, training=True, seed=seed), a)


def test_eval_and_mean_field_draw_nothing(spike):
    x = np.linspace(-1, 1, 9).astype(spike.dtype)
    np.random.seed(1)
    state = np.random.get_state()[1].copy()
    spike.forward(x)
    spike.forward(x, training=True, sample=False)
    kernelgen.Surrogate("sigmoid").forward(np.zeros(3, np.float32), training=True)  # not stochastic
    np.testing.assert_array_equal(np.random.get_state()[1], state)

"""threads and flush_subnormals."""
import numpy as np
import pytest

import kernelgen


def test_threads_change_nothing_but_speed():
    s = kernelgen.Surrogate("noisy_threshold", scale=3.0)
    assert s.threads is None
    x = np.random.default_rng(1).uniform(-2, 2, 300_000).astype(np.float32)
    s.threads = 1
    assert s.threads == 1
    one = s.forward(x, training=True, seed=11)
    grad_one = s.backward(x, np.ones_like(x), y=one)
    s.threads = 2
    assert s.threads == 2
    np.testing.assert_array_equal(s.forward(x, training=True, seed=11), one)
    np.testing.assert_array_equal(s.backward(x, np.ones_like(x), y=one), grad_one)
    s.threads = None
    assert s.threads is None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_flush_subnormals_zeroes_underflowing_results(dtype):
    # gaussian, sigma = 1: exp(-x^2 / 2) / sqrt(2 pi) is subnormal in float32 near x = 13.3, in float64 near 37.8.
    x = np.array([13.3 if dtype == "float32" else 37.8, 0.0], dtype=dtype)
    s = kernelgen.Surrogate("gaussian", dtype=dtype)
    assert s.flush_subnormals is False
    ieee = s.backward(x, np.ones_like(x))
    tiny = np.finfo(dtype).tiny
    assert 0 < ieee[0] < tiny  # subnormal
    s.flush_subnormals = True
    assert s.flush_subnormals is True
    flushed = s.backward(x, np.ones_like(x))
    assert flushed[0] == 0
    assert flushed[1] == ieee[1]
    s.flush_subnormals = False
    np.testing.assert_array_equal(s.backward(x, np.ones_like(x)), ieee)


def test_one_surrogate_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    s = kernelgen.Surrogate("sigmoid", dtype="float64")
    x = np.linspace(-4, 4, 10_000)
    expected = s.backward(x, np.ones_like(x))

    def work(i):
        if i % 7 == 0:
            s.flush_subnormals = bool(i % 2)  # settings change while others call
        return s.backward(x, np.ones_like(x))

    with ThreadPoolExecutor(4) as pool:
        for got in pool.map(work, range(200)):
            np.testing.assert_array_equal(got, expected)  # nothing here underflows

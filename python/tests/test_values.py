"""Every built-in surrogate, both dtypes, backends c, swift and jit, its default and one other parameter value:
forward, mean-field training forward and backward against formulas.py, on a grid and the edge values."""
import numpy as np
import pytest

import kernelgen
from formulas import LD, SURROGATES, assert_close, grid, heaviside, sigmoid

DTYPES = [np.float32, np.float64]
BACKENDS = ["c", "swift", "jit"]
CASES = [(name, which) for name in SURROGATES for which in ("default", "other")]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name,which", CASES)
def test_forward_and_backward_match_the_formulas(name, which, backend, dtype):
    backward, param, default, other = SURROGATES[name]
    value = default if which == "default" else other
    s = kernelgen.Surrogate(name, backend=backend, dtype=np.dtype(dtype).name, **({} if which == "default" else {param: value}))
    assert s.backend == backend and s.dtype == np.dtype(dtype) and s.params == {param: value}
    p = LD(dtype(value))  # the kernels compute with the value rounded to their dtype
    x = grid(dtype)
    xl = x.astype(LD)

    y = s.forward(x)
    assert y.dtype == np.dtype(dtype) and y.shape == x.shape
    np.testing.assert_array_equal(y, heaviside(xl).astype(dtype))

    if name == "noisy_threshold":
        # y: the mean-field training forward sigmoid(scale x), which the backward reads.
        y = s.forward(x, training=True, sample=False)
        assert_close(y, sigmoid(p * xl), dtype, f"{name} mean-field forward")
    else:
        np.testing.assert_array_equal(s.forward(x, training=True, sample=False), y)
        np.testing.assert_array_equal(s.forward(x, training=True, seed=1), y)
    g = np.linspace(-2, 3, x.size).astype(dtype)
    grad_in = s.backward(x, g, y=y)
    assert grad_in.dtype == np.dtype(dtype)
    reference = g.astype(LD) * backward(xl, y.astype(LD), p)
    assert_close(grad_in, reference, dtype, f"{name} backward ({backend}, {np.dtype(dtype).name}, {param}={value})")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_backends_agree_bit_for_bit(dtype):
    x = grid(dtype)
    g = np.ones_like(x)
    for name in SURROGATES:
        results = []
        for backend in ("c", "swift"):
            s = kernelgen.Surrogate(name, backend=backend, dtype=np.dtype(dtype).name)
            y = s.forward(x, training=True, seed=7)
            results.append((y, s.backward(x, g, y=y)))
        for a, b in zip(*results):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}: c and swift differ")


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1,), (7,), (2, 3, 4), (5, 1, 6)])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_any_shape(shape, dtype):
    s = kernelgen.Surrogate("arctan", dtype=np.dtype(dtype).name, scale=3.0)
    x = np.random.default_rng(0).uniform(-2, 2, size=shape).astype(dtype)
    g = np.full(shape, 0.5, dtype=dtype)
    y = s.forward(x)
    assert y.shape == shape and y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, heaviside(x.astype(LD)).astype(dtype))
    grad_in = s.backward(x, g)
    assert grad_in.shape == shape
    assert_close(grad_in, LD(0.5) * 3 / LD(2) / (1 + (np.pi / 2 * LD(3) * x.astype(LD)) ** 2), dtype, f"arctan {shape}")


def test_out_is_written_in_place_and_returned():
    s = kernelgen.Surrogate("gaussian", dtype="float64", sigma=0.5)
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    out = np.full((3, 4), 99.0)
    assert s.forward(x, out=out) is out
    np.testing.assert_array_equal(out, (x >= 0).astype(np.float64))
    grad = np.empty((3, 4))
    assert s.backward(x, np.ones_like(x), out=grad) is grad
    assert_close(grad, np.exp(-(x.astype(LD) ** 2) / (2 * LD(0.25))) / (LD(0.5) * np.sqrt(2 * LD(np.pi))), np.float64, "out")


def test_read_only_inputs_are_accepted_without_copy():
    s = kernelgen.Surrogate("sigmoid")
    x = np.linspace(-1, 1, 9, dtype=np.float32)
    x.flags.writeable = False
    g = np.ones(9, np.float32)
    g.flags.writeable = False
    assert_close(s.backward(x, g), 5 * sigmoid(LD(5) * x.astype(LD)) * (1 - sigmoid(LD(5) * x.astype(LD))), np.float32, "ro")


@pytest.mark.parametrize("backend", ["c", "jit"])
def test_float16_arrays_are_the_float32_results_rounded(backend):
    """NumPy float16 arrays (ABI 9): every op's result is the float32 Surrogate's rounded by NumPy (to nearest
    even), bit for bit; a backward that reads y takes the float32 forward output."""
    x = np.concatenate([np.linspace(-8, 8, 1001), [0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, 65504.0]]).astype(np.float16)
    g = np.linspace(-2, 2, x.size).astype(np.float16)
    for name in ("sigmoid", "noisy_threshold", "noisy_gradient"):
        half = kernelgen.Surrogate(name, backend=backend, dtype="float16")
        wide = kernelgen.Surrogate(name, backend=backend, dtype="float32")
        assert half.dtype == np.float16
        y32 = wide.forward(x.astype(np.float32), training=True, sample=False)
        got = {"forward": half.forward(x), "train": half.forward(x, training=True, seed=5, offset=3),
               "backward": half.backward(x, g, y=y32), "train_backward": half.backward(x, g, y=y32, training=True, seed=5)}
        want = {"forward": wide.forward(x.astype(np.float32)),
                "train": wide.forward(x.astype(np.float32), training=True, seed=5, offset=3),
                "backward": wide.backward(x.astype(np.float32), g.astype(np.float32), y=y32),
                "train_backward": wide.backward(x.astype(np.float32), g.astype(np.float32), y=y32, training=True, seed=5)}
        for op in got:
            assert got[op].dtype == np.float16
            expected = want[op].astype(np.float16)
            nan = np.isnan(expected)
            assert np.array_equal(np.isnan(got[op]), nan), (name, op)
            assert np.array_equal(got[op][~nan].view(np.uint16), expected[~nan].view(np.uint16)), (name, op)
        if half.backward_reads_y:
            with pytest.raises(TypeError, match=r"expected float32: a float16 backward reads the forward's value before rounding"):
                half.backward(x, g, y=y32.astype(np.float16))
        with pytest.raises(TypeError, match=r"x has dtype <f4 \(float32\); expected float16"):
            half.forward(x.astype(np.float32))


def test_bfloat16_binds_and_says_what_numpy_arrays_need():
    """A bfloat16 Surrogate binds (kernelgen.torch calls it on tensors); NumPy has no bfloat16 of its own, so without
    ml_dtypes an array call says what to do instead."""
    s = kernelgen.Surrogate("sigmoid", dtype="bfloat16")
    assert s.dtype.name == "bfloat16"
    try:
        import ml_dtypes
    except ImportError:
        with pytest.raises(TypeError, match="ml_dtypes"):
            s.forward(np.zeros(3, np.float32))
        return
    x = np.linspace(-3, 3, 101).astype(ml_dtypes.bfloat16)
    expected = kernelgen.Surrogate("sigmoid").backward(x.astype(np.float32), np.ones(101, np.float32)).astype(ml_dtypes.bfloat16)
    assert np.array_equal(s.backward(x, np.ones(101, ml_dtypes.bfloat16)).view(np.uint16), expected.view(np.uint16))

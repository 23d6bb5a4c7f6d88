"""SpikeDE's surrogate formulas (shared/seed/spikede-surrogate.md), written here in NumPy long double (80-bit on
x86-64) as the references of the tests. Parameters are rounded to the kernels' dtype first, as the kernels
receive them. Nothing here calls kernelgen."""
import numpy as np

LD = np.longdouble


def heaviside(x):
    """H(x): 1 at x >= 0 (-0 included), 0 below and at NaN."""
    return (x >= 0).astype(LD)


def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def sigmoid_backward(x, scale):
    s = sigmoid(scale * x)
    return scale * s * (1 - s)


def arctan_backward(x, scale):
    with np.errstate(over="ignore"):
        return scale / 2 / (1 + (np.pi / 2 * scale * x) ** 2)


def gaussian_backward(x, sigma):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(-(x * x) / (2 * sigma * sigma)) / (sigma * np.sqrt(2 * LD(np.pi)))


def piecewise_linear_backward(x, gamma):
    return ((x >= -gamma) & (x <= gamma)).astype(LD) / (2 * gamma)


def noisy_threshold_backward(y, scale):
    """scale * y * (1 - y), y the forward output."""
    return scale * y * (1 - y)


#: name -> (backward(x, y, param), the parameter's name, its default, another value).
SURROGATES = {
    "sigmoid": (lambda x, y, p: sigmoid_backward(x, p), "scale", 5.0, 2.5),
    "arctan": (lambda x, y, p: arctan_backward(x, p), "scale", 2.0, 0.7),
    "gaussian": (lambda x, y, p: gaussian_backward(x, p), "sigma", 1.0, 0.4),
    "piecewise_linear": (lambda x, y, p: piecewise_linear_backward(x, p), "gamma", 1.0, 0.3),
    "noisy_threshold": (lambda x, y, p: noisy_threshold_backward(y, p), "scale", 5.0, 3.0),
}


def edge_values(dtype):
    """0, -0, +-1e-8, subnormals, +-1, large values, +-max, +-inf and NaN, in `dtype`."""
    info = np.finfo(dtype)
    tiny_sub = np.nextafter(dtype(0), dtype(1))
    values = [0.0, -0.0, 1e-8, -1e-8, tiny_sub, -tiny_sub, info.tiny / 2, -info.tiny / 2, 1.0, -1.0, 1e4, -1e4,
              1e30, -1e30, info.max, -info.max, np.inf, -np.inf, np.nan]
    return np.array(values, dtype=dtype)


def grid(dtype):
    """[-10, 10] in steps of 0.01, plus the edge values."""
    return np.concatenate([np.arange(-1000, 1001, dtype=np.float64).astype(dtype) / dtype(100), edge_values(dtype)])


def assert_close(got, reference, dtype, what):
    """|got - reference| <= 4 ulp(reference) + 4 eps max|reference| (the bound the Swift tests hold), NaN where
    the reference is NaN, exact zeros and infinities where the reference has them."""
    got = np.asarray(got).astype(LD)
    reference = np.asarray(reference, dtype=LD)
    eps = LD(np.finfo(dtype).eps)
    finite = np.isfinite(reference)
    peak = np.max(np.abs(reference[finite])) if finite.any() else LD(0)
    ulp = np.spacing(np.abs(reference.astype(dtype))).astype(LD)
    with np.errstate(invalid="ignore"):
        bound = 4 * ulp + 4 * eps * peak
        bad = np.where(np.isnan(reference), ~np.isnan(got),
                       np.where(finite, ~(np.abs(got - reference) <= bound), got != reference))
    if bad.any():
        i = np.flatnonzero(bad)[:5]
        raise AssertionError(f"{what}: {bad.sum()} of {bad.size} values off, first at indices {i}: got "
                             f"{got[i].astype(np.float64)}, expected {reference[i].astype(np.float64)}")

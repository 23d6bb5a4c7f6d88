"""The primitive (smooth forward): `Surrogate.primitive`, a primitive-only spec (backward derived by kernelgen) through
the JIT, and the refusal for a spec without one. References written here in NumPy long double."""
import math

import numpy as np
import pytest

import kernelgen
from formulas import LD, edge_values, sigmoid

GRID = np.linspace(-6, 6, 1201)


def erf(x):
    return np.vectorize(math.erf, otypes=[float])(np.asarray(x, dtype=float)).astype(LD)


#: name -> primitive(x, parameter) in long double (erf in double: 1e-16 relative, far inside the bound)
PRIMITIVES = {
    "sigmoid": lambda x, s: sigmoid(s * x),
    "arctan": lambda x, s: np.arctan(LD(np.pi) / 2 * s * x) / LD(np.pi) + LD(0.5),
    "piecewise_linear": lambda x, g: np.clip(x / (2 * g) + LD(0.5), 0, 1),
    "gaussian": lambda x, s: (1 + erf(x / (s * np.sqrt(LD(2))))) / 2,
    "noisy_threshold": lambda x, s: sigmoid(s * x),
}
DEFAULTS = {"sigmoid": ("scale", 5.0), "arctan": ("scale", 2.0), "piecewise_linear": ("gamma", 1.0),
            "gaussian": ("sigma", 1.0), "noisy_threshold": ("scale", 5.0)}


def close(got, want, dtype, ulps=8):
    eps = np.finfo(dtype).eps
    want = np.asarray(want, dtype=LD)
    finite = np.isfinite(want)
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    err = np.abs(got[finite].astype(LD) - want[finite])
    bound = ulps * eps * np.maximum(np.abs(want[finite]), 1)
    assert np.all(err <= bound), (got[finite][err > bound][:5], want[finite][err > bound][:5])


@pytest.mark.parametrize("backend", ["c", "swift", "jit"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_builtin_primitives(name, dtype, backend):
    pname, value = DEFAULTS[name]
    s = kernelgen.Surrogate(name, backend=backend, dtype=dtype)
    assert s.has_primitive
    x = np.concatenate([GRID.astype(dtype), edge_values(np.dtype(dtype).type)])
    want = PRIMITIVES[name](x.astype(LD), LD(np.dtype(dtype).type(value)))
    close(s.primitive(x), want, np.dtype(dtype).type)
    out = np.empty_like(x)
    assert s.primitive(x, out=out) is out


def test_surrogate_infos_say_which_have_a_primitive():
    infos = {i.name: i for i in kernelgen.surrogates()}
    assert all(infos[name].has_primitive for name in PRIMITIVES)


PRIMITIVE_ONLY = """\
name: py_primitive_only
summary: A primitive-only spec.
params:
  scale: {default: 3.0, min: 0.0}
primitive: 0.5 * tanh(scale * x) + 0.5
"""


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_primitive_only_spec_runs_with_its_derived_backward(dtype):
    assert kernelgen.load_spec(text=PRIMITIVE_ONLY) == "py_primitive_only"
    s = kernelgen.Surrogate("py_primitive_only", backend="jit", dtype=dtype, scale=2.0)
    x = GRID.astype(dtype)
    xl = x.astype(LD)
    close(s.primitive(x), 0.5 * np.tanh(2 * xl) + 0.5, np.dtype(dtype).type)
    # d/dx 0.5 tanh(2x) = (1 - tanh(2x)^2), by hand
    g = s.backward(x, np.ones_like(x))
    want = 1 - np.tanh(2 * xl) ** 2
    assert np.all(np.abs(g.astype(LD) - want) <= 8 * np.finfo(dtype).eps * 1)


def test_a_spec_without_primitive_refuses_the_call():
    kernelgen.load_spec(text="name: py_no_primitive\nsummary: s\nbackward: exp(-abs(x)) / 2\n")
    s = kernelgen.Surrogate("py_no_primitive", backend="jit")
    assert not s.has_primitive
    with pytest.raises(kernelgen.BackendError, match=r"`py_no_primitive` has no primitive \(its spec gives no `primitive:` formula\)"):
        s.primitive(np.zeros(3, dtype=np.float32))


def test_a_wrong_backward_is_a_spec_error():
    text = ("name: py_wrong\nsummary: s\nparams:\n  scale: 5\n"
            "backward: scale * sigmoid(scale * x) * (1 - sigmoid(scale * x)) * 1.01\nprimitive: sigmoid(scale * x)\n")
    with pytest.raises(kernelgen.SpecError, match=r"py_wrong.yaml:5:11: error: `backward` is not the derivative of `primitive` "
                                                  r"with scale = 5: they differ by up to 0.0125 at x = 0"):
        kernelgen.load_spec(text=text, file="py_wrong.yaml")

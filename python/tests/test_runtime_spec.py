"""Specs loaded at run time, from text and from a file, served by the JIT."""
import numpy as np
import pytest

import kernelgen
from formulas import LD, assert_close, grid

TRIANGLE = """\
name: {name}
summary: Triangular surrogate.
params:
  width:
    default: 1.0
    min: 0.0
backward: max(0, 1 - abs(x) / width) / width
"""


def triangle(x, width):
    """max is a select in specs (docs/specs.md: `min`/`max`/`clamp` are selects, `b < a ? b : a` for min), so
    max(0, NaN) is 0, unlike numpy.maximum."""
    b = 1 - np.abs(x) / width
    with np.errstate(invalid="ignore"):
        return np.where(LD(0) < b, b, LD(0)) / width


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_spec_from_text_runs_through_the_jit(dtype):
    assert kernelgen.load_spec(text=TRIANGLE.format(name="tri_text")) == "tri_text"
    info = {s.name: s for s in kernelgen.surrogates()}["tri_text"]
    assert info.summary == "Triangular surrogate." and info.params == (kernelgen.Parameter("width", 1.0, 0.0, None, ""),)
    s = kernelgen.Surrogate("tri_text", backend="jit", dtype=dtype, width=0.5)
    assert s.backend == "jit" and s.bind_ms > 0
    x = grid(np.dtype(dtype).type)
    np.testing.assert_array_equal(s.forward(x), (x >= 0).astype(dtype))
    assert_close(s.backward(x, np.ones_like(x)), triangle(x.astype(LD), LD(0.5)), np.dtype(dtype).type, "triangle")


def test_spec_from_a_file(tmp_path):
    path = tmp_path / "tri_file.yaml"
    path.write_text(TRIANGLE.format(name="tri_file"))
    assert kernelgen.load_spec(path=path) == "tri_file"
    s = kernelgen.Surrogate("tri_file", backend="jit", dtype="float64")
    x = np.array([-2.0, -0.5, 0.0, 0.25, 1.0])
    assert_close(s.backward(x, np.ones_like(x)), triangle(x.astype(LD), LD(1)), np.float64, "triangle file")


def test_a_tuning_loop_compiles_one_kernel_per_value():
    kernelgen.load_spec(text=TRIANGLE.format(name="tri_tune"))
    x = np.linspace(-1, 1, 101)
    for width in (0.25, 0.5, 1.0, 2.0):
        s = kernelgen.Surrogate("tri_tune", backend="jit", dtype="float64", width=width)
        assert s.params == {"width": width}
        assert_close(s.backward(x, np.ones_like(x)), triangle(x.astype(LD), LD(width)), np.float64, f"width {width}")


def test_warnings_come_as_spec_warnings():
    # Integrates to 2, not 1: a warning, and the spec still loads.
    text = "name: twice\nsummary: s\nparams: {}\nbackward: 'abs(x) <= 1 ? 1 : 0'\n"
    with pytest.warns(kernelgen.SpecWarning, match=r"<string>:\d+:\d+: warning: .*\[not-normalised\]"):
        assert kernelgen.load_spec(text=text) == "twice"


def test_load_spec_warns_what_kernelgen_check_warns():
    """load_spec runs the one check kernelgen check runs (SpecCheck), the numeric lint included: `exp(x)`
    overflows float32 where the backward is finite (`non-finite-in-dtype`, which only the lint finds)."""
    text = "name: overflows_rt\nsummary: s\nbackward: exp(x) / exp(x) * exp(-x^2 / 2) / sqrt(2 * pi)\n"
    with pytest.warns(kernelgen.SpecWarning) as caught:
        kernelgen.load_spec(text=text)
    messages = [str(w.message) for w in caught]
    assert any(" in float32 " in m and m.endswith("[non-finite-in-dtype]") for m in messages), messages


def test_a_runtime_spec_has_no_c_kernels():
    kernelgen.load_spec(text=TRIANGLE.format(name="tri_noc"))
    with pytest.raises(kernelgen.BackendError, match=r"no c kernel for `tri_noc` in f32; available backends: jit \(a catalogue surrogate or a spec loaded at run time has no ahead-of-time c or swift kernels; the JIT compiles them for it\)"):
        kernelgen.Surrogate("tri_noc", backend="c")


def test_an_integer_parameter_is_described_as_one():
    """`integer: true` reaches the description (kg_surrogates_json), and a non-integer value is refused."""
    text = ("name: stairs\nsummary: A staircase.\nparams:\n  n: {default: 3, integer: true, min: 1, max: 8}\n"
            "backward: exp(-n * x * x)\n")
    assert kernelgen.load_spec(text=text) == "stairs"
    info = {s.name: s for s in kernelgen.surrogates()}["stairs"]
    assert info.params == (kernelgen.Parameter("n", 3.0, 1.0, 8.0, "", integer=True),)
    assert all(not p.integer for s in kernelgen.surrogates() if s.name == "sigmoid" for p in s.params)
    with pytest.raises(kernelgen.ParameterError, match="integer"):
        kernelgen.Surrogate("stairs", backend="jit", n=2.5)


def test_spec_text_that_is_not_utf8_is_refused_with_its_place():
    # Python's str is always UTF-8 on the way in; a C caller's bytes may not be: refused, never repaired to U+FFFD.
    import ctypes

    from kernelgen import _library

    name, warnings, error = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    text = b"name: bad_bytes\nsummary: caf\xe9\nbackward: x\n"
    status = _library.lib.kg_load_spec_text(text, b"bad_bytes.yaml", ctypes.byref(name), ctypes.byref(warnings),
                                            ctypes.byref(error))
    message = _library.take_string(error)
    assert status != 0 and not name.value
    assert message == ("text is not UTF-8 text: an invalid byte at offset 28 (line 2, column 13); "
                       "expected a NUL-terminated UTF-8 string"), message
    with pytest.raises(kernelgen.UnknownSurrogateError):
        kernelgen.Surrogate("bad_bytes")  # nothing was registered


WHERE_IN_SUM = """\
name: where_in_sum
summary: a select reading the index of its sum
params:
  n: {default: 3, integer: true, min: 0, max: 8}
  a: 0.5
backward: sum(k, 0, n, where(x > k, a, 0.0)) + sum(k, 0, n, where(x > 0, a * x, k))
"""


def test_a_where_reading_a_sum_index_runs_on_every_backend():
    """A `where` whose condition or branch reads its sum's index stays inside the sum's loop in the torch module (its
    masks were once defined before the loop: UnboundLocalError), and computes what the JIT's kernel computes."""
    kt = pytest.importorskip("kernelgen.torch")
    torch = pytest.importorskip("torch")
    kernelgen.load_spec(text=WHERE_IN_SUM)
    x = torch.linspace(-2, 5, 57, dtype=torch.float64)
    grads = []
    for backend in ("jit", "torch"):
        xx = x.clone().requires_grad_()
        kt.surrogate("where_in_sum", xx, backend=backend).sum().backward()
        grads.append(xx.grad)
    k = torch.arange(0, 4, dtype=torch.float64)
    by_hand = torch.where(x[:, None] > k, 0.5, 0.0).sum(1) + torch.where(x[:, None] > 0, 0.5 * x[:, None], k).sum(1)
    assert torch.equal(grads[0], grads[1])
    assert torch.allclose(grads[0], by_hand, rtol=1e-15, atol=0)

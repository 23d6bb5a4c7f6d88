"""Every error path of the NumPy layer: the exception's type and what its message says."""
import os
import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest

import kernelgen


@pytest.fixture
def s32():
    return kernelgen.Surrogate("sigmoid")


# MARK: binding

def test_unknown_surrogate_lists_the_known_ones():
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate `sigmoidd`; did you mean `sigmoid`\?; known: .*arctan.*sigmoid"):
        kernelgen.Surrogate("sigmoidd")


def test_unknown_parameter():
    with pytest.raises(kernelgen.ParameterError, match=r"`gaussian` has no parameter `sigmaa`; did you mean `sigma`\?; expected one of: sigma"):
        kernelgen.Surrogate("gaussian", sigmaa=1.0)


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_parameter_out_of_bounds_or_not_finite(value):
    with pytest.raises(kernelgen.ParameterError, match=r"parameter `scale` of `sigmoid` is .*; expected a finite value in \[0.0, inf\]"):
        kernelgen.Surrogate("sigmoid", scale=value)


def test_parameter_not_finite_in_float32_is_fine_in_float64():
    with pytest.raises(kernelgen.ParameterError, match=r"`scale` of `arctan` is 1e\+39, which is infinite in f32; expected a magnitude of at most"):
        kernelgen.Surrogate("arctan", scale=1e39)
    assert kernelgen.Surrogate("arctan", dtype="float64", scale=1e39).params == {"scale": 1e39}


@pytest.mark.parametrize("value", [True, "5", None, 1 + 2j])
def test_parameter_of_the_wrong_kind(value):
    with pytest.raises(TypeError, match=r"parameter scale=.*; expected a real number"):
        kernelgen.Surrogate("sigmoid", scale=value)


def test_numpy_and_integer_parameters_are_numbers():
    assert kernelgen.Surrogate("sigmoid", scale=np.float32(2.5)).params == {"scale": 2.5}
    assert kernelgen.Surrogate("sigmoid", scale=3).params == {"scale": 3.0}


@pytest.mark.parametrize("backend", ["cuda", "C", None])
def test_bad_backend(backend):
    with pytest.raises(TypeError, match=r"backend .* is not one of 'c', 'swift', 'jit'"):
        kernelgen.Surrogate("sigmoid", backend=backend)


@pytest.mark.parametrize("dtype", ["int32", ">f4", ">f2", "banana", None])
def test_bad_dtype(dtype):
    with pytest.raises(TypeError, match=r"dtype .* is not supported; expected \"float32\", \"float64\", \"bfloat16\" or \"float16\""):
        kernelgen.Surrogate("sigmoid", dtype=dtype)


def test_dtype_spellings():
    assert kernelgen.Surrogate("sigmoid", dtype=np.float64).dtype == np.dtype("float64")
    assert kernelgen.Surrogate("sigmoid", dtype=np.dtype("float32")).dtype == np.dtype("float32")


def test_name_of_the_wrong_kind():
    with pytest.raises(TypeError, match=r"name is a int; expected a surrogate's name"):
        kernelgen.Surrogate(3)


# MARK: arrays

def test_not_an_array(s32):
    with pytest.raises(TypeError, match=r"x is a list; expected a numpy.ndarray of float32 \(e.g. numpy.asarray\(x, dtype=numpy.float32\)\)"):
        s32.forward([0.0, 1.0])
    with pytest.raises(TypeError, match=r"x is a float; expected a numpy.ndarray"):
        s32.backward(1.0, np.ones(1, np.float32))


def test_wrong_dtype_says_how_to_convert(s32):
    with pytest.raises(TypeError, match=r"x has dtype <f8 \(float64\); expected float32, the surrogate's dtype: convert with "
                                        r"x.astype\(numpy.float32\) \(a copy\), or use a Surrogate bound with dtype=\"float64\""):
        s32.forward(np.zeros(3))
    with pytest.raises(TypeError, match=r"grad_out has dtype <i8 \(int64\); expected float32.*astype\(numpy.float32\) \(a copy\)$"):
        s32.backward(np.zeros(3, np.float32), np.zeros(3, np.int64))
    with pytest.raises(TypeError, match=r"x has dtype >f4"):
        s32.forward(np.zeros(3, ">f4"))


def test_non_contiguous_input_is_refused_with_the_fix(s32):
    x = np.zeros((4, 6), np.float32)
    for view in (x[:, ::2], x.T, x[::2]):
        with pytest.raises(ValueError, match=r"x is not C-contiguous \(shape .*, strides .*\); expected a C-contiguous array: "
                                             r"pass numpy.ascontiguousarray\(x\) \(a copy\)"):
            s32.forward(view)
    assert s32.forward(np.ascontiguousarray(x.T)).shape == (6, 4)


def test_shape_mismatch(s32):
    with pytest.raises(ValueError, match=r"grad_out has shape \(4,\); expected \(3,\), the shape of x \(no broadcasting\)"):
        s32.backward(np.zeros(3, np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"grad_out has shape \(\); expected \(3,\)"):
        s32.backward(np.zeros(3, np.float32), np.ones((), np.float32))


def test_out_of_the_wrong_kind(s32):
    x = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match=r"out has shape \(4,\); expected \(3,\)"):
        s32.forward(x, out=np.empty(4, np.float32))
    with pytest.raises(TypeError, match=r"out has dtype <f8 \(float64\); expected float32"):
        s32.forward(x, out=np.empty(3))
    with pytest.raises(ValueError, match=r"out is not C-contiguous"):
        s32.backward(x, x, out=np.empty(6, np.float32)[::2])
    ro = np.empty(3, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"out is read-only; expected a writeable array \(or out=None for a new one\)"):
        s32.forward(x, out=ro)
    with pytest.raises(TypeError, match=r"out is a list"):
        s32.forward(x, out=[0, 0, 0])


def test_out_overlapping_an_input(s32):
    x = np.linspace(-1, 1, 8, dtype=np.float32)
    with pytest.raises(ValueError, match=r"y overlaps x \(32 bytes at .*\); expected an output array separate from the inputs"):
        s32.forward(x, out=x)
    g = np.ones(8, np.float32)
    with pytest.raises(ValueError, match=r"grad_in overlaps grad_out"):
        s32.backward(x, g, out=g)
    with pytest.raises(ValueError, match=r"grad_in overlaps x"):
        s32.backward(x, g, out=x)
    buffer = np.zeros(12, np.float32)
    with pytest.raises(ValueError, match=r"y overlaps x"):
        s32.forward(buffer[:8], out=buffer[4:])


def test_backward_that_reads_y_without_y():
    s = kernelgen.Surrogate("noisy_threshold")
    x = np.zeros(3, np.float32)
    with pytest.raises(kernelgen.ForwardOutputRequired, match=r"the backward of `noisy_threshold` reads y, the forward output, and y is None"):
        s.backward(x, x)
    with pytest.raises(ValueError, match=r"y has shape \(2,\); expected \(3,\)"):
        s.backward(x, x, y=np.zeros(2, np.float32))


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "7", True])
def test_bad_seed(seed):
    s = kernelgen.Surrogate("noisy_threshold")
    with pytest.raises(ValueError, match=r"seed=.*; expected an integer from 0 to 2\*\*64 - 1"):
        s.forward(np.zeros(2, np.float32), training=True, seed=seed)


def test_bad_offset():
    s = kernelgen.Surrogate("noisy_threshold")
    with pytest.raises(ValueError, match=r"offset=-1; expected an integer from 0 to 2\*\*64 - 1"):
        s.forward(np.zeros(2, np.float32), training=True, seed=1, offset=-1)


# MARK: settings

@pytest.mark.parametrize("threads", [0, -1, 257, 1.5, True])
def test_bad_threads(s32, threads):
    with pytest.raises(ValueError, match=r"threads=.*; expected None \(automatic\) or an integer from 1 to 256"):
        s32.threads = threads


def test_bad_flush_subnormals(s32):
    with pytest.raises(TypeError, match=r"flush_subnormals=1; expected True or False"):
        s32.flush_subnormals = 1


# MARK: specs

def test_load_spec_needs_exactly_one_source():
    with pytest.raises(TypeError, match=r"expected exactly one of path= \(a spec file\) or text= \(the spec's YAML\)"):
        kernelgen.load_spec()
    with pytest.raises(TypeError, match=r"expected exactly one of"):
        kernelgen.load_spec(path="a.yaml", text="name: a")
    with pytest.raises(TypeError, match=r"path is a int; expected a str or os.PathLike"):
        kernelgen.load_spec(path=3)
    with pytest.raises(TypeError, match=r"text is a bytes; expected the spec's YAML as a str"):
        kernelgen.load_spec(text=b"name: a")


def test_spec_error_holds_every_diagnostic_located():
    text = "name: broken\nsummary: s\nparams:\n  scale: {default: 1}\nbackward: scael * x\ntrain_forward: blah(x)\n"
    with pytest.raises(kernelgen.SpecError) as caught:
        kernelgen.load_spec(text=text, file="broken.yaml")
    message = str(caught.value)
    assert "broken.yaml:5:11: error: in `backward`: unknown identifier `scael`; did you mean `scale`?" in message
    assert "broken.yaml:6:16: error:" in message and "blah" in message
    assert len(caught.value.diagnostics) == 2
    assert isinstance(caught.value, ValueError)


def test_spec_file_name_must_match():
    with pytest.raises(kernelgen.SpecError, match=r"other.yaml:1:7: error: .*"):
        kernelgen.load_spec(text="name: mine\nsummary: s\nbackward: '1'\n", file="other.yaml")


def test_missing_spec_file(tmp_path):
    path = tmp_path / "nothere.yaml"
    with pytest.raises(kernelgen.SpecError, match=rf"{path}:1:1: error: .*\[unreadable-file\]"):
        kernelgen.load_spec(path=path)


def test_replacing_a_built_in_refuses_its_c_kernels():
    # In a process of its own: the replacement drops the built-in's c and swift kernels for the process's life.
    script = """
import warnings, numpy as np, kernelgen
warnings.simplefilter("ignore", kernelgen.SpecWarning)
kernelgen.load_spec(text="name: arctan\\nsummary: replaced\\nparams:\\n  scale: {default: 2.0, min: 0.0}\\nbackward: scale * 0 + 0.5\\n")
try:
    kernelgen.Surrogate("arctan", backend="c")
except kernelgen.BackendError as error:
    print("refused:", error)
print("jit:", kernelgen.Surrogate("arctan", backend="jit").backward(np.zeros(2, np.float32), np.ones(2, np.float32)))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ("refused: `arctan` was replaced by a spec whose text differs from the one its c kernels were made from; "
            "expected backend jit") in result.stdout
    assert "jit: [0.5 0.5]" in result.stdout


# MARK: the library

def test_library_version_is_the_package_version():
    """One home for the version (the library's Version.library): the installed package's metadata says the same."""
    import re
    from pathlib import Path
    source = Path(__file__).resolve().parents[2] / "Sources" / "KernelgenABI" / "Catalog.swift"
    assert kernelgen.__version__ == kernelgen.library_version()
    assert re.search(r'static let library = "([^"]+)"', source.read_text()).group(1) == kernelgen.__version__
    try:
        assert metadata.version("kernelgen") == kernelgen.__version__
    except metadata.PackageNotFoundError:  # run from the source tree with KERNELGEN_LIBRARY
        assert os.environ.get("KERNELGEN_LIBRARY")


def test_kernelgen_library_pointing_nowhere_is_an_import_error(tmp_path):
    env = dict(os.environ, KERNELGEN_LIBRARY=str(tmp_path / "missing.so"))
    result = subprocess.run([sys.executable, "-c", "import kernelgen"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert f"KERNELGEN_LIBRARY={tmp_path / 'missing.so'} is not a file; expected the path of libKernelgenABI.so" in result.stderr


# MARK: kernelgen.torch_source (kg_torch_source)

def test_torch_source_of_builtin_and_runtime_specs():
    text = kernelgen.torch_source("gaussian")
    assert '"""Gaussian-density surrogate' in text and "def backward(x, y, grad_out, p_sigma):" in text
    name = kernelgen.load_spec(text="name: src_demo\nsummary: s\nparams:\n  k: {default: 2, min: 0}\n"
                                    "forward: heaviside(x)\nbackward: k / 2 * exp(-k * abs(x))\n")
    assert "def forward(x, p_k):" in kernelgen.torch_source(name)


def test_torch_source_errors():
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate `gausian`; did you mean `gaussian`\?"):
        kernelgen.torch_source("gausian")
    with pytest.raises(TypeError, match=r"torch_source: name is a int"):
        kernelgen.torch_source(3)
    with pytest.raises(ValueError, match=r"NUL"):
        kernelgen.torch_source("a\0b")


# MARK: NUL in names (the library reads C strings)

def test_a_name_with_nul_is_not_the_name_before_it():
    # "sigmoid\0x" was bound as `sigmoid`, and "scale\0x" set `scale`: the C string ends at the NUL.
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate 'sigmoid\\x00': it holds a NUL character"):
        kernelgen.Surrogate("sigmoid\0")
    with pytest.raises(kernelgen.ParameterError, match=r"`sigmoid` has no parameter 'scale\\x00x': it holds a NUL character"):
        kernelgen.Surrogate("sigmoid", **{"scale\0x": 2.0})


def test_torch_layer_refuses_a_name_with_nul():
    torch = pytest.importorskip("torch")
    import kernelgen.torch as kt
    x = torch.zeros(3)
    for call in (lambda: kt.surrogate("sigmoid\0", x), lambda: kt.Spike("sig\0moid"),
                 lambda: kt.surrogate("sigmoid\0", x, backend="torch")):
        with pytest.raises(kernelgen.UnknownSurrogateError, match=r"holds a NUL character"):
            call()


def test_load_spec_file_name_with_nul():
    with pytest.raises(ValueError, match=r"load_spec: file 'nul_demo.yaml\\x00x' holds a NUL character"):
        kernelgen.load_spec(text="name: nul_demo\nsummary: s\nbackward: x\n", file="nul_demo.yaml\0x")


def test_a_quoted_name_shows_invisible_characters_escaped():
    # A bidi override or a control character in a name is shown as \u{..} in the message, not printed raw
    # (which would reorder or break what the reader sees); the name meant is still suggested.
    with pytest.raises(kernelgen.UnknownSurrogateError) as caught:
        kernelgen.Surrogate("sig\u202emoid")
    message = str(caught.value)
    assert "unknown surrogate `sig\\u{202E}moid`; did you mean `sigmoid`?" in message
    assert "\u202e" not in message
    with pytest.raises(kernelgen.ParameterError) as caught:
        kernelgen.Surrogate("sigmoid", scale=1.0, **{"sca\u2067le": 1.0})
    assert "has no parameter `sca\\u{2067}le`" in str(caught.value)
    assert "\u2067" not in str(caught.value)

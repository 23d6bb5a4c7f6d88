"""`Surrogate`: a surrogate bound to a backend, dtype and parameter values, called on NumPy arrays."""
import ctypes
import json
import numbers
import warnings

import numpy as np

from . import _library
from .arrays import input_array, output_array
from .errors import ForwardOutputRequired, ParameterError, UnknownSurrogateError

DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64), "float16": np.dtype(np.float16)}
#: Half types: computed in float32 and rounded once to nearest even; a backward's y is float32.
HALF_TYPES = ("bfloat16", "float16")
BACKENDS = ("c", "swift", "jit")
_U64 = 1 << 64


class _NoBfloat16:
    """bfloat16 without a NumPy type for it (ml_dtypes not installed): the handle binds (kernelgen.torch calls it
    on tensors' memory); NumPy arrays cannot be passed."""
    name = "bfloat16"


def _bfloat16():
    try:
        import ml_dtypes
    except ImportError:
        return _NoBfloat16
    return np.dtype(ml_dtypes.bfloat16)


def _dtype(dtype):
    if isinstance(dtype, str) and dtype == "bfloat16":
        return _bfloat16()
    try:
        found = None if dtype is None else np.dtype(dtype)
    except TypeError:
        found = None
    if found is not None and found.name == "bfloat16":
        return found
    if found is None or found.name not in DTYPES or not found.isnative:
        raise TypeError(f"dtype {dtype!r} is not supported; expected \"float32\", \"float64\", \"bfloat16\" or "
                        f"\"float16\" (or numpy.float32/64/16)")
    return DTYPES[found.name]


def _arrays_of(dtype):
    """The NumPy dtype of a half type's arrays, or a TypeError that says how to get one."""
    if dtype is _NoBfloat16:
        raise TypeError("NumPy has no bfloat16 type: install ml_dtypes (its bfloat16 arrays are accepted), or use "
                        "kernelgen.torch with torch.bfloat16 tensors")
    return dtype


def _real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parameter {name}={value!r} is a {type(value).__name__}; expected a real number")
    try:
        return float(value)
    except OverflowError:  # an integer beyond every float: infinite, which the runtime's check refuses, naming it
        return float("inf") if value > 0 else float("-inf")


def _u64(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= int(value) < _U64:
        raise ValueError(f"{name}={value!r}; expected an integer from 0 to 2**64 - 1")
    return int(value)


class Surrogate:
    """A surrogate spike function bound to a backend, a dtype and parameter values.

    `Surrogate(name, backend="c", dtype="float32", **params)`: `name` as in `kernelgen.surrogates()` (or returned
    by `load_spec`); `backend` "c" (ahead-of-time C kernels), "swift" or "jit" (kernels compiled for these
    parameter values; the first bind of a value compiles, 15-150 ms, later ones hit the JIT's caches); `dtype`
    "float32", "float64", "bfloat16" or "float16" (or numpy.float32/64/16; bfloat16 arrays are ml_dtypes'); the half
    types are computed in float32 and each result rounded once to nearest even (a backward's `y` is float32, the
    forward's value before rounding); `params` by name, the others take their defaults.

    Raises UnknownSurrogateError (a LookupError), ParameterError (a ValueError: unknown name, out of bounds, not
    finite in the dtype, e.g. scale=1e39 in float32), BackendError (no kernels for that backend, e.g. "c" for a
    spec loaded at run time), CompileError; TypeError for a dtype, backend or value of the wrong kind. When the
    JIT cannot compile and C kernels of the identical spec exist, those serve: a RuntimeWarning, and `backend`
    says "c".

    Arrays: numpy.ndarray of the surrogate's dtype, C-contiguous, any shape (0-d and empty included); no copy
    is made of inputs or of `out`. Another dtype is a TypeError, a non-contiguous array a ValueError (both say
    how to convert). Outputs must not share memory with inputs (ValueError).

    Thread-safe: one Surrogate may be called from several threads at once.
    """

    def __init__(self, name: str, backend: str = "c", dtype="float32", **params):
        self._handle = None
        if not isinstance(name, str):
            raise TypeError(f"name is a {type(name).__name__}; expected a surrogate's name (str)")
        if backend not in BACKENDS:
            raise TypeError(f"backend {backend!r} is not one of {', '.join(map(repr, BACKENDS))}")
        # The library reads C strings: "sigmoid\0x" would bind `sigmoid` and a parameter "scale\0x" set `scale`.
        if "\0" in name:
            raise UnknownSurrogateError(f"unknown surrogate {name!r}: it holds a NUL character; expected a surrogate's name")
        for key in params:
            if "\0" in key:
                raise ParameterError(f"`{name}` has no parameter {key!r}: it holds a NUL character; expected a parameter's name")
        self._dtype = _dtype(dtype)
        values = {key: _real(key, value) for key, value in params.items()}
        names = (ctypes.c_char_p * max(1, len(values)))(*[key.encode("utf-8") for key in values])
        numbers_ = (ctypes.c_double * max(1, len(values)))(*values.values())
        handle, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _library.lib.kg_bind(
            name.encode("utf-8"), backend.encode(), self._dtype.name.encode(), names, numbers_, len(values),
            ctypes.byref(handle), ctypes.byref(error))
        _library.check(status, error)
        self._handle = handle
        self._h = handle.value  # an int: the cheapest argument for the per-call path
        facts = self._facts()
        self._name = facts["name"]
        self._backend = facts["backend"]
        self._params = {key: float(value) for key, value in facts["params"].items()}
        self._stochastic = bool(facts["stochastic"])
        self._reads_y = bool(facts["backward_reads_y"])
        self._has_primitive = bool(facts["has_primitive"])
        self._has_train_backward = bool(facts["has_train_backward"])
        self._bind_ms = float(facts["bind_ms"])
        if self._backend != backend:
            warnings.warn(f"{backend} kernels for `{name}` are unavailable; the {self._backend} kernels serve instead",
                          RuntimeWarning, stacklevel=2)

    def __del__(self):
        if getattr(self, "_handle", None) is not None and _library is not None and _library.lib is not None:
            _library.lib.kg_release(self._handle)
            self._handle = None

    def _facts(self) -> dict:
        text, error = ctypes.c_void_p(), ctypes.c_void_p()
        _library.check(_library.lib.kg_handle_json(self._handle, ctypes.byref(text), ctypes.byref(error)), error)
        return json.loads(_library.take_string(text))

    def _failed(self, function, *args):
        """The per-call path passes no error pointer; on a failure the call is repeated (the kernels are pure and
        the failure is the same) to take the message."""
        error = ctypes.c_void_p()
        _library.check(function(*args[:-1], ctypes.byref(error)), error)
        raise AssertionError(f"{function.__name__} failed, then succeeded on the same arguments")  # not reached

    # MARK: the facts

    name = property(lambda self: self._name, doc="The surrogate's name.")
    backend = property(lambda self: self._backend, doc="The backend that serves the calls: c, swift or jit.")
    dtype = property(lambda self: self._dtype, doc="numpy.dtype('float32'), ('float64'), ('float16') or bfloat16 (ml_dtypes').")
    params = property(lambda self: dict(self._params), doc="Every parameter's value (defaults filled in).")
    stochastic = property(lambda self: self._stochastic, doc="Training samples noise (in the forward, the backward or both).")
    has_train_backward = property(lambda self: self._has_train_backward,
                                  doc="The backward draws noise: `backward(..., training=True, seed=...)` samples it.")
    backward_reads_y = property(lambda self: self._reads_y, doc="`backward` needs y, the forward output.")
    has_primitive = property(lambda self: self._has_primitive,
                             doc="The spec has a `primitive` (the smooth forward): `primitive(x)` computes it.")
    bind_ms = property(lambda self: self._bind_ms, doc="Time the bind took in ms (a JIT compile included).")

    @property
    def threads(self):
        """Threads per call: None (automatic: all cores for 2^18 elements or more, else one) or 1-256."""
        return self._facts()["threads"] or None

    @threads.setter
    def threads(self, value):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= 256):
            raise ValueError(f"threads={value!r}; expected None (automatic) or an integer from 1 to 256")
        error = ctypes.c_void_p()
        _library.check(_library.lib.kg_handle_set_threads(self._handle, int(value or 0), ctypes.byref(error)), error)

    @property
    def flush_subnormals(self) -> bool:
        """True: subnormal inputs and results are flushed to zero during calls (faster underflowing tails; results
        below the smallest normal number become 0). False (the default): IEEE results."""
        return bool(self._facts()["flush_subnormals"])

    @flush_subnormals.setter
    def flush_subnormals(self, value: bool):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"flush_subnormals={value!r}; expected True or False")
        error = ctypes.c_void_p()
        _library.check(_library.lib.kg_handle_set_flush_subnormals(self._handle, int(value), ctypes.byref(error)), error)

    def __repr__(self):
        params = "".join(f", {k}={v!r}" for k, v in self._params.items())
        return f"Surrogate({self._name!r}, backend={self._backend!r}, dtype={self._dtype.name!r}{params})"

    # MARK: calls

    def forward(self, x, out=None, training=False, sample=True, seed=None, offset=0):
        """Spikes of `x`: an array of x's shape and the surrogate's dtype (`out` when given, else new).

        training=False: the eval forward (the hard spike H(x) of the built-ins: 1 at x >= 0 and -0, 0 below and at
        NaN). training=True: the training forward; for a stochastic surrogate with sample=True its noise at element
        i (in C order) is drawn at counter offset + i of a Philox stream keyed by `seed`: an int in [0, 2**64), a
        numpy.random.Generator (one draw from it), or None: one draw from NumPy's global generator
        (numpy.random, so numpy.random.seed(s) reproduces a run; a fresh seed every call). sample=False: the
        noise's mean (mean field). Surrogates without a training forward compute the eval forward.

        TypeError/ValueError for arrays of the wrong kind (see the class), ValueError for a seed or offset outside
        [0, 2**64)."""
        dtype = _arrays_of(self._dtype)
        input_array(x, "x", dtype)
        y = output_array(out, "out", dtype, x.shape)
        pointer = _library.data_pointer
        lib = _library.lib
        if not training:
            if lib.kg_forward(self._h, pointer(x), pointer(y), x.size, None):
                self._failed(lib.kg_forward, self._h, pointer(x), pointer(y), x.size, None)
        elif sample:
            seed = self._seed(seed) if self._stochastic else 0
            offset = _u64("offset", offset)
            if lib.kg_train_forward(self._h, pointer(x), pointer(y), x.size, seed, offset, None):
                self._failed(lib.kg_train_forward, self._h, pointer(x), pointer(y), x.size, seed, offset, None)
        elif lib.kg_train_forward_mean(self._h, pointer(x), pointer(y), x.size, None):
            self._failed(lib.kg_train_forward_mean, self._h, pointer(x), pointer(y), x.size, None)
        return y

    def primitive(self, x, out=None):
        """The primitive (smooth forward) of `x`: the spec's `primitive`, the function whose derivative is the
        surrogate gradient (SpikingJelly's spiking=False forward); deterministic, the same in every mode. An array of
        x's shape and dtype (`out` when given). BackendError when the spec has no primitive (`has_primitive`);
        TypeError/ValueError for arrays of the wrong kind."""
        dtype = _arrays_of(self._dtype)
        input_array(x, "x", dtype)
        y = output_array(out, "out", dtype, x.shape)
        pointer = _library.data_pointer
        lib = _library.lib
        if lib.kg_primitive(self._h, pointer(x), pointer(y), x.size, None):
            self._failed(lib.kg_primitive, self._h, pointer(x), pointer(y), x.size, None)
        return y

    @staticmethod
    def _seed(seed) -> int:
        if seed is None:
            return int(np.random.randint(0, _U64, dtype=np.uint64))
        if isinstance(seed, np.random.Generator):
            return int(seed.integers(0, _U64, dtype=np.uint64))
        return _u64("seed", seed)

    def backward(self, x, grad_out, y=None, out=None, training=False, sample=True, seed=None, offset=0):
        """grad_in = grad_out * the surrogate gradient at x: an array of x's shape and dtype (`out` when given).

        `grad_out` (and `y`, `out`) must have x's shape and dtype (`y` float32 for the half types: the forward's
        value before rounding, e.g. from a float32 Surrogate's forward of x). `y`, the forward's output in the same mode, is
        required when `backward_reads_y` (the noisy threshold: scale * y * (1 - y)); else it is checked and
        ignored. When the backward draws noise (`has_train_backward`), training=True with sample=True samples it:
        element i (C order) at counter offset + i of stream 2 of the Philox generator keyed by `seed`, an int in
        [0, 2**64) that must be given (pass the seed and offset of the paired training forward); otherwise, and
        for every other surrogate, the mean-field backward (noise at its mean). Raises ForwardOutputRequired (a
        ValueError) when y is needed and missing; ValueError for a missing seed, or a seed or offset outside
        [0, 2**64); TypeError/ValueError for arrays of the wrong kind."""
        dtype, shape = _arrays_of(self._dtype), x.shape if isinstance(x, np.ndarray) else None
        input_array(x, "x", dtype)
        input_array(grad_out, "grad_out", dtype, shape)
        if y is not None:
            if dtype.name in HALF_TYPES and isinstance(y, np.ndarray) and y.dtype != np.float32:
                raise TypeError(
                    f"y has dtype {y.dtype}; expected float32: a {dtype.name} backward reads the forward's value before "
                    f"rounding, y = kernelgen.Surrogate({self._name!r}, dtype=\"float32\", ...).forward(x.astype(numpy.float32), "
                    f"...) in the same mode (a {dtype.name} y, widened, gives wrong gradients where it rounds to 0 or 1)")
            input_array(y, "y", DTYPES["float32"] if dtype.name in HALF_TYPES else dtype, shape)
        elif self._reads_y:
            raise ForwardOutputRequired(
                f"the backward of `{self._name}` reads y, the forward output, and y is None; expected "
                f"y=surrogate.forward(x, ...) in the same mode as the forward the gradient is for")
        grad_in = output_array(out, "out", dtype, shape)
        pointer = _library.data_pointer
        yp = pointer(y) if y is not None else None
        if training and sample and self._has_train_backward:
            if seed is None:
                raise ValueError(f"the backward of `{self._name}` samples noise in training and seed is None; expected the "
                                 "seed (and offset) of the paired training forward, or sample=False for the mean field")
            args = (self._h, pointer(x), yp, pointer(grad_out), pointer(grad_in), x.size, _u64("seed", seed),
                    _u64("offset", offset), None)
            function = _library.lib.kg_train_backward
        else:
            args = (self._h, pointer(x), yp, pointer(grad_out), pointer(grad_in), x.size, None)
            function = _library.lib.kg_backward
        if function(*args):
            self._failed(function, *args)
        return grad_in

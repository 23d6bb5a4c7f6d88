"""backend="triton": a surrogate's Triton kernels (`kernelgen.triton_source(name)`, emitted by kernelgen from the spec)
launched on CUDA tensors, or on CPU tensors under Triton's interpreter (`TRITON_INTERPRET=1`, set before the first
launch, safest before triton is imported: NumPy runs the kernels, slowly; for tests and machines without a GPU).
bfloat16 and float16 arrays go through the float32 kernels natively (loaded, computed in float32, rounded once).

Each module is executed once per source text as a real module (`kernelgen.torch._triton_modules.m<digest>`) whose
source is registered with `linecache`, since `triton.jit` reads a kernel's source with `inspect`. The kernels are
launched with `enable_fp_fusion=False` (no contraction: the rewrites' roundings are the C kernels') and
`enable_reflect_ftz=False` (libdevice keeps subnormals). Under the interpreter, which has no calls into libdevice,
the module's `_libdevice` is `_InterpretedLibdevice`: NumPy's functions in the argument's dtype.
"""
import hashlib
import linecache
import math
import os
import sys
import threading
import types

from .. import _specs
from ..errors import BackendError

#: Elements per program (a power of two; the kernels mask the tail).
BLOCK = 1024
#: Compile options of every launch (see the module's doc).
OPTIONS = {"enable_fp_fusion": False, "enable_reflect_ftz": False}

_PACKAGE = "kernelgen.torch._triton_modules"
_lock = threading.Lock()
_modules = {}  # digest of the source text -> module namespace


def available():
    """Whether triton can be imported (checked once)."""
    global _available
    if _available is None:
        try:
            import triton  # noqa: F401
            _available = True
        except ImportError:
            _available = False
    return _available


_available = None


def interpreting():
    """Whether Triton runs kernels in its interpreter (its `TRITON_INTERPRET` setting, read now)."""
    import triton
    knobs = getattr(triton, "knobs", None)
    if knobs is not None and hasattr(knobs, "runtime") and hasattr(knobs.runtime, "interpret"):
        return bool(knobs.runtime.interpret)
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def clear():
    with _lock:
        _modules.clear()


def module(name):
    """The Triton module of surrogate `name` as a namespace, executed once per source text."""
    _require()
    return load(_specs.triton_source(name), f"surrogate {name}")


def load(text, label):
    """A generated Triton module's namespace, executed once per text (`label` names it in tracebacks)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    with _lock:
        found = _modules.get(digest)
        if found is not None:
            return found
        filename = f"<kernelgen triton module {label} {digest}>"
        # (size, mtime None: never checked against a file, lines, name): what inspect.getsource reads.
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        spec_module = types.ModuleType(f"{_PACKAGE}.m{digest}")
        spec_module.__file__ = filename
        sys.modules[spec_module.__name__] = spec_module
        exec(compile(text, filename, "exec"), spec_module.__dict__)
        if interpreting():
            spec_module.__dict__["_libdevice"] = _InterpretedLibdevice
        if len(_modules) >= 256:  # forget the oldest (its kernels keep running where a runner holds them)
            old = _modules.pop(next(iter(_modules)))
            sys.modules.pop(old["__name__"], None)
            linecache.cache.pop(old["__file__"], None)
        _modules[digest] = spec_module.__dict__
        return spec_module.__dict__


def _require():
    if not available():
        raise BackendError("backend=\"triton\" needs the triton package (pip install triton); expected it installed, "
                           "or backend=\"torch\" for the expression module")


def check_device(x, what, cpu_backend="c"):
    """CUDA tensors, or CPU ones under Triton's interpreter."""
    if x.is_cpu and not interpreting():
        raise BackendError(
            f"backend=\"triton\" compiles {what} for the GPU; this tensor is on the CPU: expected a CUDA tensor, "
            f"TRITON_INTERPRET=1 set before the first launch (Triton's interpreter: slow, for tests), or "
            f"backend=\"{cpu_backend}\" for CPU tensors")


def neuron_module(neuron, surrogate, names, values, learned):
    """The Triton module of `neuron` bound to `surrogate` (`kg_neuron_triton_source`): parameters `names`/`values`
    folded in, `learned` ones runtime values."""
    import ctypes
    from .. import _library
    _require()
    text, error = ctypes.c_void_p(), ctypes.c_void_p()
    c_names = (ctypes.c_char_p * max(len(names), 1))(*[n.encode("utf-8") for n in names])
    c_values = (ctypes.c_double * max(len(values), 1))(*[float(v) for v in values])
    c_learned = (ctypes.c_char_p * max(len(learned), 1))(*[n.encode("utf-8") for n in learned])
    _library.check(_library.lib.kg_neuron_triton_source(neuron.encode("utf-8"), surrogate.encode("utf-8"), c_names, c_values,
                                                        len(names), c_learned, len(learned), ctypes.byref(text),
                                                        ctypes.byref(error)), error)
    return load(_library.take_string(text), f"neuron {neuron} {surrogate}")


def launch(kernel, n, *args, **constexprs):
    """kernel over n elements in programs of BLOCK, with the launch options, on the device of its first tensor
    argument (Triton launches on the current CUDA device: a tensor on cuda:1 with cuda:0 current needs the guard)."""
    import torch
    import triton
    device = args[0].device
    if device.type == "cuda":
        with torch.cuda.device(device):
            kernel[(triton.cdiv(n, BLOCK),)](*args, **constexprs, BLOCK=BLOCK, **OPTIONS)
    else:
        kernel[(triton.cdiv(n, BLOCK),)](*args, **constexprs, BLOCK=BLOCK, **OPTIONS)


class Runner:
    """A surrogate's Triton kernels with parameter values, for one dtype (float32 or float64); the interface of the
    library's kernel runners (`_runners._Kernels`): the same Philox keys and element offsets give the same noise."""

    __slots__ = ("kernels", "sampling", "constexprs", "dtype", "reads_y", "stochastic", "has_train_forward",
                 "has_primitive", "has_train_backward", "name", "values", "backend", "generation", "inner")
    on_cpu = False
    is_kernel = True

    def __init__(self, name, x, values):
        import torch

        from . import _runners
        _require()
        check_device(x, f"`{name}`")
        m = module(name)
        # bfloat16 and float16 arrays go through the float32 kernels natively (loaded, computed in float32, rounded
        # once on store: half the bytes of a float32 copy); their parameters are checked as float32's.
        half = x.dtype in _runners.HALF_DTYPES
        args = _runners.parameter_values(m, name, torch.float32 if half else x.dtype, values)
        integers = set(m["INTEGER_PARAMETERS"])
        self.constexprs = {f"c_{p[0]}": (int(v) if p[0] in integers else float(v))
                           for p, v in zip(m["PARAMETERS"], args)}
        # Triton caches a kernel per constexpr values as a dict key, where 0.0 == -0.0: the mask of the parameters
        # that are -0.0 keeps their kernels apart (x / alpha is -inf or inf).
        self.constexprs["NEGATIVE_ZEROS"] = sum(1 << k for k, v in enumerate(args) if v == 0 and math.copysign(1, v) < 0)
        self.dtype = "float64" if x.dtype == torch.float64 else "float32"
        # what a half-type call's saved output is computed with (_math.saved_output: the float32 value)
        self.inner = _runners.runner(name, "triton", torch.empty(0, dtype=torch.float32, device=x.device), tuple(values.items())) if half else self
        self.kernels = {op: k for (op, dtype), k in m["KERNELS"].items() if dtype == self.dtype}
        suffix = "f" + self.dtype[5:]  # the kernels' names: forward_f32, train_backward_f64, ...
        self.sampling = {op for op in self.kernels if f"{op}_{suffix}" in m["SAMPLING"]}
        self.reads_y = bool(m["BACKWARD_READS_Y"])
        self.stochastic = bool(m["STOCHASTIC"])
        self.has_train_forward = bool(m["HAS_TRAIN_FORWARD"])
        self.has_primitive = bool(m["HAS_PRIMITIVE"])
        self.has_train_backward = bool(m["HAS_TRAIN_BACKWARD"])

    def _launch(self, op, inputs, out, key=None, offset=0):
        n = out.numel()
        if n == 0:
            return out
        noise = (int(key or 0), int(offset)) if op in self.sampling else ()
        launch(self.kernels[op], n, *inputs, out, n, *noise, **self.constexprs)
        return out

    def forward(self, x, out=None):
        return self._launch("forward", (x,), _empty(x, out))

    def train(self, x, sample, key, generator, out=None, offset=0):
        """The training forward: sampled with the Philox key `key` (an int), or its mean field."""
        if not self.has_train_forward:
            return self.forward(x, out)
        if sample:
            return self._launch("train_forward", (x,), _empty(x, out), key if self.stochastic else 0, offset)
        return self._launch("train_forward_mean", (x,), _empty(x, out))

    def primitive(self, x, out=None):
        return self._launch("primitive", (x,), _empty(x, out))

    def backward(self, x, y, grad_out, out=None):
        return self._launch("backward", (x, x if y is None else y.contiguous(), grad_out.contiguous()), _empty(x, out))

    def train_backward(self, x, y, grad_out, key, generator, out=None, offset=0):
        """The sampling backward with the forward's Philox key `key` (noise stream 2, the forward's 0)."""
        inputs = (x, x if y is None else y.contiguous(), grad_out.contiguous())
        return self._launch("train_backward", inputs, _empty(x, out), key, offset)


def _empty(x, out):
    import torch
    return torch.empty_like(x, memory_format=torch.contiguous_format) if out is None else out


# MARK: the interpreter's libdevice


def _interpreted(function, arity):
    """A libdevice function for the interpreter: NumPy's `function` on the arguments' data, in the first tensor
    argument's dtype, shaped as the block among them (Python numbers broadcast)."""
    import numpy as np
    import triton.language as tl
    from triton.runtime.interpreter import TensorHandle

    def call(*args):
        if len(args) != arity:
            raise TypeError(f"{function.__name__} takes {arity} arguments, got {len(args)}")
        tensors = [a for a in args if isinstance(a, tl.tensor)]
        if not tensors:
            raise TypeError(f"{function.__name__}: expected a tensor argument")
        first = tensors[0]
        data_type = first.handle.data.dtype
        data = [a.handle.data if isinstance(a, tl.tensor) else np.asarray(getattr(a, "value", a), dtype=data_type)
                for a in args]
        with np.errstate(all="ignore"):
            result = np.asarray(function(*data)).astype(data_type, copy=False)
        block = next((a.type for a in tensors if a.type.is_block()), first.type)
        return tl.tensor(TensorHandle(result, first.dtype), block)
    return call


class _InterpretedLibdeviceType:
    """The names the Triton modules call from libdevice, as NumPy functions (see `_interpreted`)."""

    def __init__(self):
        import numpy as np
        unary = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "sqrt_rn": np.sqrt, "tanh": np.tanh,
                 "atan": np.arctan, "sin": np.sin, "cos": np.cos, "floor": np.floor, "ceil": np.ceil,
                 "trunc": np.trunc, "rint": np.rint, "erf": _erf(np, "erf"), "erfc": _erf(np, "erfc")}
        for name, f in unary.items():
            setattr(self, name, _interpreted(f, 1))
        self.pow = _interpreted(_c_pow(np), 2)
        self.div_rn = _interpreted(np.divide, 2)


def _c_pow(np):
    """C99 pow elementwise: NumPy computes a scalar exponent of 0.5 as sqrt (NaN at -inf, -0 kept), so both operands
    are made full arrays first (the elementwise path calls the C library's pow)."""
    def power(a, b):
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        return np.power(np.array(np.broadcast_to(a, shape)), np.array(np.broadcast_to(b, shape)))
    power.__name__ = "pow"
    return power


def _erf(np, which):
    """erf or erfc elementwise in the array's dtype (through Python's math: NumPy has none)."""
    import math
    f = getattr(math, which)
    vectorised = np.vectorize(f, otypes=[np.float64])

    def g(a):
        return vectorised(a.astype(np.float64)).astype(a.dtype)
    g.__name__ = which
    return g


class _LazyLibdevice:
    """`_InterpretedLibdeviceType` made at first use (it imports triton and NumPy)."""

    _instance = None

    def __getattr__(self, name):
        if _LazyLibdevice._instance is None:
            _LazyLibdevice._instance = _InterpretedLibdeviceType()
        return getattr(_LazyLibdevice._instance, name)


_InterpretedLibdevice = _LazyLibdevice()

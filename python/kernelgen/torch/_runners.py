"""Runners: what computes a surrogate on tensors, cached per (name, backend, dtype, parameter values).

`_Kernels` calls the library's kernels (C, Swift or JIT) on contiguous CPU tensors' memory; `_triton.Runner` launches
the spec's Triton kernels (`kernelgen.triton_source(name)`) on CUDA tensors (CPU ones under Triton's interpreter);
`_Expressions` runs the spec's PyTorch expression module (`kernelgen.torch_source(name)`) on tensors of any device.
A runner's `is_kernel` says it computes with kernelgen's kernels (dense memory, the Philox stream keyed by a
seed); `on_cpu` that they are the library's, on CPU memory. bfloat16 and float16
tensors are computed in float32 and each result rounded once to nearest even, so a result is the float32 kernel's
rounded to the storage type: the C and JIT kernels and the Triton kernels read and write the half types themselves
(ABI 9); the Swift kernels and the expression module through `_Half` (widened on load, rounded on store).
"""
import ctypes
import numbers
import sys
import threading
import types

import torch

from .. import _library, _specs
from . import _triton
from ..errors import BackendError, ParameterError
from ..surrogate import Surrogate

#: Backends: the library's kernels ("c", "swift", "jit": CPU tensors), Triton's ("triton": CUDA tensors, and CPU
#: tensors under TRITON_INTERPRET=1) and "torch" (the expression module, any device).
BACKENDS = ("c", "swift", "jit", "triton", "torch")
#: The dtypes the kernels take, and those computed in float32 and stored in their own type (the C and JIT kernels
#: read and write them: NATIVE_HALF_BACKENDS).
KERNEL_DTYPES = {torch.float32: "float32", torch.float64: "float64"}
HALF_DTYPES = (torch.bfloat16, torch.float16)
DTYPE_NAMES = {**KERNEL_DTYPES, torch.bfloat16: "bfloat16", torch.float16: "float16"}
NATIVE_HALF_BACKENDS = ("c", "jit")
_U64 = 1 << 64
_CACHE_LIMIT = 256

lock = threading.Lock()
_EXPRESSIONS = "kernelgen.torch._expressions"
sys.modules.setdefault(_EXPRESSIONS, types.ModuleType(_EXPRESSIONS))
_runners = {}  # (name, backend, dtype, values key) -> runner
_modules = {}  # name -> (source text, namespace dict)
_seen_generation = 0
threads = None  # set_threads' setting


def check_input(input, what="input"):
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{what} is a {type(input).__name__}; expected a torch.Tensor of float32, float64, bfloat16 "
                        f"or float16")
    if input.dtype not in KERNEL_DTYPES and input.dtype not in HALF_DTYPES:
        raise TypeError(
            f"{what} has dtype {input.dtype}; expected torch.float32, torch.float64, torch.bfloat16 or torch.float16 "
            f"(convert with {what}.float())")
    return input


def value_of(name, value):
    """A parameter as a float: a real number or a one-element real tensor (not a bool)."""
    if type(value) is float:
        return value
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"parameter {name}={value!r}; expected a real number or a one-element real tensor")
        return float(value.detach().reshape(()).cpu().item())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parameter {name}={value!r} is a {type(value).__name__}; expected a real number")
    try:
        return float(value)
    except OverflowError:  # an integer beyond every float: infinite, which the runtime's check refuses, naming it
        return float("inf") if value > 0 else float("-inf")


def _key(value):
    """A cache key of a value that tells 0.0 and -0.0 apart (equal as floats, different kernels)."""
    return value if value != 0.0 else repr(value)


def check_backend(backend):
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise TypeError(f"backend {backend!r} is not one of {', '.join(map(repr, BACKENDS))}")
    return backend


class _Kernels:
    """A kernel handle (kernelgen.Surrogate) called on contiguous CPU tensors' memory, no copies."""

    __slots__ = ("surrogate", "h", "reads_y", "stochastic", "has_primitive", "has_train_backward", "name", "values",
                 "backend", "generation", "_inner", "half")
    on_cpu = True
    is_kernel = True
    has_train_forward = True  # the library computes the eval forward when there is none

    def __init__(self, name, backend, dtype, values):
        self.surrogate = Surrogate(name, backend=backend, dtype=DTYPE_NAMES[dtype], **values)
        self._inner = None
        self.half = dtype in HALF_DTYPES
        if threads is not None:
            self.surrogate.threads = threads
        self.h = self.surrogate._h
        self.reads_y = self.surrogate.backward_reads_y
        self.stochastic = self.surrogate.stochastic
        self.has_primitive = self.surrogate.has_primitive
        self.has_train_backward = self.surrogate.has_train_backward

    def _failed(self, function, *args):
        self.surrogate._failed(function, *args)

    @property
    def inner(self):
        """A half type's float32 runner (made on first use): its forward is the float32 y a backward reads."""
        if self._inner is None:  # (float32 whatever torch's default dtype is)
            self._inner = runner(self.name, self.backend, torch.empty(0, dtype=torch.float32), self.values)
        return self._inner

    def _y(self, y):
        """y as the kernels read it: contiguous, and float32 for a half type (its forward's value before rounding; a
        rounded y is widened, exactly)."""
        if y is None:
            return None
        return y.float().contiguous() if self.half and y.dtype != torch.float32 else y.contiguous()

    # Each call writes into `out` when given (else a new tensor); `offset` is the counter of element 0 in the
    # Philox stream (a chunk of a larger call passes its start, so chunks draw what one call would).

    def forward(self, x, out=None):
        y = torch.empty_like(x) if out is None else out
        lib = _library.lib
        if lib.kg_forward(self.h, x.data_ptr(), y.data_ptr(), x.numel(), None):
            self._failed(lib.kg_forward, self.h, x.data_ptr(), y.data_ptr(), x.numel(), None)
        return y

    def train(self, x, sample, key, generator, out=None, offset=0):
        """The training forward: sampled with the Philox key `key` (an int), or its mean field."""
        y = torch.empty_like(x) if out is None else out
        lib = _library.lib
        if sample:
            s = key if self.stochastic else 0
            if lib.kg_train_forward(self.h, x.data_ptr(), y.data_ptr(), x.numel(), s, offset, None):
                self._failed(lib.kg_train_forward, self.h, x.data_ptr(), y.data_ptr(), x.numel(), s, offset, None)
        elif lib.kg_train_forward_mean(self.h, x.data_ptr(), y.data_ptr(), x.numel(), None):
            self._failed(lib.kg_train_forward_mean, self.h, x.data_ptr(), y.data_ptr(), x.numel(), None)
        return y

    def primitive(self, x, out=None):
        y = torch.empty_like(x) if out is None else out
        lib = _library.lib
        if lib.kg_primitive(self.h, x.data_ptr(), y.data_ptr(), x.numel(), None):
            self._failed(lib.kg_primitive, self.h, x.data_ptr(), y.data_ptr(), x.numel(), None)
        return y

    def backward(self, x, y, grad_out, out=None):
        grad_out = grad_out.contiguous()
        y = self._y(y)
        grad_in = torch.empty_like(x) if out is None else out
        if x.numel() == 0:  # nothing to compute (an empty tensor's data pointer is NULL: y would read as missing)
            return grad_in
        args = (self.h, x.data_ptr(), None if y is None else y.data_ptr(), grad_out.data_ptr(), grad_in.data_ptr(),
                x.numel(), None)
        lib = _library.lib
        if lib.kg_backward(*args):
            self._failed(lib.kg_backward, *args)
        return grad_in

    def train_backward(self, x, y, grad_out, key, generator, out=None, offset=0):
        """The sampling backward with the forward's Philox key `key` (its noise stream 2, the forward's 0)."""
        grad_out = grad_out.contiguous()
        y = self._y(y)
        grad_in = torch.empty_like(x) if out is None else out
        if x.numel() == 0:
            return grad_in
        args = (self.h, x.data_ptr(), None if y is None else y.data_ptr(), grad_out.data_ptr(), grad_in.data_ptr(),
                x.numel(), key, offset, None)
        lib = _library.lib
        if lib.kg_train_backward(*args):
            self._failed(lib.kg_train_backward, *args)
        return grad_in


class _Expressions:
    """The surrogate's PyTorch expression module with the parameter values: any device."""

    __slots__ = ("module", "args", "reads_y", "stochastic", "has_train_forward", "has_primitive", "has_train_backward",
                 "name", "values", "backend", "generation")
    on_cpu = False
    is_kernel = False

    def __init__(self, name, dtype, values):
        module = expression_module(name)
        self.module = module
        self.args = parameter_values(module, name, dtype, values)
        self.reads_y = bool(module["BACKWARD_READS_Y"])
        self.stochastic = bool(module["STOCHASTIC"])
        self.has_train_forward = bool(module["HAS_TRAIN_FORWARD"])
        self.has_primitive = bool(module["HAS_PRIMITIVE"])
        self.has_train_backward = bool(module["HAS_TRAIN_BACKWARD"])

    def forward(self, x):
        return self.module["forward"](x, *self.args)

    def train(self, x, sample, key, generator):
        if not self.has_train_forward:
            return self.forward(x)
        if not sample:
            return self.module["train_forward_mean"](x, *self.args)
        if key is not None:
            generator = torch.Generator(device=x.device).manual_seed(key)
        return self.module["train_forward"](x, *self.args, generator=generator)

    def primitive(self, x):
        return self.module["primitive"](x, *self.args)

    def backward(self, x, y, grad_out):
        return self.module["backward"](x, y, grad_out.contiguous(), *self.args)

    def train_backward(self, x, y, grad_out, key, generator):
        """The sampling backward; its noise draws from `generator` (torch's default for the device when None) at
        backward time, as snnTorch's torch.rand_like does: the expression module has no Philox stream to pair."""
        return self.module["train_backward"](x, y, grad_out.contiguous(), *self.args, generator=generator)

    def call(self, function, x, *tensors, params=None, **keywords):
        """Module function `function` with parameters given as tensors where `params` (name -> tensor) says: the
        differentiable form, for the gradients of learnable parameters and higher derivatives."""
        names = [p[0] for p in self.module["PARAMETERS"]]
        args = [params[n] if params and n in params else v for n, v in zip(names, self.args)]
        return self.module[function](x, *tensors, *args, **keywords)


def parameter_values(module, name, dtype, values):
    """The values of a generated module's PARAMETERS in order: given ones (name -> float) or the defaults
    (`resolve_parameters`)."""
    return resolve_parameters(name, dtype, values, len(module["PARAMETERS"]))


def resolve_parameters(name, dtype, values, count):
    """Surrogate `name`'s `count` parameter values in argument order, given ones (name -> float) or the defaults,
    checked by the runtime's one check (kg_resolve_parameters, the one kg_bind runs: known names, bounds, integer
    parameters, finite in the dtype), whose ParameterError this relays. For float32 (and the half types, computed in
    float32) a value finite in float64 but infinite in float32 is refused."""
    lib = _library.lib
    keys = list(values)
    encoded = []
    for key in keys:  # C strings end at a NUL: "scale\0x" would set `scale`
        if "\0" in key:
            raise ParameterError(f"`{name}` has no parameter {key!r}: it holds a NUL character; expected a parameter's name")
        try:
            encoded.append(key.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate: no parameter can be named so
            raise ParameterError(f"`{name}` has no parameter {key!r}: it is not valid Unicode text; expected a parameter's name") from None
    names = (ctypes.c_char_p * max(1, len(keys)))(*encoded)
    numbers_ = (ctypes.c_double * max(1, len(keys)))(*[float(values[key]) for key in keys])
    resolved = (ctypes.c_double * max(1, count))()
    error = ctypes.c_void_p()
    dtype_name = b"float64" if dtype == torch.float64 else b"float32"
    status = lib.kg_resolve_parameters(name.encode("utf-8"), dtype_name, names, numbers_, len(keys), resolved, count,
                                       ctypes.byref(error))
    _library.check(status, error)
    return tuple(resolved[i] for i in range(count))


class _Half:
    """bfloat16 or float16 tensors through a float32 runner: inputs widened (exact), results rounded once. Serves the
    Swift kernels (Swift has no bfloat16, so only the C and JIT kernels read and write the half types) and the
    expression module.

    On the CPU kernels a large call runs in chunks of CHUNK elements through float32 buffers that stay in the
    cache: the memory moves the half-type bytes (plus a float32 y when the backward reads one), not three
    float32 copies of the whole tensor. Elements and noise counters are those of one call (each chunk passes its
    offset), so chunking changes no value."""

    __slots__ = ("inner", "dtype")
    CHUNK = 1 << 17  # 512 KiB float32 buffers: in the L2 or L3 cache; larger chunks pay fewer Python calls

    def __init__(self, inner, dtype):
        self.inner = inner
        self.dtype = dtype

    def __getattr__(self, attr):  # the facts (reads_y, stochastic, ...) are the float32 runner's
        return getattr(self.inner, attr)

    def _chunked(self, kernel, *inputs, noise=False):
        """kernel(*float32 chunks, out=, [offset=]) over the elements of inputs[0] (half types, or float32 y)."""
        x = inputs[0]
        n = x.numel()
        if not self.inner.on_cpu or n <= 2 * self.CHUNK:
            wide = [None if t is None else t.float() for t in inputs]
            return (kernel(*wide, offset=0) if noise else kernel(*wide)).to(self.dtype)
        out = torch.empty(x.shape, dtype=self.dtype)
        flat_out = out.view(-1)
        flats = [None if t is None else t.contiguous().view(-1) for t in inputs]
        buffers = [None if t is None or t.dtype == torch.float32 else torch.empty(self.CHUNK) for t in flats]
        result = torch.empty(self.CHUNK)
        for start in range(0, n, self.CHUNK):
            end = min(n, start + self.CHUNK)
            m = end - start
            chunk = []
            for t, b in zip(flats, buffers):
                if t is None:
                    chunk.append(None)
                elif b is None:
                    chunk.append(t[start:end])  # already float32 (a saved y)
                else:
                    chunk.append(b[:m].copy_(t[start:end]))
            r = result[:m]
            if noise:
                kernel(*chunk, out=r, offset=start)
            else:
                kernel(*chunk, out=r)
            flat_out[start:end].copy_(r)
        return out

    def forward(self, x):
        return self._chunked(self.inner.forward, x)

    def train(self, x, sample, key, generator):
        return self._chunked(lambda v, out=None, offset=0: self.inner.train(v, sample, key, generator, out=out, offset=offset)
                             if self.inner.on_cpu else self.inner.train(v, sample, key, generator), x, noise=True)

    def primitive(self, x):
        return self._chunked(self.inner.primitive, x)

    def backward(self, x, y, grad_out):
        return self._chunked(lambda a, b, g, out=None: self.inner.backward(a, b, g, out=out)
                             if self.inner.on_cpu else self.inner.backward(a, b, g), x, y, grad_out)

    def train_backward(self, x, y, grad_out, key, generator):
        return self._chunked(lambda a, b, g, out=None, offset=0: self.inner.train_backward(a, b, g, key, generator, out=out, offset=offset)
                             if self.inner.on_cpu else self.inner.train_backward(a, b, g, key, generator), x, y, grad_out, noise=True)


def _wide(y):
    return None if y is None else y.float()


def expression_module(name):
    """The expression module of `name` as a private namespace, executed once per source text."""
    text = _specs.torch_source(name) if name not in _modules else None
    with lock:
        found = _modules.get(name)
        if found is not None:
            return found[1]
        # A real module in sys.modules: torch.compile imports a function's module by name to guard its globals.
        module = types.ModuleType(f"{_EXPRESSIONS}.{name}")
        exec(compile(text, f"<kernelgen torch module {name}>", "exec"), module.__dict__)
        sys.modules[module.__name__] = module
        _modules[name] = (text, module.__dict__)
        return module.__dict__


def runner(name, backend, x, values):
    """The cached runner of (name, backend, dtype, values) for x's device and dtype; values: ((name, float), ...)."""
    if _specs.generation != _seen_generation:
        new_generation()
    if not x.is_cpu and backend != "torch":
        # CUDA: Triton's kernels when triton is installed; meta and other devices: the expression module.
        backend = "triton" if x.is_cuda and _triton.available() else "torch"
    key = (name, backend, x.dtype, tuple((k, _key(v)) for k, v in values), x.device.type if backend == "triton" else None)
    found = _runners.get(key)
    if found is None:
        if x.dtype in HALF_DTYPES and backend == "triton":
            found = _triton.Runner(name, x, dict(values))  # the float32 kernels read and write the half type
        elif x.dtype in HALF_DTYPES and backend in NATIVE_HALF_BACKENDS:
            found = _kernels(name, backend, x.dtype, values)  # the library's half-type kernels
        elif x.dtype in HALF_DTYPES:
            try:
                found = _Half(runner(name, backend, torch.empty(0, dtype=torch.float32, device=x.device), values), x.dtype)
            except BackendError as error:  # the float32 runner's message: say why float32 is asked of it
                raise BackendError(f"{error} (a {str(x.dtype).split('.')[-1]} tensor on backend \"{backend}\" is computed "
                                   f"by its float32 kernels)") from None
        elif backend == "torch":
            found = _Expressions(name, x.dtype, dict(values))
        elif backend == "triton":
            found = _triton.Runner(name, x, dict(values))
        else:
            found = _kernels(name, backend, x.dtype, values)
        if not isinstance(found, _Half):
            found.name, found.values, found.backend = name, values, backend
            found.generation = _specs.generation
        with lock:
            if len(_runners) >= _CACHE_LIMIT:
                del _runners[next(iter(_runners))]
            _runners[key] = found
    return found


def _kernels(name, backend, dtype, values):
    try:
        return _Kernels(name, backend, dtype, dict(values))
    except BackendError as error:
        if backend == "jit":
            raise
        # The runtime's message already says why (no ahead-of-time kernels; the JIT serves it); this names
        # the arguments that do here.
        raise BackendError(f"{error}; it is served by backend=\"jit\" (kernels compiled for it) or "
                           f"backend=\"torch\"") from None


def new_generation():
    """A spec was loaded: a name may now mean other formulas; nothing made before serves again."""
    global _seen_generation
    with lock:
        _seen_generation = _specs.generation
        clear()


def clear():
    _runners.clear()
    _modules.clear()
    _triton.clear()
    _spikede_runners.clear()


def check_generation(runner):
    """A backward that computes with the expression module looks the spec up again: refused when a spec was loaded
    since the runner's forward (the name may now mean other formulas than the forward's)."""
    if runner.generation != _specs.generation:
        from ..errors import SpecError
        raise SpecError(f"kernelgen.load_spec was called between this call's forward and a higher derivative "
                        f"(create_graph=True) or a learnable parameter's gradient of `{runner.name}`: the name may "
                        f"now mean other formulas; expected the backward before loading specs")


def set_threads(count):
    global threads
    with lock:
        threads = count
        for r in list(_runners.values()) + list(_spikede_runners.values()):
            if isinstance(r, _Half):  # (not a half type's _Kernels.inner: made on first use, it takes this lock)
                r = r.inner
            if isinstance(r, _Kernels):
                r.surrogate.threads = count
                if r._inner is not None:  # (also when it has left the cache)
                    r._inner.surrogate.threads = count


_spikede_runners = {}  # (name, dtype, value) -> runner on CPU: the drop-in functions' short path


def spikede(name, pname, input, value):
    if type(input) is torch.Tensor and input.is_cpu and type(value) is float and value != 0.0 \
            and _specs.generation == _seen_generation:
        found = _spikede_runners.get((name, input.dtype, value))
        if found is not None:
            return found
    found = runner(name, "c", check_input(input), ((pname, value_of(pname, value)),))
    if found.on_cpu and type(value) is float and value != 0.0:
        with lock:
            if len(_spikede_runners) >= _CACHE_LIMIT:
                _spikede_runners.clear()
            _spikede_runners[(name, input.dtype, value)] = found
    return found


# MARK: noise keys


def u64_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < _U64:
        raise ValueError(f"seed={seed!r}; expected None or an integer from 0 to 2**64 - 1")
    return int(seed)


def draw_key(seed, generator):
    """The Philox key of one sampled call: `seed` when given, else 64 bits from `generator` (torch's default CPU
    generator when None), so torch.manual_seed(s) reproduces a run and every call draws a fresh one."""
    if seed is not None:
        return u64_seed(seed)
    with torch._C._DisableFuncTorch():  # a plain draw also inside torch.func.vmap (its rule handles randomness)
        drawn = torch.randint(-(1 << 63), (1 << 63) - 1, (), dtype=torch.int64, generator=generator,
                              device=None if generator is None else generator.device)
    return int(drawn) & (_U64 - 1)


def check_sampling(seed, generator):
    """The seed as a Python int (or None), checked with the generator."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator is a {type(generator).__name__}; expected a torch.Generator or None")
    return None if seed is None else u64_seed(seed)

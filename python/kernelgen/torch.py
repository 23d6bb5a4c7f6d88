"""kernelgen.torch: kernelgen's surrogate spike functions as PyTorch autograd functions and modules.

A drop-in for SpikeDE's `spikeDE.surrogate`: the same names, signatures and defaults, so that

    from spikeDE.surrogate import sigmoid_surrogate, NoisyThresholdSpikeModule
becomes
    from kernelgen.torch import sigmoid_surrogate, NoisyThresholdSpikeModule

and a model runs on kernelgen's kernels:

- autograd Functions `SigmoidSurrogate`, `ArctanSurrogate`, `PiecewiseLinearSurrogate`, `GaussianSurrogate`
  (`.apply(input, param)`), the wrappers `sigmoid_surrogate(input, scale=5.0)`, `arctan_surrogate(input,
  scale=2.0)`, `piecewise_linear_surrogate(input, gamma=1.0)`, `gaussian_surrogate(input, sigma=1.0)`,
  `noisy_threshold_spike(input, scale=5.0, training=True, sample=True)` and the module
  `NoisyThresholdSpikeModule(scale=5.0, sample=True)` (follows `self.training`);
- for any surrogate, built in or loaded at run time with `kernelgen.load_spec`: `surrogate(name, input,
  **params)` and the module `Spike(name, backend="c", **params)`; backend "jit" compiles kernels specialised to
  the parameter values (the tuning path).

Tensors: float32 or float64, any shape (0-d and empty included), any strides (a non-contiguous input is made
contiguous, one copy); the result has the input's dtype and shape. CPU tensors run the C (or Swift, or JIT)
kernels on the tensors' memory; tensors on any other device (CUDA, meta, ...) run kernelgen's PyTorch
expression module of the same spec (`kernelgen.torch_source(name)`), as does backend="torch" on CPU.
Differences from SpikeDE: float64 input gives float64 spikes (SpikeDE returns float32 for every input, a bug);
the noise of the sampled noisy spike is kernelgen's Philox stream keyed by a seed drawn from torch's generator,
so it is reproducible under `torch.manual_seed` but not the samples SpikeDE's `torch.rand_like` would give; a
double backward (create_graph=True) runs the expression module's torch operations instead of the kernels.
"""
import math
import numbers
import threading

import torch
from . import _library, catalog
from .errors import BackendError, ParameterError, UnknownSurrogateError, shown
from .surrogate import Surrogate

__all__ = [
    "ArctanSurrogate", "GaussianSurrogate", "NoisyThresholdSpikeModule", "PiecewiseLinearSurrogate",
    "SigmoidSurrogate", "Spike", "arctan_surrogate", "clear_caches", "gaussian_surrogate", "get_threads",
    "bind_ms", "noisy_threshold_spike", "piecewise_linear_surrogate", "set_threads", "sigmoid_surrogate", "surrogate",
]

#: Backends: the kernels' ("c", "swift", "jit": CPU tensors) and "torch" (the expression module, any device).
BACKENDS = ("c", "swift", "jit", "torch")
#: Keywords of `surrogate` and `Spike` that are not parameters (a parameter of that name goes in params={...}).
RESERVED = ("backend", "training", "sample", "seed", "generator", "params")
_DTYPES = {torch.float32: "float32", torch.float64: "float64"}
_U64 = 1 << 64
_CACHE_LIMIT = 256

_lock = threading.Lock()
_runners = {}  # (name, backend, dtype, values key) -> _Kernels or _Expressions
_modules = {}  # name -> (source text, namespace dict)
_seen_generation = 0
_threads = None


# MARK: settings


def set_threads(threads):
    """Threads per kernel call for every surrogate of this layer: None (the default: the library's automatic
    choice, all cores for 2^18 elements or more, else one) or 1-256. PyTorch's own threads are
    `torch.set_num_threads`; the kernels do not use them."""
    global _threads
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, numbers.Integral)
                                or not 1 <= threads <= 256):
        raise ValueError(f"set_threads({threads!r}); expected None (automatic) or an integer from 1 to 256")
    with _lock:
        _threads = None if threads is None else int(threads)
        for runner in list(_runners.values()) + list(_spikede_runners.values()):
            if isinstance(runner, _Kernels):
                runner.surrogate.threads = _threads


def get_threads():
    """The setting of `set_threads`: None (automatic) or a count."""
    return _threads


def clear_caches():
    """Releases every cached kernel handle and expression module (they are made again on the next call)."""
    with _lock:
        _runners.clear()
        _modules.clear()
        _spikede_runners.clear()


# MARK: checks


def _input(input, what="input"):
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{what} is a {type(input).__name__}; expected a torch.Tensor of float32 or float64")
    if input.dtype not in _DTYPES:
        raise TypeError(
            f"{what} has dtype {input.dtype}; expected torch.float32 or torch.float64 (convert with "
            f"{what}.float() or {what}.double())")
    return input


def _value(name, value):
    """A parameter as a float: a real number or a one-element tensor (not a bool)."""
    if type(value) is float:
        return value
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"parameter {name}={value!r}; expected a real number or a one-element real tensor")
        return float(value.detach().reshape(()).cpu().item())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parameter {name}={value!r} is a {type(value).__name__}; expected a real number")
    return float(value)


def _key(value):
    """A cache key of a value that tells 0.0 and -0.0 apart (equal as floats, different kernels)."""
    return value if value != 0.0 else repr(value)


def _check_backend(backend):
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise TypeError(f"backend {backend!r} is not one of {', '.join(map(repr, BACKENDS))}")
    return backend


# MARK: runners: the kernels (CPU) and the expression module (any device)


class _Kernels:
    """A kernel handle (kernelgen.Surrogate) called on contiguous CPU tensors' memory, no copies."""

    __slots__ = ("surrogate", "h", "reads_y", "stochastic", "has_train_forward", "has_primitive", "has_train_backward", "name",
                 "values")
    on_cpu = True

    def __init__(self, name, backend, dtype, values):
        self.surrogate = Surrogate(name, backend=backend, dtype=_DTYPES[dtype], **values)
        if _threads is not None:
            self.surrogate.threads = _threads
        self.h = self.surrogate._h
        self.reads_y = self.surrogate.backward_reads_y
        self.stochastic = self.surrogate.stochastic
        self.has_train_forward = True  # the library computes the eval forward when there is none
        self.has_primitive = self.surrogate.has_primitive
        self.has_train_backward = self.surrogate.has_train_backward

    def _failed(self, function, *args):
        self.surrogate._failed(function, *args)

    def forward(self, x):
        y = torch.empty_like(x)
        lib = _library.lib
        if lib.kg_forward(self.h, x.data_ptr(), y.data_ptr(), x.numel(), None):
            self._failed(lib.kg_forward, self.h, x.data_ptr(), y.data_ptr(), x.numel(), None)
        return y

    def train(self, x, sample, seed, generator):
        y = torch.empty_like(x)
        lib = _library.lib
        if sample:
            s = _draw_seed(seed, generator) if self.stochastic else 0
            if lib.kg_train_forward(self.h, x.data_ptr(), y.data_ptr(), x.numel(), s, 0, None):
                self._failed(lib.kg_train_forward, self.h, x.data_ptr(), y.data_ptr(), x.numel(), s, 0, None)
        elif lib.kg_train_forward_mean(self.h, x.data_ptr(), y.data_ptr(), x.numel(), None):
            self._failed(lib.kg_train_forward_mean, self.h, x.data_ptr(), y.data_ptr(), x.numel(), None)
        return y

    def primitive(self, x):
        y = torch.empty_like(x)
        lib = _library.lib
        if lib.kg_primitive(self.h, x.data_ptr(), y.data_ptr(), x.numel(), None):
            self._failed(lib.kg_primitive, self.h, x.data_ptr(), y.data_ptr(), x.numel(), None)
        return y

    def backward(self, x, y, grad_out):
        grad_out = grad_out.contiguous()
        grad_in = torch.empty_like(x)
        args = (self.h, x.data_ptr(), None if y is None else y.data_ptr(), grad_out.data_ptr(), grad_in.data_ptr(),
                x.numel(), None)
        if _library.lib.kg_backward(*args):
            self._failed(_library.lib.kg_backward, *args)
        return grad_in

    def train_backward(self, x, y, grad_out, seed, generator):
        """The sampling backward with the forward's Philox key `seed` (its noise stream 2, the forward's 0)."""
        grad_out = grad_out.contiguous()
        grad_in = torch.empty_like(x)
        args = (self.h, x.data_ptr(), None if y is None else y.data_ptr(), grad_out.data_ptr(), grad_in.data_ptr(),
                x.numel(), seed, 0, None)
        if _library.lib.kg_train_backward(*args):
            self._failed(_library.lib.kg_train_backward, *args)
        return grad_in


class _Expressions:
    """The surrogate's PyTorch expression module with the parameter values: any device."""

    __slots__ = ("module", "args", "reads_y", "stochastic", "has_train_forward", "has_primitive", "has_train_backward", "name",
                 "values")
    on_cpu = False

    def __init__(self, name, dtype, values):
        module = _module(name)
        known = [p[0] for p in module["PARAMETERS"]]
        unknown = [key for key in values if key not in known]
        if unknown:
            raise ParameterError(
                f"`{name}` has no parameter `{shown(unknown[0])}`; expected one of: {', '.join(known) or '(none)'}")
        args = []
        for pname, default, lo, hi in module["PARAMETERS"]:
            v = values.get(pname, default)
            finite = math.isfinite(v) and math.isfinite(torch.tensor(v, dtype=dtype).item())
            if not finite or (lo is not None and v < lo) or (hi is not None and v > hi):
                raise ParameterError(
                    f"parameter `{pname}` of `{name}` is {v!r}; expected a finite value of {dtype} in "
                    f"[{lo if lo is not None else -math.inf}, {hi if hi is not None else math.inf}]")
            args.append(v)
        self.module = module
        self.args = tuple(args)
        self.reads_y = bool(module["BACKWARD_USES_Y"])
        self.stochastic = bool(module["STOCHASTIC"])
        self.has_train_forward = bool(module["HAS_TRAIN_FORWARD"])
        self.has_primitive = bool(module["HAS_PRIMITIVE"])
        self.has_train_backward = bool(module["HAS_TRAIN_BACKWARD"])

    def forward(self, x):
        return self.module["forward"](x, *self.args)

    def train(self, x, sample, seed, generator):
        if not self.has_train_forward:
            return self.forward(x)
        if not sample:
            return self.module["train_forward_mean"](x, *self.args)
        if seed is not None:
            generator = torch.Generator(device=x.device).manual_seed(_u64_seed(seed))
        return self.module["train_forward"](x, *self.args, generator=generator)

    def primitive(self, x):
        return self.module["primitive"](x, *self.args)

    def backward(self, x, y, grad_out):
        return self.module["backward"](x, y, grad_out.contiguous(), *self.args)

    def train_backward(self, x, y, grad_out, seed, generator):
        """The sampling backward; its noise draws from `generator` (torch's default for the device when None) at
        backward time, as snnTorch's torch.rand_like does: the expression module has no Philox stream to pair."""
        return self.module["train_backward"](x, y, grad_out.contiguous(), *self.args, generator=generator)


def _module(name):
    """The expression module of `name` as a private namespace, executed once per source text."""
    text = catalog.torch_source(name) if name not in _modules else None
    with _lock:
        found = _modules.get(name)
        if found is not None:
            return found[1]
        namespace = {"__name__": f"kernelgen.torch._expressions.{name}"}
        exec(compile(text, f"<kernelgen torch module {name}>", "exec"), namespace)
        _modules[name] = (text, namespace)
        return namespace


def _runner(name, backend, x, values):
    """The cached runner of (name, backend, dtype, values) for x's device; values: a tuple of (name, float)."""
    if catalog.generation != _seen_generation:
        _new_generation()
    if backend != "torch" and not x.is_cpu:
        backend = "torch"  # CUDA, meta, ...: the kernels cannot read that memory
    key = (name, backend, x.dtype, tuple((k, _key(v)) for k, v in values))
    runner = _runners.get(key)
    if runner is None:
        if backend == "torch":
            runner = _Expressions(name, x.dtype, dict(values))
        else:
            try:
                runner = _Kernels(name, backend, x.dtype, dict(values))
            except BackendError as error:
                if backend == "jit":
                    raise
                # The runtime's message already says why (no ahead-of-time kernels; the JIT serves it); this names
                # the arguments that do here.
                raise BackendError(f"{error}; it is served by backend=\"jit\" (kernels compiled for it) or "
                                   f"backend=\"torch\"") from None
        runner.name, runner.values = name, values
        with _lock:
            if len(_runners) >= _CACHE_LIMIT:
                del _runners[next(iter(_runners))]
            _runners[key] = runner
    return runner


def _new_generation():
    """A spec was loaded: a name may now mean other formulas; nothing made before serves again."""
    global _seen_generation
    with _lock:
        _seen_generation = catalog.generation
        _runners.clear()
        _modules.clear()
        _spikede_runners.clear()


def _u64_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < _U64:
        raise ValueError(f"seed={seed!r}; expected None or an integer from 0 to 2**64 - 1")
    return int(seed)


def _draw_seed(seed, generator):
    """The Philox key of one sampled call: `seed` when given, else 64 bits from `generator` (torch's default CPU
    generator when None), so torch.manual_seed(s) reproduces a run and every call draws a fresh one."""
    if seed is not None:
        return _u64_seed(seed)
    drawn = torch.randint(-(1 << 63), (1 << 63) - 1, (), dtype=torch.int64, generator=generator)
    return int(drawn) & (_U64 - 1)


def _check_sampling(seed, generator):
    if seed is not None:
        _u64_seed(seed)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator is a {type(generator).__name__}; expected a torch.Generator or None")


# MARK: autograd


def _forward(ctx, runner, input, mode, seed, generator):
    """The spikes of `input` (mode "eval", "sample", "mean", or "smooth": the primitive); saves the input (and
    the spikes when the backward reads them) and the runner in ctx."""
    x = input.contiguous() if runner.on_cpu else input
    if mode == "eval":
        y = runner.forward(x)
    elif mode == "smooth":
        y = runner.primitive(x)
        if runner.reads_y:
            # the backward reads the forward output it was checked with: the mean-field training forward
            # (the eval forward without one), whatever the primitive's value
            ctx.save_for_backward(input, runner.train(x, False, None, None))
            ctx.runner = runner
            return y
    else:
        if not runner.on_cpu and generator is not None and generator.device != x.device:
            raise ValueError(f"generator is on {generator.device}; expected a generator of the input's device {x.device}")
        if mode == "sample" and runner.has_train_backward:
            # The backward samples too: the kernels key it by the forward's Philox seed (drawn once here, used by
            # both: the backward's noise is stream 2 of that key, the forward's stream 0).
            if runner.on_cpu:
                seed = _draw_seed(seed, generator)
            ctx.backward_noise = (seed, generator)
        y = runner.train(x, mode == "sample", seed, generator)
    # the input itself (not a contiguous copy), so that a double backward reaches the input's graph
    if runner.reads_y:
        ctx.save_for_backward(input, y)
    else:
        ctx.save_for_backward(input)
    ctx.runner = runner
    return y


def _backward(ctx, grad_output):
    """grad_output * the surrogate gradient: the kernels (once differentiable); under create_graph=True (a
    double backward: higher-order terms are asked for), the expression module's torch operations, so the
    result is differentiable as SpikeDE's formulas are."""
    if not ctx.needs_input_grad[0]:
        return None
    saved = ctx.saved_tensors
    x, y = saved[0], (saved[1] if len(saved) > 1 else None)
    runner = ctx.runner
    noise = getattr(ctx, "backward_noise", None)  # (seed, generator) of a sampled forward whose backward samples
    if runner.on_cpu:
        if torch.is_grad_enabled() and (x.requires_grad or grad_output.requires_grad):
            runner = _runner(runner.name, "torch", x, runner.values)
            noise = noise and (None, None)  # the expression module draws from torch's default generator
        elif noise is not None:
            return runner.train_backward(x.contiguous(), y, grad_output, *noise)
        else:
            return runner.backward(x.contiguous(), y, grad_output)
    if noise is not None:
        return runner.train_backward(x, y, grad_output, *noise)
    return runner.backward(x, y, grad_output)


class _Spike(torch.autograd.Function):
    """Any surrogate: forward by the runner in `mode`, backward = grad_output * the surrogate gradient."""

    @staticmethod
    def forward(ctx, input, runner, mode, seed, generator):
        return _forward(ctx, runner, input, mode, seed, generator)

    @staticmethod
    def backward(ctx, grad_output):
        return _backward(ctx, grad_output), None, None, None, None


_spikede_runners = {}  # (name, dtype, value) -> runner on CPU: the drop-in functions' short path


def _spikede(name, pname, input, value):
    if type(input) is torch.Tensor and input.is_cpu and type(value) is float and value != 0.0 \
            and catalog.generation == _seen_generation:
        runner = _spikede_runners.get((name, input.dtype, value))
        if runner is not None:
            return runner
    runner = _runner(name, "c", _input(input), ((pname, _value(pname, value)),))
    if runner.on_cpu and type(value) is float and value != 0.0:
        with _lock:
            if len(_spikede_runners) >= _CACHE_LIMIT:
                _spikede_runners.clear()
            _spikede_runners[(name, input.dtype, value)] = runner
    return runner


class SigmoidSurrogate(torch.autograd.Function):
    """Hard spike H(input) forward; backward grad_output * scale * sigmoid(scale x) * (1 - sigmoid(scale x)).
    `SigmoidSurrogate.apply(input, scale)` as in SpikeDE (the `sigmoid` spec, C kernels on CPU)."""

    @staticmethod
    def forward(ctx, input, scale):
        return _forward(ctx, _spikede("sigmoid", "scale", input, scale), input, "eval", None, None)

    @staticmethod
    def backward(ctx, grad_output):
        return _backward(ctx, grad_output), None


class ArctanSurrogate(torch.autograd.Function):
    """Hard spike forward; backward grad_output * scale / 2 / (1 + (pi / 2 * scale * x)^2) (SpikeDE's code).
    `ArctanSurrogate.apply(input, scale)`."""

    @staticmethod
    def forward(ctx, input, scale):
        return _forward(ctx, _spikede("arctan", "scale", input, scale), input, "eval", None, None)

    @staticmethod
    def backward(ctx, grad_output):
        return _backward(ctx, grad_output), None


class PiecewiseLinearSurrogate(torch.autograd.Function):
    """Hard spike forward; backward grad_output / (2 gamma) on -gamma <= x <= gamma, else 0.
    `PiecewiseLinearSurrogate.apply(input, gamma)`."""

    @staticmethod
    def forward(ctx, input, gamma):
        return _forward(ctx, _spikede("piecewise_linear", "gamma", input, gamma), input, "eval", None, None)

    @staticmethod
    def backward(ctx, grad_output):
        return _backward(ctx, grad_output), None


class GaussianSurrogate(torch.autograd.Function):
    """Hard spike forward; backward grad_output * exp(-x^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).
    `GaussianSurrogate.apply(input, sigma)`."""

    @staticmethod
    def forward(ctx, input, sigma):
        return _forward(ctx, _spikede("gaussian", "sigma", input, sigma), input, "eval", None, None)

    @staticmethod
    def backward(ctx, grad_output):
        return _backward(ctx, grad_output), None


def sigmoid_surrogate(input, scale=5.0):
    """Spikes H(input) with the sigmoid surrogate gradient (SpikeDE's `sigmoid_surrogate`)."""
    return SigmoidSurrogate.apply(input, scale)


def arctan_surrogate(input, scale=2.0):
    """Spikes H(input) with the arctan surrogate gradient (SpikeDE's `arctan_surrogate`)."""
    return ArctanSurrogate.apply(input, scale)


def piecewise_linear_surrogate(input, gamma=1.0):
    """Spikes H(input) with the rectangular-window surrogate gradient (SpikeDE's `piecewise_linear_surrogate`)."""
    return PiecewiseLinearSurrogate.apply(input, gamma)


def gaussian_surrogate(input, sigma=1.0):
    """Spikes H(input) with the Gaussian surrogate gradient (SpikeDE's `gaussian_surrogate`)."""
    return GaussianSurrogate.apply(input, sigma)


def noisy_threshold_spike(input, scale=5.0, training=True, sample=True, *, seed=None, generator=None, backend="c"):
    """SpikeDE's `noisy_threshold_spike`: in training sigmoid(scale * input + g), g ~ Logistic(0, 1) per element
    (sample=True) or g = 0 (sample=False, mean field), differentiable with gradient scale * y * (1 - y); in eval
    (training=False) the hard spike H(input), without gradient.

    Noise: a fresh Philox key per call, drawn from `generator` (torch's default CPU generator when None, so
    torch.manual_seed reproduces a run), or `seed` (an int in [0, 2**64)) for the same samples every call. On
    other devices (and backend="torch") the noise is torch.rand from the device's generator (or `generator`;
    `seed` seeds a generator of that device). Keyword-only extras: seed, generator, backend ("c", "swift",
    "jit", "torch")."""
    x = _input(input)
    _check_backend(backend)
    _check_sampling(seed, generator)
    runner = _runner("noisy_threshold", backend, x, (("scale", _value("scale", scale)),))
    if not training:
        return runner.forward(x.contiguous() if runner.on_cpu else x).detach()
    return _Spike.apply(x, runner, "sample" if sample else "mean", seed, generator)


class NoisyThresholdSpikeModule(torch.nn.Module):
    """SpikeDE's `NoisyThresholdSpikeModule(scale=5.0, sample=True)`: `noisy_threshold_spike` with
    `training=self.training` (stochastic soft spikes after .train(), hard spikes after .eval())."""

    def __init__(self, scale=5.0, sample=True):
        super().__init__()
        self.scale = scale
        self.sample = sample

    def forward(self, input):
        return noisy_threshold_spike(input, self.scale, self.training, self.sample)

    def extra_repr(self):
        return f"scale={self.scale}, sample={self.sample}"


# MARK: any surrogate


def _parameters(params, keywords):
    merged = dict(keywords)
    if params is not None:
        if not isinstance(params, dict):
            raise TypeError(f"params is a {type(params).__name__}; expected a dict of parameter values")
        for key in params:
            if key in merged:
                raise ParameterError(f"parameter `{shown(key)}` is given twice (as a keyword and in params=); expected it once")
        merged.update(params)
    for key in merged:
        if not isinstance(key, str):
            raise TypeError(f"parameter name {key!r} is a {type(key).__name__}; expected a str")
    return tuple((key, _value(key, value)) for key, value in merged.items())


def _name(name):
    if not isinstance(name, str):
        raise TypeError(f"name is a {type(name).__name__}; expected a surrogate's name (str)")
    if "\0" in name:  # the library reads C strings: "sigmoid\0x" would be served as `sigmoid`
        raise UnknownSurrogateError(f"unknown surrogate {name!r}: it holds a NUL character; expected a surrogate's name")
    return name


def _check_smooth(smooth, runner):
    if not isinstance(smooth, bool):
        raise TypeError(f"smooth={smooth!r}; expected True or False")
    if smooth and not runner.has_primitive:
        raise BackendError(f"`{runner.name}` has no primitive (its spec gives no `primitive:` formula), so smooth=True "
                           f"has nothing to compute; expected smooth=False, or a surrogate whose spec has a primitive")


def surrogate(name, input, backend="c", training=False, sample=True, seed=None, generator=None, params=None,
              smooth=False, **kw):
    """Spikes of `input` by surrogate `name` (built in, or loaded with kernelgen.load_spec) with its surrogate
    gradient in the backward; parameters by keyword (`scale=4.0`), the others take the spec's defaults (a
    parameter named like one of this function's arguments goes in params={...}).

    backend: "c" (default: ahead-of-time kernels; a spec loaded at run time has none: BackendError), "swift",
    "jit" (kernels compiled for these values, cached per value: the first call of a value compiles), "torch"
    (the expression module; tensors on other devices than the CPU always use it). training=False: the eval
    forward (the spec's `forward`); training=True: its `train_forward` (when it has one), sampled (sample=True,
    noise keyed as in noisy_threshold_spike) or mean field (sample=False). A spec whose backward draws noise
    (`noisy_gradient`, snnTorch's SSO) samples its backward in training with sample=True: the kernels with the
    Philox seed of the forward of the same call (noise stream 2, the forward's 0: forward and backward of a
    call pair up, reproducibly under `seed` or torch.manual_seed); the expression module ("torch") from
    `generator` at backward time. Otherwise (eval, sample=False) the backward is the mean field.

    smooth=True: the spec's `primitive` (the smooth forward, SpikingJelly's spiking=False) instead of spikes, in
    every mode (training and sample are ignored); its gradient is the same backward, which is the primitive's
    derivative (derived from it, or checked against it by kernelgen). BackendError when the spec has no primitive."""
    _name(name)
    x = _input(input)
    _check_backend(backend)
    _check_sampling(seed, generator)
    runner = _runner(name, backend, x, _parameters(params, kw))
    _check_smooth(smooth, runner)
    mode = "smooth" if smooth else "eval" if not training else ("sample" if sample else "mean")
    return _Spike.apply(x, runner, mode, seed, generator)


def _describe(name):
    """(parameter names in order, has a primitive) of surrogate `name`: a built-in or loaded one from the table's
    list, else a catalogue surrogate (Catalogue/, served by name through the JIT, not in that list) from its
    expression module, which the library resolves as the JIT does (rendering only: nothing compiles here).
    UnknownSurrogateError for a name that is neither."""
    known = {i.name: i for i in catalog.surrogates()}
    if name in known:
        return [p.name for p in known[name].params], known[name].has_primitive
    try:
        module = _module(name)
    except UnknownSurrogateError as error:  # the library's message: the name, a suggestion (catalogue names too), the known ones
        raise UnknownSurrogateError(f"{error}; or load a spec with kernelgen.load_spec") from None
    return [entry[0] for entry in module["PARAMETERS"]], bool(module["HAS_PRIMITIVE"])


class Spike(torch.nn.Module):
    """`Spike(name, backend="c", sample=True, **params)`: `surrogate(name, input, ...)` as a module (`name` built in,
    loaded with kernelgen.load_spec, or a catalogue surrogate: UnknownSurrogateError for none of them), with
    training=self.training (the spec's training forward after .train(), when it has one; its eval forward after
    .eval()). `params` (a dict) holds the parameter values; a new dict takes effect on the next call (with
    backend "jit", each new value compiles once, then is served from the cache). smooth=True: the spec's primitive
    (the smooth forward) in both modes, as `surrogate(..., smooth=True)`."""

    def __init__(self, name, backend="c", sample=True, seed=None, generator=None, params=None, smooth=False, **kw):
        super().__init__()
        self.name = _name(name)
        self.backend = _check_backend(backend)
        _check_sampling(seed, generator)
        if not isinstance(sample, bool):
            raise TypeError(f"sample={sample!r}; expected True or False")
        if not isinstance(smooth, bool):
            raise TypeError(f"smooth={smooth!r}; expected True or False")
        self.sample, self.seed, self.generator, self.smooth = sample, seed, generator, smooth
        values = _parameters(params, kw)
        names, has_primitive = _describe(name)
        for key, _ in values:
            if key not in names:
                raise ParameterError(f"`{name}` has no parameter `{shown(key)}`; expected one of: {', '.join(names) or '(none)'}")
        if smooth and not has_primitive:
            raise BackendError(f"`{name}` has no primitive (its spec gives no `primitive:` formula), so smooth=True has "
                               f"nothing to compute; expected smooth=False, or a surrogate whose spec has a primitive")
        self.params = dict(values)
        if self.backend in ("c", "swift"):
            # Bind now (cheap: no compile) so a surrogate without ahead-of-time kernels (a catalogue surrogate, a
            # spec loaded at run time) is refused here, with the backends that serve it, not at the first call.
            _runner(self.name, self.backend, torch.empty(0), tuple((k, _value(k, v)) for k, v in self.params.items()))

    def forward(self, input):
        x = _input(input)
        values = tuple((k, _value(k, v)) for k, v in self.params.items())
        runner = _runner(self.name, self.backend, x, values)
        _check_smooth(self.smooth, runner)
        mode = "smooth" if self.smooth else "eval" if not self.training else ("sample" if self.sample else "mean")
        return _Spike.apply(x, runner, mode, self.seed, self.generator)

    def extra_repr(self):
        values = "".join(f", {k}={v!r}" for k, v in self.params.items())
        smooth = ", smooth=True" if self.smooth else ""
        return f"{self.name!r}, backend={self.backend!r}{smooth}{values}"


def bind_ms(name, backend="jit", dtype=torch.float32, **params):
    """The time in ms the bind of (name, backend, dtype, params) took in this layer's cache, binding it now if it
    is not there (a JIT compile, or a hit in the JIT's memory or disk cache): what a tuning loop reports."""
    _name(name)
    _check_backend(backend)
    if backend == "torch":
        raise BackendError("bind_ms: backend \"torch\" binds nothing; expected \"c\", \"swift\" or \"jit\"")
    if dtype not in _DTYPES:
        raise TypeError(f"dtype {dtype!r}; expected torch.float32 or torch.float64")
    runner = _runner(name, backend, torch.empty(0, dtype=dtype), _parameters(None, params))
    return runner.surrogate.bind_ms

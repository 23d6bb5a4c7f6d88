"""kernelgen.torch: kernelgen's surrogate spike functions as PyTorch autograd functions, modules and custom ops.

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

Tensors: float32, float64, bfloat16 or float16 (the half types computed in float32 and rounded once to their
type: inside `torch.autocast` too), any shape (0-d and empty included), any strides; the result has the input's
dtype and shape. CPU tensors run the C (or Swift, or JIT) kernels on the tensors' memory; tensors on any other
device (CUDA, meta, ...) run kernelgen's PyTorch expression module of the same spec (`kernelgen.torch_source`),
as does backend="torch" on CPU.

PyTorch's machinery: every function and module traces under `torch.compile(fullgraph=True)` without graph
breaks and exports with `torch.export.export` (through the custom ops `torch.ops.kernelgen.spike` and
`spike_backward`, or the spec's torch expressions: `set_compile_route`); `torch.func.vmap`, `grad`, `jacrev`,
`jvp` work; a parameter given as a tensor that requires grad (an `nn.Parameter`) is learned: its gradient is
the derivative of the spec's primitive with respect to it (a spec without a primitive refuses it).

Differences from SpikeDE: float64 input gives float64 spikes (SpikeDE returns float32 for every input, a bug);
the noise of the sampled noisy spike is kernelgen's Philox stream keyed by a seed drawn from torch's generator,
so it is reproducible under `torch.manual_seed` but not the samples SpikeDE's `torch.rand_like` would give; a
double backward (create_graph=True) runs the expression module's torch operations instead of the kernels.
"""
import numbers as _numbers

import torch

from ..errors import BackendError, ParameterError, UnknownSurrogateError
from ..errors import shown as _shown
from . import _ops, _runners, _traced  # noqa: F401 (_ops: importing registers torch.ops.kernelgen)
from ._autograd import spike_function as _spike_function
from ._math import check_learnable as _check_learnable, grad_input as _grad_input, grad_params as _grad_params
from ._runners import BACKENDS  # noqa: F401 (public: the backends' names)
from ._runners import check_backend as _check_backend, check_input as _check_input
from ._runners import check_sampling as _check_sampling, value_of as _value
from ._runners import runner as _runner, spikede as _spikede
from ._neuron import Neuron, load_neuron, neurons

__all__ = [
    "ArctanSurrogate", "GaussianSurrogate", "Neuron", "load_neuron", "neurons", "NoisyThresholdSpikeModule", "PiecewiseLinearSurrogate",
    "SigmoidSurrogate", "Spike", "arctan_surrogate", "bind_ms", "clear_caches", "gaussian_surrogate",
    "get_compile_route", "get_threads", "noisy_threshold_spike", "piecewise_linear_surrogate", "set_compile_route",
    "set_threads", "sigmoid_surrogate", "surrogate",
]

#: Keywords of `surrogate` and `Spike` that are not parameters (a parameter of that name goes in params={...}).
RESERVED = ("backend", "training", "sample", "seed", "generator", "params")


# MARK: settings


def set_threads(threads):
    """Threads per kernel call for every surrogate of this layer: None (the default: the library's automatic
    choice, all cores for 2^18 elements or more, else one) or 1-256. PyTorch's own threads are
    `torch.set_num_threads`; the kernels do not use them."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, _numbers.Integral)
                                or not 1 <= threads <= 256):
        raise ValueError(f"set_threads({threads!r}); expected None (automatic) or an integer from 1 to 256")
    _runners.set_threads(None if threads is None else int(threads))


def get_threads():
    """The setting of `set_threads`: None (automatic) or a count."""
    return _runners.threads


def set_compile_route(route):
    """How a kernelgen surrogate is traced by `torch.compile` and `torch.export`: "expressions" (the default: the
    spec's torch expressions, which Inductor fuses with the operations around the spike; measured fastest on the
    LIF networks of docs/pytorch.md) or "kernels" (the custom op `torch.ops.kernelgen.spike`, kernelgen's
    kernels called at run time). Eager calls always run the kernels. Takes effect at the next trace (call
    `torch._dynamo.reset()` to retrace a compiled model)."""
    if route not in _traced.ROUTES:
        raise ValueError(f"set_compile_route({route!r}); expected one of {', '.join(map(repr, _traced.ROUTES))}")
    _traced.route = route


def get_compile_route():
    """The setting of `set_compile_route`: "expressions" or "kernels"."""
    return _traced.route


def clear_caches():
    """Releases every cached kernel handle and expression module (they are made again on the next call)."""
    with _runners.lock:
        _runners.clear()


# MARK: the call


def _call(name, backend, x, given, mode, seed, generator):
    """Spikes of x with autograd. given: ((parameter name, float or tensor), ...)."""
    if _traced.tracing(x):
        return _traced.call(name, backend, x, given, mode, seed, generator)
    learned = {}
    if any(type(v) is not float for _, v in given):
        floats = []
        for n, v in given:
            if isinstance(v, torch.Tensor) and v.requires_grad and torch.is_grad_enabled():
                learned[n] = v
            floats.append((n, _value(n, v)))
        given = tuple(floats)
    runner = _runner(name, backend, x, given)
    if mode == "smooth":
        _check_smooth(True, runner.has_primitive, name)
    if learned:
        _check_learnable(runner, list(learned))
        if runner.backend == "jit":
            raise BackendError(
                f"backend=\"jit\" compiles kernels specialised to each value of `{next(iter(learned))}`, which a "
                f"learnable parameter changes at every step; expected backend=\"c\" (a built-in surrogate) or "
                f"backend=\"torch\", or the parameter as a number")
    key = None
    if mode == "sample":
        key = _runners.draw_key(seed, generator) if runner.is_kernel and runner.stochastic else seed
    return _spike_function().apply(x, (runner, mode, key, generator, tuple(learned)), *learned.values())


def _mode(training, sample, smooth):
    return "smooth" if smooth else "eval" if not training else ("sample" if sample else "mean")


# MARK: SpikeDE's drop-ins


class _DropIn(torch.autograd.Function):
    """SpikeDE's `XSurrogate.apply(input, param)`: hard spike forward, the surrogate gradient backward (C kernels
    on CPU). A tensor `param` that requires grad gets the gradient of the spec's primitive (SpikeDE's gets none).
    `apply` runs a classic Function (the fast one), or inside a torch.func transform one in `setup_context` form
    with a vmap rule (what functorch needs; about 8 us more per call). No forward-mode AD (`jvp`): Dynamo cannot
    trace an autograd.Function that defines one; the functions (`sigmoid_surrogate`, ...) have it."""

    NAME = PARAM = None
    _fast = _func = None

    @classmethod
    def apply(cls, input, param):
        if torch._C._are_functorch_transforms_active():
            return cls._func.apply(input, param)
        return cls._fast.apply(input, param)

    @staticmethod
    def _runner(name, pname, input, param):
        if isinstance(param, torch.Tensor):
            return _runner(name, "c", _check_input(input), ((pname, _value(pname, param)),))
        return _spikede(name, pname, input, param)

    @staticmethod
    def _forward(name, pname, input, param):
        if _traced.tracing(input):
            if isinstance(param, torch.Tensor) and param.requires_grad:
                raise BackendError(f"the {name} drop-in's apply with a learnable (requires_grad) parameter cannot be "
                                   f"compiled; expected kernelgen.torch.surrogate({name!r}, x, {pname}=parameter) "
                                   f"or Spike({name!r}, {pname}=parameter)")
            return _traced.forward_only(name, "c", input, ((pname, param),), "eval")
        return _DropIn._runner(name, pname, input, param).forward(input.contiguous())

    @staticmethod
    def _save(ctx, input, param):
        ctx.param = param
        ctx.save_for_backward(input)

    @staticmethod
    def _grads(name, pname, ctx, input, grad):
        if _traced.tracing(input):
            return _traced.backward_only(name, "c", input, grad, ((pname, ctx.param),), "eval"), None
        runner = _DropIn._runner(name, pname, input, ctx.param)
        grad_x = _grad_input(runner, "eval", None, None, input, None, grad) if ctx.needs_input_grad[0] else None
        grad_param = None
        if ctx.needs_input_grad[1]:
            (grad_param,) = _grad_params(name, (), input, grad, {pname: ctx.param})
        return grad_x, grad_param


def _drop_in(name, pname, summary):
    """The public class (SpikeDE's name; `apply` picks) and its two Functions, all of that name (autograd's node is
    `<Name>Backward`)."""
    title = f"{''.join(w.title() for w in name.split('_'))}Surrogate"

    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return _DropIn._grads(name, pname, ctx, input, grad_output)

    def fast_forward(ctx, input, param):
        _DropIn._save(ctx, input, param)
        return _DropIn._forward(name, pname, input, param)

    def forward(input, param):
        return _DropIn._forward(name, pname, input, param)

    def setup_context(ctx, inputs, output):
        _DropIn._save(ctx, *inputs)

    def vmap(info, in_dims, input, param):
        if in_dims[1] is not None:
            raise NotImplementedError(f"{title}: vmap over the parameter is not supported")
        return cls.apply(input, param), in_dims[0]

    common = {"__doc__": summary, "__module__": __name__, "backward": staticmethod(backward)}
    fast = type(title, (torch.autograd.Function,), {**common, "forward": staticmethod(fast_forward)})
    func = type(title, (torch.autograd.Function,), {**common, "forward": staticmethod(forward),
                                                    "setup_context": staticmethod(setup_context),
                                                    "vmap": staticmethod(vmap)})
    cls = type(title, (_DropIn,), {**common, "NAME": name, "PARAM": pname, "_fast": fast, "_func": func,
                                   "forward": staticmethod(fast_forward)})
    return cls


SigmoidSurrogate = _drop_in("sigmoid", "scale", """Hard spike H(input) forward; backward grad_output * scale *
    sigmoid(scale x) * (1 - sigmoid(scale x)). `SigmoidSurrogate.apply(input, scale)` as in SpikeDE.""")
ArctanSurrogate = _drop_in("arctan", "scale", """Hard spike forward; backward grad_output * scale / 2 /
    (1 + (pi / 2 * scale * x)^2) (SpikeDE's code). `ArctanSurrogate.apply(input, scale)`.""")
PiecewiseLinearSurrogate = _drop_in("piecewise_linear", "gamma", """Hard spike forward; backward grad_output /
    (2 gamma) on -gamma <= x <= gamma, else 0. `PiecewiseLinearSurrogate.apply(input, gamma)`.""")
GaussianSurrogate = _drop_in("gaussian", "sigma", """Hard spike forward; backward grad_output * exp(-x^2 /
    (2 sigma^2)) / (sigma sqrt(2 pi)). `GaussianSurrogate.apply(input, sigma)`.""")


def _drop_in_call(name, pname, input, param):
    """The functions' path: the generic Function (forward-mode AD included), the drop-in's cache in eager."""
    if type(param) is float and not _traced.tracing(input):
        return _spike_function().apply(input, (_spikede(name, pname, input, param), "eval", None, None, ()))
    return _call(name, "c", _check_input(input), ((pname, param),), "eval", None, None)


def sigmoid_surrogate(input, scale=5.0):
    """Spikes H(input) with the sigmoid surrogate gradient (SpikeDE's `sigmoid_surrogate`)."""
    return _drop_in_call("sigmoid", "scale", input, scale)


def arctan_surrogate(input, scale=2.0):
    """Spikes H(input) with the arctan surrogate gradient (SpikeDE's `arctan_surrogate`)."""
    return _drop_in_call("arctan", "scale", input, scale)


def piecewise_linear_surrogate(input, gamma=1.0):
    """Spikes H(input) with the rectangular-window surrogate gradient (SpikeDE's `piecewise_linear_surrogate`)."""
    return _drop_in_call("piecewise_linear", "gamma", input, gamma)


def gaussian_surrogate(input, sigma=1.0):
    """Spikes H(input) with the Gaussian surrogate gradient (SpikeDE's `gaussian_surrogate`)."""
    return _drop_in_call("gaussian", "sigma", input, sigma)


def noisy_threshold_spike(input, scale=5.0, training=True, sample=True, *, seed=None, generator=None, backend="c"):
    """SpikeDE's `noisy_threshold_spike`: in training sigmoid(scale * input + g), g ~ Logistic(0, 1) per element
    (sample=True) or g = 0 (sample=False, mean field), differentiable with gradient scale * y * (1 - y); in eval
    (training=False) the hard spike H(input), without gradient.

    Noise: a fresh Philox key per call, drawn from `generator` (torch's default CPU generator when None, so
    torch.manual_seed reproduces a run), or `seed` (an int in [0, 2**64)) for the same samples every call. On
    other devices (and backend="torch") the noise is torch.rand from the device's generator (or `generator`;
    `seed` seeds a generator of that device). Under torch.compile the key is drawn in the graph (fresh per call,
    reproducible under torch.manual_seed, other values than eager's). Keyword-only extras: seed, generator,
    backend ("c", "swift", "jit", "torch")."""
    x = _check_input(input)
    _check_backend(backend)
    seed = _check_sampling(seed, generator)
    _check_flags(training=training, sample=sample)
    given = (("scale", scale if isinstance(scale, torch.Tensor) else _value("scale", scale)),)
    if not training:
        if _traced.tracing(x):
            return _traced.forward_only("noisy_threshold", backend, x, given, "eval").detach()
        runner = _runner("noisy_threshold", backend, x, (("scale", _value("scale", scale)),))
        return runner.forward(x.contiguous() if runner.is_kernel else x).detach()
    return _call("noisy_threshold", backend, x, given, "sample" if sample else "mean", seed, generator)


class NoisyThresholdSpikeModule(torch.nn.Module):
    """SpikeDE's `NoisyThresholdSpikeModule(scale=5.0, sample=True)`: `noisy_threshold_spike` with
    `training=self.training` (stochastic soft spikes after .train(), hard spikes after .eval())."""

    def __init__(self, scale=5.0, sample=True):
        super().__init__()
        self.scale = scale
        self.sample = sample
        _prepare("noisy_threshold")

    def forward(self, input):
        return noisy_threshold_spike(input, self.scale, self.training, self.sample)

    def extra_repr(self):
        return f"scale={self.scale}, sample={self.sample}"


# MARK: any surrogate


def _parameters(params, keywords):
    """((name, float or tensor), ...) of the keywords and params={...}; a tensor stays a tensor (learnable when it
    requires grad)."""
    merged = dict(keywords)
    if params is not None:
        if not isinstance(params, dict):
            raise TypeError(f"params is a {type(params).__name__}; expected a dict of parameter values")
        for key in params:
            if key in merged:
                raise ParameterError(f"parameter `{_shown(key)}` is given twice (as a keyword and in params=); expected it once")
        merged.update(params)
    for key in merged:
        if not isinstance(key, str):
            raise TypeError(f"parameter name {key!r} is a {type(key).__name__}; expected a str")
    return tuple((key, value if isinstance(value, torch.Tensor) and _one_value(key, value) else _value(key, value))
                 for key, value in merged.items())


def _one_value(key, value):
    if value.numel() != 1 or value.is_complex() or value.dtype == torch.bool:
        raise TypeError(f"parameter {key}={value!r}; expected a real number or a one-element real tensor")
    return True


def _name(name):
    if not isinstance(name, str):
        raise TypeError(f"name is a {type(name).__name__}; expected a surrogate's name (str)")
    if "\0" in name:  # the library reads C strings: "sigmoid\0x" would be served as `sigmoid`
        raise UnknownSurrogateError(f"unknown surrogate {name!r}: it holds a NUL character; expected a surrogate's name")
    return name


def _check_flags(**flags):
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{key}={value!r}; expected True or False")


def _check_smooth(smooth, has_primitive, name):
    if not isinstance(smooth, bool):
        raise TypeError(f"smooth={smooth!r}; expected True or False")
    if smooth and not has_primitive:
        raise BackendError(f"`{name}` has no primitive (its spec gives no `primitive:` formula), so smooth=True "
                           f"has nothing to compute; expected smooth=False, or a surrogate whose spec has a primitive")


def _prepare(name):
    """Makes the expression module of `name` now (outside any trace), so a compiled call can inline it."""
    try:
        return _runners.expression_module(name)
    except UnknownSurrogateError as error:  # the library's message: the name, a suggestion, the known ones
        raise UnknownSurrogateError(f"{error}; or load a spec with kernelgen.load_spec") from None


def surrogate(name, input, backend="c", training=False, sample=True, seed=None, generator=None, params=None,
              smooth=False, **kw):
    """Spikes of `input` by surrogate `name` (built in, or loaded with kernelgen.load_spec) with its surrogate
    gradient in the backward; parameters by keyword (`scale=4.0`), the others take the spec's defaults (a
    parameter named like one of this function's arguments goes in params={...}). A parameter given as a tensor
    that requires grad is learned (its gradient: the derivative of the spec's primitive, summed).

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
    x = _check_input(input)
    _check_backend(backend)
    seed = _check_sampling(seed, generator)
    _check_flags(training=training, sample=sample, smooth=smooth)
    return _call(name, backend, x, _parameters(params, kw), _mode(training, sample, smooth), seed, generator)


def _describe(name):
    """(parameter names in order, their defaults, has a primitive) of surrogate `name`, from its expression module
    (made here, so that a compiled call can inline it). UnknownSurrogateError for an unknown name."""
    module = _prepare(name)
    return ([entry[0] for entry in module["PARAMETERS"]], [entry[1] for entry in module["PARAMETERS"]],
            bool(module["HAS_PRIMITIVE"]))


class Spike(torch.nn.Module):
    """`Spike(name, backend="c", sample=True, **params)`: `surrogate(name, input, ...)` as a module (`name` built in,
    loaded with kernelgen.load_spec, or a catalogue surrogate: UnknownSurrogateError for none of them), with
    training=self.training (the spec's training forward after .train(), when it has one; its eval forward after
    .eval()). `params` (a dict) holds the parameter values; a new dict takes effect on the next call (with
    backend "jit", each new value compiles once, then is served from the cache). A value given as an
    `nn.Parameter` is registered as this module's parameter (`spike.scale`, or `spike.param_<name>` where the
    module already has an attribute of that name; in `model.parameters()`) and learned: its gradient is the
    derivative of the spec's primitive with respect to it. smooth=True: the spec's primitive (the smooth forward)
    in both modes, as `surrogate(..., smooth=True)`."""

    def __init__(self, name, backend="c", sample=True, seed=None, generator=None, params=None, smooth=False, **kw):
        super().__init__()
        self.name = _name(name)
        self.backend = _check_backend(backend)
        seed = _check_sampling(seed, generator)
        _check_flags(sample=sample)
        self.sample, self.seed, self.generator = sample, seed, generator
        self._names, self._defaults, self._has_primitive = _describe(name)
        _check_smooth(smooth, self._has_primitive, name)
        self.smooth = smooth
        self._learned = {}  # spec parameter -> the attribute its registered nn.Parameter is under
        self.params = _parameters(params, kw)

    @property
    def params(self):
        """The parameter values by name (a learnable one as its registered nn.Parameter)."""
        return {k: getattr(self, self._learned[k]) if k in self._learned else v for k, v in self._values.items()}

    @params.setter
    def params(self, values):
        values = _parameters(values, {}) if isinstance(values, dict) else values
        # The runtime's check of names and numbers, its message relayed; a tensor's value is not read here (it may be
        # on a meta or CUDA device), only its name is checked (with the default standing in for the value).
        defaults = dict(zip(self._names, self._defaults))
        numbers = {k: defaults.get(k, 0.0) if isinstance(v, torch.Tensor) else v for k, v in values}
        _runners.resolve_parameters(self.name, torch.float64, numbers, len(self._names))
        learned = [k for k, v in values if isinstance(v, torch.Tensor) and v.requires_grad]
        if learned and not self._has_primitive:
            raise BackendError(
                f"`{self.name}` has no primitive (its spec gives no `primitive:` formula), so kernelgen cannot "
                f"differentiate it with respect to `{learned[0]}`: a learnable (requires_grad) parameter would get "
                f"no gradient; expected the parameter as a number, or a spec with a primitive")
        if learned and self.backend == "jit":
            raise BackendError(
                f"backend=\"jit\" compiles kernels specialised to each value of `{learned[0]}`, which a learnable "
                f"parameter changes at every step; expected backend=\"c\" (a built-in surrogate) or \"torch\"")
        if self.backend in ("c", "swift"):
            # Bind now (cheap: no compile) so a surrogate without ahead-of-time kernels (a catalogue surrogate, a
            # spec loaded at run time) is refused here, with the backends that serve it, not at the first call.
            _runner(self.name, self.backend, torch.empty(0), tuple((k, _value(k, v)) for k, v in values))
        for attribute in self._learned.values():
            delattr(self, attribute)
        self._learned = {}
        for key, value in values:
            if isinstance(value, torch.nn.Parameter):
                attribute = key if key.isidentifier() and not hasattr(self, key) else f"param_{key}"
                while hasattr(self, attribute) or not attribute.isidentifier():
                    attribute = "param_" + "".join(c if c.isalnum() else "_" for c in attribute)
                self.register_parameter(attribute, value)
                self._learned[key] = attribute
        self._values = dict(values)

    def forward(self, input):
        x = _check_input(input)
        if self._learned:  # registered nn.Parameters, which the user may reassign (spike.scale = ...)
            given = tuple((k, getattr(self, self._learned[k]) if k in self._learned else v)
                          for k, v in self._values.items())
        else:
            given = tuple(self._values.items())
        return _call(self.name, self.backend, x, given, _mode(self.training, self.sample, self.smooth), self.seed,
                     self.generator)

    def extra_repr(self):
        values = "".join(f", {k}={v!r}" for k, v in self._values.items() if k not in self._learned)
        smooth = ", smooth=True" if self.smooth else ""
        return f"{self.name!r}, backend={self.backend!r}{smooth}{values}"


def bind_ms(name, backend="jit", dtype=torch.float32, **params):
    """The time in ms the bind of (name, backend, dtype, params) took in this layer's cache, binding it now if it
    is not there (a JIT compile, or a hit in the JIT's memory or disk cache): what a tuning loop reports."""
    _name(name)
    _check_backend(backend)
    if backend in ("torch", "triton"):
        raise BackendError(f"bind_ms: backend \"{backend}\" binds nothing (Triton compiles at a kernel's first launch); "
                           f"expected \"c\", \"swift\" or \"jit\"")
    if dtype not in _runners.KERNEL_DTYPES and not (dtype in _runners.HALF_DTYPES and backend in _runners.NATIVE_HALF_BACKENDS):
        raise TypeError(f"dtype {dtype!r} with backend {backend!r}; expected torch.float32 or torch.float64 (or "
                        f"torch.bfloat16 or torch.float16 with backend \"c\" or \"jit\")")
    found = _runner(name, backend, torch.empty(0, dtype=dtype), tuple((k, _value(k, v)) for k, v in _parameters(None, params)))
    return found.surrogate.bind_ms

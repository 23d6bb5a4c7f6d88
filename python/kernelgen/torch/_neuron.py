"""Neuron layers: a neuron spec (`Neurons/*.yaml`, or one loaded with `load_neuron`) bound to any surrogate, run as one
fused multi-step forward and one backward through time (BPTT) per call, on CPU tensors.

`Neuron(name, surrogate=...)` takes `[T, ...]` input (time first, like SpikingJelly's `step_mode='m'`), returns the
spikes of every step in the input's shape, and carries its state from call to call until `reset()` (SpikingJelly's
`reset_net`). Parameters marked `learnable: true` in the spec are `nn.Parameter`s; their gradients (and those of the
input and the initial state) come from the backward the spec's step derives (`NeuronGraph`).
"""
import ctypes
import difflib
import json
import math
import os
import threading
from pathlib import Path

import torch

from .. import _library, _specs
from . import _runners, _triton
from ..errors import ParameterError, SpecError, UnknownNeuronError, shown

_lock = threading.Lock()
_bound = {}  # (neuron, surrogate, surrogate parameters, dtype, learned, backend) -> _Bound
_bound_generation = 0  # _specs.generation when _bound was last valid (a surrogate loaded since empties it)
_described = {}  # neuron name -> its JSON description
_steps = {}  # (neuron, fingerprint, dtype) -> the step function of its torch expression module
_DTYPES = {torch.float32: "float32", torch.float64: "float64"}
_HALF = (torch.bfloat16, torch.float16)


def neurons():
    """Every neuron known (built in, or loaded with `load_neuron`) as a list of dicts: name, summary, provenance,
    output, params (name, default, min, max, doc, learnable) and state (name, doc)."""
    out, error = ctypes.c_void_p(), ctypes.c_void_p()
    _library.check(_library.lib.kg_neurons_json(ctypes.byref(out), ctypes.byref(error)), error)
    return json.loads(_library.take_string(out))


def load_neuron(spec):
    """Loads and checks a neuron spec: a path to a YAML file, or the YAML text itself (anything with a newline).
    Returns its name; `Neuron(name, ...)` then uses it. Raises `SpecError` with every diagnostic
    (`file:line:column: ...`)."""
    if not isinstance(spec, (str, os.PathLike)):
        raise TypeError(f"load_neuron({type(spec).__name__}); expected a path (str or os.PathLike) or the YAML text")
    text, file = spec, "<string>"
    if isinstance(spec, os.PathLike) or ("\n" not in str(spec) and str(spec).endswith((".yaml", ".yml"))):
        file = str(spec)
        text = Path(spec).read_text(encoding="utf-8")
    if "\0" in text or "\0" in file:
        # C strings end at NUL: the library would read a shorter spec than the one given.
        line = text[:text.index("\0")].count("\n") + 1 if "\0" in text else 1
        raise SpecError(f"the neuron spec has errors:\n{shown(file)}:{line}:1: error: the text contains a NUL character; "
                        "expected UTF-8 text without NUL [unreadable-file]")
    name, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = _library.lib.kg_neuron_load_text(text.encode("utf-8"), file.encode("utf-8"), ctypes.byref(name), ctypes.byref(error))
    _library.check(status, error)
    loaded = _library.take_string(name)
    with _lock:
        _described.pop(loaded, None)
        for key in [k for k in _bound if k[0] == loaded]:
            del _bound[key]
    return loaded


def _describe(name):
    with _lock:
        if name in _described:
            return _described[name]
    for info in neurons():
        if info["name"] == name:
            with _lock:
                _described[name] = info
            return info
    known = [n["name"] for n in neurons()]
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    raise UnknownNeuronError(f"unknown neuron `{shown(name)}`{hint} known: {', '.join(known)} (or load_neuron(path))")


class _Bound:
    """A kg_neuron handle: one neuron, one surrogate with its parameters, one dtype, one backend ("jit" or "c")."""

    def __init__(self, neuron, surrogate, surrogate_params, dtype, learned=(), backend="jit"):
        names = list(surrogate_params)
        values = [float(surrogate_params[k]) for k in names]
        c_names = (ctypes.c_char_p * max(len(names), 1))(*[n.encode("utf-8") for n in names])
        c_values = (ctypes.c_double * max(len(values), 1))(*values)
        c_learned = (ctypes.c_char_p * max(len(learned), 1))(*[n.encode("utf-8") for n in learned])
        handle, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _library.lib.kg_neuron_bind(neuron.encode("utf-8"), surrogate.encode("utf-8"), dtype.encode("utf-8"),
                                             backend.encode("utf-8"), c_names, c_values, len(names), c_learned, len(learned), ctypes.byref(handle),
                                             ctypes.byref(error))
        _library.check(status, error)
        self.handle = handle
        self._release = _library.lib.kg_neuron_release
        text, error = ctypes.c_void_p(), ctypes.c_void_p()
        _library.check(_library.lib.kg_neuron_json(handle, ctypes.byref(text), ctypes.byref(error)), error)
        self.facts = json.loads(_library.take_string(text))

    def __del__(self):
        release = getattr(self, "_release", None)
        if release is not None and self.handle:
            release(self.handle)


def _bind(neuron, surrogate, surrogate_params, dtype, learned=(), backend="jit"):
    global _bound_generation
    learned = tuple(learned)
    key = (neuron, surrogate, tuple(sorted((k, repr(float(v))) for k, v in surrogate_params.items())), dtype, learned, backend)
    with _lock:
        if _specs.generation != _bound_generation:  # a surrogate spec was loaded (perhaps replacing one): rebind
            _bound.clear()
            _bound_generation = _specs.generation
        found = _bound.get(key)
    if found is None:
        if backend == "triton":
            found = _TritonBound(neuron, surrogate, surrogate_params, learned)
        else:
            found = _Bound(neuron, surrogate, surrogate_params, dtype, learned, backend)
        with _lock:
            _bound[key] = found
    return found


def _ptr(tensor):
    return ctypes.c_void_p(tensor.data_ptr()) if tensor is not None and tensor.numel() else None


def _call(what, function, *args):
    error = ctypes.c_void_p()
    _library.check(function(*args, ctypes.byref(error)), error)


def _check(x, what, shape, dtype, device=None):
    device = torch.device("cpu") if device is None else device
    if x.dtype != dtype or tuple(x.shape) != tuple(shape) or x.device != device:
        raise ValueError(f"kernelgen::neuron: {what} is {x.dtype} {tuple(x.shape)} on {x.device}; expected {dtype} "
                         f"{tuple(shape)} on {device}")


class _TritonBound:
    """A neuron's Triton kernels (`_triton.neuron_module`) with the facts a kg_neuron handle gives."""

    def __init__(self, neuron, surrogate, surrogate_params, learned):
        names = list(surrogate_params)
        m = _triton.neuron_module(neuron, surrogate, names, [surrogate_params[k] for k in names], list(learned))
        self.kernels = m["KERNELS"]
        self.facts = {"state_count": m["STATE_COUNT"], "param_count": m["PARAM_COUNT"], "learnable": list(m["LEARNABLE"]),
                      "stochastic": m["STOCHASTIC"], "fingerprint": m["FINGERPRINT"],
                      "learned": [{"name": n, "min": lo, "max": hi} for n, lo, hi in m["LEARNED"]]}


def _triton_kernel(bound, op, x, key):
    """The Triton kernel of `op` ("forward" or "backward") for x's dtype, sampled when a key is given and the surrogate
    is stochastic, and the (seed, offset) arguments it takes."""
    sampled = key is not None and bound.facts["stochastic"]
    kernel = bound.kernels[("train_" + op if sampled else op, _DTYPES[x.dtype])]
    return kernel, ((int(key) & ((1 << 64) - 1), 0) if sampled else ())


def _triton_forward(bound, x, state, spikes, saved, params, key):
    steps, n = x.shape
    if steps * n:
        kernel, noise = _triton_kernel(bound, "forward", x, key)
        _triton.launch(kernel, n, x, params, state, spikes, saved if saved is not None else spikes, steps, n, *noise,
                       SAVE=saved is not None)


def _triton_backward(bound, x, params, saved, grad_spikes, grad_state, grad_x, partials, key):
    steps, n = x.shape
    if steps * n:
        kernel, noise = _triton_kernel(bound, "backward", x, key)
        _triton.launch(kernel, n, x, params, saved, grad_spikes, grad_state, grad_x,
                       partials if partials is not None else grad_x, steps, n, *noise)


@torch.library.custom_op("kernelgen::neuron", mutates_args=(), schema=(
    "(Tensor x, Tensor state0, Tensor params, str neuron, str fingerprint, str surrogate, str backend, str[] names, "
    "float[] values, str[] learned, int threads, bool save, Tensor? key) -> (Tensor, Tensor, Tensor)"))
def neuron_op(x, state0, params, neuron, fingerprint, surrogate, backend, names, values, learned, threads, save, key):
    """The neuron's T steps: spikes [T, N], the final state [S, N] and (save) the state before each step [T, S, N]
    (else an empty tensor) from x [T, N] (float32/float64, CPU), state0 [S, N], params [P] (float64). `fingerprint`:
    the neuron spec's (`kg_neuron_json`), checked so that a layer made before the neuron was reloaded with another
    text is refused, not run on the new kernels ("" skips the check). `key` (an int64 0-d tensor, or None for the
    eval forward): the Philox key of a stochastic surrogate's sampled training forward. `learned`: surrogate parameters
    given in `params` after the neuron's (and learned), the others fixed at `names`/`values`. `backend`: "jit" (kernels
    compiled for the surrogate's values) or "c" (the ahead-of-time kernels of the built-in neurons and surrogates)."""
    if x.dim() != 2 or x.dtype not in _DTYPES:
        raise ValueError(f"kernelgen::neuron: x is {x.dtype} {tuple(x.shape)}; expected float32 or float64 [T, N]")
    steps, n = x.shape
    x = x.contiguous()
    bound = _checked(neuron, fingerprint, surrogate, backend, names, values, learned, x.dtype, params)
    s = bound.facts["state_count"]
    _check(state0, "state0", (s, n), x.dtype, x.device if backend == "triton" else None)
    state = state0.contiguous().clone()
    spikes = torch.empty_like(x)
    saved = torch.empty((steps, s, n) if save else (0,), dtype=x.dtype, device=x.device)
    p = params.detach().to(torch.float64).contiguous()
    if backend == "triton":
        _triton.check_device(x, f"neuron `{shown(neuron)}`", cpu_backend="jit")
        _sample(key)
        _triton_forward(bound, x, state, spikes, saved if save else None, p.to(x.device), key)
        return spikes, state, saved
    _call("forward", _library.lib.kg_neuron_forward, bound.handle, _ptr(x), _ptr(p), _ptr(state), _ptr(spikes),
          _ptr(saved) if save else None, steps, n, threads, *_sample(key))
    return spikes, state, saved


def _checked(neuron, fingerprint, surrogate, backend, names, values, learned, dtype, params):
    """The bound kernels of a call, with the call's parameters and the layer's spec checked against them."""
    if len(names) != len(values):
        raise ValueError(f"kernelgen::neuron: {len(names)} surrogate parameter names for {len(values)} values")
    bound = _bind(neuron, surrogate, dict(zip(names, values)), _DTYPES[dtype], learned, backend)
    facts = bound.facts
    if fingerprint and fingerprint != facts["fingerprint"]:
        raise ValueError(f"neuron `{shown(neuron)}` was loaded again with another text after this layer was made; expected "
                         f"the spec the layer was made from: make the layer again (kernelgen.torch.Neuron)")
    if params.dim() != 1 or params.numel() != facts["param_count"]:
        raise ValueError(f"kernelgen::neuron: params has shape {tuple(params.shape)}; expected [{facts['param_count']}], "
                         f"the parameters of `{shown(neuron)}` in its spec's order")
    return bound


def _sample(key):
    """(sample, seed, offset) of the C calls for an int64 key tensor or None."""
    if key is None:
        return 0, 0, 0
    if key.numel() != 1 or key.dtype != torch.int64:
        raise ValueError(f"kernelgen::neuron: key is {key.dtype} {tuple(key.shape)}; expected one int64 value or None")
    return 1, int(key) & ((1 << 64) - 1), 0


@neuron_op.register_fake
def _neuron_fake(x, state0, params, neuron, fingerprint, surrogate, backend, names, values, learned, threads, save, key):
    steps, n = x.shape
    s = state0.shape[0]
    return (torch.empty_like(x, memory_format=torch.contiguous_format), state0.new_empty((s, n)),
            x.new_empty((steps, s, n) if save else (0,)))


@torch.library.custom_op("kernelgen::neuron_backward", mutates_args=(), schema=(
    "(Tensor x, Tensor params, Tensor saved, Tensor grad_spikes, Tensor grad_state, str neuron, str fingerprint, "
    "str surrogate, str backend, str[] names, float[] values, str[] learned, int threads, Tensor? key) "
    "-> (Tensor, Tensor, Tensor)"))
def neuron_backward_op(x, params, saved, grad_spikes, grad_state, neuron, fingerprint, surrogate, backend, names, values,
                       learned, threads, key):
    """The backward through time: the gradients of x [T, N], of the initial state [S, N] and of the parameters [P]
    (float64; zero for those not learnable) from those of the spikes [T, N] and of the final state [S, N]."""
    if x.dim() != 2 or x.dtype not in _DTYPES:
        raise ValueError(f"kernelgen::neuron_backward: x is {x.dtype} {tuple(x.shape)}; expected float32 or float64 [T, N]")
    steps, n = x.shape
    bound = _checked(neuron, fingerprint, surrogate, backend, names, values, learned, x.dtype, params)
    s = bound.facts["state_count"]
    if saved.numel() == 0 and steps * n * s:
        raise ValueError("kernelgen::neuron_backward: saved is empty; the forward ran with save=False (no gradient was "
                         "needed then)")
    device = x.device if backend == "triton" else None
    _check(saved, "saved", (steps, s, n), x.dtype, device)
    _check(grad_spikes, "grad_spikes", (steps, n), x.dtype, device)
    _check(grad_state, "grad_state", (s, n), x.dtype, device)
    learnable = bound.facts["learnable"]
    x, saved, grad_spikes = x.contiguous(), saved.contiguous(), grad_spikes.contiguous()
    grad_state = grad_state.contiguous().clone()
    grad_x = torch.empty_like(x)
    partials = torch.zeros((len(learnable), n), dtype=x.dtype, device=x.device) if learnable else None
    p = params.detach().to(torch.float64).contiguous()
    if backend == "triton":
        _triton.check_device(x, f"neuron `{shown(neuron)}`", cpu_backend="jit")
        _sample(key)
        _triton_backward(bound, x, p.to(x.device), saved, grad_spikes, grad_state, grad_x, partials, key)
        grad_params = torch.zeros(params.shape, dtype=torch.float64, device=x.device)
        if learnable:
            grad_params[learnable] = partials.sum(dim=1, dtype=torch.float64)
        return grad_x, grad_state, grad_params
    _call("backward", _library.lib.kg_neuron_backward, bound.handle, _ptr(x), _ptr(p), _ptr(saved), _ptr(grad_spikes),
          _ptr(grad_state), _ptr(grad_x), _ptr(partials), steps, n, threads, *_sample(key))
    grad_params = torch.zeros(params.shape, dtype=torch.float64)
    if learnable:
        grad_params[learnable] = partials.sum(dim=1, dtype=torch.float64)
    return grad_x, grad_state, grad_params


@neuron_backward_op.register_fake
def _neuron_backward_fake(x, params, saved, grad_spikes, grad_state, neuron, fingerprint, surrogate, backend, names, values,
                          learned, threads, key):
    return (torch.empty_like(x, memory_format=torch.contiguous_format), grad_state.new_empty(grad_state.shape),
            x.new_empty(params.shape, dtype=torch.float64))


def _setup_context(ctx, inputs, output):
    x, _, params, neuron, fingerprint, surrogate, backend, names, values, learned, threads, _, key = inputs
    ctx.save_for_backward(x, params, output[2], key)
    ctx.call = (neuron, fingerprint, surrogate, backend, names, values, learned, threads)
    # Gradients of unused outputs (the saved states, [T, S, N]; often the final state) stay None instead of zero
    # tensors that autograd would fill: at T x N beyond the caches a fill is as slow as the kernel itself.
    ctx.set_materialize_grads(False)


def _backward(ctx, grad_spikes, grad_state, _grad_saved):
    x, params, saved, key = ctx.saved_tensors
    s = saved.shape[1] if saved.dim() == 3 else 0
    grad_spikes = torch.zeros_like(x) if grad_spikes is None else grad_spikes.to(x.dtype)
    grad_state = x.new_zeros((s, x.shape[1])) if grad_state is None else grad_state.to(x.dtype)
    grad_x, grad_state0, grad_params = torch.ops.kernelgen.neuron_backward(x, params, saved, grad_spikes, grad_state,
                                                                           *ctx.call, key)
    return grad_x, grad_state0, grad_params.to(params), None, None, None, None, None, None, None, None, None, None


neuron_op.register_autograd(_backward, setup_context=_setup_context)


def _torch_step(neuron, fingerprint, dtype):
    """The neuron's step in torch operations (`kg_neuron_torch_source`), with the expression modules' helpers."""
    key = (neuron, fingerprint, dtype)
    with _lock:
        found = _steps.get(key)
    if found is None:
        text, error = ctypes.c_void_p(), ctypes.c_void_p()
        _library.check(_library.lib.kg_neuron_torch_source(neuron.encode("utf-8"), _DTYPES[dtype].encode("utf-8"),
                                                           ctypes.byref(text), ctypes.byref(error)), error)
        helpers = _runners.expression_module("sigmoid")  # every expression module has the same `_kg_*` helpers
        namespace = {k: v for k, v in helpers.items() if k.startswith("_kg_") or k in ("_math", "_torch")}
        exec(compile(_library.take_string(text), f"<kernelgen torch neuron {neuron}>", "exec"), namespace)
        found = namespace["step"]
        with _lock:
            _steps[key] = found
    return found


class Neuron(torch.nn.Module):
    """A layer of spiking neurons from a neuron spec, with any surrogate: `Neuron("lif", surrogate="sigmoid", tau=2.0)`.

    - `name`: a built-in neuron (`kernelgen.torch.neurons()`: if, lif, plif, leaky, lif_current, alif) or one loaded
      with `load_neuron`.
    - `surrogate`: any surrogate spec by name (built in, catalogue or loaded with `kernelgen.load_spec`), its
      parameters in `surrogate_params` (fixed: the JIT specialises the kernels to them).
    - keyword arguments (or `params={...}`, for a parameter named like one of this constructor's arguments): the
      neuron's parameters (defaults from the spec). A parameter marked `learnable: true` in the spec is an
      `nn.Parameter` named `p_<name>` (`layer.p_w`; the prefix keeps any spec name off the module's own attributes),
      float32 (`.double()` converts it with the module), clamped into its spec bounds in the forward (as snnTorch
      clamps beta: no gradient beyond a bound); pass `learnable=False` to keep every parameter fixed.
    - `threads`: threads per call: None (the default) follows `kernelgen.torch.set_threads` (automatic: all cores),
      0 is all cores, else a count; the neurons are split between them (results do not depend on it).
    - `backend`: "jit" (the default: the fused kernels compiled for this surrogate and its values, CPU tensors), "c"
      (the same fused kernels compiled ahead of time, for the built-in neurons with the built-in surrogates: no
      compile at construction, no LLVM needed; the surrogate's values are runtime arguments; no learned surrogate
      parameters) or "torch" (the step in torch operations, one per time step, differentiated by autograd: what
      tensors on any other device run, CUDA included).

    `forward(x)`: `x` is `[T, ...]`, float32 or float64 (bfloat16/float16 computed in float32), on any device; returns
    the spikes, shape and dtype of `x`. The state after the call is kept in `self.state` (`[S, ...]`, S state
    variables in the spec's order) and is the next call's initial state (gradients flow through it) until
    `reset()`. Memory saved for the backward: S values per neuron and step (the state before each step; the
    backward recomputes the rest).

    Raises (at construction): UnknownNeuronError (a LookupError: unknown neuron), UnknownSurrogateError, ParameterError (unknown parameter,
    out of bounds, not learnable), CompileError.
    """

    def __init__(self, name, surrogate="sigmoid", *, surrogate_params=None, threads=None, learnable=True, params=None,
                 backend="jit", **kwargs):
        super().__init__()
        if backend not in ("jit", "c", "triton", "torch"):
            raise ValueError(f"backend={backend!r}; expected 'jit' (the fused kernels, compiled for the surrogate), 'c' (the "
                             "fused kernels of the built-in neurons and surrogates, compiled ahead of time), 'triton' (the "
                             "fused kernels in Triton: CUDA tensors) or 'torch' (torch operations, any device)")
        self.backend = backend
        if not isinstance(name, str) or not isinstance(surrogate, str):
            raise TypeError(f"Neuron({name!r}, surrogate={surrogate!r}); expected the names of a neuron and a surrogate")
        given = dict(params or {})
        for key in kwargs:
            if key in given:
                raise ParameterError(f"parameter `{shown(key)}` is given twice (as a keyword and in params=); expected it once")
        given.update(kwargs)
        surrogate_params = dict(surrogate_params or {})
        # A surrogate parameter given as a tensor that requires grad (an nn.Parameter) is learned (spikingjelly #268).
        learned = {k: v for k, v in surrogate_params.items() if isinstance(v, torch.Tensor) and v.requires_grad}
        surrogate_params = {k: _runners.value_of(k, v) for k, v in surrogate_params.items() if k not in learned}
        for text in [name, surrogate, *map(str, surrogate_params), *map(str, learned), *map(str, given)]:
            if "\0" in text:
                raise ValueError(f"{shown(text)!r} contains a NUL character; expected a name without one")
        info = _describe(name)
        self.neuron = info["name"]
        self.surrogate = surrogate
        self.surrogate_params = surrogate_params
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 256):
            raise ValueError(f"threads={threads!r}; expected None (kernelgen.torch.set_threads' setting), 0 (all cores) or 1-256")
        self.threads = threads
        known = [p["name"] for p in info["params"]]
        for key in given:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                raise ParameterError(f"neuron `{self.neuron}` has no parameter `{shown(key)}`{hint} expected one of: "
                                     f"{', '.join(known) or '(none)'} (surrogate parameters go in surrogate_params=)")
        self._names = known
        self._bounds = [(p.get("min"), p.get("max")) for p in info["params"]]
        self._learnable = []
        self._fixed = {}
        for index, p in enumerate(info["params"]):
            value = given.get(p["name"], p["default"])
            if isinstance(value, torch.nn.Parameter) or (learnable and p["learnable"]):
                if not p["learnable"]:
                    raise ParameterError(f"parameter `{p['name']}` of neuron `{self.neuron}` is not learnable in its spec; "
                                         "expected a number (or `learnable: true` in the spec)")
                if isinstance(value, torch.Tensor) and value.numel() != 1:
                    raise ParameterError(f"parameter `{p['name']}` of neuron `{self.neuron}` has shape {tuple(value.shape)}; "
                                         "expected one value (a layer's parameter is shared by its neurons)")
                tensor = value if isinstance(value, torch.nn.Parameter) else torch.nn.Parameter(
                    torch.tensor(_runners.value_of(p["name"], value), dtype=torch.float32))
                self.register_parameter("p_" + p["name"], tensor)
                self._learnable.append(index)
            else:
                self._fixed[p["name"]] = _runners.value_of(p["name"], value)
        self.state_names = [s["name"] for s in info["state"]]
        # The state before the first step: formulas of the fixed parameters (`check` refuses learnable ones there);
        # the library checks every value against its bounds.
        values = (ctypes.c_double * max(len(known), 1))(*[self._fixed.get(p["name"], p["default"]) for p in info["params"]])
        initial = (ctypes.c_double * max(len(self.state_names), 1))()
        _call("initial state", _library.lib.kg_neuron_initial_state, self.neuron.encode("utf-8"), values, initial)
        self._initial = list(initial)[:len(self.state_names)]
        # Binding here checks the surrogate and its parameters at construction (and compiles the float32 kernels, or
        # takes them from the JIT's cache), says whether training samples noise, and fixes the spec this layer runs.
        self._learned = tuple(learned)
        if backend == "c" and learned:
            raise ParameterError(f"backend='c' learns no surrogate parameter (its kernels take {', '.join(learned)} as a fixed "
                                 "value); expected backend='jit' to learn it, or a number in surrogate_params")
        self._kernels = backend if backend in ("c", "triton") else "jit"
        facts = _bind(self.neuron, self.surrogate, self.surrogate_params, "float32", self._learned, self._kernels).facts
        self._stochastic, self._fingerprint = facts["stochastic"], facts["fingerprint"]
        for spec, (key, value) in zip(facts["learned"], learned.items()):
            if value.numel() != 1:
                raise ParameterError(f"surrogate parameter `{shown(key)}` has shape {tuple(value.shape)}; expected one value")
            self.register_parameter("surrogate_p_" + key, value if isinstance(value, torch.nn.Parameter)
                                    else torch.nn.Parameter(value.detach().reshape(())))
            self._bounds.append((spec.get("min"), spec.get("max")))
        self.state = None

    def extra_repr(self):
        fixed = ", ".join(f"{k}={v}" for k, v in self._fixed.items())
        return f"{self.neuron!r}, surrogate={self.surrogate!r}" + (f", {fixed}" if fixed else "")

    def _torch_loop(self, x, state0, params):
        """The T steps in torch operations (any device): the neuron's step module, the surrogate's (kernelgen.torch's
        expression route, so a stochastic surrogate samples from torch's generator in training)."""
        from . import surrogate as _surrogate  # kernelgen.torch's function (imported late: this module is part of it)
        step = _torch_step(self.neuron, self._fingerprint, x.dtype)
        training = self.training

        count = len(self._names)
        # the learned surrogate parameters (after the neuron's, clamped) as tensors: kernelgen.torch learns them too
        surrogate_params = dict(self.surrogate_params, **dict(zip(self._learned, params[count:].unbind(0))))

        def spike(u):
            return _surrogate(self.surrogate, u, backend="torch", training=training, params=surrogate_params)
        state = tuple(state0.unbind(0))
        values = tuple(params[:count].unbind(0))
        out = []
        for t in range(x.shape[0]):
            s, state = step(x[t], state, values, spike)
            out.append(s)
        spikes = torch.stack(out) if out else torch.empty_like(x)
        return spikes, torch.stack(state) if state else state0

    def reset(self):
        """Forgets the state: the next call starts from the spec's initial values."""
        self.state = None

    def _params(self):
        """The parameters in the spec's order as one float64 tensor; learnable ones clamped into their bounds."""
        values = []
        attributes = [("p_" + n) if n not in self._fixed else None for n in self._names]
        attributes += ["surrogate_p_" + n for n in self._learned]
        for name, attribute, (lo, hi) in zip(self._names + list(self._learned), attributes, self._bounds):
            if attribute is None:
                values.append(torch.tensor(self._fixed[name], dtype=torch.float64))
            else:
                value = getattr(self, attribute).to(torch.float64).reshape(())
                values.append(value.clamp(lo, hi) if lo is not None or hi is not None else value)
        return torch.stack(values) if values else torch.zeros(0, dtype=torch.float64)

    def forward(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input is {type(x).__name__}; expected a tensor [T, ...] with time first")
        if x.dim() < 1:
            raise ValueError("input is a 0-d tensor; expected at least one dimension, [T, ...] with time first "
                             "(x.reshape(1, -1) for one step of a flat layer)")
        if x.dtype not in _DTYPES and x.dtype not in _HALF:
            raise TypeError(f"input has dtype {x.dtype}; expected float32, float64, bfloat16 or float16 (x.float() "
                            "converts it)")
        compute = torch.float32 if x.dtype in _HALF else x.dtype
        steps, shape = x.shape[0], x.shape[1:]
        n = math.prod(shape)
        x2 = x.to(compute).reshape(steps, n).contiguous()
        params = self._params()
        if self.state is None:
            state0 = torch.tensor(self._initial, dtype=compute).reshape(-1, 1).expand(-1, n)
        else:
            if tuple(self.state.shape[1:]) != tuple(shape):
                raise ValueError(f"the kept state has shape {tuple(self.state.shape[1:])} per state variable but the input "
                                 f"{tuple(shape)} per step; call reset() between inputs of different shapes")
            state0 = self.state.reshape(len(self.state_names), n).to(compute)
        threads = self.threads if self.threads is not None else (_runners.threads or 0)
        save = torch.is_grad_enabled() and (x2.requires_grad or state0.requires_grad or params.requires_grad)
        names = list(self.surrogate_params)
        values = [float(self.surrogate_params[k]) for k in names]
        key = None
        if self.training and self._stochastic:
            # a fresh Philox key per call from torch's generator (reproducible under torch.manual_seed; in the graph)
            key = torch.randint(-(1 << 63), (1 << 63) - 1, (), dtype=torch.int64)
        kernels = self._kernels
        if x.device.type != "cpu" and kernels != "triton":
            # CUDA: the fused kernels in Triton when triton is installed; other devices: torch operations.
            kernels = "triton" if x.is_cuda and _triton.available() else None
        if self.backend == "torch" or kernels is None:
            spikes, state = self._torch_loop(x2, state0.to(x.device), params.to(x.device, compute))
        else:
            spikes, state, _ = torch.ops.kernelgen.neuron(x2, state0.to(x.device), params, self.neuron, self._fingerprint,
                                                          self.surrogate, kernels, names, values, list(self._learned), threads,
                                                          save, key)
        self.state = state.reshape(len(self.state_names), *shape)
        return spikes.reshape(x.shape).to(x.dtype)

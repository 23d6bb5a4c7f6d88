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

from .. import _library
from ..errors import BackendError, ParameterError, shown

_lock = threading.Lock()
_bound = {}  # (neuron, surrogate, surrogate parameters, dtype) -> _Bound
_described = {}  # neuron name -> its JSON description
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
    text, file = spec, "<string>"
    if isinstance(spec, os.PathLike) or ("\n" not in str(spec) and str(spec).endswith((".yaml", ".yml"))):
        file = str(spec)
        text = Path(spec).read_text(encoding="utf-8")
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
    raise LookupError(f"unknown neuron `{shown(name)}`{hint} known: {', '.join(known)} (or load_neuron(path))")


class _Bound:
    """A kg_neuron handle: one neuron, one surrogate with its parameters, one dtype."""

    def __init__(self, neuron, surrogate, surrogate_params, dtype):
        names = list(surrogate_params)
        values = [float(surrogate_params[k]) for k in names]
        c_names = (ctypes.c_char_p * max(len(names), 1))(*[n.encode("utf-8") for n in names])
        c_values = (ctypes.c_double * max(len(values), 1))(*values)
        handle, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _library.lib.kg_neuron_bind(neuron.encode("utf-8"), surrogate.encode("utf-8"), dtype.encode("utf-8"),
                                             c_names, c_values, len(names), ctypes.byref(handle), ctypes.byref(error))
        _library.check(status, error)
        self.handle = handle
        self._release = _library.lib.kg_neuron_release

    def __del__(self):
        release = getattr(self, "_release", None)
        if release is not None and self.handle:
            release(self.handle)


def _bind(neuron, surrogate, surrogate_params, dtype):
    key = (neuron, surrogate, tuple(sorted((k, repr(float(v))) for k, v in surrogate_params.items())), dtype)
    with _lock:
        found = _bound.get(key)
    if found is None:
        found = _Bound(neuron, surrogate, surrogate_params, dtype)
        with _lock:
            _bound[key] = found
    return found


def _ptr(tensor):
    return ctypes.c_void_p(tensor.data_ptr()) if tensor is not None and tensor.numel() else None


class _NeuronFunction(torch.autograd.Function):
    """spikes [T, N], final state [S, N] = the neuron's T steps from state0 [S, N] with parameters [P] (float64)."""

    @staticmethod
    def forward(ctx, x, state0, params, bound, learnable, threads):
        steps, n = x.shape
        state = state0.detach().to(x.dtype).contiguous().clone()
        spikes = torch.empty_like(x)
        needs = any(ctx.needs_input_grad[:3])
        saved = torch.empty((steps, state.shape[0], n), dtype=x.dtype) if needs else None
        p = params.detach().to(torch.float64).contiguous()
        error = ctypes.c_void_p()
        status = _library.lib.kg_neuron_forward(bound.handle, _ptr(x), _ptr(p), _ptr(state), _ptr(spikes), _ptr(saved),
                                                steps, n, threads, ctypes.byref(error))
        _library.check(status, error)
        if needs:
            ctx.save_for_backward(x, saved, p)
            ctx.bound, ctx.learnable, ctx.threads = bound, learnable, threads
        return spikes, state

    @staticmethod
    def backward(ctx, grad_spikes, grad_state):
        x, saved, p = ctx.saved_tensors
        steps, n = x.shape
        s = saved.shape[1]
        grad_spikes = torch.zeros_like(x) if grad_spikes is None else grad_spikes.to(x.dtype).contiguous()
        grad_state = (torch.zeros((s, n), dtype=x.dtype) if grad_state is None
                      else grad_state.to(x.dtype).contiguous().clone())
        grad_x = torch.empty_like(x)
        count = len(ctx.learnable)
        partials = torch.zeros((count, n), dtype=x.dtype) if count else None
        error = ctypes.c_void_p()
        status = _library.lib.kg_neuron_backward(ctx.bound.handle, _ptr(x), _ptr(p), _ptr(saved), _ptr(grad_spikes),
                                                 _ptr(grad_state), _ptr(grad_x), _ptr(partials), steps, n, ctx.threads,
                                                 ctypes.byref(error))
        _library.check(status, error)
        grad_params = None
        if ctx.needs_input_grad[2]:
            grad_params = torch.zeros(p.shape, dtype=torch.float64)
            if count:
                grad_params[list(ctx.learnable)] = partials.sum(dim=1, dtype=torch.float64)
        return grad_x, grad_state, grad_params, None, None, None


class Neuron(torch.nn.Module):
    """A layer of spiking neurons from a neuron spec, with any surrogate: `Neuron("lif", surrogate="sigmoid", tau=2.0)`.

    - `name`: a built-in neuron (`kernelgen.torch.neurons()`: if, lif, plif, leaky, alif) or one loaded with
      `load_neuron`.
    - `surrogate`: any surrogate spec by name (built in, catalogue or loaded with `kernelgen.load_spec`), its
      parameters in `surrogate_params` (fixed: the JIT specialises the kernels to them).
    - keyword arguments: the neuron's parameters (defaults from the spec). A parameter marked `learnable: true` in
      the spec is an `nn.Parameter` (float32; `.double()` converts it with the module); pass `learnable=False` to keep
      every parameter fixed.
    - `threads`: threads per call (0, the default: all cores).

    `forward(x)`: `x` is `[T, ...]`, float32 or float64 (bfloat16/float16 computed in float32), on the CPU; returns
    the spikes, shape and dtype of `x`. The state after the call is kept in `self.state` (`[S, ...]`, S state
    variables in the spec's order) and is the next call's initial state (gradients flow through it) until
    `reset()`. Memory saved for the backward: S values per neuron and step (the state before each step; the
    backward recomputes the rest).
    """

    def __init__(self, name, surrogate="sigmoid", *, surrogate_params=None, threads=0, learnable=True, **params):
        super().__init__()
        info = _describe(name)
        self.neuron = info["name"]
        self.surrogate = surrogate
        self.surrogate_params = dict(surrogate_params or {})
        self.threads = int(threads)
        known = [p["name"] for p in info["params"]]
        for key in params:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                raise ParameterError(f"neuron `{self.neuron}` has no parameter `{shown(key)}`{hint} expected one of: "
                                     f"{', '.join(known) or '(none)'} (surrogate parameters go in surrogate_params=)")
        self._names = known
        self._learnable = []
        self._fixed = {}
        for index, p in enumerate(info["params"]):
            value = params.get(p["name"], p["default"])
            if isinstance(value, torch.nn.Parameter) or (learnable and p["learnable"]):
                if not p["learnable"]:
                    raise ParameterError(f"parameter `{p['name']}` of neuron `{self.neuron}` is not learnable in its spec; "
                                         "expected a number (or `learnable: true` in the spec)")
                tensor = value if isinstance(value, torch.nn.Parameter) else torch.nn.Parameter(
                    torch.tensor(float(value), dtype=torch.float32))
                self.register_parameter(p["name"], tensor)
                self._learnable.append(index)
            else:
                self._fixed[p["name"]] = float(value)
        self.state_names = [s["name"] for s in info["state"]]
        self.state = None

    def extra_repr(self):
        fixed = ", ".join(f"{k}={v}" for k, v in self._fixed.items())
        return f"{self.neuron!r}, surrogate={self.surrogate!r}" + (f", {fixed}" if fixed else "")

    def reset(self):
        """Forgets the state: the next call starts from the spec's initial values."""
        self.state = None

    def _params(self):
        values = []
        for name in self._names:
            v = self._fixed.get(name)
            values.append(getattr(self, name).to(torch.float64).reshape(()) if v is None else torch.tensor(v, dtype=torch.float64))
        return torch.stack(values) if values else torch.zeros(0, dtype=torch.float64)

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() < 1:
            raise TypeError(f"input is {type(x).__name__}; expected a tensor [T, ...] with time first")
        if x.device.type != "cpu":
            raise BackendError(f"neuron layers run on CPU tensors; the input is on {x.device} (GPU kernels are "
                               "kernelgen's Triton backend, not built yet)")
        if x.dtype not in _DTYPES and x.dtype not in _HALF:
            raise TypeError(f"input has dtype {x.dtype}; expected float32, float64, bfloat16 or float16")
        compute = torch.float32 if x.dtype in _HALF else x.dtype
        steps, shape = x.shape[0], x.shape[1:]
        n = math.prod(shape)
        x2 = x.to(compute).reshape(steps, n).contiguous()
        params = self._params()
        bound = _bind(self.neuron, self.surrogate, self.surrogate_params, _DTYPES[compute])
        if self.state is None:
            initial = (ctypes.c_double * max(len(self.state_names), 1))()
            p = params.detach().contiguous()
            error = ctypes.c_void_p()
            _library.check(_library.lib.kg_neuron_initial_state(bound.handle, _ptr(p), initial, ctypes.byref(error)), error)
            state0 = torch.tensor(list(initial)[:len(self.state_names)], dtype=compute).reshape(-1, 1).expand(-1, n)
        else:
            if tuple(self.state.shape[1:]) != tuple(shape):
                raise ValueError(f"the kept state has shape {tuple(self.state.shape[1:])} per state variable but the input "
                                 f"{tuple(shape)} per step; call reset() between inputs of different shapes")
            state0 = self.state.reshape(len(self.state_names), n)
        spikes, state = _NeuronFunction.apply(x2, state0, params, bound, tuple(self._learnable), self.threads)
        self.state = state.reshape(len(self.state_names), *shape)
        return spikes.reshape(x.shape).to(x.dtype)

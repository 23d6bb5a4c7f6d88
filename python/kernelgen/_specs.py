"""The surrogates known to the library, and specs loaded at run time."""
import ctypes
import json
import os
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

from . import _library
from .errors import SpecWarning

#: Counts the specs loaded in this process (kernelgen.torch keys its caches by it: a spec loaded under a name
#: already used may replace that surrogate, and kernels or modules made before must not serve it).
generation = 0


@dataclass(frozen=True)
class Parameter:
    """A surrogate's parameter: its default and its bounds (None: unbounded), inclusive; `integer`: its values must
    be integers (`integer: true` in the spec)."""

    name: str
    default: float
    min: Optional[float]
    max: Optional[float]
    doc: str
    integer: bool = False


@dataclass(frozen=True)
class SurrogateInfo:
    """What a surrogate is: `params` in argument order; `stochastic`: training samples noise (its training forward,
    its backward or both); `backward_reads_y`: `Surrogate.backward` needs the forward output `y`; `has_primitive`:
    the spec has a `primitive` (the smooth forward, `Surrogate.primitive`); `has_train_backward`: its backward
    draws noise (sampled by `Surrogate.backward(..., training=True, seed=...)`, else the mean field)."""

    name: str
    summary: str
    params: Tuple[Parameter, ...]
    stochastic: bool
    has_train_forward: bool
    backward_reads_y: bool
    has_primitive: bool = False
    has_train_backward: bool = False


def _float(value):
    return None if value is None else float(value)


def surrogates() -> list:
    """Every surrogate known, built-in and loaded at run time, sorted by name: a list of `SurrogateInfo`."""
    text, error = ctypes.c_void_p(), ctypes.c_void_p()
    _library.check(_library.lib.kg_surrogates_json(ctypes.byref(text), ctypes.byref(error)), error)
    return [
        SurrogateInfo(
            name=item["name"],
            summary=item["summary"],
            params=tuple(
                Parameter(p["name"], float(p["default"]), _float(p["min"]), _float(p["max"]), p["doc"], bool(p.get("integer")))
                for p in item["params"]
            ),
            stochastic=bool(item["stochastic"]),
            has_train_forward=bool(item["has_train_forward"]),
            backward_reads_y=bool(item["backward_reads_y"]),
            has_primitive=bool(item["has_primitive"]),
            has_train_backward=bool(item["has_train_backward"]),
        )
        for item in json.loads(_library.take_string(text))
    ]


def load_spec(path=None, text=None, file=None) -> str:
    """Loads and checks a spec (YAML) at run time and returns the surrogate's name; it is then served by
    `Surrogate(name, backend="jit")`. Give exactly one of `path` (a str or os.PathLike) or `text` (a str; `file`
    names it in diagnostics, default "<string>", and its base name must then equal the spec's name).

    Raises `SpecError` (a ValueError) whose message holds every diagnostic as `file:line:column: error: ...`;
    warnings are issued as `SpecWarning`. TypeError when neither or both of path and text are given, or one is
    not a string. A spec with a built-in's name and another text replaces the built-in: its "c" and "swift"
    backends are then refused (BackendError) and "jit" compiles the new formulas."""
    if (path is None) == (text is None):
        raise TypeError("load_spec: expected exactly one of path= (a spec file) or text= (the spec's YAML)")
    name, found, error = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"load_spec: path is a {type(path).__name__}; expected a str or os.PathLike")
        encoded = os.fsencode(path)
        if b"\0" in encoded:
            raise ValueError(f"load_spec: path {path!r} holds a NUL character; expected a file path")
        status = _library.lib.kg_load_spec_path(
            encoded, ctypes.byref(name), ctypes.byref(found), ctypes.byref(error))
    else:
        if not isinstance(text, str):
            raise TypeError(f"load_spec: text is a {type(text).__name__}; expected the spec's YAML as a str")
        if file is not None and not isinstance(file, str):
            raise TypeError(f"load_spec: file is a {type(file).__name__}; expected a str naming the text in diagnostics")
        if "\0" in text:
            raise ValueError("load_spec: text holds a NUL character; expected YAML text without NUL")
        if file is not None and "\0" in file:  # a C string would end there: "a.yaml\0b" would name the text a.yaml
            raise ValueError(f"load_spec: file {file!r} holds a NUL character; expected a name without NUL")
        status = _library.lib.kg_load_spec_text(
            text.encode("utf-8"), None if file is None else file.encode("utf-8"),
            ctypes.byref(name), ctypes.byref(found), ctypes.byref(error))
    global generation
    generation += 1  # also on failure: a failed load leaves the table as it was, a recount costs a cache miss
    _library.check(status, error)
    for line in _library.take_string(found).splitlines():
        warnings.warn(line, SpecWarning, stacklevel=2)
    return _library.take_string(name)


def torch_source(name: str) -> str:
    """The PyTorch expression module of surrogate `name` (built in or loaded at run time) as Python source: the
    text of `kernelgen-tools torch NAME` (see docs/torch-expressions.md). kernelgen.torch runs it for
    tensors the C kernels cannot take. UnknownSurrogateError (a LookupError) for an unknown name."""
    return _module_source("torch_source", _library.lib.kg_torch_source, name)


def triton_source(name: str) -> str:
    """The Triton module of surrogate `name` (built in or loaded at run time) as Python source: the text of
    `kernelgen-tools triton NAME` (see docs/triton.md), one `@triton.jit` kernel per op and dtype. kernelgen.torch
    launches it for CUDA tensors and for backend="triton". UnknownSurrogateError (a LookupError) for an unknown
    name."""
    return _module_source("triton_source", _library.lib.kg_triton_source, name)


def _module_source(what, function, name):
    """A surrogate's generated module through the ABI's `function` (kg_torch_source, kg_triton_source)."""
    if not isinstance(name, str):
        raise TypeError(f"{what}: name is a {type(name).__name__}; expected a surrogate's name (str)")
    if "\0" in name:
        raise ValueError(f"{what}: name {name!r} holds a NUL character")
    text, error = ctypes.c_void_p(), ctypes.c_void_p()
    _library.check(function(name.encode("utf-8"), ctypes.byref(text), ctypes.byref(error)), error)
    return _library.take_string(text)


def neuron_triton_source(neuron: str, surrogate: str = "sigmoid", **surrogate_params) -> str:
    """The Triton module of neuron `neuron` bound to surrogate `surrogate` (its parameters folded in, defaults for
    those not given) as Python source: the fused forward and backward through time that kernelgen.torch.Neuron
    launches for CUDA tensors (docs/triton.md). Errors: UnknownSurrogateError, ParameterError, SpecError (an
    unknown neuron: a ParameterError naming the known ones)."""
    for what, value in (("neuron", neuron), ("surrogate", surrogate)):
        if not isinstance(value, str) or "\0" in value:
            raise TypeError(f"neuron_triton_source: {what} is {value!r}; expected a name (str without NUL)")
    names = list(surrogate_params)
    values = [float(surrogate_params[k]) for k in names]
    text, error = ctypes.c_void_p(), ctypes.c_void_p()
    c_names = (ctypes.c_char_p * max(len(names), 1))(*[n.encode("utf-8") for n in names])
    c_values = (ctypes.c_double * max(len(values), 1))(*values)
    c_learned = (ctypes.c_char_p * 1)()
    _library.check(_library.lib.kg_neuron_triton_source(neuron.encode("utf-8"), surrogate.encode("utf-8"), c_names,
                                                        c_values, len(names), c_learned, 0, ctypes.byref(text),
                                                        ctypes.byref(error)), error)
    return _library.take_string(text)

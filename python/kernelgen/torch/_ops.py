"""kernelgen's surrogate as PyTorch custom operators (`torch.library.custom_op`): what `torch.compile` (with
`fullgraph=True`) and `torch.export` see of a kernelgen surrogate.

    torch.ops.kernelgen.spike(x, name, backend, names, values, params, mode, key) -> Tensor
    torch.ops.kernelgen.spike_backward(x, y, grad_out, name, backend, names, values, params, mode, key) -> Tensor

`names` are the given parameters' names: the first len(values) take the floats `values`, the rest the 0-d
tensors `params` (learnable ones: their gradients are returned). `mode` is "eval", "sample", "mean" or "smooth";
`key` (int64, 0-d) is the Philox key of a sampled call, drawn inside the graph (`torch.randint`), so a compiled
model draws a fresh key per call and `torch.manual_seed` reproduces it. Both ops have fake (meta) kernels, an
autograd formula (the first; the second is the first's backward) and vmap rules; they are checked with
`torch.library.opcheck` in the tests. A program exported with them runs wherever `kernelgen.torch` is imported
(the import registers the ops)."""
from typing import List, Optional

import torch

from . import _math, _runners

_MASK = (1 << 64) - 1


def _values(names, values, params):
    floats = [(n, float(v)) for n, v in zip(names, values)]
    return tuple(floats + [(n, _runners.value_of(n, t)) for n, t in zip(names[len(values):], params)])


def _key(key):
    """The Philox key (an int in [0, 2^64)) of an int64 key tensor (two's complement), or None."""
    if key is None:
        return None
    if key.numel() != 1 or key.dtype != torch.int64:
        raise ValueError(f"kernelgen::spike: key has shape {tuple(key.shape)} and dtype {key.dtype}; expected one "
                         f"int64 value (the sampled call's Philox key) or None")
    return int(key) & _MASK


def _runner(x, name, backend, names, values, params, mode):
    """The runner of a call of the ops, its arguments checked (the ops can be called directly)."""
    if len(values) + len(params) != len(names):
        raise ValueError(f"kernelgen::spike: {len(names)} parameter names for {len(values)} values and {len(params)} "
                         f"tensors; expected one name per value, the values' names first")
    if mode not in _math.MODES:
        raise ValueError(f"kernelgen::spike: mode {mode!r}; expected one of {', '.join(map(repr, _math.MODES))}")
    _runners.check_backend(backend)
    _runners.check_input(x, "x")
    return _runners.runner(name, backend, x, _values(names, values, params))


@torch.library.custom_op("kernelgen::spike", mutates_args=(), schema=(
    "(Tensor x, str name, str backend, str[] names, float[] values, Tensor[] params, str mode, Tensor? key) -> Tensor"))
def spike(x: torch.Tensor, name: str, backend: str, names: List[str], values: List[float], params: List[torch.Tensor],
          mode: str, key: Optional[torch.Tensor]) -> torch.Tensor:
    runner = _runner(x, name, backend, names, values, params, mode)
    if key is None and mode == "sample" and runner.is_kernel and runner.stochastic:
        raise ValueError(f"kernelgen::spike: a sampled call of `{name}` needs key, its Philox key (an int64 tensor)")
    y = _math.compute(runner, x, mode, _key(key), None)
    # a new tensor (no alias of x), dense as the fake kernel says
    return y.clone(memory_format=torch.contiguous_format) if y is x or y._base is not None else y.contiguous()


@spike.register_fake
def _spike_fake(x, name, backend, names, values, params, mode, key):
    return torch.empty_like(x, memory_format=torch.contiguous_format)


@torch.library.custom_op("kernelgen::spike_backward", mutates_args=(), schema=(
    "(Tensor x, Tensor? y, Tensor grad_out, str name, str backend, str[] names, float[] values, Tensor[] params, "
    "str mode, Tensor? key) -> Tensor"))
def spike_backward(x: torch.Tensor, y: Optional[torch.Tensor], grad_out: torch.Tensor, name: str, backend: str,
                   names: List[str], values: List[float], params: List[torch.Tensor], mode: str,
                   key: Optional[torch.Tensor]) -> torch.Tensor:
    runner = _runner(x, name, backend, names, values, params, mode)
    if y is None and runner.reads_y:
        raise ValueError(f"kernelgen::spike_backward: `{name}`'s backward reads y, the forward output; expected y")
    # the kernels read x.numel() elements of x's type from each (y: float32 for a half-type x)
    y_types = (x.dtype, torch.float32) if x.dtype in _runners.HALF_DTYPES else (x.dtype,)
    for what, t, types in (("grad_out", grad_out, (x.dtype,)), ("y", y, y_types)):
        if t is not None and (t.shape != x.shape or t.device != x.device or t.dtype not in types):
            raise ValueError(f"kernelgen::spike_backward: {what} is {t.dtype} of shape {tuple(t.shape)} on {t.device}; "
                             f"expected x's shape {tuple(x.shape)} and dtype {x.dtype} on {x.device}")
    if key is None and _math.samples_backward(runner, mode) and runner.is_kernel:
        raise ValueError(f"kernelgen::spike_backward: `{name}`'s sampled backward needs key, its forward's Philox key")
    grad = _math.kernel_grad_input(runner, mode, _key(key), None, x, y, grad_out)
    if grad is x or grad is grad_out or grad._base is not None:
        return grad.clone(memory_format=torch.contiguous_format)
    return grad.contiguous()


@spike_backward.register_fake
def _spike_backward_fake(x, y, grad_out, name, backend, names, values, params, mode, key):
    return torch.empty_like(x, memory_format=torch.contiguous_format)


def _setup_context(ctx, inputs, output):
    x, name, backend, names, values, params, mode, key = inputs
    reads_y = _runners.expression_module(name)["BACKWARD_READS_Y"]
    y = None
    if reads_y:
        if mode == "smooth":  # (a half type's y is float32: the value before rounding, which its kernels read)
            wide = x.float() if x.dtype in _runners.HALF_DTYPES else x
            y = spike(wide, name, backend, names, values, params, "mean", None)
        elif x.dtype in _runners.HALF_DTYPES:
            y = spike(x.float(), name, backend, names, values, params, mode, key)
        else:
            y = output
    ctx.call = (name, backend, list(names), list(values), mode)
    ctx.count = (len(params), y is not None, key is not None)
    ctx.save_for_backward(x, *([y] if y is not None else []), *([key] if key is not None else []), *params)


def _backward(ctx, grad_output):
    name, backend, names, values, mode = ctx.call
    count, has_y, has_key = ctx.count
    saved = list(ctx.saved_tensors)
    x = saved.pop(0)
    y = saved.pop(0) if has_y else None
    key = saved.pop(0) if has_key else None
    params = saved
    grad_x = None
    if ctx.needs_input_grad[0]:
        if torch.is_grad_enabled() and (x.requires_grad or grad_output.requires_grad or
                                        any(p.requires_grad for p in params)):
            floats = tuple(zip(names, values))
            learned = dict(zip(names[len(values):], params))
            kernels = key is not None and _runner(x, name, backend, names, values, params, mode).is_kernel
            k = int(key) & _MASK if kernels else None  # the kernels' Philox key (CPU or Triton); the expression module draws
            grad_x = _math.differentiable_grad_input(name, floats, mode, k, None, x, y, grad_output, learned)
        else:
            grad_x = spike_backward(x, y, grad_output, name, backend, names, values, params, mode, key)
    grad_params = [None] * len(params)
    wanted = {n: t for n, t, needed in zip(names[len(values):], params, ctx.needs_input_grad[5]) if needed} \
        if isinstance(ctx.needs_input_grad[5], (list, tuple)) else {}
    if wanted:
        found = dict(zip(wanted, _math.grad_params(name, tuple(zip(names, values)), x, grad_output, wanted)))
        grad_params = [found.get(n) for n in names[len(values):]]
    # The op's autograd matches the structure of list arguments: a list of numbers or strings is one leaf
    # (None), an empty list a list (of no gradients), the tensors' list one gradient each.
    return grad_x, None, None, _leaf(names), _leaf(values), grad_params, None, None


def _leaf(items):
    return [] if len(items) == 0 else None


spike.register_autograd(_backward, setup_context=_setup_context)


def _moved(t, dim, size):
    return t.movedim(dim, 0) if dim is not None else t.unsqueeze(0).expand(size, *t.shape)


@torch.library.register_vmap("kernelgen::spike")
def _spike_vmap(info, in_dims, x, name, backend, names, values, params, mode, key):
    if any(d is not None for d in in_dims[5]):
        raise NotImplementedError("kernelgen::spike: vmap over a parameter is not supported")
    return spike(x, name, backend, names, values, params, mode, key), in_dims[0]


@torch.library.register_vmap("kernelgen::spike_backward")
def _spike_backward_vmap(info, in_dims, x, y, grad_out, name, backend, names, values, params, mode, key):
    if any(d is not None for d in in_dims[7]):
        raise NotImplementedError("kernelgen::spike_backward: vmap over a parameter is not supported")
    size = info.batch_size
    x, grad_out = _moved(x, in_dims[0], size), _moved(grad_out, in_dims[2], size)
    y = None if y is None else _moved(y, in_dims[1], size)
    return spike_backward(x, y, grad_out, name, backend, names, values, params, mode, key), 0

"""What a kernelgen surrogate becomes while `torch.compile` (Dynamo) or `torch.export` traces it: one of two
routes, chosen by `set_compile_route`.

- "kernels": the custom op `torch.ops.kernelgen.spike` (`_ops`), opaque to the compiler, calling kernelgen's
  kernels at run time (with its own autograd formula and fake kernel).
- "expressions": the spec's PyTorch expression module inlined as torch operations (an autograd.Function of
  them), which Inductor fuses with the operations around it (the membrane update of a neuron).

A learnable (requires_grad) parameter always takes the kernels route (its gradient is the op's)."""
import torch

from . import _ops, _runners
from ..errors import shown as _shown

ROUTES = ("kernels", "expressions")
route = "expressions"


def tracing(x):
    """Whether x is being traced (Dynamo, export, make_fx: fake or functional tensors) rather than computed."""
    if torch.compiler.is_compiling():
        return True
    return isinstance(x, torch.Tensor) and type(x) is not torch.Tensor and not isinstance(x, torch.nn.Parameter)


def key_tensor(seed, generator):
    """The Philox key of a sampled call as an int64 tensor in the graph: the seed, or a fresh draw per call."""
    if seed is not None:
        return torch.tensor(seed - (1 << 64) if seed >= (1 << 63) else seed, dtype=torch.int64)
    return torch.randint(-(1 << 63), (1 << 63) - 1, (), dtype=torch.int64, generator=generator,
                         device=None if generator is None else generator.device).cpu()


def _eager(name, backend, x, given, mode, seed, generator):
    from . import _call  # the eager path (kernelgen.torch's own)
    return _call(name, backend, x, given, mode, seed, generator)


#: A sampled call with a torch.Generator, which is not a graph value: run eagerly (a graph break; with
#: fullgraph=True an error that gives this reason).
eager_call = torch.compiler.disable(_eager, reason=(
    "kernelgen.torch: a sampled call with generator= runs eagerly (a torch.Generator is not a graph value); for "
    "fullgraph=True pass seed= (a fixed key) or no generator (torch's default one, seeded per process with "
    "torch.manual_seed; per rank: torch.manual_seed(seed + rank))"))


def split(given):
    """(names, values, params) of the ops from ((name, float or tensor), ...): floats first, then tensors."""
    floats = [(n, v) for n, v in given if not isinstance(v, torch.Tensor)]
    tensors = [(n, v) for n, v in given if isinstance(v, torch.Tensor)]
    return [n for n, _ in floats + tensors], [float(v) for _, v in floats], [v for _, v in tensors]


@torch.compiler.assume_constant_result
def _ready(name):
    """Makes the expression module of `name` (a constant to Dynamo: it runs once, at trace time, outside the graph);
    False when there is none (an unknown name: the op reports it when it runs)."""
    try:
        _runners.expression_module(name)
        return True
    except Exception:
        return False


def _module(name):
    return _runners._modules[name][1] if _ready(name) else None


def call(name, backend, x, given, mode, seed, generator):
    """The spikes of x with autograd, as the graph records them."""
    if generator is not None and mode == "sample":
        return eager_call(name, backend, x, given, mode, seed, generator)
    names, values, params = split(given)
    # The expressions route takes number parameters and draws its own noise; a tensor parameter (its value is
    # checked when the op runs, its gradient the op's) and a fixed seed (the kernels' Philox samples, as eager)
    # take the kernels route.
    if not params and not (mode == "sample" and seed is not None):
        module = _expressions(name, backend, given)
        if module is not None:
            return ExpressionSpike.apply(x, name, mode, generator, *_arguments(module, name, dict(given), x))
    key = key_tensor(seed, generator) if mode == "sample" else None
    return _ops.spike(x, name, backend, names, values, params, mode, key)


def _arguments(module, name, given, x):
    """The module's parameter values in its order (defaults filled in), checked by the runtime's one check (its
    ParameterError relayed; a learnable tensor at its current value). While torch.compile traces, a call into the
    library would break the graph, so the same rule (known names, bounds, finite in the dtype) is stated here for
    the numbers given, with the runtime's messages; the traced call then runs on values the runtime accepted in eager
    use or that this rule accepts."""
    known = [p[0] for p in module["PARAMETERS"]]
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    numbers = {k: v for k, v in given.items() if not isinstance(v, torch.Tensor)}
    if not torch.compiler.is_compiling():
        _runners.resolve_parameters(name, dtype, numbers, len(known))
    else:
        for n in given:
            if n not in known:
                raise _runners.ParameterError(f"`{name}` has no parameter `{_shown(n)}`; expected one of: "
                                              f"{', '.join(known) or '(none)'}")
        largest = torch.finfo(dtype).max
        for pname, _, lo, hi in module["PARAMETERS"]:
            v = numbers.get(pname)
            if v is not None and (not abs(v) <= largest or (lo is not None and v < lo) or (hi is not None and v > hi)):
                raise _runners.ParameterError(
                    f"parameter `{pname}` of `{name}` is {v!r}; expected a finite value in "
                    f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]")
    return [given.get(pname, default) for pname, default, _, _ in module["PARAMETERS"]]


def _wide(x):
    return x.float() if x.dtype in _runners.HALF_DTYPES else x


class ExpressionSpike(torch.autograd.Function):
    """The expressions route: forward and backward are the expression module's torch operations."""

    @staticmethod
    def forward(ctx, x, name, mode, generator, *args):
        m = _runners._modules[name][1]
        xw = _wide(x)
        # Parameters as 0-d tensors (a Python float would be checked with .item(), which Dynamo cannot trace).
        args = tuple(a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=xw.dtype, device=x.device) for a in args)
        if mode == "eval" or (mode != "smooth" and not m["HAS_TRAIN_FORWARD"]):
            y = m["forward"](xw, *args)
        elif mode == "smooth":
            y = m["primitive"](xw, *args)
        elif mode == "mean":
            y = m["train_forward_mean"](xw, *args)
        else:
            y = m["train_forward"](xw, *args, generator=generator)
        saved = y
        if m["BACKWARD_READS_Y"] and mode == "smooth":
            saved = m["train_forward_mean"](xw, *args) if m["HAS_TRAIN_FORWARD"] else m["forward"](xw, *args)
        ctx.save_for_backward(x, saved if m["BACKWARD_READS_Y"] else None)
        ctx.name, ctx.mode, ctx.args, ctx.generator = name, mode, args, generator
        return y.to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        m = _runners._modules[ctx.name][1]
        xw, gw = _wide(x), _wide(grad_output)
        if ctx.mode == "sample" and m["HAS_TRAIN_BACKWARD"]:
            grad = m["train_backward"](xw, y, gw, *ctx.args, generator=ctx.generator)
        else:
            grad = m["backward"](xw, y, gw, *ctx.args)
        return (grad.to(x.dtype), None, None, None) + (None,) * len(ctx.args)


def _expressions(name, backend, given):
    """The expression module when the expressions route serves this call (number parameters only), else None."""
    if any(isinstance(v, torch.Tensor) for _, v in given):
        return None
    return _module(name) if route == "expressions" or backend == "torch" else None


def _tensors(module, name, given, x):
    return [a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=x.dtype, device=x.device)
            for a in _arguments(module, name, dict(given), x)]


def forward_only(name, backend, x, given, mode):
    """The eval forward without autograd (what an autograd.Function's forward computes while traced)."""
    m = _expressions(name, backend, given)
    if m is not None:
        xw = _wide(x)
        return m["forward"](xw, *_tensors(m, name, given, xw)).to(x.dtype)
    names, values, params = split(given)
    return _ops.spike(x, name, backend, names, values, params, mode, None)


def backward_only(name, backend, x, grad_output, given, mode):
    """grad_output times the eval backward, without autograd (a backward that reads no y)."""
    m = _expressions(name, backend, given)
    if m is not None:
        xw, gw = _wide(x), _wide(grad_output)
        return m["backward"](xw, None, gw, *_tensors(m, name, given, xw)).to(x.dtype)
    names, values, params = split(given)
    return _ops.spike_backward(x, None, grad_output, name, backend, names, values, params, mode, None)

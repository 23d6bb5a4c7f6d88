"""What the autograd Functions and the custom ops compute: forward values, the saved forward output, the
gradient of the input (kernels, or torch operations when a higher derivative is asked for) and of learnable
parameters. Shared by the eager path (`_autograd`) and the ops `torch.compile` and `torch.export` see (`_ops`)."""
import torch

from ..errors import BackendError
from . import _philox, _runners
from ._runners import HALF_DTYPES

#: Modes of a call: the eval forward, the training forward sampled or its mean field, the primitive.
MODES = ("eval", "sample", "mean", "smooth")


def compute(runner, x, mode, key, generator):
    """The forward of `mode` on x (any strides: the kernels get a contiguous copy when needed)."""
    if runner.is_kernel:
        x = x.contiguous()
    if mode == "eval":
        return runner.forward(x)
    if mode == "smooth":
        return runner.primitive(x)
    return runner.train(x, mode == "sample", key, generator)


def saved_output(runner, x, mode, key, generator, output, compute=compute):
    """The forward output the backward reads (None when it reads none), in the dtype the backward computes in:
    smooth mode's is the mean-field training forward (what the backward was checked against), a half type's the
    float32 value (a bfloat16 y would cost the backward its accuracy)."""
    if not runner.reads_y:
        return None
    if mode == "smooth":
        mode, key = "mean", None
    elif x.dtype not in HALF_DTYPES:
        return output
    if x.dtype in HALF_DTYPES:
        if not runner.is_kernel and mode == "sample" and key is None:
            # The expression module without a seed drew from the generator, which a second call would not repeat:
            # the rounded sample serves. With a seed the float32 forward draws the same noise again.
            return output.float()
        return compute(runner.inner, x.float(), mode, key, generator)
    return compute(runner, x, mode, key, generator)


def samples_backward(runner, mode):
    return mode == "sample" and runner.has_train_backward


def grad_input(runner, mode, key, generator, x, y, grad_out, params=None):
    """grad_out times the surrogate gradient at x. Under create_graph=True (a higher derivative is asked for) the
    expression module's torch operations compute it, so that autograd differentiates it (also with respect to
    the learnable parameters `params`, name -> tensor); else the kernels."""
    if torch.is_grad_enabled() and (x.requires_grad or grad_out.requires_grad or
                                    (params and any(p.requires_grad for p in params.values()))):
        _runners.check_generation(runner)
        return differentiable_grad_input(runner.name, runner.values, mode, key if runner.is_kernel else None, generator,
                                         x, y, grad_out, params)
    return kernel_grad_input(runner, mode, key, generator, x, y, grad_out)


def kernel_grad_input(runner, mode, key, generator, x, y, grad_out):
    if runner.is_kernel:  # the kernels read dense memory (an expanded or strided operand is copied)
        x = x.contiguous()
        y = None if y is None else y.contiguous()
    if samples_backward(runner, mode):
        return runner.train_backward(x, y, grad_out, key, generator)
    return runner.backward(x, y, grad_out)


def differentiable_grad_input(name, values, mode, key, generator, x, y, grad_out, params=None):
    """The gradient as torch operations of x, grad_out (and y): its own derivatives are then the spec's.

    A backward that reads y, the forward output, sees y as a function of x: y + b (x - x.detach()) with b the
    surrogate gradient at x (dy/dx), so the second derivative has the term d(backward)/dy * dy/dx (the noisy
    threshold's 25 s (1 - s)(1 - 2 s) at scale 5), not only d(backward)/dx with y held fixed.

    A sampled backward with a Philox `key` (the kernels' call: its forward's key) computes with the kernels' own
    draws of that key (noise stream 2, `_philox`), so its value is the kernels' and its derivative is taken at the
    same noise; with key None it draws from `generator` (the expression module's noise, other devices).

    Learnable parameters (`params`, name -> tensor) enter as those tensors, so a gradient penalty reaches them."""
    dtype = x.dtype
    wide = dtype in HALF_DTYPES
    xw, gw = (x.float(), grad_out.float()) if wide else (x, grad_out)
    yw = None if y is None else y.to(xw.dtype)
    params = params or {}
    e = _runners.runner(name, "torch", xw, tuple((n, v) for n, v in values if n not in params))
    if yw is not None:
        slope = e.call("backward", xw.detach(), yw.detach(), torch.ones_like(xw), params=params)
        yw = yw.detach() + slope * (xw - xw.detach())
    if mode == "sample" and e.has_train_backward:
        draws = None
        if key is not None:
            draws = lambda site: _philox.uniform(key, 2, site, xw.shape, xw.dtype).to(xw.device)
        grad = e.call("train_backward", xw, yw, gw.contiguous(), params=params, generator=generator, draws=draws)
    else:
        grad = e.call("backward", xw, yw, gw.contiguous(), params=params)
    return grad.to(dtype) if wide else grad


def check_learnable(runner, names):
    """A learnable parameter's gradient is the derivative of the spec's primitive (the smooth function whose
    derivative the surrogate is) with respect to it: refused, with the reason, when the spec has none."""
    if names and not runner.has_primitive:
        raise BackendError(
            f"`{runner.name}` has no primitive (its spec gives no `primitive:` formula), so kernelgen cannot "
            f"differentiate it with respect to `{names[0]}`: a learnable (requires_grad) parameter would get no "
            f"gradient; expected the parameter as a number (or a tensor that does not require grad), or a spec "
            f"with a primitive")


def grad_params(name, values, x, grad_out, tensors):
    """The gradients of the parameters in `tensors` (name -> tensor): the sum over elements of grad_out times the
    primitive's derivative with respect to each (autograd through the expression module of surrogate `name` with
    the other parameters' `values`, ((name, float), ...)), in each tensor's dtype and shape. Reads no tensor's
    value in Python, so it traces (torch.compile, export). Under create_graph=True (grad mode on in the backward,
    as torch.func.grad runs it) the gradients are themselves differentiable (in x, grad_out and the parameters)."""
    wide = x.dtype in HALF_DTYPES
    xw = x.float() if wide else x
    gw = grad_out.float() if wide else grad_out
    e = _runners.runner(name, "torch", xw, tuple((n, v) for n, v in values if n not in tensors))
    if torch.is_grad_enabled():
        wanted = list(tensors.values())
        p = e.call("primitive", xw, params={n: t.to(xw.dtype).reshape(()) for n, t in tensors.items()})
        grads = torch.autograd.grad(p, wanted, grad_outputs=gw, allow_unused=True, create_graph=True)
        return [torch.zeros_like(t) if g is None else g.to(t.dtype).reshape(t.shape)
                for g, t in zip(grads, tensors.values())]
    xw, gw = xw.detach(), gw.detach()
    with torch.enable_grad():
        leaves = {n: t.detach().to(xw.dtype).reshape(()).requires_grad_(True) for n, t in tensors.items()}
        p = e.call("primitive", xw, params=leaves)
        grads = torch.autograd.grad(p, list(leaves.values()), grad_outputs=gw, allow_unused=True)
    return [torch.zeros_like(t) if g is None else g.to(t.dtype).reshape(t.shape)
            for g, t in zip(grads, tensors.values())]

"""The eager path: autograd Functions in `setup_context` form, with `vmap` and `jvp` rules, so autograd,
`torch.func` (`vmap`, `grad`, `jacrev`, `jvp`, `jacfwd`) and forward-mode AD all work on them.

`SpikeFunction.apply(x, runner, mode, key, generator, names, *params)`: the runner computes; `key` is the
sampled call's Philox key (an int, drawn before the call) or None; `params` are the tensors of the learnable
parameters named by `names` (their values are already bound in the runner)."""
import torch

from . import _math


class SpikeFunction(torch.autograd.Function):
    @staticmethod
    def forward(x, runner, mode, key, generator, names, *params):
        return _math.compute(runner, x, mode, key, generator)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, runner, mode, key, generator, names, *params = inputs
        y = _math.saved_output(runner, x, mode, key, generator, output, _compute)
        ctx.call = (runner, mode, key, generator, names)
        ctx.has_y = y is not None
        # the input itself (not a contiguous copy), so that a double backward reaches the input's graph
        ctx.save_for_backward(x, *([y] if y is not None else []), *params)
        ctx.save_for_forward(x, *([y] if y is not None else []))

    @staticmethod
    def backward(ctx, grad_output):
        runner, mode, key, generator, names = ctx.call
        saved = ctx.saved_tensors
        x = saved[0]
        y = saved[1] if ctx.has_y else None
        params = saved[1 + ctx.has_y:]
        grad_x = None
        if ctx.needs_input_grad[0]:
            if _wrapped(grad_output, x, y) and not torch.is_grad_enabled():
                grad_x = GradFunction.apply(x, y, grad_output, runner, mode, key, generator)
            else:
                grad_x = _math.grad_input(runner, mode, key, generator, x, y, grad_output)
        grads = [None] * len(params)
        wanted = {n: p for i, (n, p) in enumerate(zip(names, params)) if ctx.needs_input_grad[6 + i]}
        if wanted:
            found = dict(zip(wanted, _math.grad_params(runner.name, runner.values, x, grad_output, wanted)))
            grads = [found.get(n) for n in names]
        return (grad_x, None, None, None, None, None, *grads)

    @staticmethod
    def jvp(ctx, x_tangent, *rest):
        runner, mode, key, generator, names = ctx.call
        saved = ctx.saved_tensors
        y = saved[1] if ctx.has_y else None
        if any(t is not None for t in rest[5:]):
            raise NotImplementedError("kernelgen.torch: forward-mode AD (jvp) with respect to a learnable parameter "
                                      "is not supported; expected tangents of the input only (use reverse mode, "
                                      "torch.func.grad or jacrev, for parameters)")
        if x_tangent is None:
            return None
        # the surrogate gradient applied to the tangent (which may be batched: jacfwd)
        return GradFunction.apply(saved[0], y, x_tangent, runner, mode, key, generator)

    @staticmethod
    def vmap(info, in_dims, x, runner, mode, key, generator, names, *params):
        if any(d is not None for d in in_dims[6:]):
            raise NotImplementedError("kernelgen.torch: vmap over a learnable parameter is not supported; expected "
                                      "the batch dimension on the input only")
        dim = in_dims[0]
        if dim is None:  # nothing batched reaches here but parameters; kept for completeness
            return SpikeFunction.apply(x, runner, mode, key, generator, names, *params), None
        if mode == "sample" and runner.stochastic:
            if info.randomness == "error":
                raise RuntimeError("vmap: called a sampled (random) kernelgen surrogate inside torch.func.vmap with "
                                   "randomness='error' (the default); expected randomness='different' (a fresh "
                                   "draw per batch entry) or 'same' (one draw shared by all), or sample=False")
            if info.randomness == "same":
                slices = [SpikeFunction.apply(s, runner, mode, key, generator, names, *params)
                          for s in x.movedim(dim, 0)]
                return torch.stack(slices), 0
        return SpikeFunction.apply(x, runner, mode, key, generator, names, *params), dim


def _compute(runner, x, mode, key, generator):
    """A forward value for the backward (no gradient): through SpikeFunction when x is a functorch wrapper."""
    if _wrapped(x):
        return SpikeFunction.apply(x.detach(), runner, mode, key, generator, ())
    return _math.compute(runner, x, mode, key, generator)


class GradFunction(torch.autograd.Function):
    """grad_out times the surrogate gradient by the kernels, as an op with a vmap rule: for tensors that are
    functorch wrappers without storage (a batched grad_output under jacrev or a batched gradcheck, a tangent under
    jacfwd). Not differentiable (a higher derivative takes the torch-operations path)."""

    @staticmethod
    def forward(x, y, grad_out, runner, mode, key, generator):
        return _math.kernel_grad_input(runner, mode, key, generator, x, y, grad_out)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output)

    @staticmethod
    def backward(ctx, grad):
        return None, None, None, None, None, None, None

    @staticmethod
    def vmap(info, in_dims, x, y, grad_out, runner, mode, key, generator):
        def moved(t, dim):
            if t is None:
                return None
            return t.movedim(dim, 0) if dim is not None else t.unsqueeze(0).expand(info.batch_size, *t.shape)
        x, y, grad_out = moved(x, in_dims[0]), moved(y, in_dims[1]), moved(grad_out, in_dims[2])
        return GradFunction.apply(x, y, grad_out, runner, mode, key, generator), 0


def _wrapped(*tensors):
    """Whether a tensor has no storage the kernels could read (a functorch or legacy-vmap wrapper)."""
    return any(t is not None and not torch._C._has_storage(t) for t in tensors)

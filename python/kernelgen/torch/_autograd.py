"""The eager path: autograd Functions with `jvp` and `vmap` rules, so autograd, forward-mode AD and `torch.func`
(`vmap`, `grad`, `jacrev`, `jvp`, `jacfwd`) all work on them.

`apply(x, call, *params)` with `call = (runner, mode, key, generator, names)`: the runner computes; `key` is the
sampled call's Philox key (an int, drawn before the call) or None; `params` are the tensors of the learnable
parameters named by `names` (their values are already bound in the runner). One tuple rather than five
arguments: `Function.apply` costs about 0.15 us per argument.

Two Functions with the same backward: torch.func needs the `setup_context` form (`SpikeFunction`), whose
`apply` costs about 8 us more per call (PyTorch binds the arguments with `inspect` on every call), so outside a
torch.func transform the classic form (`KernelgenSpike`) runs: `spike_function()` picks."""
import torch

from . import _math, _runners


def spike_function():
    """The Function for this call: SpikeFunction inside a torch.func transform, else KernelgenSpike."""
    return SpikeFunction if torch._C._are_functorch_transforms_active() else KernelgenSpike


def _save(ctx, x, call, params, output):
    runner, mode, key, generator, _ = call
    y = _math.saved_output(runner, x, mode, key, generator, output, _compute)
    ctx.call = call
    ctx.has_y = y is not None
    # the input itself (not a contiguous copy), so that a double backward reaches the input's graph
    if y is None:
        ctx.save_for_backward(x, *params)
        ctx.save_for_forward(x)
    else:
        ctx.save_for_backward(x, y, *params)
        ctx.save_for_forward(x, y)


class _Rules:
    """The backward and jvp both Functions share."""

    @staticmethod
    def backward(ctx, grad_output):
        runner, mode, key, generator, names = ctx.call
        saved = ctx.saved_tensors
        x = saved[0]
        y = saved[1] if ctx.has_y else None
        params = saved[1 + ctx.has_y:]
        grad_x = None
        if ctx.needs_input_grad[0]:
            if torch._C._are_functorch_transforms_active() and _wrapped(grad_output, x, y) \
                    and not torch.is_grad_enabled():
                grad_x = GradFunction.apply(x, y, grad_output, ctx.call)
            else:
                grad_x = _math.grad_input(runner, mode, key, generator, x, y, grad_output,
                                          dict(zip(names, params)) if names else None)
        if not names:
            return grad_x, None
        grads = [None] * len(params)
        wanted = {n: p for i, (n, p) in enumerate(zip(names, params)) if ctx.needs_input_grad[2 + i]}
        if wanted:
            _runners.check_generation(runner)
            found = dict(zip(wanted, _math.grad_params(runner.name, runner.values, x, grad_output, wanted)))
            grads = [found.get(n) for n in names]
        return (grad_x, None, *grads)

    @staticmethod
    def jvp(ctx, x_tangent, call_tangent, *param_tangents):
        saved = ctx.saved_tensors
        y = saved[1] if ctx.has_y else None
        if any(t is not None for t in param_tangents):
            raise NotImplementedError("kernelgen.torch: forward-mode AD (jvp) with respect to a learnable parameter "
                                      "is not supported; expected tangents of the input only (use reverse mode, "
                                      "torch.func.grad or jacrev, for parameters)")
        if x_tangent is None:
            return None
        # the surrogate gradient applied to the tangent (which may be batched: jacfwd)
        return GradFunction.apply(saved[0], y, x_tangent, ctx.call)


class KernelgenSpike(_Rules, torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, call, *params):
        output = _math.compute(call[0], x, call[1], call[2], call[3])
        _save(ctx, x, call, params, output)
        return output


class SpikeFunction(_Rules, torch.autograd.Function):
    @staticmethod
    def forward(x, call, *params):
        return _math.compute(call[0], x, call[1], call[2], call[3])

    @staticmethod
    def setup_context(ctx, inputs, output):
        _save(ctx, inputs[0], inputs[1], inputs[2:], output)

    @staticmethod
    def vmap(info, in_dims, x, call, *params):
        if any(d is not None for d in in_dims[2:]):
            raise NotImplementedError("kernelgen.torch: vmap over a learnable parameter is not supported; expected "
                                      "the batch dimension on the input only")
        dim = in_dims[0]
        if dim is None:  # nothing batched reaches here but parameters; kept for completeness
            return SpikeFunction.apply(x, call, *params), None
        runner, mode = call[0], call[1]
        if mode == "sample" and runner.stochastic:
            if info.randomness == "error":
                raise RuntimeError("vmap: called a sampled (random) kernelgen surrogate inside torch.func.vmap with "
                                   "randomness='error' (the default); expected randomness='different' (a fresh "
                                   "draw per batch entry) or 'same' (one draw shared by all), or sample=False")
            if info.randomness == "same":
                if not runner.is_kernel and call[2] is None:  # the expression module: one seed for every entry
                    call = (runner, mode, _runners.draw_key(None, call[3]), call[3], call[4])
                slices = [SpikeFunction.apply(s, call, *params) for s in x.movedim(dim, 0)]
                return torch.stack(slices), 0
        return SpikeFunction.apply(x, call, *params), dim


def _compute(runner, x, mode, key, generator):
    """A forward value for the backward (no gradient): through SpikeFunction when x is a functorch wrapper."""
    if _wrapped(x):
        return SpikeFunction.apply(x.detach(), (runner, mode, key, generator, ()))
    return _math.compute(runner, x, mode, key, generator)


class GradFunction(torch.autograd.Function):
    """grad_out times the surrogate gradient by the kernels, as an op with a vmap rule: for tensors that are
    functorch wrappers without storage (a batched grad_output under jacrev or a batched gradcheck, a tangent under
    jacfwd). Not differentiable (a higher derivative takes the torch-operations path)."""

    @staticmethod
    def forward(x, y, grad_out, call):
        runner, mode, key, generator, _ = call
        return _math.kernel_grad_input(runner, mode, key, generator, x, y, grad_out)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output)

    @staticmethod
    def backward(ctx, grad):
        return None, None, None, None

    @staticmethod
    def vmap(info, in_dims, x, y, grad_out, call):
        def moved(t, dim):
            if t is None:
                return None
            return t.movedim(dim, 0) if dim is not None else t.unsqueeze(0).expand(info.batch_size, *t.shape)
        x, y, grad_out = moved(x, in_dims[0]), moved(y, in_dims[1]), moved(grad_out, in_dims[2])
        if _math.samples_backward(call[0], call[1]):
            # each batch entry is the unbatched call: the same noise counters (0, 1, ...), not one long call's
            rows = [GradFunction.apply(x[b], None if y is None else y[b], grad_out[b], call)
                    for b in range(info.batch_size)]
            return torch.stack(rows), 0
        return GradFunction.apply(x, y, grad_out, call), 0


def _wrapped(*tensors):
    """Whether a tensor has no storage the kernels could read (a functorch or legacy-vmap wrapper)."""
    return any(t is not None and not torch._C._has_storage(t) for t in tensors)

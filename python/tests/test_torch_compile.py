"""kernelgen.torch under torch.compile and torch.export: zero graph breaks (fullgraph=True) for every public
function and module, every backend and mode, both compile routes; compiled results equal eager ones; the noisy
spike's key is fresh per compiled call and reproducible under torch.manual_seed; the custom ops pass
torch.library.opcheck; an exported model runs and matches eager."""
import pytest

from spikede_reference import torch

import kernelgen.torch as kt

ROUTES = ["expressions", "kernels"]
BUILT_INS = ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold", "noisy_gradient"]


@pytest.fixture(params=ROUTES)
def route(request):
    before = kt.get_compile_route()
    kt.set_compile_route(request.param)
    torch._dynamo.reset()
    yield request.param
    kt.set_compile_route(before)
    torch._dynamo.reset()


def graph_breaks(fn, *args):
    torch._dynamo.reset()
    explained = torch._dynamo.explain(fn)(*args)
    return explained.graph_break_count, [str(r.reason).splitlines()[0] for r in explained.break_reasons]


def calls():
    """(label, callable of x) for every public entry point, with modes and backends."""
    found = [
        ("sigmoid_surrogate", lambda x: kt.sigmoid_surrogate(x, 4.0)),
        ("arctan_surrogate", lambda x: kt.arctan_surrogate(x)),
        ("piecewise_linear_surrogate", lambda x: kt.piecewise_linear_surrogate(x, 0.5)),
        ("gaussian_surrogate", lambda x: kt.gaussian_surrogate(x, 0.75)),
        ("SigmoidSurrogate.apply", lambda x: kt.SigmoidSurrogate.apply(x, 3.0)),
        ("noisy_threshold_spike train", lambda x: kt.noisy_threshold_spike(x, 4.0)),
        ("noisy_threshold_spike mean", lambda x: kt.noisy_threshold_spike(x, 4.0, sample=False)),
        ("noisy_threshold_spike eval", lambda x: kt.noisy_threshold_spike(x, 4.0, training=False)),
        ("noisy_threshold_spike seed", lambda x: kt.noisy_threshold_spike(x, seed=7)),
    ]
    for backend in ("c", "swift", "jit", "torch"):
        for name in BUILT_INS:
            for training in (False, True):
                found.append((f"surrogate {name} {backend} training={training}",
                              lambda x, n=name, b=backend, t=training: kt.surrogate(n, x, backend=b, training=t)))
    found.append(("surrogate smooth", lambda x: kt.surrogate("noisy_threshold", x, smooth=True)))
    found.append(("catalogue (jit)", lambda x: kt.surrogate("spikingjelly_s2nn", x, backend="jit")))
    return found


CALLS = calls()


@pytest.mark.parametrize("label,fn", CALLS, ids=[c[0] for c in CALLS])
def test_no_graph_breaks(route, label, fn):
    x = torch.randn(33, dtype=torch.float32, requires_grad=True)
    count, reasons = graph_breaks(lambda x: fn(x).sum(), x)
    assert count == 0, f"{label} ({route}): {count} graph breaks: {reasons}"


@pytest.mark.parametrize("cls", [kt.NoisyThresholdSpikeModule, lambda: kt.Spike("sigmoid", scale=3.0),
                                 lambda: kt.Spike("noisy_gradient"), lambda: kt.Spike("spikingjelly_s2nn", backend="jit"),
                                 lambda: kt.Spike("gaussian", backend="torch", sigma=0.5)])
@pytest.mark.parametrize("training", [True, False])
def test_modules_compile_with_fullgraph_in_both_modes(route, cls, training):
    module = cls().train(training)
    x = torch.randn(4, 9, dtype=torch.float64, requires_grad=True)
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")
    y = compiled(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    if isinstance(module, kt.NoisyThresholdSpikeModule) and not training:
        assert not y.requires_grad  # SpikeDE's eval noisy spike is the hard spike without gradient
        return
    y.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def eager_and_compiled(fn, x, backend):
    torch._dynamo.reset()
    compiled = torch.compile(fn, fullgraph=True, backend=backend)
    results = []
    for f in (fn, compiled):
        leaf = x.detach().clone().requires_grad_(True)
        y = f(leaf)
        (y * torch.linspace(-2, 2, y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        results.append((y.detach(), leaf.grad))
    return results


@pytest.mark.parametrize("name", BUILT_INS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("compiler", ["aot_eager", "inductor"])
def test_compiled_equals_eager(route, name, dtype, compiler):
    """Deterministic modes (eval, and the mean-field training forward): the same spikes, the same gradients
    (the expressions route rounds as the expression module does: within 4 ulp of the kernels)."""
    x = (torch.arange(-40, 41, dtype=torch.float64) / 16).to(dtype)
    for training in (False, True):
        fn = lambda v: kt.surrogate(name, v, training=training, sample=False)
        (y0, g0), (y1, g1) = eager_and_compiled(fn, x, compiler)
        eps = torch.finfo(dtype).eps
        if route == "kernels" or not training:
            assert torch.equal(y0, y1), f"{name} {route} {compiler} training={training}: forward differs"
        else:  # a soft training forward (noisy_threshold's mean field): torch's sigmoid against kernelgen's
            torch.testing.assert_close(y1, y0, rtol=4 * eps, atol=0)
        torch.testing.assert_close(g1, g0, rtol=8 * eps, atol=8 * eps * g0.abs().max().item())


def test_compiled_noise_key_is_fresh_per_call_and_reproducible(route):
    x = torch.zeros(4096)
    compiled = torch.compile(lambda v: kt.noisy_threshold_spike(v, 5.0), fullgraph=True)
    torch.manual_seed(1)
    a, b = compiled(x), compiled(x)
    torch.manual_seed(1)
    c = compiled(x)
    assert not torch.equal(a, b), "two compiled calls drew the same noise"
    assert torch.equal(a, c), "torch.manual_seed did not reproduce the compiled call's noise"
    assert 0.45 < a.mean().item() < 0.55  # sigmoid(0 + logistic) has mean 1/2
    # the sampled backward (noisy_gradient) pairs with its forward's key under compile too: two calls differ
    grads = []
    for _ in range(2):
        leaf = torch.linspace(-0.5, 0.5, 2048, requires_grad=True)
        torch.compile(lambda v: kt.surrogate("noisy_gradient", v, training=True), fullgraph=True)(leaf).sum().backward()
        grads.append(leaf.grad)
    assert not torch.equal(grads[0], grads[1])


def test_a_given_seed_is_the_same_noise_compiled_and_eager(route):
    """A fixed seed takes the kernels route on both settings (the expressions route has no Philox stream)."""
    x = torch.linspace(-1, 1, 1000)
    eager = kt.noisy_threshold_spike(x, seed=12345)
    compiled = torch.compile(lambda v: kt.noisy_threshold_spike(v, seed=12345), fullgraph=True)
    assert torch.equal(eager, compiled(x)) and torch.equal(compiled(x), compiled(x))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 1e300])
def test_compiled_parameter_values_are_checked(route, value):
    with pytest.raises(Exception, match="parameter `scale`"):
        torch.compile(lambda v: kt.surrogate("sigmoid", v, scale=value), fullgraph=True)(torch.zeros(4))
    torch._dynamo.reset()
    with pytest.raises(Exception, match="scale"):  # a tensor value: checked when the op runs
        torch.compile(lambda v: kt.surrogate("sigmoid", v, scale=torch.tensor(value)), fullgraph=True)(torch.zeros(4))


OPCHECK = [
    ("sigmoid", "eval", torch.float32), ("arctan", "eval", torch.float64), ("noisy_threshold", "mean", torch.float64),
    ("noisy_threshold", "smooth", torch.float32), ("noisy_threshold", "sample", torch.float32),
    ("noisy_gradient", "sample", torch.float64), ("gaussian", "eval", torch.bfloat16),
]


@pytest.mark.parametrize("name,mode,dtype", OPCHECK)
def test_opcheck(name, mode, dtype):
    x = torch.linspace(-2, 2, 37, dtype=torch.float64).to(dtype).requires_grad_(True)
    key = torch.tensor(42, dtype=torch.int64) if mode == "sample" else None
    torch.library.opcheck(torch.ops.kernelgen.spike.default, (x, name, "c", [], [], [], mode, key))
    y = torch.ops.kernelgen.spike(x.detach(), name, "c", [], [], [], "mean" if mode == "smooth" else mode, key)
    reads_y = name == "noisy_threshold"
    torch.library.opcheck(torch.ops.kernelgen.spike_backward.default,
                          (x.detach(), y if reads_y else None, torch.ones_like(x), name, "c", [], [], [], mode, key))


def test_opcheck_with_a_learnable_parameter():
    x = torch.linspace(-2, 2, 21, dtype=torch.float64, requires_grad=True)
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    torch.library.opcheck(torch.ops.kernelgen.spike.default, (x, "sigmoid", "c", ["scale"], [], [scale], "eval", None))


class Net(torch.nn.Module):
    def __init__(self, spike):
        super().__init__()
        self.fc = torch.nn.Linear(8, 16)
        self.spike = spike

    def forward(self, x):
        return self.spike(self.fc(x) - 0.1)


@pytest.mark.parametrize("spike", [lambda: kt.Spike("sigmoid", scale=3.0), lambda: kt.Spike("noisy_threshold"),
                                   lambda: kt.NoisyThresholdSpikeModule(), lambda: kt.Spike("gaussian", backend="jit")])
def test_export_runs_and_matches_eager(route, spike):
    torch.manual_seed(0)
    model = Net(spike()).eval()
    x = torch.randn(5, 8)
    program = torch.export.export(model, (x,))
    assert any("kernelgen" in str(n.target) or n.op == "call_function" for n in program.graph.nodes)
    for probe in (x, torch.randn(5, 8)):
        assert torch.equal(program.module()(probe), model(probe))


def test_export_of_the_drop_in():
    class M(torch.nn.Module):
        def forward(self, x):
            return kt.sigmoid_surrogate(x * 2, 4.0)
    x = torch.randn(7)
    program = torch.export.export(M(), (x,))
    assert torch.equal(program.module()(x), M()(x))


@pytest.mark.parametrize("make", [lambda: kt.NoisyThresholdSpikeModule(), lambda: kt.Spike("noisy_gradient"),
                                  lambda: kt.Spike("noisy_threshold", sample=False)])
def test_sampled_spikes_compile_with_changing_shapes(route, make):
    """A last batch of another size makes Dynamo retrace with symbolic shapes (and dynamic=True from the start):
    the noise must trace there too."""
    module = make().train()
    for dynamic in (None, True):
        torch._dynamo.reset()
        compiled = torch.compile(module, fullgraph=True, dynamic=dynamic)
        for batch in (16, 16, 10, 7):
            x = torch.randn(batch, 12, requires_grad=True)
            y = compiled(x)
            y.sum().backward()
            assert y.shape == x.shape and torch.isfinite(x.grad).all()


def test_export_with_a_dynamic_batch_in_training_mode(route):
    model = Net(kt.Spike("noisy_threshold")).train()
    batch = torch.export.Dim("batch", min=2, max=64)
    program = torch.export.export(model, (torch.randn(5, 8),), dynamic_shapes=({0: batch},))
    out = program.module()(torch.randn(9, 8))
    assert out.shape == (9, 16) and ((out > 0) & (out < 1)).all()  # soft spikes: sampled sigmoid values


def test_the_ops_check_their_arguments():
    """Called directly, the ops refuse what would make the kernels read out of bounds or compute nonsense."""
    x = torch.zeros(10)
    good = (x, None, torch.ones(10), "sigmoid", "c", [], [], [], "eval", None)
    cases = [
        ((x, None, torch.ones(3)) + good[3:], "grad_out is torch.float32 of shape \\(3,\\)"),
        ((x, None, torch.ones(10, dtype=torch.float64)) + good[3:], "grad_out is torch.float64"),
        (good[:5] + (["scale"],) + good[6:], "1 parameter names for 0 values"),
        (good[:8] + ("bogus", None), "mode 'bogus'"),
        ((x, None, torch.ones(10), "noisy_threshold") + good[4:], "reads y"),
        (good[:8] + ("sample", torch.zeros(2, dtype=torch.int64)), "key has shape \\(2,\\)"),
        (good[:4] + ("cuda",) + good[5:], "backend 'cuda'"),
        ((x, None, torch.ones(10), "noisy_gradient", "c", [], [], [], "sample", None), "needs key"),
    ]
    for args, message in cases:
        with pytest.raises((ValueError, TypeError), match=message):
            torch.ops.kernelgen.spike_backward(*args)
    torch.ops.kernelgen.spike_backward(*good)  # and the good call runs
    with pytest.raises(ValueError, match="needs key"):
        torch.ops.kernelgen.spike(x, "noisy_threshold", "c", [], [], [], "sample", None)


def test_a_generator_under_compile_is_refused_with_the_reason():
    spike = kt.Spike("noisy_threshold", generator=torch.Generator().manual_seed(3)).train()
    with pytest.raises(Exception, match="generator= runs eagerly"):
        torch.compile(spike, fullgraph=True)(torch.zeros(6))
    torch._dynamo.reset()
    y = torch.compile(spike)(torch.zeros(6))  # without fullgraph: a graph break, the call runs eagerly
    assert y.shape == (6,) and ((y > 0) & (y < 1)).all()

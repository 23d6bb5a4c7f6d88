"""kernelgen.torch.Neuron: the fused neuron kernels against the libraries they match (SpikingJelly's LIFNode, IFNode,
ParametricLIFNode; snnTorch's Leaky) and against the models written out here in torch operations, forward and every
gradient (input, initial state, learnable parameters); gradcheck of the derived backward on a smooth neuron."""
import os

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (scripts/test.sh installs the CPU wheel)")
import kernelgen.torch as kt  # noqa: E402
from spikede_reference import _function  # noqa: E402
from kernelgen.errors import BackendError, ParameterError, SpecError, UnknownNeuronError  # noqa: E402

REQUIRE = os.environ.get("KERNELGEN_REQUIRE_CATALOGUE_LIBS") == "1"


def _norse_lif():
    """Norse's lif_feed_forward_step, imported without running norse's package __init__ (which imports optional
    extras), as test_catalogue does."""
    import importlib.util
    import sys
    import types
    from pathlib import Path
    stubbed = sys.modules.get("norse")  # test_catalogue may have stubbed the package already (no __spec__ then)
    if stubbed is not None and getattr(stubbed, "__path__", None):
        base = Path(list(stubbed.__path__)[0]).parent
    else:
        top = importlib.util.find_spec("norse")
        if top is None:
            if REQUIRE:
                raise ImportError("norse is not installed")
            pytest.skip("norse is not installed; scripts/test.sh installs it")
        base = Path(top.submodule_search_locations[0]).parent
    for name in ("norse", "norse.torch", "norse.torch.functional"):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(base.joinpath(*name.split(".")))]
            sys.modules[name] = module
    from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, lif_feed_forward_step
    return LIFFeedForwardState, LIFParameters, lif_feed_forward_step


def _library(name):
    try:
        if name == "spikingjelly":
            from spikingjelly.activation_based import neuron, surrogate
            return neuron, surrogate
        import snntorch
        from snntorch import surrogate
        return snntorch, surrogate
    except ImportError as error:
        if REQUIRE:
            raise
        pytest.skip(f"{name} is not importable ({error}); scripts/test.sh installs it")


# SpikeDE's sigmoid surrogate as its code writes it (H(x) forward, scale s (1 - s) backward), from the shared reference.
SigmoidSpike = _function("sigmoid", lambda x, scale: scale * torch.sigmoid(scale * x) * (1 - torch.sigmoid(scale * x)))


def spike(x, scale=4.0):
    return SigmoidSpike.apply(x, scale)


def lif_loop(x, v, tau, v_threshold, v_reset, decay=None):
    """SpikingJelly's LIFNode (decay_input, hard reset) written out; `decay` (a tensor) replaces 1/tau (PLIF)."""
    out = []
    for t in range(x.shape[0]):
        h = v + (x[t] - (v - v_reset)) * decay if decay is not None else v + (x[t] - (v - v_reset)) / tau
        s = spike(h - v_threshold)
        v = (1 - s) * h + s * v_reset
        out.append(s)
    return torch.stack(out), v


def alif_loop(x, v, a, alpha, rho, beta, v_threshold):
    out = []
    for t in range(x.shape[0]):
        v = alpha * v + x[t]
        theta = v_threshold + beta * a
        s = spike(v - theta)
        v = v - s * theta
        a = rho * a + s
        out.append(s)
    return torch.stack(out), v, a


def _inputs(steps, *shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(steps, *shape, generator=g, dtype=torch.float64) * 1.6 - 0.2).requires_grad_()
    weights = torch.randn(steps, *shape, generator=g, dtype=torch.float64)
    return x, weights


def _close(a, b, rtol=1e-11):
    torch.testing.assert_close(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("backend", ["jit", "c"])
@pytest.mark.parametrize("steps,shape", [(1, (5,)), (16, (3, 67)), (1000, (7,))])
def test_lif_equals_the_model_written_out(steps, shape, backend):
    x, w = _inputs(steps, *shape)
    v0 = (torch.rand(*shape, dtype=torch.float64) * 0.5).requires_grad_()
    m = kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": 4.0}, tau=1.7, v_threshold=0.8, v_reset=-0.1,
                  backend=backend)
    m.state = v0.unsqueeze(0)
    s = m(x)
    loss = (s * w).sum() + (m.state[0] * 0.3).sum()
    gx, gv = torch.autograd.grad(loss, (x, v0))
    s_ref, v_ref = lif_loop(x, v0, 1.7, 0.8, -0.1)
    gx_ref, gv_ref = torch.autograd.grad((s_ref * w).sum() + (v_ref * 0.3).sum(), (x, v0))
    assert torch.equal(s, s_ref)
    _close(m.state[0], v_ref)
    _close(gx, gx_ref, 1e-10)
    _close(gv, gv_ref, 1e-10)


def test_alif_two_states_and_a_learnable_decay_equal_the_model_written_out():
    x, w = _inputs(40, 129, seed=3)
    x = (x * 2).detach().requires_grad_()
    m = kt.Neuron("alif", surrogate="sigmoid", surrogate_params={"scale": 4.0}).double()
    s = m(x)
    loss = (s * w).sum() + m.state[0].sum() - 0.5 * m.state[1].sum()
    loss.backward()
    alpha = m.p_alpha.detach().clone().requires_grad_()  # 0.9 rounded to float32, as the module's parameter holds it
    x2 = x.detach().clone().requires_grad_()
    zero = torch.zeros(129, dtype=torch.float64)
    s_ref, v_ref, a_ref = alif_loop(x2, zero, zero, alpha, 0.95, 0.2, 1.0)
    ((s_ref * w).sum() + v_ref.sum() - 0.5 * a_ref.sum()).backward()
    assert torch.equal(s, s_ref) and s.sum() > 0
    _close(m.state[0], v_ref)
    _close(m.state[1], a_ref)
    _close(x.grad, x2.grad, 1e-10)
    _close(m.p_alpha.grad.double(), alpha.grad, 1e-10)


def test_lif_equals_spikingjelly():
    neuron, surrogate = _library("spikingjelly")
    for cls, name, kwargs in [(neuron.LIFNode, "lif", dict(tau=1.7, v_threshold=0.8, v_reset=-0.1)),
                              (neuron.IFNode, "if", dict(v_threshold=0.8, v_reset=-0.1)),
                              (neuron.ParametricLIFNode, "plif", dict(v_threshold=0.8, v_reset=-0.1))]:
        x, w = _inputs(24, 4, 33, seed=1)
        lib_kwargs = dict(kwargs)
        ref = cls(step_mode="m", surrogate_function=surrogate.Sigmoid(alpha=4.0), **lib_kwargs).double()
        ours = kt.Neuron(name, surrogate="sigmoid", surrogate_params={"scale": 4.0}, **kwargs).double()
        s = ours(x)
        (s * w).sum().backward()
        gx = x.grad.clone()
        x.grad = None
        s_ref = ref(x)
        (s_ref * w).sum().backward()
        assert torch.equal(s, s_ref), name
        _close(ours.state[0], ref.v, 1e-12)
        _close(gx, x.grad, 1e-10)
        if name == "plif":
            _close(ours.p_w.grad.double(), ref.w.grad, 1e-9)


def test_leaky_equals_snntorch():
    snntorch, surrogate = _library("snntorch")
    x, w = _inputs(30, 2, 45, seed=2)
    # Values exact in float32: snnTorch keeps beta and the threshold as float32 tensors (.double() widens them).
    lib = snntorch.Leaky(beta=0.875, threshold=0.75, spike_grad=surrogate.sigmoid(slope=4), learn_beta=True,
                         reset_mechanism="subtract").double()
    mem = torch.zeros(2, 45, dtype=torch.float64)
    out = []
    for t in range(30):
        spk, mem = lib(x[t], mem)
        out.append(spk)
    s_ref = torch.stack(out)
    (s_ref * w).sum().backward()
    gx_ref, gbeta_ref = x.grad.clone(), lib.beta.grad.clone()
    x.grad = None
    ours = kt.Neuron("leaky", surrogate="sigmoid", surrogate_params={"scale": 4.0}, beta=0.875, threshold=0.75).double()
    s = ours(x)
    (s * w).sum().backward()
    assert torch.equal(s, s_ref) and s.sum() > 0
    _close(ours.state[0], mem, 1e-12)
    # snnTorch's spike is `(u > 0).float()`: float32 whatever the input, so the gradient reaching its surrogate is
    # rounded to float32 (about 6e-8 relative); the written-out model in float64 matches ours to 1e-10
    # (test_leaky_equals_the_model_written_out).
    _close(x.grad, gx_ref, 1e-6)
    _close(ours.p_beta.grad.double(), gbeta_ref.reshape(()), 1e-6)


def test_leaky_equals_the_model_written_out():
    x, w = _inputs(30, 2, 45, seed=2)
    beta = torch.tensor(0.875, dtype=torch.float64, requires_grad=True)
    v, out = torch.zeros(2, 45, dtype=torch.float64), []
    for t in range(30):
        r = spike(v - 0.75).detach()
        v = beta * v + x[t] - r * 0.75
        out.append(spike(v - 0.75))
    s_ref = torch.stack(out)
    (s_ref * w).sum().backward()
    gx_ref = x.grad.clone()
    x.grad = None
    ours = kt.Neuron("leaky", surrogate="sigmoid", surrogate_params={"scale": 4.0}, beta=0.875, threshold=0.75).double()
    s = ours(x)
    (s * w).sum().backward()
    assert torch.equal(s, s_ref)
    _close(ours.state[0], v, 1e-12)
    _close(x.grad, gx_ref, 1e-10)
    _close(ours.p_beta.grad.double(), beta.grad, 1e-10)


def test_lif_current_equals_norse():
    State, Parameters, step = _norse_lif()
    x, w = _inputs(40, 3, 21, seed=6)
    x = (x * 150).detach().requires_grad_()  # input currents that make the neurons fire within 40 steps of 1 ms
    # Norse's defaults as float64 tensors (its own are float32: dt * tau_mem_inv would round to float32 first)
    p = Parameters(**{k: torch.as_tensor(getattr(Parameters(), k), dtype=torch.float64)
                      for k in ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset", "alpha")})
    state = State(v=torch.zeros(3, 21, dtype=torch.float64), i=torch.zeros(3, 21, dtype=torch.float64))
    out = []
    for t in range(40):
        z, state = step(x[t], state, p, dt=0.001)
        out.append(z)
    s_ref = torch.stack(out)
    (s_ref * w).sum().backward()
    gx_ref = x.grad.clone()
    x.grad = None
    ours = kt.Neuron("lif_current", surrogate="norse_superspike")
    s = ours(x)
    (s * w).sum().backward()
    assert torch.equal(s, s_ref.to(s.dtype)) and s.sum() > 0
    _close(ours.state[0], state.v, 1e-12)
    _close(ours.state[1], state.i, 1e-12)
    _close(x.grad, gx_ref, 1e-10)


SMOOTH = """
name: smooth_test
summary: a neuron whose spike is a sigmoid, so that its forward is differentiable and gradcheck applies
params:
  k: {default: 0.7, learnable: true}
  q: {default: 0.4, learnable: true}
state:
  v: 0.0
  a: 0.1
step:
  - v = k * v + x - a
  - s = sigmoid(3 * (v - 1))
  - a = q * a + detach(0 * s) + 0.2 * s
  - v = v - s
output: s
"""


def test_gradcheck_of_the_derived_backward():
    m = kt.Neuron(kt.load_neuron(SMOOTH)).double()
    x = torch.rand(6, 4, dtype=torch.float64, requires_grad=True)
    state0 = torch.rand(2, 4, dtype=torch.float64, requires_grad=True)

    def run(x, state0, k, q):
        m.p_k, m.p_q = k, q
        m.state = state0
        return m(x), m.state

    k = torch.nn.Parameter(torch.tensor(0.7, dtype=torch.float64))
    q = torch.nn.Parameter(torch.tensor(0.4, dtype=torch.float64))
    assert torch.autograd.gradcheck(run, (x, state0, k, q))


@pytest.mark.parametrize("name", ["lif", "plif", "leaky", "alif", "lif_current"])
def test_the_torch_backend_computes_what_the_kernels_compute(name):
    """backend="torch" (what tensors off the CPU run): the step in torch operations, autograd's gradients; the same
    spikes, states and gradients as the fused kernels, on a meta tensor the right shapes."""
    surrogate = "norse_superspike" if name == "lif_current" else "sigmoid"
    x, w = _inputs(12, 2, 33, seed=8)
    x = (x * (150 if name == "lif_current" else 2)).detach()
    results = []
    for backend in ("jit", "torch"):
        layer = kt.Neuron(name, surrogate=surrogate, backend=backend).double()
        xi = x.clone().requires_grad_()
        s = layer(xi)
        (s * w).sum().backward()
        grads = [p.grad for p in layer.parameters()]
        results.append((s, layer.state, xi.grad, grads))
    (s1, v1, g1, p1), (s2, v2, g2, p2) = results
    assert torch.equal(s1, s2) and s1.sum() > 0
    _close(v1, v2, 1e-12)
    _close(g1, g2, 1e-10)
    for a, b in zip(p1, p2):
        _close(a, b, 1e-9)
    meta = kt.Neuron(name, surrogate=surrogate)(torch.ones(3, 4, 5, device="meta"))
    assert meta.shape == (3, 4, 5) and meta.device.type == "meta"


@pytest.mark.parametrize("name", ["if", "lif", "plif", "leaky", "alif", "lif_current"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ahead_of_time_kernels_compute_what_the_jit_computes(name, dtype):
    """backend="c": the built-in neurons' kernels compiled ahead of time (the surrogate's values at run time) give the
    JIT's spikes, states and gradients, in eval and in sampled training (the same Philox draws)."""
    x, w = _inputs(10, 4, 37, seed=3)
    x = (x * (150 if name == "lif_current" else 2)).detach().to(dtype)
    for surrogate, params, training in [("arctan", {"scale": 3.0}, False), ("noisy_threshold", {}, True)]:
        results = []
        for backend in ("jit", "c"):
            layer = kt.Neuron(name, surrogate=surrogate, surrogate_params=params, backend=backend).to(dtype).train(training)
            xi = x.clone().requires_grad_()
            torch.manual_seed(11)
            s = layer(xi)
            (s * w.to(dtype)).sum().backward()
            results.append((s, layer.state, xi.grad, [p.grad for p in layer.parameters()]))
        (s1, v1, g1, p1), (s2, v2, g2, p2) = results
        assert torch.equal(s1, s2), (surrogate, training)
        tol = 1e-12 if dtype == torch.float64 else 2e-5
        _close(v1, v2, tol)
        _close(g1, g2, tol)
        for a, b in zip(p1, p2):
            _close(a, b, tol * 10)


def test_ahead_of_time_backend_says_what_it_serves():
    with pytest.raises(BackendError, match="available backends: jit"):
        kt.Neuron("lif", surrogate="snntorch_atan", backend="c")
    with pytest.raises(ParameterError, match="backend='jit' to learn it"):
        kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": torch.nn.Parameter(torch.tensor(4.0))}, backend="c")
    with pytest.raises(ValueError, match="'c'"):
        kt.Neuron("lif", backend="cuda")


def test_a_surrogate_parameter_is_learned_like_kernelgen_torch_learns_it():
    """surrogate_params={"scale": nn.Parameter(...)}: the kernels take it at run time and sum its gradient (the
    derivative of the surrogate's primitive, as kernelgen.torch's Spike learns it): equal to the same model written
    out with kt.surrogate and a learnable scale, and to the torch backend."""
    x, w = _inputs(15, 3, 40, seed=9)
    x = (x * 2).detach()
    grads = []
    for backend in ("jit", "torch"):
        scale = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
        layer = kt.Neuron("lif", surrogate="sigmoid", surrogate_params={"scale": scale}, backend=backend).double()
        assert dict(layer.named_parameters())["surrogate_p_scale"] is scale
        xi = x.clone().requires_grad_()
        (layer(xi) * w).sum().backward()
        grads.append((xi.grad, scale.grad))
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    xi = x.clone().requires_grad_()
    v, out = torch.zeros(3, 40, dtype=torch.float64), []
    for t in range(15):
        h = v + (xi[t] - v) / 2.0
        s = kt.surrogate("sigmoid", h - 1.0, backend="torch", scale=scale)
        v = (1 - s) * h
        out.append(s)
    (torch.stack(out) * w).sum().backward()
    for gx, gscale in grads:
        _close(gx, xi.grad, 1e-10)
        _close(gscale, scale.grad, 1e-9)
    assert scale.grad.abs() > 0
    with pytest.raises(ParameterError, match="no `primitive`"):
        kt.Neuron("lif", surrogate="noisy_gradient", surrogate_params={"width": torch.nn.Parameter(torch.tensor(1.0))})


def test_stochastic_surrogate_samples_in_training_only():
    x, w = _inputs(10, 4, 50, seed=7)
    m = kt.Neuron("lif", surrogate="noisy_threshold").double()
    torch.manual_seed(3)
    a = m(x)
    m.reset()
    b = m(x)
    torch.manual_seed(3)
    m.reset()
    c = m(x)
    assert torch.equal(a, c) and not torch.equal(a, b)     # a fresh key per call, reproducible under manual_seed
    assert ((a > 0) & (a < 1)).any()                        # the sampled training spikes are soft
    (a * w).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    m.eval()
    m.reset()
    e = m(x.detach())
    assert set(e.unique().tolist()) <= {0.0, 1.0}           # eval: the hard spike, no generator draw
    state = torch.get_rng_state()
    m.reset()
    m(x.detach())
    assert torch.equal(state, torch.get_rng_state())


def test_state_carries_across_calls_and_reset_restarts():
    x, _ = _inputs(20, 50, seed=4)
    whole = kt.Neuron("lif").double()
    s_whole = whole(x.detach())
    parts = kt.Neuron("lif").double()
    s_parts = torch.cat([parts(x.detach()[:7]), parts(x.detach()[7:])])
    assert torch.equal(s_whole, s_parts)
    _close(parts.state, whole.state, 0)
    parts.reset()
    assert torch.equal(parts(x.detach()[:7]), s_whole[:7])


def test_float32_half_types_and_empty_inputs():
    x, _ = _inputs(12, 3, 77, seed=5)
    ref = kt.Neuron("lif").double()(x.detach())
    s32 = kt.Neuron("lif")(x.detach().float())
    assert s32.dtype == torch.float32 and (s32.double() != ref).sum() <= 2
    sb = kt.Neuron("lif")(x.detach().bfloat16())
    assert sb.dtype == torch.bfloat16 and sb.shape == x.shape
    for shape in [(0, 5), (4, 0), (3, 0, 2)]:
        e = torch.zeros(shape, requires_grad=True)
        s = kt.Neuron("lif")(e)
        s.sum().backward()
        assert s.shape == e.shape and e.grad.shape == e.shape


HOSTILE_NAMES = """
name: hostile_names
summary: parameters and state named like the module's own attributes and methods
params:
  state: {default: 0.5, learnable: true}
  forward: 1.0
  surrogate: {default: 0.25, learnable: true}
  threads: 0.0
  training: 1.0
state:
  reset: 0.0
step:
  - reset = state * reset + x * forward + surrogate + threads * training
  - double = spike(reset - 1)
  - reset = reset - double
output: double
"""


def test_spec_names_never_collide_with_the_module():
    layer = kt.Neuron(kt.load_neuron(HOSTILE_NAMES), params={"threads": 0.0, "surrogate": 0.25}, training=1.0)
    assert {n for n, _ in layer.named_parameters()} == {"p_state", "p_surrogate"}
    x = torch.rand(5, 3, dtype=torch.float64) * 2
    layer = layer.double()
    s = layer(x)
    v, out = torch.zeros(3, dtype=torch.float64), []
    for t in range(5):
        v = 0.5 * v + x[t] * 1.0 + 0.25 + 0.0 * 1.0
        sp = (v - 1 >= 0).double()
        v = v - sp
        out.append(sp)
    assert torch.equal(s, torch.stack(out))
    s.sum().backward()
    assert layer.p_state.grad is not None and layer.p_surrogate.grad is not None


def test_reloading_a_spec_never_runs_old_layers_on_new_kernels():
    text = "name: reloaded\nsummary: s\nparams:\n  a: 1.0\n  b: 2.0\nstate:\n  v: 0\nstep:\n  - v = a * v + x\n  - s = spike(v - b)\noutput: s\n"
    old = kt.Neuron(kt.load_neuron(text))
    kt.load_neuron(text.replace("  a: 1.0\n  b: 2.0", "  b: 2.0\n  a: 1.0"))  # the same names, the other order
    with pytest.raises(ValueError, match="loaded again"):
        old(torch.ones(2, 3))
    assert kt.Neuron("reloaded")(torch.full((2, 3), 1.5)).sum() == 3  # a new layer runs the new spec
    with pytest.raises(ValueError, match=r"params has shape \(1,\); expected \[3\]"):
        torch.ops.kernelgen.neuron(torch.ones(2, 3), torch.zeros(1, 3), torch.ones(1, dtype=torch.float64), "lif", "",
                                   "sigmoid", "jit", [], [], [], 1, False, None)
    with pytest.raises(ValueError, match=r"state0 is .* expected .*\(2, 3\)"):
        torch.ops.kernelgen.neuron(torch.ones(2, 3), torch.zeros(1, 3), torch.tensor([0.9, 0.95, 0.2, 1.0], dtype=torch.float64),
                                   "alif", "", "sigmoid", "jit", [], [], [], 1, False, None)


def test_reloading_a_surrogate_rebinds_new_layers():
    import kernelgen
    from kernelgen.errors import SpecWarning
    spec = "name: reloaded_surrogate\nsummary: s\nforward: heaviside(x)\nbackward: 1\n"
    with pytest.warns(SpecWarning, match="not-normalised"):  # a constant backward does not integrate to 1
        kernelgen.load_spec(text=spec)
    x = torch.ones(1, 2, requires_grad=True)
    kt.Neuron("if", surrogate="reloaded_surrogate")(x).sum().backward()
    assert torch.equal(x.grad, torch.ones(1, 2))
    with pytest.warns(SpecWarning, match="not-normalised"):
        kernelgen.load_spec(text=spec.replace("backward: 1", "backward: 2"))
    x.grad = None
    kt.Neuron("if", surrogate="reloaded_surrogate")(x).sum().backward()
    assert torch.equal(x.grad, torch.full((1, 2), 2.0))


def test_learnable_parameters_are_clamped_into_their_bounds():
    text = "name: bounded\nsummary: s\nparams:\n  beta: {default: 0.1, max: 0.1, learnable: true}\nstate:\n  v: 0\nstep:\n  - v = beta * v + x\n  - s = spike(v - 1)\noutput: s\n"
    layer = kt.Neuron(kt.load_neuron(text))  # 0.1 in float32 is above 0.1: clamped, not refused
    x = torch.rand(4, 3, requires_grad=True)
    layer(x).sum().backward()
    with torch.no_grad():
        layer.p_beta.fill_(5.0)  # an optimiser step past the bound
    layer.reset()
    layer(x)


def test_errors_say_what_is_expected():
    with pytest.raises(UnknownNeuronError, match="did you mean `lif`"):
        kt.Neuron("lfi")
    with pytest.raises(ValueError, match=r"0-d tensor; expected at least one dimension"):
        kt.Neuron("lif")(torch.tensor(1.0))
    with pytest.raises(TypeError, match=r"torch.int64; expected float32.*x.float\(\)"):
        kt.Neuron("lif")(torch.ones(2, 3, dtype=torch.int64))
    with pytest.raises(ParameterError, match="did you mean `tau`"):
        kt.Neuron("lif", tua=2.0)
    with pytest.raises(ParameterError, match="not learnable"):
        kt.Neuron("lif", tau=torch.nn.Parameter(torch.tensor(2.0)))
    with pytest.raises(ParameterError, match=r"`tau`.*\[1.0, inf\]"):
        kt.Neuron("lif", tau=0.5)(torch.ones(2, 3))
    with pytest.raises(ValueError, match="backend=.cuda.*triton"):
        kt.Neuron("lif", backend="cuda")
    with pytest.raises(SpecError, match="NUL"):
        kt.load_neuron("name: nul\nsummary: s\nstate:\n  v: 0\nstep:\n  - v = v + x\0 * 100\n  - s = spike(v)\noutput: s\n")
    with pytest.raises(TypeError, match="expected a path"):
        kt.load_neuron(b"name: x")
    with pytest.raises(TypeError, match="names of a neuron and a surrogate"):
        kt.Neuron("lif", surrogate=None)
    with pytest.raises(ParameterError, match="expected one value"):
        kt.Neuron("plif", w=torch.nn.Parameter(torch.zeros(3)))
    with pytest.raises(SpecError, match=r"<string>:7:\d+: error: .*read before it is assigned"):
        kt.load_neuron("name: broken\nsummary: s\nstate:\n  v: 0\nstep:\n  - v = v + x\n  - s = spike(h)\n  - h = v\noutput: s\n")
    m = kt.Neuron("lif")
    m(torch.ones(2, 3))
    with pytest.raises(ValueError, match="reset"):
        m(torch.ones(2, 4))


class _Net(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        torch.manual_seed(0)
        self.fc = torch.nn.Linear(6, 40)
        self.lif = kt.Neuron(name, surrogate="sigmoid", surrogate_params={"scale": 4.0})

    def forward(self, x):  # [T, B, 6]
        self.lif.reset()
        return self.lif(self.fc(x)).sum(dim=0)


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_compiles_without_graph_breaks_and_equals_eager(backend):
    torch._dynamo.reset()
    x = torch.rand(12, 3, 6) * 3
    eager, compiled = _Net("plif"), _Net("plif")
    explained = torch._dynamo.explain(compiled)(x)
    assert explained.graph_break_count == 0, explained.break_reasons
    compiled_forward = torch.compile(compiled, backend=backend, fullgraph=True)
    out_e, out_c = eager(x), compiled_forward(x)
    assert torch.equal(out_e, out_c)
    out_e.square().sum().backward()
    out_c.square().sum().backward()
    for (name, a), (_, b) in zip(eager.named_parameters(), compiled.named_parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6, msg=name)


def test_sampled_training_compiles_and_draws_like_eager():
    torch._dynamo.reset()
    x = torch.rand(12, 3, 6) * 3
    eager = _Net("lif")
    eager.lif = kt.Neuron("lif", surrogate="noisy_threshold")
    compiled = _Net("lif")
    compiled.lif = kt.Neuron("lif", surrogate="noisy_threshold")
    explained = torch._dynamo.explain(compiled)(x)
    assert explained.graph_break_count == 0, explained.break_reasons
    run = torch.compile(compiled, backend="aot_eager", fullgraph=True)
    torch.manual_seed(5)
    out_e = eager(x)
    torch.manual_seed(5)
    out_c = run(x)
    assert torch.equal(out_e, out_c)
    assert not torch.equal(run(x), out_c)  # a fresh key per call


def test_ops_pass_opcheck():
    x = torch.rand(5, 7, dtype=torch.float64) * 2
    state0 = torch.rand(1, 7, dtype=torch.float64, requires_grad=True)
    params = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    for backend in ("jit", "c"):
        args = (x.requires_grad_(), state0, params, "plif", "", "sigmoid", backend, ["scale"], [4.0], [], 1, True, None)
        torch.library.opcheck(torch.ops.kernelgen.neuron.default, args)
    key = torch.tensor(12345, dtype=torch.int64)
    args = (x, state0, params, "plif", "", "noisy_threshold", "c", [], [], [], 1, True, key)
    torch.library.opcheck(torch.ops.kernelgen.neuron.default, args)
    learned = torch.cat([params.detach(), torch.tensor([4.0], dtype=torch.float64)]).requires_grad_()
    args = (x, state0, learned, "plif", "", "sigmoid", "jit", [], [], ["scale"], 1, True, None)
    torch.library.opcheck(torch.ops.kernelgen.neuron.default, args)


LIF_FUNCTION_NAMES = """\
name: lif_function_names
summary: SpikingJelly's LIFNode with its state and step variables named like functions (exp, floor, sum)
params:
  tau: {default: 2.0, min: 1.0}
  v_threshold: {default: 1.0}
  v_reset: {default: 0.0}
state:
  exp: {initial: v_reset}
step:
  - floor = exp + (x - (exp - v_reset)) / tau
  - sum = spike(floor - v_threshold)
  - exp = (1 - sum) * floor + sum * v_reset
output: sum
"""


@pytest.mark.parametrize("backend", ["jit", "torch"])
def test_variables_named_like_functions_are_values(tmp_path, backend):
    """`name(` is a call, a bare name a value: a neuron whose variables are named like functions is the built-in lif."""
    path = tmp_path / "lif_function_names.yaml"
    path.write_text(LIF_FUNCTION_NAMES)
    name = kt.load_neuron(str(path))
    x = torch.rand(6, 3, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(3)) * 3
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya = kt.Neuron(name, surrogate="sigmoid", backend=backend)(xa)
    yb = kt.Neuron("lif", surrogate="sigmoid", backend=backend)(xb)
    (ya * torch.arange(7.0, dtype=torch.float64)).sum().backward()
    (yb * torch.arange(7.0, dtype=torch.float64)).sum().backward()
    assert torch.equal(ya, yb)
    assert torch.equal(xa.grad, xb.grad)

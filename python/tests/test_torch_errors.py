"""Every error path of kernelgen.torch: the exception's type and what its message says."""
import math
import re
import subprocess
import sys

import pytest

from spikede_reference import torch

import kernelgen
import kernelgen.torch as kt


def test_input_must_be_a_floating_tensor():
    with pytest.raises(TypeError, match=r"input is a list; expected a torch.Tensor of float32, float64, bfloat16 or float16"):
        kt.sigmoid_surrogate([0.0, 1.0])
    with pytest.raises(TypeError, match=r"input is a ndarray"):
        kt.surrogate("sigmoid", __import__("numpy").zeros(3))
    for dtype in (torch.int32, torch.bool, torch.complex64, torch.float8_e4m3fn):
        with pytest.raises(TypeError, match=rf"input has dtype {dtype}; expected torch.float32, torch.float64, torch.bfloat16 or torch.float16 \(convert with input.float\(\)"):
            kt.gaussian_surrogate(torch.zeros(2, dtype=dtype))
    with pytest.raises(TypeError, match="input has dtype torch.int32"):
        kt.noisy_threshold_spike(torch.zeros(2, dtype=torch.int32))
    with pytest.raises(TypeError, match="input has dtype torch.int64"):
        kt.Spike("arctan")(torch.zeros(2, dtype=torch.int64))


def test_unknown_surrogate():
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate `sigmiod`; did you mean `sigmoid`\?"):
        kt.surrogate("sigmiod", torch.zeros(1))
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"sigmiod.*known: .*sigmoid"):
        kt.surrogate("sigmiod", torch.zeros(1), backend="torch")
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate `nope`; known: arctan, .*load_spec"):
        kt.Spike("nope")
    with pytest.raises(kernelgen.UnknownSurrogateError, match=r"unknown surrogate `norse_superspke`; did you mean `norse_superspike`\?"):
        kernelgen.Surrogate("norse_superspke", backend="jit")
    with pytest.raises(TypeError, match="name is a int; expected a surrogate's name"):
        kt.surrogate(3, torch.zeros(1))


def test_parameters():
    x = torch.zeros(3)
    # One check (the runtime's), so one message whatever computes the values: kernels, torch expressions, a module.
    unknown = r"^`gaussian` has no parameter `sigm`; did you mean `sigma`\?; expected one of: sigma$"
    for backend in ("c", "jit", "torch"):
        with pytest.raises(kernelgen.ParameterError, match=unknown):
            kt.surrogate("gaussian", x, backend=backend, sigm=1.0)
    with pytest.raises(kernelgen.ParameterError, match=unknown):
        kt.Spike("gaussian", sigm=1.0)
    for backend in ("c", "jit", "torch"):
        with pytest.raises(kernelgen.ParameterError, match=r"parameter `scale` of `sigmoid` is -1.0; expected a finite"):
            kt.surrogate("sigmoid", x, backend=backend, scale=-1.0)
        with pytest.raises(kernelgen.ParameterError, match=r"`scale` of `sigmoid`"):
            kt.surrogate("sigmoid", x, backend=backend, scale=math.inf)
    with pytest.raises(kernelgen.ParameterError, match=r"parameter `scale` of `sigmoid` is -2.0"):
        kt.sigmoid_surrogate(x, -2.0)
    with pytest.raises(kernelgen.ParameterError, match=r"infinite in f32"):
        kt.arctan_surrogate(x, 1e39)  # finite in float64, not in float32
    assert kt.arctan_surrogate(x.double(), 1e39).dtype == torch.float64
    with pytest.raises(kernelgen.ParameterError, match=r"`scale` of `arctan` is 1e\+39, which is infinite in f32"):
        kt.surrogate("arctan", x, backend="torch", scale=1e39)
    for backend in ("c", "jit", "torch"):  # an integer beyond every float is refused by the one check, named
        with pytest.raises(kernelgen.ParameterError, match=r"^parameter `scale` of `sigmoid` is inf; expected a finite value"):
            kt.surrogate("sigmoid", x, backend=backend, scale=10**400)
    with pytest.raises(TypeError, match=r"parameter scale='5' is a str; expected a real number"):
        kt.sigmoid_surrogate(x, "5")
    with pytest.raises(TypeError, match=r"parameter scale=True is a bool"):
        kt.sigmoid_surrogate(x, True)
    with pytest.raises(TypeError, match=r"expected a real number or a one-element real tensor"):
        kt.sigmoid_surrogate(x, torch.tensor([1.0, 2.0]))
    with pytest.raises(kernelgen.ParameterError, match=r"`scale` is given twice"):
        kt.surrogate("sigmoid", x, scale=1.0, params={"scale": 2.0})
    with pytest.raises(TypeError, match=r"params is a list; expected a dict"):
        kt.surrogate("sigmoid", x, params=[("scale", 2.0)])
    with pytest.raises(TypeError, match=r"parameter name 1 is a int; expected a str"):
        kt.surrogate("sigmoid", x, params={1: 2.0})


def test_backends():
    x = torch.zeros(3)
    with pytest.raises(TypeError, match=r"backend 'cuda' is not one of 'c', 'swift', 'jit', 'triton', 'torch'"):
        kt.surrogate("sigmoid", x, backend="cuda")
    with pytest.raises(TypeError, match=r"backend None is not one of"):
        kt.Spike("sigmoid", backend=None)
    with pytest.raises(TypeError, match=r"backend 'C' is not one of"):
        kt.noisy_threshold_spike(x, backend="C")
    kernelgen.load_spec(text="name: only_jit\nsummary: s\nforward: heaviside(x)\nbackward: exp(-abs(x)) / 2\n")
    with pytest.raises(kernelgen.BackendError, match=r"no c kernel for `only_jit`.*served by backend=\"jit\""):
        kt.surrogate("only_jit", x)
    # Spike binds c/swift kernels when it is made: a surrogate without them is refused there, not at the first call.
    with pytest.raises(kernelgen.BackendError, match=r"no c kernel for `snntorch_sso`.*a catalogue surrogate.*served by backend=\"jit\""):
        kt.Spike("snntorch_sso")
    with pytest.raises(kernelgen.BackendError, match=r"no swift kernel for `only_jit`"):
        kt.Spike("only_jit", backend="swift")
    with pytest.raises(kernelgen.BackendError, match=r"no c kernel for `norse_logistic`.*a catalogue surrogate"):
        kt.surrogate("norse_logistic", x, k=2.0)
    with pytest.raises(kernelgen.BackendError, match=r"binds nothing"):
        kt.bind_ms("sigmoid", backend="torch")
    with pytest.raises(TypeError, match=r"dtype 'float32' with backend 'jit'; expected torch.float32"):
        kt.bind_ms("sigmoid", dtype="float32")
    with pytest.raises(TypeError, match=r"torch.bfloat16 or torch.float16 with backend \"c\" or \"jit\""):
        kt.bind_ms("sigmoid", backend="swift", dtype=torch.bfloat16)
    assert kt.bind_ms("sigmoid", dtype=torch.bfloat16) >= 0  # the JIT's bfloat16 kernels


def test_seeds_and_generators():
    x = torch.zeros(3)
    for seed in (-1, 1 << 64, 1.5, True, "7"):
        with pytest.raises(ValueError, match=r"seed=.*; expected None or an integer from 0 to 2\*\*64 - 1"):
            kt.noisy_threshold_spike(x, seed=seed)
    with pytest.raises(ValueError, match=r"seed=-1"):
        kt.Spike("noisy_threshold", seed=-1)
    with pytest.raises(TypeError, match=r"generator is a int; expected a torch.Generator or None"):
        kt.noisy_threshold_spike(x, generator=3)
    with pytest.raises(TypeError, match=r"sample='yes'; expected True or False"):
        kt.Spike("noisy_threshold", sample="yes")
    assert kt.noisy_threshold_spike(x, seed=(1 << 64) - 1).shape == (3,)  # the largest seed is fine


def test_threads_setting():
    for bad in (0, 257, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"set_threads\(.*\); expected None \(automatic\) or an integer from 1 to 256"):
            kt.set_threads(bad)
    assert kt.get_threads() is None


def test_torch_is_imported_only_by_kernelgen_torch():
    code = "import sys, kernelgen; kernelgen.Surrogate('sigmoid'); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_parameter_key_shows_invisible_characters_escaped():
    # The key as the caller gave it, a bidi override or a control character shown as \u{..} (as the library's
    # own messages do), never printed raw.
    with pytest.raises(kernelgen.ParameterError, match=r"`sigmoid` has no parameter `sca\\u\{202E\}le`") as caught:
        kt.Spike("sigmoid", **{"sca\u202ele": 1.0})
    assert "\u202e" not in str(caught.value)
    with pytest.raises(kernelgen.ParameterError, match=r"`sigmoid` has no parameter `a\\u\{07\}\\u\{0A\}`") as caught:
        kt.surrogate("sigmoid", torch.zeros(1), backend="torch", **{"a\a\n": 1.0})
    assert "\a" not in str(caught.value) and "\n" not in str(caught.value)


def test_a_misspelt_catalogue_name_is_suggested():
    # In a fresh process, where no catalogue surrogate has been resolved (listed) yet by other tests: the
    # suggestion comes from the catalogue's names, which the message counts after the listed ones.
    code = ("import kernelgen, kernelgen.torch as kt\n"
            "try:\n    kt.Spike('sinabs_gausian', backend='jit')\n"
            "except kernelgen.UnknownSurrogateError as error:\n    print(error)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert re.search(r"unknown surrogate `sinabs_gausian`; did you mean `sinabs_gaussian`\?; known: arctan, .*"
                     r"\(and \d+ more catalogue surrogates the JIT serves: docs/catalogue.md, kernelgen list --catalogue\)", out), out

"""A shortened run of examples/python/digits_lif.py (LIF network on scikit-learn's digits): accuracy well above
chance (10 classes), and SpikeDE's formula in plain torch and kernelgen.torch give the same losses."""
import importlib.util
import os
import pathlib

import pytest

from spikede_reference import torch

if os.environ.get("KERNELGEN_REQUIRE_TORCH") != "1":
    pytest.importorskip("sklearn", reason="scikit-learn is not installed: pip install scikit-learn")

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "digits_lif.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("digits_lif", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data(example):
    return example.load(steps=8)


def test_data_is_the_real_digits(data):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (8, 1437, 64) and x_test.shape == (8, 360, 64)
    assert set(y_train.tolist()) == set(range(10))
    assert set(x_train.unique().tolist()) == {0.0, 1.0}  # rate-coded spikes


def test_same_losses_as_spikedes_formula(example, data):
    for dtype, tolerance in ((torch.float64, 1e-9), (torch.float32, 2e-3)):
        ref, ref_acc, _, got, acc, _ = example.compare(data, epochs=3, dtype=dtype)
        assert len(ref) == len(got) == 3
        assert ref[0] > ref[-1], "the loss must go down"
        for a, b in zip(ref, got):
            assert abs(a - b) <= tolerance * abs(a), (dtype, ref, got)
        assert abs(ref_acc - acc) <= 0.02


def test_jit_sweep_trains_well_above_chance(example, data):
    results = list(example.sweep(data, epochs=4, scales=[2.0, 5.0]))
    assert [r[0] for r in results] == [2.0, 5.0]
    for scale, accuracy, compile_ms, step_ms, loss in results:
        assert accuracy > 0.5, f"scale {scale}: test accuracy {accuracy} (chance is 0.1)"
        assert compile_ms > 0 and step_ms > 0 and loss < 2.0


def test_fused_neuron_layer_trains_the_same(example, data):
    """(c): kernelgen.torch.Neuron with the example's neuron spec gives the loop's losses (the readout's sum over
    steps is taken in another order: rounding only)."""
    for dtype, tolerance in ((torch.float64, 1e-9), (torch.float32, 2e-3)):
        ref, ref_acc, _, _, _, _ = example.compare(data, epochs=3, dtype=dtype)
        got, acc, _ = example.fused(data, epochs=3, dtype=dtype)
        for a, b in zip(ref, got):
            assert abs(a - b) <= tolerance * abs(a), (dtype, ref, got)
        assert abs(ref_acc - acc) <= 0.02 and acc > 0.5

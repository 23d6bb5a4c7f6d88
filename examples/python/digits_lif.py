"""A leaky integrate-and-fire network trained on real data with kernelgen.torch.

scikit-learn's handwritten digits (sklearn.datasets.load_digits: 1,797 8x8 images, bundled, no download),
rate-coded into T steps of Bernoulli input spikes; one hidden LIF layer (v = beta v + W x, spike = S(v - 1),
soft reset v -= spike); a linear readout averaged over the steps; cross-entropy, Adam, backpropagation through
time. On CPU in about a minute:

  (a) the same run (same seed, same initial weights, same input spikes) with SpikeDE's sigmoid surrogate written
      in plain torch and with kernelgen.torch.sigmoid_surrogate: the losses agree within float tolerance;
  (b) a JIT tuning sweep of the sigmoid's scale (1..10): kernelgen.torch.Spike("sigmoid", backend="jit",
      scale=s) compiles kernels for each value; test accuracy, compile time and step time per value;
  (c) the same network with its hidden layer as one fused neuron layer: the neuron spec below (NEURON, loaded at
      run time with kernelgen.torch.load_neuron) run by kernelgen.torch.Neuron, all T steps forward and backward
      in one kernel each; the same losses as (a), and the ms per training step.

    pip install ./python scikit-learn "$(ls /opt/wheels/torch-*+cpu-*.whl)"
    python examples/python/digits_lif.py [--epochs 12] [--steps 16] [--sweep-epochs 6] [--threads 1]
"""
import argparse
import time

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kernelgen.torch as kt


class SpikeDESigmoid(torch.autograd.Function):
    """SpikeDE's SigmoidSurrogate (spikeDE/surrogate.py), copied: hard spike forward, sigmoid-derivative backward.
    One change: the spikes have the input's dtype (SpikeDE's `(input >= 0).float()` returns float32 for float64
    input, and the float64 run below would stop at the readout's dtype mismatch)."""

    @staticmethod
    def forward(ctx, input, scale):
        ctx.save_for_backward(input)
        ctx.scale = scale
        return (input >= 0).to(input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        scale = ctx.scale
        sigmoid = torch.sigmoid(scale * input)
        surrogate_grad = scale * sigmoid * (1 - sigmoid)
        return grad_output * surrogate_grad, None


def load(steps, seed=0):
    """Train/test input spikes (T, N, 64) (Bernoulli of the pixel intensities, drawn once) and labels."""
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target)
    train_idx, test_idx = train_test_split(range(len(y)), test_size=0.2, random_state=seed, stratify=digits.target)
    gen = torch.Generator().manual_seed(seed)
    spikes = torch.bernoulli(x.unsqueeze(0).expand(steps, -1, -1), generator=gen)
    return (spikes[:, train_idx], y[train_idx]), (spikes[:, test_idx], y[test_idx])


class LIFNet(torch.nn.Module):
    def __init__(self, spike, hidden=128, beta=0.9):
        super().__init__()
        self.fc = torch.nn.Linear(64, hidden)
        self.readout = torch.nn.Linear(hidden, 10)
        self.spike, self.beta = spike, beta

    def forward(self, x):  # x: (T, batch, 64)
        v = torch.zeros(x.shape[1], self.fc.out_features, dtype=x.dtype)
        logits = 0
        for t in range(x.shape[0]):
            v = self.beta * v + self.fc(x[t])
            s = self.spike(v - 1.0)
            v = v - s  # soft reset
            logits = logits + self.readout(s)
        return logits / x.shape[0]


#: The hidden layer of LIFNet as a neuron spec (docs/neurons.md): the same charge, fire and soft reset.
NEURON = """
name: digits_lif
summary: LIFNet's hidden layer, v = beta v + input, spike = S(v - 1), soft reset v -= spike
params:
  beta: {default: 0.9, min: 0.0, max: 1.0}
  v_threshold: 1.0
state:
  v: 0.0
step:
  - v = beta * v + x
  - s = spike(v - v_threshold)
  - v = v - s
output: s
"""


class FusedLIFNet(torch.nn.Module):
    """LIFNet with the loop over time steps in one fused kernel (kernelgen.torch.Neuron)."""

    def __init__(self, scale=5.0, hidden=128):
        super().__init__()
        self.fc = torch.nn.Linear(64, hidden)
        self.readout = torch.nn.Linear(hidden, 10)
        self.lif = kt.Neuron(kt.load_neuron(NEURON), surrogate="sigmoid", surrogate_params={"scale": scale})

    def forward(self, x):  # x: (T, batch, 64)
        self.lif.reset()
        spikes = self.lif(self.fc(x))  # (T, batch, hidden), every step at once
        return self.readout(spikes).mean(dim=0)


def train(spike, data, epochs, seed=0, batch=128, lr=3e-3, dtype=torch.float32, model=None):
    """Trains from a fixed initialisation and batch order; returns (loss per epoch, test accuracy, ms per step)."""
    (x_train, y_train), (x_test, y_test) = data
    x_train, x_test = x_train.to(dtype), x_test.to(dtype)
    torch.manual_seed(seed)
    model = (model() if model is not None else LIFNet(spike)).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    losses, step_seconds, steps = [], 0.0, 0
    for _ in range(epochs):
        total = 0.0
        perm = torch.randperm(len(y_train), generator=order)
        for i in range(0, len(perm), batch):
            idx = perm[i:i + batch]
            start = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(model(x_train[:, idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step_seconds += time.perf_counter() - start
            steps += 1
            total += loss.item() * len(idx)
        losses.append(total / len(y_train))
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return losses, accuracy, 1e3 * step_seconds / steps


def compare(data, epochs, scale=5.0, dtype=torch.float32):
    """(a): SpikeDE's formula in plain torch against kernelgen.torch, same everything else."""
    ref_losses, ref_acc, ref_ms = train(lambda v: SpikeDESigmoid.apply(v, scale), data, epochs, dtype=dtype)
    kg_losses, kg_acc, kg_ms = train(lambda v: kt.sigmoid_surrogate(v, scale), data, epochs, dtype=dtype)
    return ref_losses, ref_acc, ref_ms, kg_losses, kg_acc, kg_ms


def fused(data, epochs, scale=5.0, dtype=torch.float32):
    """(c): the hidden layer as one fused neuron layer (same initial weights: the Linear layers are made in the same
    order from the same seed)."""
    return train(None, data, epochs, dtype=dtype, model=lambda: FusedLIFNet(scale))


def sweep(data, epochs, scales):
    """(b): one JIT-compiled kernel per scale value; yields (scale, accuracy, compile ms, step ms, final loss)."""
    for scale in scales:
        compile_ms = kt.bind_ms("sigmoid", backend="jit", scale=scale)  # the compile (or the JIT's cache hit)
        spike = kt.Spike("sigmoid", backend="jit", scale=scale)
        losses, accuracy, step_ms = train(spike, data, epochs)
        yield scale, accuracy, compile_ms, step_ms, losses[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--sweep-epochs", type=int, default=6)
    parser.add_argument("--steps", type=int, default=16, help="time steps T")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load(args.steps)
    print(f"digits: {len(data[0][1])} train / {len(data[1][1])} test images, T = {args.steps}, "
          f"torch {torch.__version__}, {args.threads} thread(s)")

    print(f"\n(a) sigmoid surrogate, scale 5, {args.epochs} epochs: SpikeDE's formula (plain torch) vs kernelgen.torch")
    runs = {dtype: compare(data, args.epochs, dtype=dtype) for dtype in (torch.float32, torch.float64)}
    print(f"{'epoch':>5} {'f32 SpikeDE':>12} {'f32 kernelgen':>14} {'rel. diff':>9}   {'f64 SpikeDE':>12} "
          f"{'f64 kernelgen':>14} {'rel. diff':>9}")
    worst = {dtype: 0.0 for dtype in runs}
    for epoch in range(args.epochs):
        row = f"{epoch + 1:>5}"
        for dtype, (ref, _, _, got, _, _) in runs.items():
            diff = abs(ref[epoch] - got[epoch]) / abs(ref[epoch])
            worst[dtype] = max(worst[dtype], diff)
            row += f" {ref[epoch]:>12.7f} {got[epoch]:>14.7f} {diff:>9.1e}  "
        print(row.rstrip())
    for dtype, (_, ref_acc, ref_ms, _, acc, ms) in runs.items():
        print(f"{str(dtype)[6:]}: test accuracy SpikeDE {ref_acc:.3f}, kernelgen {acc:.3f}; ms per training step "
              f"{ref_ms:.2f} vs {ms:.2f}; largest relative loss difference {worst[dtype]:.1e}")

    print(f"\n(b) JIT sweep of the sigmoid's scale, {args.sweep_epochs} epochs each")
    print(f"{'scale':>5} {'test acc':>9} {'compile ms':>11} {'step ms':>8} {'final loss':>11}")
    for scale, accuracy, compile_ms, step_ms, loss in sweep(data, args.sweep_epochs, [float(s) for s in range(1, 11)]):
        print(f"{scale:>5.0f} {accuracy:>9.3f} {compile_ms:>11.1f} {step_ms:>8.2f} {loss:>11.4f}")

    print(f"\n(c) the hidden layer as one fused neuron layer (kernelgen.torch.Neuron), {args.epochs} epochs")
    for dtype, (ref, ref_acc, ref_ms, _, _, _) in runs.items():
        losses, accuracy, ms = fused(data, args.epochs, dtype=dtype)
        worst = max(abs(a - b) / abs(a) for a, b in zip(ref, losses))
        print(f"{str(dtype)[6:]}: test accuracy {accuracy:.3f} (loop: {ref_acc:.3f}); ms per training step {ms:.2f} "
              f"(loop with SpikeDE's formula: {ref_ms:.2f}); largest relative loss difference {worst:.1e}")


if __name__ == "__main__":
    main()

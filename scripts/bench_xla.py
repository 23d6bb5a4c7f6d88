#!/usr/bin/env python3
"""A tensor compiler's fused CPU kernels for the same backward formulas, as a baseline for `kernelgen bench`:
XLA through JAX (jit-fused, one thread), G elements/s, same inputs as the benchmark (x in [-5, 5), gradOut = 1).
XLA allocates each call's output, so beyond the caches it measures page faults too; compare in cache.

    python3 -m pip install --target /tmp/jaxenv jax jaxlib      # from PyPI, CPU only
    PYTHONPATH=/tmp/jaxenv taskset -c 0 python3 scripts/bench_xla.py
    swift run -c release kernelgen bench --ops backward --sizes 65536,1048576 --threads 1 --dtypes f32 --backends c

Run the two one after the other (this VM's speed drifts by 20-40% within minutes).
"""
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)


def rate(f, x, g, seconds=0.3):
    """Best of five windows, calls per second."""
    f(x, g).block_until_ready()
    best = 0.0
    for _ in range(5):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            f(x, g).block_until_ready()
            calls += 1
        best = max(best, calls / (time.perf_counter() - start))
    return best


# The seed's defaults: sigmoid scale 5, arctan scale 2, gaussian sigma 1, piecewise linear gamma 1.
kernels = {
    "stream2r1w": lambda x, g: x * g,
    "sigmoid": lambda x, g: g * (5 * jax.nn.sigmoid(5 * x) * (1 - jax.nn.sigmoid(5 * x))),
    "arctan": lambda x, g: g * (2 / 2 / (1 + (jnp.pi / 2 * 2 * x) ** 2)),
    "gaussian": lambda x, g: g * jnp.exp(-(x * x) / 2) / jnp.sqrt(2 * jnp.pi),
    "piecewise_linear": lambda x, g: g * jnp.where((x >= -1) & (x <= 1), 0.5, 0.0),
}
for dtype in (np.float32, np.float64):
    for n in (65536, 1048576):
        i = np.arange(n, dtype=np.int64)
        x = jnp.asarray(((i * 2654435761) % 10000) / 1000.0 - 5, dtype=dtype)
        g = jnp.ones(n, dtype=dtype)
        rates = {name: n * rate(jax.jit(f), x, g) / 1e9 for name, f in kernels.items()}
        print(np.dtype(dtype).name, n, " ".join(f"{k} {v:.2f}" for k, v in rates.items()), flush=True)

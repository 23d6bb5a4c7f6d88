"""The kernels' noise in Python: Philox-4x32-10 (Salmon et al., SC'11) with kernelgen's counter layout and uniform
conversion, so the expression module can compute with the same U[0, 1) draws as a kernel call (a sampled
backward differentiated again under create_graph=True).

Counter = (block low, block high, site, stream), key = the call's 64-bit seed. float32 elements take one 32-bit
word of a block each (4 per block), u = (word >> 8) * 2^-24; float64 elements two words each (2 per block),
u = ((w_even << 32 | w_odd) >> 11) * 2^-53 (`kg_noise_bits*` and `kg_uniform*` in the C prelude,
`SurrogateRuntime.Philox`). Tested bit for bit against the kernels (test_torch_second_order.py)."""
import numpy as np
import torch

_M = np.uint64(0xFFFFFFFF)


def _blocks(index, key, site, stream):
    """The four output words (uint64 arrays holding 32-bit values) of blocks `index` (a uint64 array)."""
    c0, c1 = index & _M, index >> np.uint64(32)
    c2 = np.full_like(index, site)
    c3 = np.full_like(index, stream)
    k0, k1 = np.uint64(key & 0xFFFFFFFF), np.uint64(key >> 32)
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & _M, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & _M
        k0, k1 = (k0 + np.uint64(0x9E3779B9)) & _M, (k1 + np.uint64(0xBB67AE85)) & _M
    return c0, c1, c2, c3


def uniform(key, stream, site, shape, dtype, offset=0):
    """The U[0, 1) draws of elements offset, offset + 1, ... (row-major over `shape`) for noise call `site` of
    counter stream `stream` (0 the training forward, 2 the sampling backward), as a CPU tensor of `dtype`
    (float32 or float64)."""
    n = int(np.prod(shape, dtype=np.int64)) if len(shape) else 1
    with np.errstate(over="ignore"):
        element = np.arange(n, dtype=np.uint64) + np.uint64(offset)
        if dtype == torch.float32:
            words = np.stack(_blocks(element >> np.uint64(2), key, site, stream))
            word = words[(element & np.uint64(3)).astype(np.int64), np.arange(n)]
            u = (word >> np.uint64(8)).astype(np.float32) * np.float32(2.0 ** -24)
        else:
            w = np.stack(_blocks(element >> np.uint64(1), key, site, stream))
            lane = (element & np.uint64(1)).astype(np.int64)
            bits = (w[2 * lane, np.arange(n)] << np.uint64(32)) | w[2 * lane + 1, np.arange(n)]
            u = (bits >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return torch.from_numpy(u).reshape(shape)

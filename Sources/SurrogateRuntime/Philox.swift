/// Philox-4x32-10 (Salmon et al., SC'11), the counter-based generator of every noise source.
/// Counter = (block low, block high, site, stream), key = seed (stream 0 the training forward, 1 the per-call
/// key derivation, 2 the sampling backward); the same arithmetic as `kg_philox` in the
/// C prelude, so both backends draw bit-identical noise for any chunking.
public enum Philox {
    /// The full generator: four output words for a counter and a key.
    @inlinable @inline(__always)
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        // Ten rounds called out one by one rather than looped: straight-line code is what lets a kernel's
        // loop over noise blocks vectorise (as in the C prelude).
        var c = counter
        var k = key
        round(&c, &k); round(&c, &k); round(&c, &k); round(&c, &k); round(&c, &k)
        round(&c, &k); round(&c, &k); round(&c, &k); round(&c, &k); round(&c, &k)
        return c
    }

    @inlinable @inline(__always)
    static func round(_ c: inout (UInt32, UInt32, UInt32, UInt32), _ k: inout (UInt32, UInt32)) {
        let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
        let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
        c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
             UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
        k = (k.0 &+ 0x9E37_79B9, k.1 &+ 0xBB67_AE85)
    }

    /// The random bits of element `element` (its global index) for noise call `site`, as `kg_noise_bitsf`
    /// in the C prelude: float elements take one 32-bit word of a block each (4 per block), in the top bits.
    /// `stream` is the counter's fourth word (0 the training forward, 2 the sampling backward:
    /// `kg_noise_stream_bitsf`).
    @inlinable @inline(__always)
    public static func bits(seed: UInt64, element: UInt64, site: UInt32, stream: UInt32 = 0, as: Float.Type) -> UInt64 {
        bits(block(element >> 2, seed: seed, site: site, stream: stream), lane: Int(truncatingIfNeeded: element & 3), as: Float.self)
    }

    /// As `kg_noise_bits` (`kg_noise_stream_bits`): double elements take two words of a block each (2 per block).
    @inlinable @inline(__always)
    public static func bits(seed: UInt64, element: UInt64, site: UInt32, stream: UInt32 = 0, as: Double.Type) -> UInt64 {
        bits(block(element >> 1, seed: seed, site: site, stream: stream), lane: Int(truncatingIfNeeded: element & 1), as: Double.self)
    }

    /// The bits of the `lane`-th float element of a block (`kg_block_bitsf`; the kernels' whole-block loops).
    @inlinable @inline(__always)
    public static func bits(_ b: (UInt32, UInt32, UInt32, UInt32), lane: Int, as: Float.Type) -> UInt64 {
        UInt64(lane == 0 ? b.0 : (lane == 1 ? b.1 : (lane == 2 ? b.2 : b.3))) << 32
    }

    /// The bits of the `lane`-th double element of a block (`kg_block_bits`).
    @inlinable @inline(__always)
    public static func bits(_ b: (UInt32, UInt32, UInt32, UInt32), lane: Int, as: Double.Type) -> UInt64 {
        lane == 0 ? UInt64(b.0) << 32 | UInt64(b.1) : UInt64(b.2) << 32 | UInt64(b.3)
    }

    @inlinable @inline(__always)
    public static func block(_ index: UInt64, seed: UInt64, site: UInt32, stream: UInt32 = 0) -> (UInt32, UInt32, UInt32, UInt32) {
        block(counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), site, stream),
              key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }
}

extension Philox {
    /// The key of noise step `step` of a run seeded with `seed` (a counter-based "fold-in", as JAX's
    /// `fold_in`): step 0 is `seed` itself, so an explicit `(seed, offset)` call keeps its meaning; step k > 0
    /// is the first two words of `block(counter: (k low, k high, 0xFFFF_FFFF, 1), key: seed)`. Kernels only
    /// use counters whose fourth word is 0, so no derived key is ever a noise draw of the run's own stream.
    /// Pass the result as the `seed` argument of a kernel (C: `kg_<name>_train_forward_<dtype>`).
    @inlinable
    public static func key(seed: UInt64, step: UInt64) -> UInt64 {
        guard step != 0 else { return seed }
        let b = block(counter: (UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: step >> 32), 0xFFFF_FFFF, 1),
                      key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
        return UInt64(b.0) | UInt64(b.1) << 32
    }
}

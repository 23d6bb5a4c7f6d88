/// Philox-4x32-10 (Salmon et al., SC'11), the counter-based generator of every noise source.
/// Counter = (block low, block high, site, 0), key = seed; the same arithmetic as `kg_philox` in the
/// C prelude, so both backends draw bit-identical noise for any chunking.
public enum Philox {
    /// The full generator: four output words for a counter and a key.
    @inlinable @inline(__always)
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1)
            c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0
            c2 = n2
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// The random bits of element `element` (its global index) for noise call `site`, as `kg_noise_bitsf`
    /// in the C prelude: float elements take one 32-bit word of a block each (4 per block), in the top bits.
    @inlinable @inline(__always)
    public static func bits(seed: UInt64, element: UInt64, site: UInt32, as: Float.Type) -> UInt64 {
        let b = block(element >> 2, seed: seed, site: site)
        let w: UInt32
        switch element & 3 {
        case 0: w = b.0
        case 1: w = b.1
        case 2: w = b.2
        default: w = b.3
        }
        return UInt64(w) << 32
    }

    /// As `kg_noise_bits`: double elements take two words of a block each (2 per block).
    @inlinable @inline(__always)
    public static func bits(seed: UInt64, element: UInt64, site: UInt32, as: Double.Type) -> UInt64 {
        let b = block(element >> 1, seed: seed, site: site)
        return element & 1 == 0 ? UInt64(b.0) << 32 | UInt64(b.1) : UInt64(b.2) << 32 | UInt64(b.3)
    }

    @inlinable @inline(__always)
    static func block(_ index: UInt64, seed: UInt64, site: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        block(counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), site, 0),
              key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }
}

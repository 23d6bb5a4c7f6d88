/// Philox-4x32-10 (Salmon et al., SC'11), the counter-based generator of every noise source.
/// Counter = (index low, index high, site, 0), key = seed; the same arithmetic as `kg_noise_bits` in the
/// C prelude, so both backends draw bit-identical noise for any chunking.
public enum Philox {
    /// The full generator: four output words for a counter and a key.
    @inlinable
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

    /// 64 random bits for element `counter` of noise call site `site` under key `seed`.
    @inlinable
    public static func bits(seed: UInt64, counter: UInt64, site: UInt32) -> UInt64 {
        let out = block(counter: (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), site, 0),
                        key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
        return UInt64(out.0) << 32 | UInt64(out.1)
    }
}

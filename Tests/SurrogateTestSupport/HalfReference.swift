/// The half types' reference rounding, written apart from the kernels' (`Templates/C/prelude.h.stencil`): bfloat16's
/// nearest value to a float by comparing its two neighbours in Double, ties to even; past the largest finite
/// bfloat16, half an ulp and more round to infinity. (float16's reference is Swift's own `Float16(Float)`.)
public enum HalfReference {
    /// The nearest bfloat16's bit pattern (nil for NaN).
    public static func nearestBFloat16(_ f: Float) -> UInt16? {
        guard !f.isNaN else { return nil }
        let toward = UInt16(truncatingIfNeeded: f.bitPattern >> 16)  // the neighbour toward zero
        let low = Double(Float(bitPattern: UInt32(toward) << 16))
        if low == Double(f) { return toward }
        let away = toward &+ 1
        // Past the largest finite bfloat16 the next value up is 2^128 (where rounding to infinity starts).
        let high = (away & 0x7FFF) == 0x7F80 ? (f < 0 ? -0x1p128 : 0x1p128) : Double(Float(bitPattern: UInt32(away) << 16))
        let below = abs(Double(f) - low), above = abs(high - Double(f))
        if below != above { return below < above ? toward : away }
        return toward & 1 == 0 ? toward : away
    }
}

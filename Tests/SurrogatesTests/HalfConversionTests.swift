import Surrogates
import SurrogateKernelsC
import SurrogateTestSupport
import Testing

/// The C library's array conversions (`kg_convert_*`, the kernels' own): bfloat16 and float16 on every pattern
/// there and back, and float32 to each on every exponent and sign with the low halves where rounding decides,
/// against Swift's own conversions (`Float16(Float)`, compiler-rt) and `HalfReference`.
@Suite struct HalfConversionTests {
    static let floats: [Float] = (0...0xFFFF as ClosedRange<UInt32>).flatMap { high in
        [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x1000, 0x2000].map { Float(bitPattern: high << 16 | $0) }
    }

    @Test func everyPatternWidensExactly() {
        let every = (0...0xFFFF).map { UInt16($0) }
        var b = [Float](repeating: 0, count: every.count), h = [Float](repeating: 0, count: every.count)
        kg_convert_bf16_to_f32(every, &b, every.count)
        kg_convert_f16_to_f32(every, &h, every.count)
        let bfMisses = every.filter { p in
            let want = Float(bitPattern: UInt32(p) << 16)
            return want.isNaN ? !b[Int(p)].isNaN : b[Int(p)].bitPattern != want.bitPattern
        }
        let f16Misses = every.filter { p in
            let want = Float(Float16(bitPattern: p))
            return want.isNaN ? !h[Int(p)].isNaN : h[Int(p)].bitPattern != want.bitPattern
        }
        #expect(bfMisses.isEmpty && f16Misses.isEmpty, "bfloat16 \(bfMisses.prefix(4)), float16 \(f16Misses.prefix(4))")
    }

    @Test func floatsRoundToNearestEven() {
        let xs = Self.floats
        var b = [UInt16](repeating: 0, count: xs.count), h = [UInt16](repeating: 0, count: xs.count)
        kg_convert_f32_to_bf16(xs, &b, xs.count)
        kg_convert_f32_to_f16(xs, &h, xs.count)
        var misses: [String] = []
        for (i, x) in xs.enumerated() {
            if x.isNaN {
                // NaN stays NaN with its sign.
                if !(Float(bitPattern: UInt32(b[i]) << 16).isNaN && Float16(bitPattern: h[i]).isNaN
                     && (b[i] & 0x8000 == 0) == (x.sign == .plus) && (h[i] & 0x8000 == 0) == (x.sign == .plus)) {
                    misses.append("NaN \(String(x.bitPattern, radix: 16)): 0x\(String(b[i], radix: 16)), 0x\(String(h[i], radix: 16))")
                }
                continue
            }
            if b[i] != HalfReference.nearestBFloat16(x) { misses.append("bfloat16 \(x): 0x\(String(b[i], radix: 16))") }
            if h[i] != Float16(x).bitPattern { misses.append("float16 \(x): 0x\(String(h[i], radix: 16))") }
        }
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(6))")
    }
}

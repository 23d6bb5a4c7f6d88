import Testing
import RealModule

/// The Swift kernels of a spec with a sum (`SumDemo/`, the generator's output for the catalogue's SpikingJelly
/// square wave, kept fresh by `SumSpecBackendTests`), compiled into these tests and run: the sum's `while` loop
/// over Int64 against (4/T) sum_{i=1}^{n-1} cos((2i - 1) 2 pi / T x) written here in Float80.
@Suite struct SumSwiftKernelTests {
    typealias R = Float80

    static func squarewave(_ x: R, n: Int, period: R) -> R {
        var s: R = 0
        for i in stride(from: 1, through: n - 1, by: 1) { s += R.cos(R(2 * i - 1) * 2 * .pi / period * x) }
        return s * (4 / period)
    }

    static func points<T: BinaryFloatingPoint>(_: T.Type) -> [T] {
        (-64...64).map { T($0) / 16 } + [1e-30, -1e-30, 0.3, -7.25, .infinity, -.infinity, -0.0, .nan]
    }

    /// The misses of `gradient` (grad_out = 1) against the Float80 sum. The bound: each term's argument is a few
    /// roundings of the dtype (relative eps each), so its cosine is off by up to 4 eps |argument| plus its own
    /// 4 ulp, times 4/T; plus 8 ulp of the result for the additions.
    static func misses<T: BinaryFloatingPoint>(_ x: [T], _ gradient: [T], n: Int, period: R, label: String) -> [String] {
        let eps = R(T.ulpOfOne)
        var out: [String] = []
        for (xi, got) in zip(x, gradient) {
            let want = squarewave(R(xi), n: n, period: period)
            if want.isNaN {
                if !R(got).isNaN { out.append("\(label) x = \(xi): got \(got), expected NaN") }
                continue
            }
            var spread: R = 0
            for i in stride(from: 1, through: n - 1, by: 1) { spread += 4 * eps * (R(2 * i - 1) * 2 * .pi / period * R(xi)).magnitude + 4 * eps }
            let bound = spread * (4 / period) + 8 * R(T(want).ulp) + R(T.leastNonzeroMagnitude)
            if !((R(got) - want).magnitude <= bound) { out.append("\(label) x = \(xi): got \(got), expected \(want) (bound \(bound))") }
        }
        return out
    }

    @Test(arguments: [(1, 8.0), (2, 8.0), (5, 3.0), (64, 8.0)])
    func float32(n: Int, period: Double) {
        let x = Self.points(Float.self)
        var g = [Float](repeating: .nan, count: x.count)
        let ones = [Float](repeating: 1, count: x.count)
        x.withUnsafeBufferPointer { xb in
            ones.withUnsafeBufferPointer { ob in
                g.withUnsafeMutableBufferPointer {
                    SpikingjellySquarewaveFourierSeriesKernels.backward(xb, gradOut: ob, into: $0, n: Float(n), T_period: Float(period))
                }
            }
        }
        let misses = Self.misses(x, g, n: n, period: R(period), label: "swift f32 n=\(n) T=\(period)")
        #expect(misses.count == 0, "misses: \(misses.prefix(5))")
        if n == 1 { #expect(g.allSatisfy { $0 == 0 && $0.sign == .plus }, "the empty sum is +0 everywhere, NaN included") }
    }

    @Test(arguments: [(1, 8.0), (2, 8.0), (5, 3.0), (64, 8.0)])
    func float64(n: Int, period: Double) {
        let x = Self.points(Double.self)
        var g = [Double](repeating: .nan, count: x.count)
        let ones = [Double](repeating: 1, count: x.count)
        x.withUnsafeBufferPointer { xb in
            ones.withUnsafeBufferPointer { ob in
                g.withUnsafeMutableBufferPointer {
                    SpikingjellySquarewaveFourierSeriesKernels.backward(xb, gradOut: ob, into: $0, n: Double(n), T_period: period)
                }
            }
        }
        let misses = Self.misses(x, g, n: n, period: R(period), label: "swift f64 n=\(n) T=\(period)")
        #expect(misses.count == 0, "misses: \(misses.prefix(5))")
    }
}

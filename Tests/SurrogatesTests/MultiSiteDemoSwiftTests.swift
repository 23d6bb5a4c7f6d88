import Surrogates
import SurrogateTestSupport
import Testing

/// The Swift kernels of the multi-site noisy backward (`MultiSiteDemo/MultiSiteDemoKernels.swift`, the generator's
/// output, checked fresh by `MultiSiteDemoBackendTests`): `trainBackward` bit for bit against the runtime's Philox
/// stream-2 draws (`MultiSiteDemo.expected`), whole, at an offset that starts mid-block, and in chunks at their
/// offsets, in float and double. The C kernels and the JIT give the same (`MultiSiteDemoBackendTests`,
/// `MultiSiteBackwardJITTests`).
@Suite struct MultiSiteDemoSwiftTests {
    typealias Kernel<T> = (UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>, UInt64, UInt64) -> Void

    /// The kernel over `x[range]` (with its y and grad_out) at global offset `offset + range.lowerBound`.
    func run<T: KernelScalar>(_ kernel: Kernel<T>, _ x: [T], _ y: [T], _ g: [T], _ range: Range<Int>, seed: UInt64, offset: UInt64) -> [T] {
        let (xs, ys, gs) = (Array(x[range]), Array(y[range]), Array(g[range]))
        var out = [T](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { xb in ys.withUnsafeBufferPointer { yb in gs.withUnsafeBufferPointer { gb in
            out.withUnsafeMutableBufferPointer { kernel(xb, yb, gb, $0, seed, offset &+ UInt64(range.lowerBound)) }
        } } }
        return out
    }

    func misses<T: KernelScalar>(_: T.Type, keep: T, _ kernel: Kernel<T>) -> [String] {
        let seed: UInt64 = 0x5_1735
        let (x, y, g) = MultiSiteDemo.inputs(T.self)
        var found: [String] = []
        for offset: UInt64 in [0, 13] {
            let want = MultiSiteDemo.expected(x: x, y: y, gradOut: g, seed: seed, offset: offset, keep: keep)
            found += BernoulliDemo.bitMisses(run(kernel, x, y, g, x.indices, seed: seed, offset: offset), want, x: x,
                                             label: "swift \(T.self) keep \(keep) offset \(offset)")
            // Chunks of odd sizes, each at its own offset: the same values.
            var chunked: [T] = []
            var start = 0
            for size in [1, 3, 7, 100, 500, x.count] where start < x.count {
                let end = min(x.count, start + size)
                chunked += run(kernel, x, y, g, start..<end, seed: seed, offset: offset)
                start = end
            }
            found += BernoulliDemo.bitMisses(chunked, want, x: x, label: "swift \(T.self) keep \(keep) chunked offset \(offset)")
        }
        return found
    }

    @Test(arguments: [0.9, 0.25])
    func float(keep: Double) {
        let m = misses(Float.self, keep: Float(keep)) {
            MultiSiteDemoKernels.trainBackward($0, y: $1, gradOut: $2, into: $3, seed: $4, offset: $5, keep: Float(keep))
        }
        #expect(m.isEmpty, "\(m.count) misses: \(m.prefix(5))")
    }

    @Test(arguments: [0.9, 0.25])
    func double(keep: Double) {
        let m = misses(Double.self, keep: keep) {
            MultiSiteDemoKernels.trainBackward($0, y: $1, gradOut: $2, into: $3, seed: $4, offset: $5, keep: keep)
        }
        #expect(m.isEmpty, "\(m.count) misses: \(m.prefix(5))")
    }
}

import Surrogates
import SurrogateTestSupport
import Testing

/// The Swift kernels of the Bernoulli spec (`BernoulliDemo/BernoulliDemoKernels.swift`, the generator's output,
/// checked fresh by `BernoulliBackendTests`): the sample bit for bit against the runtime's uniform draws (`u < p`),
/// also in chunks at their offsets, and the mean field `clamp(p, 0, 1)` exactly. The JIT and C give the same.
@Suite struct BernoulliDemoSwiftTests {
    func misses<T: KernelScalar>(_: T.Type, sample: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>, UInt64, UInt64) -> Void,
                                 mean: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void) -> [String] {
        let x = BernoulliDemo.points(T.self)
        let seed: UInt64 = 99
        var y = [T](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { sample(xb, $0, seed, 0) } }
        var out = BernoulliDemo.bitMisses(y, BernoulliDemo.expectedSample(x, seed: seed), x: x, label: "swift \(T.self) sample")
        // The tail from element 1001 alone, at its offset: the same values.
        let tail = Array(x[1001...])
        var z = [T](repeating: .nan, count: tail.count)
        tail.withUnsafeBufferPointer { xb in z.withUnsafeMutableBufferPointer { sample(xb, $0, seed, 1001) } }
        out += BernoulliDemo.bitMisses(z, Array(y[1001...]), x: tail, label: "swift \(T.self) chunk")
        var m = [T](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xb in m.withUnsafeMutableBufferPointer { mean(xb, $0) } }
        out += BernoulliDemo.bitMisses(m, x.map(BernoulliDemo.expectedMean), x: x, label: "swift \(T.self) mean field")
        return out
    }

    @Test func float() {
        let m = misses(Float.self, sample: { BernoulliDemoKernels.trainForward($0, into: $1, seed: $2, offset: $3, scale: 1) },
                       mean: { BernoulliDemoKernels.trainForwardMean($0, into: $1, scale: 1) })
        #expect(m.isEmpty, "\(m.count) misses: \(m.prefix(5))")
    }

    @Test func double() {
        let m = misses(Double.self, sample: { BernoulliDemoKernels.trainForward($0, into: $1, seed: $2, offset: $3, scale: 1) },
                       mean: { BernoulliDemoKernels.trainForwardMean($0, into: $1, scale: 1) })
        #expect(m.isEmpty, "\(m.count) misses: \(m.prefix(5))")
    }
}

import Foundation
import SurrogateKernelsC
import SurrogateTestSupport
import Testing
@testable import Surrogates

/// Noise in the backward (`noisy_gradient`: the triangle max(0, 1 - |x| / width) times 1 + jitter (2u - 1)): the
/// sampling backward `train_backward` against the counter layout written out here (stream 2), C and Swift bit for
/// bit for any chunking and thread count, its stream apart from the forward's, the mean-field `backward` against
/// Float80, and the runtime's pairing of forward k with backward k.
@Suite struct TrainBackwardTests {
    static let seed: UInt64 = 0x5EED_0F_BAC4

    /// u of element j under `key`, drawn from the counter (j's block, 0, site 0, `stream`) as the documented layout (docs/specs.md)
    /// says, with Philox's block function only (not the kernels' helpers).
    static func uniform<T: KernelScalar>(key: UInt64, element j: UInt64, stream: UInt32, _: T.Type) -> T {
        let lanes: UInt64 = T.self == Float.self ? 4 : 2
        let block = j / lanes
        let b = Philox.block(counter: (UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32), 0, stream),
                             key: (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32)))
        let words = [b.0, b.1, b.2, b.3]
        if T.self == Float.self {
            // The top 24 bits of the element's word, times 2^-24.
            return T(Float(words[Int(j % 4)] >> 8) * 0x1p-24)
        }
        let bits = UInt64(words[Int(j % 2) * 2]) << 32 | UInt64(words[Int(j % 2) * 2 + 1])
        return T(Double(bits >> 11) * 0x1p-53)
    }

    static func sampler<T: KernelScalar>(_ backend: Backend, _: T.Type, jitter: Double = 1) throws -> BoundSurrogate<T> {
        var s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_gradient", backend: backend, parameters: ["jitter": jitter])
        s.mode = .train(sample: true, seed: seed)
        return s
    }

    /// At x = 0 with jitter 1 the gradient is exactly 2u: each element's u is the one its counter gives in stream
    /// 2, at offset + i (mod 2^64: an offset near 2^64 wraps to counter 0, issue 17), in both dtypes and backends.
    @Test(arguments: [Backend.c, .swift])
    func sampledBackwardDrawsStreamTwo(backend: Backend) throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            let s = try Self.sampler(backend, T.self)
            let x = [T](repeating: 0, count: 1001)
            for offset: UInt64 in [77, .max - 499, .max - 2] {
                let g = try s.backward(x, step: 0, offset: offset)
                for i in x.indices {
                    let u = Self.uniform(key: Self.seed, element: offset &+ UInt64(i), stream: 2, T.self)
                    #expect(g[i] == 2 * u, "\(T.self) offset \(offset) element \(i)")
                }
            }
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// The backward's noise is not the forward's: the same key and offsets in stream 0 give other values.
    @Test func backwardStreamIsIndependentOfTheForwards() throws {
        let s = try Self.sampler(.c, Double.self)
        let n = 4096
        let g = try s.backward([Double](repeating: 0, count: n), step: 0)
        let forwardStream = NoiseSampler.uniform(seed: Self.seed, count: n, as: Double.self).map { 2 * $0 }
        let same = zip(g, forwardStream).filter { $0 == $1 }.count
        #expect(same == 0, "\(same) of \(n) equal")
        // Nor does the stream repeat the key derivation's counters: a backward under the step-1 key differs too.
        let next = try s.backward([Double](repeating: 0, count: n), step: 1)
        #expect(zip(g, next).filter { $0 == $1 }.isEmpty)
    }

    /// C and Swift give the same bits, and one call equals the array in chunks with their offsets and the
    /// call split over threads.
    @Test func cAndSwiftAgreeForAnyChunkingAndThreads() throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            var c = try Self.sampler(.c, T.self, jitter: 0.75)
            let swift = try Self.sampler(.swift, T.self, jitter: 0.75)
            let x = (0..<5003).map { T($0 % 300) / 100 - 1.5 }
            let gradOut = (0..<x.count).map { T(1) + T($0 % 7) / 8 }
            c.threads = 1
            let whole = try c.backward(x, gradOut: gradOut, step: 3)
            #expect(try swift.backward(x, gradOut: gradOut, step: 3) == whole)
            var chunked: [T] = []
            var start = 0
            for size in [1, 6, 1000, 13, 3983] {
                let end = min(start + size, x.count)
                chunked += try swift.backward(Array(x[start..<end]), gradOut: Array(gradOut[start..<end]), step: 3, offset: UInt64(start))
                start = end
            }
            #expect(chunked == whole)
            var threaded = c
            threaded.threads = 4
            #expect(try threaded.backward(x, gradOut: gradOut, step: 3) == whole)
            // The noise is there: not the mean field.
            var mean = c
            mean.mode = .train(sample: false, seed: Self.seed)
            #expect(try mean.backward(x, gradOut: gradOut) != whole)
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// `backward` (and every mode but training with sampling) is the mean field: u at its mean 1/2, so the
    /// triangle itself, within the documented bound (docs/accuracy.md) of Float80.
    @Test(arguments: [Backend.c, .swift])
    func meanFieldBackwardIsTheTriangle(backend: Backend) throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            let x = Inputs.all(T.self)
            for mode in [SurrogateMode.eval, .train(sample: false, seed: Self.seed)] {
                var s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_gradient", backend: backend,
                                                                              parameters: ["width": 0.75, "jitter": 0.9])
                s.mode = mode
                let g = try s.backward(x)
                for i in x.indices {
                    let v = Float80(x[i])
                    let reference: Float80 = v.isNaN ? 0 : max(0, 1 - v.magnitude / Float80(T(0.75)))
                    #expect(ErrorBound.check(g[i], reference, peak: 1, x: x[i]) == nil, "\(mode) \(T.self) x = \(x[i]): \(g[i])")
                }
            }
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// Forward k and backward k of a training step pair up: each forward advances the step (the spec's forward
    /// draws nothing, its backward does), and a backward without `step:` samples with the key the latest
    /// forward used, `Philox.key(seed:step:)` of step k, which the C kernel reproduces given that key.
    @Test func backwardSamplesTheLatestForwardsStep() throws {
        var s = try Self.sampler(.c, Float.self)
        let x: [Float] = (0..<64).map { Float($0) / 64 - 0.5 }
        var keys: [UInt64] = []
        for k in 0..<3 {
            #expect(s.step == UInt64(k))
            _ = try s.forward(x)
            #expect(s.step == UInt64(k + 1))
            let g = try s.backward(x)
            #expect(g == (try s.backward(x, step: UInt64(k))))
            let key = Philox.key(seed: Self.seed, step: UInt64(k))
            var direct = [Float](repeating: 0, count: x.count)
            kg_noisy_gradient_train_backward_f32(x, nil, [Float](repeating: 1, count: x.count), &direct, x.count, key, 0, 1, 1)
            #expect(g == direct)
            // The buffer form without `step:` pairs the same way.
            var buffer = [Float](repeating: 0, count: x.count)
            let ones = [Float](repeating: 1, count: x.count)
            try x.withUnsafeBufferPointer { xb in
                try ones.withUnsafeBufferPointer { gb in try buffer.withUnsafeMutableBufferPointer { try s.backward(xb, gradOut: gb, into: $0) } }
            }
            #expect(buffer == g)
            keys.append(key)
        }
        #expect(Set(keys).count == 3)
        // The typed wrapper keeps the same pairing.
        var wrapper = NoisyGradientSurrogate(jitter: 1, training: true, sample: true, seed: Self.seed)
        _ = try wrapper.forward(x)
        _ = try wrapper.forward(x)
        #expect(try wrapper.backward(x) == (try s.backward(x, step: 1)))
    }
}

import Foundation
import SurrogateKernelsC
import SurrogateTestSupport
import Testing
@testable import Surrogates

@Suite struct NoiseTests {
    /// Known-answer vectors of Philox-4x32-10 from the Random123 distribution (kat_vectors).
    @Test func philoxKnownAnswers() {
        func block(_ c: (UInt32, UInt32, UInt32, UInt32), _ k: (UInt32, UInt32)) -> [UInt32] {
            let o = Philox.block(counter: c, key: k)
            return [o.0, o.1, o.2, o.3]
        }
        #expect(block((0, 0, 0, 0), (0, 0)) == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        #expect(block((.max, .max, .max, .max), (.max, .max)) == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        #expect(block((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0))
                == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    /// The C prelude's generator and the Swift one give the same bits, hence the same samples.
    @Test func cAndSwiftNoiseAreBitIdentical() {
        let n = 10_000
        for (seed, offset, site) in [(UInt64(0), UInt64(0), UInt32(0)), (42, 1 << 33, 1), (.max, .max - 5000, 7)] {
            var c32 = [Float](repeating: 0, count: n), c64 = [Double](repeating: 0, count: n)
            var u32 = [Float](repeating: 0, count: n)
            kg_sample_logistic_f32(seed, offset, site, &c32, n)
            kg_sample_logistic_f64(seed, offset, site, &c64, n)
            kg_sample_uniform_f32(seed, offset, site, &u32, n)
            #expect(c32 == NoiseSampler.logistic(seed: seed, offset: offset, site: site, count: n, as: Float.self))
            #expect(c64 == NoiseSampler.logistic(seed: seed, offset: offset, site: site, count: n, as: Double.self))
            #expect(u32 == NoiseSampler.uniform(seed: seed, offset: offset, site: site, count: n, as: Float.self))
        }
    }

    /// The sampled training forward of C and Swift agree bit for bit at every counter, also where offset + i
    /// passes 2^64 and wraps (the counter is taken mod 2^64, as C's unsigned arithmetic does; issue 17), for
    /// every alignment of the wrap in a block.
    @Test func cAndSwiftTrainingForwardsAgreeAcrossTheCounterWrap() throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            var c: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_threshold", backend: .c, parameters: ["scale": 3])
            var swift: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_threshold", backend: .swift, parameters: ["scale": 3])
            c.mode = .train(sample: true, seed: 9)
            swift.mode = .train(sample: true, seed: 9)
            let x = (0..<515).map { T($0 % 41) / 10 - 2 }
            for offset in [UInt64.max - 300, .max - 301, .max - 302, .max - 303, .max] {
                let a = try c.forward(x, step: 0, offset: offset)
                let b = try swift.forward(x, step: 0, offset: offset)
                #expect(a == b, "\(T.self) offset \(offset): \(zip(a, b).filter { $0 != $1 }.count) differ")
                // The elements after the wrap are the elements at offset 0 (the same counters).
                let after = Int(truncatingIfNeeded: 0 &- offset)
                let atZero = try c.forward(Array(x[after...]), step: 0, offset: 0)
                #expect(Array(a[after...]) == atZero, "\(T.self) offset \(offset)")
            }
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// Kolmogorov-Smirnov distance of `samples` from `cdf`.
    func ksDistance(_ samples: [Double], _ cdf: (Double) -> Double) -> Double {
        let sorted = samples.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, v) in sorted.enumerated() {
            let f = cdf(v)
            d = max(d, abs(f - Double(i) / n), abs(Double(i + 1) / n - f))
        }
        return d
    }

    /// 10^5 samples pass a KS test at the 1% level (critical distance 1.628 / sqrt(n)), in both dtypes.
    @Test(arguments: [UInt64(1), 2024])
    func logisticNoiseIsLogistic(seed: UInt64) {
        let n = 100_000
        let critical = 1.628 / Double(n).squareRoot()
        let d64 = ksDistance(NoiseSampler.logistic(seed: seed, count: n, as: Double.self), Reference.logisticCDF)
        let d32 = ksDistance(NoiseSampler.logistic(seed: seed, count: n, as: Float.self).map(Double.init), Reference.logisticCDF)
        #expect(d64 < critical)
        #expect(d32 < critical)
        let u = NoiseSampler.uniform(seed: seed, count: n, as: Double.self)
        #expect(ksDistance(u) { min(max($0, 0), 1) } < critical)
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        // SpikeDE's clamp bounds the samples: |g| <= log((1 - 1e-6) / 1e-6) ~ 13.8.
        #expect(NoiseSampler.logistic(seed: seed, count: n, as: Float.self).allSatisfy { abs($0) < 13.82 })
    }

    @Test func streamsDifferBySeedOffsetAndSite() {
        let a = NoiseSampler.uniform(seed: 1, count: 64, as: Double.self)
        #expect(a != NoiseSampler.uniform(seed: 2, count: 64, as: Double.self))
        #expect(a != NoiseSampler.uniform(seed: 1, site: 1, count: 64, as: Double.self))
        #expect(Array(a[10...]) == NoiseSampler.uniform(seed: 1, offset: 10, count: 54, as: Double.self))
    }

    /// The training forward of one call equals the same array done in chunks with their offsets,
    /// bit for bit, on both backends and in both dtypes.
    @Test(arguments: [Backend.c, .swift])
    func trainingForwardIsIndependentOfChunking(backend: Backend) throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            var s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_threshold", dtype: T.self, backend: backend)
            s.mode = .train(sample: true, seed: 987_654_321)
            let x = (0..<5000).map { T($0 % 200) / 20 - 5 }
            let whole = try s.forward(x, step: 0)
            var chunked: [T] = []
            var start = 0
            for size in [1, 7, 1000, 13, 3979] {
                let end = min(start + size, x.count)
                chunked += try s.forward(Array(x[start..<end]), step: 0, offset: UInt64(start))
                start = end
            }
            #expect(chunked == whole)
            // The noise really is there: not the mean-field result.
            var mean = s
            mean.mode = .train(sample: false, seed: 0)
            #expect(try mean.forward(x) != whole)
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// The stochastic soft spike against a Float80 reference: sigmoid(scale x + g) with g drawn as the
    /// seed draws it from the same uniforms. Within the usual bound of SpikeDE's formula; and within
    /// 4 ulp of the value itself given the kernel's rounded `scale * x` (the kernels compute
    /// u / (u + (1 - u) e^-a): no cancellation, so small outputs keep their precision). Its backward is
    /// scale y (1 - y).
    @Test(arguments: [Backend.c, .swift])
    func trainingForwardMatchesTheSeedFormula(backend: Backend) throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            typealias R = Float80
            var s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_threshold", backend: backend, parameters: ["scale": 3])
            s.mode = .train(sample: true, seed: 5)
            let x = Inputs.grid(T.self) + [-40, 40, -1e4, 1e4]
            let y = try s.forward(x, step: 0, offset: 100)
            let gin = try s.backward(x, y: y)
            let u = NoiseSampler.uniform(seed: 5, offset: 100, count: x.count, as: T.self)
            for i in x.indices {
                let g = Reference.logistic(u: R(u[i]), low: R(T(1e-6)), high: R(T(1 - 1e-6)))
                #expect(ErrorBound.check(y[i], Reference.sigmoid(3 * R(x[i]) + g), peak: 1, x: x[i]) == nil)
                let yRef = Reference.sigmoid(R(3 * x[i]) + g)
                let ulp = R(max(T(yRef).ulp, T.leastNonzeroMagnitude))
                #expect(abs(R(y[i]) - yRef) <= 4 * ulp, "\(T.self) x = \(x[i]): \(y[i]) vs \(yRef)")
                #expect(ErrorBound.check(gin[i], Reference.noisyBackward(y: R(y[i]), scale: 3), peak: 0.75, x: x[i]) == nil)
            }
        }
        try check(Float.self)
        try check(Double.self)
    }

    @Test func meanFieldIsTheSigmoidOfScaledInput() throws {
        var s = NoisyThresholdSurrogate(scale: 4, training: true, sample: false)
        let x: [Double] = Inputs.grid(Double.self)
        let y = try s.forward(x)
        for i in x.indices {
            let ref = Reference.sigmoid(4 * Float80(x[i]))
            #expect(ErrorBound.check(y[i], ref, peak: 1, x: x[i]) == nil)
        }
    }
}

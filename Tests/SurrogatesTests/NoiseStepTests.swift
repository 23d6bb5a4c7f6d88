import SurrogateKernelsC
import Testing
import Surrogates

/// Fresh noise per call: stochastic typed wrappers and `BoundSurrogate` advance a noise step, reproducibly
/// from the seed; explicit `step:`/`offset:` calls keep the C kernels' `(seed, offset)` meaning.
struct NoiseStepTests {
    static let x: [Float] = (0..<37).map { Float($0) / 9 - 2 }

    /// The C kernel called directly with `key` as its seed: the oracle, outside the Swift wrapper's code.
    static func cKernel(key: UInt64, offset: UInt64 = 0, scale: Float = 5) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { kg_noisy_threshold_train_forward_f32(xb.baseAddress, $0.baseAddress, xb.count, key, offset, scale) }
        }
        return y
    }

    /// Step k's key as docs/specs.md defines it: the first two words of Philox at counter (k, 0, 0xFFFFFFFF, 1).
    static func documentedKey(seed: UInt64, step: UInt64) -> UInt64 {
        if step == 0 { return seed }
        let b = Philox.block(counter: (UInt32(truncatingIfNeeded: step), UInt32(step >> 32), 0xFFFF_FFFF, 1), key: (UInt32(truncatingIfNeeded: seed), UInt32(seed >> 32)))
        return UInt64(b.0) | UInt64(b.1) << 32
    }

    @Test(arguments: [Backend.c, .swift])
    func typedWrapperAdvancesPerCall(backend: Backend) throws {
        var spike = NoisyThresholdSurrogate(scale: 5, seed: 42, backend: backend)
        let calls = try (0..<4).map { _ in try spike.forward(Self.x) }
        #expect(spike.step == 4)
        for k in 0..<4 {
            #expect(calls[k] == Self.cKernel(key: Self.documentedKey(seed: 42, step: UInt64(k))), "call \(k)")
            for j in 0..<k { #expect(calls[k] != calls[j], "calls \(j) and \(k) share noise") }
        }
        // Call k of a new run gets the same noise; an explicit step does not move the counter.
        var again = NoisyThresholdSurrogate(scale: 5, seed: 42, backend: backend)
        #expect(try again.forward(Self.x, step: 2) == calls[2])
        #expect(again.step == 0)
        #expect(try again.forward(Self.x) == calls[0])
        // Step 0 with an offset is the C kernels' (seed, offset).
        #expect(try again.forward(Self.x, step: 0, offset: 1000) == Self.cKernel(key: 42, offset: 1000))
    }

    /// The backward recomputes y with the noise of the latest forward, so forward + backward pair up.
    @Test func backwardUsesTheLatestForwardsNoise() throws {
        var spike = NoisyThresholdSurrogate(scale: 5, seed: 7)
        _ = try spike.forward(Self.x)
        let y1 = try spike.forward(Self.x)
        let expected = Self.x.indices.map { 5 * y1[$0] * (1 - y1[$0]) }
        #expect(try spike.backward(Self.x) == expected)
        #expect(try spike.backward(Self.x, y: y1) == expected)
    }

    /// A copy is a value: it continues from the step it was copied at, and shares nothing afterwards.
    @Test func copiesCarryTheirOwnStep() throws {
        var a = NoisyThresholdSurrogate(seed: 3)
        _ = try a.forward(Self.x)
        var b = a
        let fromA = try a.forward(Self.x)
        #expect(try b.forward(Self.x) == fromA)
        _ = try b.forward(Self.x)
        #expect(a.step == 2 && b.step == 3)
    }

    /// Buffer and array forms advance only when they draw noise (not in eval or mean field); threads and
    /// chunks do not change a step's noise.
    @Test func boundSurrogateAdvancesWhenItDrawsNoise() throws {
        var s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("noisy_threshold", mode: .train(sample: true, seed: 9))
        var y = [Float](repeating: 0, count: Self.x.count)
        try Self.x.withUnsafeBufferPointer { xb in
            try y.withUnsafeMutableBufferPointer { (yb) throws(SurrogateError) in try s.forward(xb, into: yb) }
        }
        #expect(y == Self.cKernel(key: 9) && s.step == 1)
        #expect(try s.forward(Self.x) == Self.cKernel(key: Self.documentedKey(seed: 9, step: 1)) && s.step == 2)
        s.threads = 3
        #expect(try s.forward(Self.x, step: 1) == Self.cKernel(key: Self.documentedKey(seed: 9, step: 1)))
        for mode in [SurrogateMode.eval, .train(sample: false, seed: 9)] {
            s.mode = mode
            _ = try s.forward(Self.x)
            #expect(s.step == 2, "\(mode)")
        }
        var sigmoid: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("sigmoid", mode: .train(sample: true, seed: 9))
        _ = try sigmoid.forward(Self.x)
        #expect(sigmoid.step == 0)
    }

    /// Copies on several threads, each at its own steps, give what one thread gives.
    @Test func copiesOnThreadsMatchSequentialSteps() async throws {
        let s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("noisy_threshold", backend: .swift, mode: .train(sample: true, seed: 5))
        let sequential = try (0..<8).map { try s.forward(Self.x, step: UInt64($0)) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for k in 0..<8 {
                group.addTask {
                    var copy = s
                    copy.step = UInt64(k)
                    return (k, try copy.forward(Self.x))
                }
            }
            var out = [[Float]](repeating: [], count: 8)
            for try await (k, y) in group { out[k] = y }
            return out
        }
        #expect(concurrent == sequential)
    }
}

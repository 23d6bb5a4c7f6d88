import Foundation
import SurrogateTestSupport
import Testing
@testable import Surrogates

@Suite struct DispatchTableTests {
    let table = DispatchTable.builtin

    /// Every spec file of Specs/ (whatever it holds), and nothing else.
    @Test func everySpecIsRegisteredForBothBackendsAndDtypes() {
        #expect(!SpecFiles.names.isEmpty)
        #expect(table.descriptors.map(\.name) == SpecFiles.names)
        for d in table.descriptors {
            #expect(table.backends(of: d.name, dtype: .f32) == [.c, .swift])
            #expect(table.backends(of: d.name, dtype: .f64) == [.c, .swift])
        }
    }

    @Test func lookupErrorsSayWhatWasExpected() {
        #expect(throws: SurrogateError.self) { try table.descriptor("sigmod") }
        do {
            _ = try table.descriptor("sigmod")
        } catch {
            #expect(error.description == "unknown surrogate `sigmod`; did you mean `sigmoid`?; known: \(SpecFiles.names.joined(separator: ", "))")
        }
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try table.surrogate("sigmoid", dtype: Float.self, parameters: ["scael": 1]) }
                == "`sigmoid` has no parameter `scael`; did you mean `scale`?; expected one of: scale")
        #expect(message { _ = try table.surrogate("gaussian", dtype: Float.self, parameters: ["sigma": -1]) }
                == "parameter `sigma` of `gaussian` is -1.0; expected a finite value in [0.0, inf]")
        #expect(message { _ = try table.surrogate("gaussian", dtype: Double.self, parameters: ["sigma": .nan]) }
                == "parameter `sigma` of `gaussian` is nan; expected a finite value in [0.0, inf]")
        #expect(message { _ = try table.surrogate("arctan", dtype: Float.self, backend: .jit) }
                == "no jit kernel for `arctan` in f32; available backends: c, swift; backend jit serves any surrogate (a catalogue one or a spec loaded at run time too) once `SurrogateJIT.install(in:)` has installed the JIT in this table")
    }

    /// Names the caller gave are quoted with their invisible characters (bidi and other controls) escaped, so a
    /// message cannot be reordered or broken by them; the suggestion still finds the name meant.
    @Test func quotedNamesShowInvisibleCharactersEscaped() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try table.descriptor("sig\u{202E}moid") }
                == "unknown surrogate `sig\\u{202E}moid`; did you mean `sigmoid`?; known: \(SpecFiles.names.joined(separator: ", "))")
        #expect(message { _ = try table.surrogate("sigmoid", dtype: Float.self, parameters: ["sca\u{0}le\n": 1]) }
                == "`sigmoid` has no parameter `sca\\u{00}le\\u{0A}`; did you mean `scale`?; expected one of: scale")
        #expect(SurrogateError.noPrimitive(surrogate: "a\u{2066}b\u{85}").description.hasPrefix("`a\\u{2066}b\\u{85}` has no primitive"))
    }

    @Test func defaultsAreFilledFromTheSpec() throws {
        let s: BoundSurrogate<Double> = try table.surrogate("sigmoid")
        #expect(s.parameters == ["scale": 5])
        let t: BoundSurrogate<Double> = try table.surrogate("sigmoid", parameters: ["scale": 2])
        #expect(t.parameterValues == [2])
    }

    @Test func bufferOperationsCheckLengthsAndForwardOutput() throws {
        let s: BoundSurrogate<Float> = try table.surrogate("noisy_threshold")
        let x: [Float] = [0, 1, 2]
        var short = [Float](repeating: 0, count: 2)
        var full = [Float](repeating: 0, count: 3)
        x.withUnsafeBufferPointer { xb in
            short.withUnsafeMutableBufferPointer { ob in
                _ = #expect(throws: SurrogateError.lengthMismatch(operation: "forward", expected: 3, got: 2)) { try s.forward(xb, into: ob, step: 0) }
            }
            _ = full.withUnsafeMutableBufferPointer { ob in
                #expect(throws: SurrogateError.forwardOutputRequired(surrogate: "noisy_threshold")) {
                    try s.backward(xb, gradOut: xb, into: ob)
                }
            }
        }
        // Empty buffers are fine and touch nothing.
        #expect(try s.forward([], step: 0) == [])
        #expect(try s.backward([]) == [])
    }

    @Test func bufferFormsWriteIntoCallerMemory() throws {
        let s: BoundSurrogate<Double> = try table.surrogate("arctan", parameters: ["scale": 2])
        let x: [Double] = [-1, 0, 1]
        let g: [Double] = [2, 2, 2]
        var gin = [Double](repeating: .nan, count: 3)
        try x.withUnsafeBufferPointer { xb in
            try g.withUnsafeBufferPointer { gb in
                try gin.withUnsafeMutableBufferPointer { try s.backward(xb, gradOut: gb, into: $0) }
            }
        }
        // 2 * (2/2) / (1 + (pi x)^2)
        #expect(gin == [2 / (1 + Double.pi * Double.pi), 2, 2 / (1 + Double.pi * Double.pi)])
    }

    /// Typed wrappers carry SpikeDE's functional defaults.
    @Test func typedWrappersHaveTheSeedDefaults() throws {
        #expect(SigmoidSurrogate().scale == 5.0)
        #expect(ArctanSurrogate().scale == 2.0)
        #expect(PiecewiseLinearSurrogate().gamma == 1.0)
        #expect(GaussianSurrogate().sigma == 1.0)
        let noisy = NoisyThresholdSurrogate()
        #expect(noisy.scale == 5.0 && noisy.training && noisy.sample)
        #expect(try SigmoidSurrogate(backend: .swift).backward([Float(0)]) == [1.25])
        #expect(throws: SurrogateError.self) { try GaussianSurrogate(sigma: -2).forward([Float(0)]) }
    }

    /// The object form of the noisy threshold, like SpikeDE's NoisyThresholdSpikeModule.
    @Test func noisyThresholdModuleModes() throws {
        var spike = NoisyThresholdSurrogate(scale: 5, seed: 11)
        let x: [Float] = [-0.5, -0.1, 0, 0.1, 0.5]
        let soft = try spike.forward(x)
        #expect(soft.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(spike.step == 1)
        #expect(try spike.forward(x) != soft) // the next call: new noise
        #expect(try spike.forward(x, step: 0) == soft) // step 0 again: the same noise
        spike.seed = 12
        #expect(try spike.forward(x, step: 0) != soft)
        spike.sample = false
        let meanField = try spike.forward(x)
        for (got, xi) in zip(meanField, x) {
            let expected = Float(1 / (1 + Double.exp(-5 * Double(xi))))
            #expect(abs(got - expected) <= 2 * expected.ulp)
        }
        spike.training = false
        #expect(try spike.forward(x) == [0, 0, 1, 1, 1])
        #expect(try spike.backward(x) == [0, 0, 0, 0, 0])
    }

    @Test func concurrentRegistrationAndLookup() throws {
        let table = DispatchTable()
        let base: KernelSet<Float> = try DispatchTable.builtin.kernels("sigmoid", backend: .c)
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<500 {
                let name = "s\((worker * 500 + i) % 37)"
                table.register(SurrogateDescriptor(name: name, summary: "", parameters: [
                    ParameterInfo(name: "scale", defaultValue: 5, min: 0, max: nil, doc: "")],
                    hasTrainForward: false, isStochastic: false, backwardReadsY: false))
                table.register(base, surrogate: name, backend: .c)
                do {
                    let s: BoundSurrogate<Float> = try table.surrogate(name)
                    if try s.backward([0]) != [1.25] { failures.withLock { $0 += 1 } }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(table.descriptors.count == 37)
    }
}



@Suite struct ThreadingTests {
    /// Threaded calls split the array into chunks with their offsets: results are bit-identical to one
    /// thread, noise included, for every thread count.
    @Test(arguments: [Backend.c, .swift])
    func threadedEqualsSingleThreaded(backend: Backend) throws {
        let n = 300_007
        let x = (0..<n).map { Float($0 % 2000) / 200 - 5 }
        for name in ["noisy_threshold", "gaussian"] {
            var s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate(name, backend: backend, mode: .train(sample: true, seed: 3))
            s.threads = 1
            let y1 = try s.forward(x, step: 0, offset: 17)
            let g1 = try s.backward(x, y: y1)
            for threads in [2, 3, 8] {
                s.threads = threads
                #expect(try s.forward(x, step: 0, offset: 17) == y1, "\(name) \(threads) threads")
                #expect(try s.backward(x, y: y1) == g1, "\(name) \(threads) threads")
            }
        }
    }

    @Test func chunksCoverTheRangeOnce() {
        for n in [0, 1, 63, 64, 65, 1000, 100_003, 1 << 20] {
            for threads in [1, 2, 5] {
                let seen = Locked([Int](repeating: 0, count: n))
                Parallel.chunks(n, threads: threads) { start, count in
                    seen.withLock { for i in start..<(start + count) { $0[i] += 1 } }
                }
                #expect(seen.withLock { $0.allSatisfy { $0 == 1 } }, "n \(n) threads \(threads)")
            }
        }
    }
}

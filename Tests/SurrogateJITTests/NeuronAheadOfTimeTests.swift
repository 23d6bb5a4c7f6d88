import Foundation
import SurrogateSpec
import Surrogates
import Testing
@testable import SurrogateJIT

/// The ahead-of-time neuron kernels (`Generated/C/neurons/`, served by the dispatch table as backend `.c`): every
/// built-in neuron with every built-in surrogate against the JIT's kernels for the same specs, and `BoundNeuron`
/// against a model written out here by hand.
@Suite(.serialized) struct NeuronAheadOfTimeTests {
    /// A table with the generated surrogates and neurons only (no JIT installed): what a Swift user of `Surrogates` has.
    static func aheadOfTimeTable() -> DispatchTable {
        let table = DispatchTable()
        GeneratedSurrogates.register(into: table)
        GeneratedNeurons.register(into: table)
        return table
    }

    struct Outcome<T: KernelScalar> {
        var spikes: [T], state: [T], gradX: [T], gradState: [T], gradParams: [T]
    }

    /// Forward and backward of `kernels` with the kernels' `arguments`, per-neuron parameter gradients kept (not summed).
    static func run<T: KernelScalar>(_ kernels: NeuronKernelSet<T>, arguments: [Double], x: [T], state0: [T], gS: [T], gV: [T],
                                     learnable: Int, steps: Int, n: Int, sample: (seed: UInt64, offset: UInt64)?) -> Outcome<T> {
        var state = state0, gradState = gV
        var spikes = [T](repeating: .nan, count: steps * n), saved = [T](repeating: .nan, count: steps * state0.count)
        var gradX = [T](repeating: .nan, count: steps * n), gradParams = [T](repeating: 0, count: learnable * n)
        let padded = arguments + [0]
        padded.withUnsafeBufferPointer { p in
            kernels.forward(x: x, params: p.baseAddress!, state: &state, spikes: &spikes, saved: &saved, steps: steps, n: n, sample: sample)
            kernels.backward(x: x, params: p.baseAddress!, saved: saved, gradSpikes: gS, gradState: &gradState, gradX: &gradX,
                             gradParams: &gradParams, steps: steps, n: n, sample: sample)
        }
        return Outcome(spikes: spikes, state: state, gradX: gradX, gradState: gradState, gradParams: gradParams)
    }

    /// Largest difference in ulps of `T` at the larger magnitude (NaN equal to NaN).
    static func ulps<T: KernelScalar>(_ a: [T], _ b: [T]) -> Double {
        zip(a, b).reduce(0.0) { worst, pair in
            let (u, v) = pair
            if u == v || (u.isNaN && v.isNaN) { return worst }
            let scale = max(abs(u), abs(v), T.leastNormalMagnitude).ulp
            return max(worst, Double(abs(u - v) / scale))
        }
    }

    func compare<T: KernelScalar>(_: T.Type, jit: SurrogateJIT, table: DispatchTable, neuron: String, surrogate: String) throws {
        let bound: BoundNeuron<T> = try table.neuron(neuron, surrogate: surrogate, backend: .c)
        #expect(bound.trailingArguments == bound.surrogateValues, "the ahead-of-time kernels take the surrogate's values at run time")
        let spec = try jit.neuron(named: neuron)
        let k: NeuronKernels<T> = try jit.compileNeuron(spec, surrogate: try jit.spec(named: surrogate))
        #expect(k.stateNames == bound.neuron.stateNames && k.learnableNames == bound.neuron.learnable)
        let (steps, n) = (9, 67)
        var g = SystemRandomNumberGenerator()
        let x = (0..<steps * n).map { _ in T(Double.random(in: -0.5...2.5, using: &g)) }
        let gS = (0..<steps * n).map { _ in T(Double.random(in: -1...1, using: &g)) }
        let gV = (0..<bound.stateCount * n).map { _ in T(Double.random(in: -1...1, using: &g)) }
        let state0 = bound.initialState(count: n)
        for sample in bound.isStochastic ? [nil, (seed: UInt64(77), offset: UInt64(5))] : [nil] {
            let aot = Self.run(bound.kernels, arguments: bound.parameterValues + bound.trailingArguments, x: x, state0: state0, gS: gS, gV: gV,
                               learnable: bound.neuron.learnable.count, steps: steps, n: n, sample: sample)
            let jitted = Self.run(k.kernels, arguments: bound.parameterValues, x: x, state0: state0, gS: gS, gV: gV,
                                  learnable: bound.neuron.learnable.count, steps: steps, n: n, sample: sample)
            let what = "\(neuron) x \(surrogate) \(T.dtype) \(sample == nil ? "eval" : "sampled")"
            // Equal, NaN where NaN (a user's neuron in Neurons/ may overflow; the sign of a NaN is not compared).
            #expect(zip(aot.spikes, jitted.spikes).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(what): spikes")
            // The same formulas, the surrogate's values folded (JIT) or read at run time (AOT): a few ulps apart at most
            // (the compilers contract and fold in other orders), accumulated over the steps.
            for (name, a, b) in [("state", aot.state, jitted.state), ("grad x", aot.gradX, jitted.gradX),
                                 ("grad state", aot.gradState, jitted.gradState), ("grad params", aot.gradParams, jitted.gradParams)] {
                let worst = Self.ulps(a, b)
                #expect(worst <= 64, "\(what): \(name) differs by \(worst) ulps")
            }
        }
    }

    @Test func everyBuiltinNeuronWithEveryBuiltinSurrogateEqualsTheJIT() throws {
        let jit = try freshJIT().0
        let table = Self.aheadOfTimeTable()
        #expect(Set(table.neuronDescriptors.map(\.name)) == Set(SurrogateJIT.builtinNeuronNames))
        for neuron in SurrogateJIT.builtinNeuronNames.sorted() {
            for surrogate in GeneratedSurrogates.descriptors.map(\.name) {
                try compare(Float.self, jit: jit, table: table, neuron: neuron, surrogate: surrogate)
                try compare(Double.self, jit: jit, table: table, neuron: neuron, surrogate: surrogate)
            }
        }
    }

    /// `BoundNeuron`'s array API against SpikingJelly's LIFNode written out (decay_input, hard reset), and the
    /// backward through time derived on paper (the reset's factors by the product rule).
    @Test func boundNeuronEqualsTheModelWrittenOut() throws {
        var lif: BoundNeuron<Double> = try Self.aheadOfTimeTable().neuron("lif", surrogate: "sigmoid", parameters: ["tau": 1.5],
                                                                           surrogateParameters: ["scale": 3])
        try lif.setParameters(["v_reset": -0.25])
        #expect(lif.parameters == ["tau": 1.5, "v_threshold": 1, "v_reset": -0.25])
        let (steps, n) = (11, 5)
        var state = lif.initialState(count: n)
        #expect(state == [Double](repeating: -0.25, count: n))
        let x = (0..<steps * n).map { 0.9 * sin(1.3 * Double($0)) + 0.7 }
        let gS = (0..<steps * n).map { cos(0.7 * Double($0)) }
        let (spikes, saved) = try lif.forward(x, steps: steps, state: &state)
        var gradState = [Double](repeating: 0.5, count: n)
        let (gradX, gradParameters) = try lif.backward(x, steps: steps, saved: saved, gradSpikes: gS, gradState: &gradState)
        #expect(gradParameters.isEmpty, "lif has no learnable parameter")
        func sg(_ u: Double) -> Double { let s = 1 / (1 + exp(-3 * u)); return 3 * s * (1 - s) }
        for i in 0..<n {
            var v = -0.25, vs: [Double] = []
            for t in 0..<steps {
                vs.append(v)
                let h = v + (x[t * n + i] - (v + 0.25)) / 1.5, s: Double = h - 1 >= 0 ? 1 : 0
                #expect(spikes[t * n + i] == s)
                v = (1 - s) * h + s * -0.25
            }
            #expect(abs(state[i] - v) <= 1e-14)
            var gv = 0.5
            for t in (0..<steps).reversed() {
                let h = vs[t] + (x[t * n + i] - (vs[t] + 0.25)) / 1.5, s: Double = h - 1 >= 0 ? 1 : 0
                let aH = gv * (1 - s) + (gS[t * n + i] + gv * (-0.25 - h)) * sg(h - 1)
                #expect(abs(gradX[t * n + i] - aH / 1.5) <= 1e-12 * max(1, abs(aH)))
                gv = aH * (1 - 1 / 1.5)
            }
            #expect(abs(gradState[i] - gv) <= 1e-12 * max(1, abs(gv)))
        }
    }

    @Test func learnableParametersGetTheirSummedGradient() throws {
        // plif's w (learnable): BoundNeuron sums the kernels' per-neuron gradients over the neurons, in Double.
        let table = Self.aheadOfTimeTable()
        let plif: BoundNeuron<Double> = try table.neuron("plif", surrogate: "arctan")
        #expect(plif.neuron.learnable == ["w"])
        let (steps, n) = (4, 3)
        var state = plif.initialState(count: n)
        let x = (0..<steps * n).map { 0.4 * Double($0 % 5) }
        let (_, saved) = try plif.forward(x, steps: steps, state: &state)
        var gradState = [Double](repeating: 0, count: n)
        let (_, sums) = try plif.backward(x, steps: steps, saved: saved, gradSpikes: [Double](repeating: 1, count: steps * n),
                                          gradState: &gradState)
        let jit = try freshJIT().0
        let k: NeuronKernels<Double> = try jit.compileNeuron(try jit.neuron(named: "plif"), surrogate: try jit.spec(named: "arctan"))
        let r = NeuronKernelTests.run(k, x: x, state0: plif.initialState(count: n), params: plif.parameterValues,
                                      gS: [Double](repeating: 1, count: steps * n), gV: [Double](repeating: 0, count: n), steps: steps, n: n)
        #expect(abs(sums["w"]! - r.gradParams[0]) <= 1e-12 * max(1, abs(r.gradParams[0])))
        #expect(sums["w"]! != 0)
    }

    @Test func errorsSayWhatIsWrongAndWhatIsExpected() throws {
        let table = Self.aheadOfTimeTable()
        #expect(throws: SurrogateError.self) { let _: BoundNeuron<Float> = try table.neuron("lfi", surrogate: "sigmoid") }
        do {
            let _: BoundNeuron<Float> = try table.neuron("lfi", surrogate: "sigmoid")
        } catch {
            #expect(error.description.contains("did you mean `lif`"), "\(error)")
        }
        do {
            let _: BoundNeuron<Float> = try table.neuron("lif", surrogate: "sigmoid", backend: .jit)
            Issue.record("backend jit without a JIT installed")
        } catch {
            #expect(error.description.contains("no jit kernels for neuron `lif`") && error.description.contains("available backends: c"), "\(error)")
        }
        var lif: BoundNeuron<Float> = try table.neuron("lif", surrogate: "sigmoid")
        #expect(throws: SurrogateError.parameterOutOfBounds("tau", value: 0.5, min: 1, max: nil, surrogate: "lif")) {
            try lif.setParameters(["tau": 0.5])
        }
        #expect(lif.parameters["tau"] == 2, "a refused value changes nothing")
        var state = lif.initialState(count: 4)
        #expect(throws: SurrogateError.self) { _ = try lif.forward([Float](repeating: 0, count: 10), steps: 3, state: &state) }
        var short = [Float](repeating: 0, count: 2)
        #expect(throws: SurrogateError.invalidShape(operation: "neuron forward", "state holds 2 elements; expected at least 4, [S, n] = [1, 4]")) {
            _ = try lif.forward([Float](repeating: 0, count: 12), steps: 3, state: &short)
        }
    }

    @Test func aNeuronLoadedAtRunTimeIsNotServedByTheAheadOfTimeKernels() throws {
        let jit = try freshJIT().0
        let table = Self.aheadOfTimeTable()
        jit.install(in: table)
        try jit.loadNeuron(yaml: "name: lif\nsummary: not SpikingJelly's\nparams:\n  tau: 2.0\nstate:\n  v: 0\nstep:\n  - v = v / tau + x\n  - s = spike(v - 1)\noutput: s\n")
        do {
            let _: BoundNeuron<Float> = try table.neuron("lif", surrogate: "sigmoid", backend: .c)
            Issue.record("the ahead-of-time kernels served a replaced spec")
        } catch {
            #expect(error == .replacedNeuronSpec(neuron: "lif", surrogate: "sigmoid", backend: .c), "\(error)")
        }
        let jitted: BoundNeuron<Double> = try table.neuron("lif", surrogate: "sigmoid", backend: .jit)
        var state = jitted.initialState(count: 1)
        let (spikes, _) = try jitted.forward([0.6, 0.6, 0.6], steps: 3, state: &state)
        #expect(spikes == [0, 0, 1], "v: 0.6, 0.9, 1.05 under the loaded spec")
    }
}

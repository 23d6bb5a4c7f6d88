import Foundation
import SurrogateSpec
import Surrogates
import Testing
@testable import SurrogateJIT

/// The fused neuron kernels against models written out here by hand (forward and the backward through time
/// derived on paper, not by kernelgen), and the derived backward of smooth neurons against finite differences.
@Suite(.serialized) struct NeuronKernelTests {
    /// Runs forward and backward of `kernels` in Double; returns spikes, final state, and the gradients of
    /// L = sum(gS * spikes) + sum(gV * final state) with respect to x, the initial state and the learnable parameters.
    struct Run {
        var spikes: [Double], state: [Double], gradX: [Double], gradState: [Double], gradParams: [Double]
    }

    static func run(_ k: NeuronKernels<Double>, x: [Double], state0: [Double], params: [Double], gS: [Double], gV: [Double],
                    steps: Int, n: Int, threads: Int = 1) -> Run {
        var state = state0
        var spikes = [Double](repeating: .nan, count: steps * n)
        var saved = [Double](repeating: .nan, count: steps * state0.count)
        var gradState = gV
        var gradX = [Double](repeating: .nan, count: steps * n)
        var gradParams = [Double](repeating: 0, count: k.learnableNames.count * n)
        x.withUnsafeBufferPointer { xp in
            params.withUnsafeBufferPointer { pp in
                k.forward(x: xp.baseAddress!, params: pp.baseAddress, state: &state, spikes: &spikes, saved: &saved, steps: steps, n: n, threads: threads)
                k.backward(x: xp.baseAddress!, params: pp.baseAddress, saved: saved, gradSpikes: gS, gradState: &gradState, gradX: &gradX,
                           gradParams: &gradParams, steps: steps, n: n, threads: threads)
            }
        }
        let sums = (0..<k.learnableNames.count).map { j in (0..<n).reduce(0.0) { $0 + gradParams[j * n + $1] } }
        return Run(spikes: spikes, state: state, gradX: gradX, gradState: gradState, gradParams: sums)
    }

    static func random(_ count: Int, _ generator: inout SystemRandomNumberGenerator, _ range: ClosedRange<Double>) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &generator) }
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        a == b || abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    @Test func lifWithSigmoidEqualsTheModelWrittenOut() throws {
        let jit = try freshJIT().0
        let neuron = try jit.neuron(named: "lif")
        let surrogate = try jit.spec(named: "sigmoid")
        let k: NeuronKernels<Double> = try jit.compileNeuron(neuron, surrogate: surrogate, surrogateParameters: ["scale": 4])
        #expect(k.parameterNames == ["tau", "v_threshold", "v_reset"])
        // The loop over a block of neurons vectorises (the whole point of carrying a block through time).
        let k32: NeuronKernels<Float> = try jit.compileNeuron(neuron, surrogate: surrogate, surrogateParameters: ["scale": 4])
        #expect(k32.vectorWidth >= 4, "float32 lif x sigmoid: widest vector \(k32.vectorWidth) lanes")
        let (steps, n) = (37, 203)  // n not a multiple of any vector width, T odd
        var g = SystemRandomNumberGenerator()
        let x = Self.random(steps * n, &g, -0.5...1.5), gS = Self.random(steps * n, &g, -1...1), gV = Self.random(n, &g, -1...1)
        let v0 = Self.random(n, &g, -0.2...0.9)
        let (tau, vth, vr, scale) = (1.7, 0.8, -0.1, 4.0)
        let r = Self.run(k, x: x, state0: v0, params: [tau, vth, vr], gS: gS, gV: gV, steps: steps, n: n)
        func sg(_ u: Double) -> Double { let s = 1 / (1 + exp(-scale * u)); return scale * s * (1 - s) }
        for i in 0..<n {
            var v = v0[i]
            var vs: [Double] = []
            for t in 0..<steps {
                vs.append(v)
                let h = v + (x[t * n + i] - (v - vr)) / tau
                let s: Double = h - vth >= 0 ? 1 : 0
                #expect(r.spikes[t * n + i] == s, "spike t=\(t) i=\(i)")
                v = (1 - s) * h + s * vr
            }
            #expect(Self.close(r.state[i], v, 1e-15), "final v i=\(i): \(r.state[i]) vs \(v)")
            var gv = gV[i]
            for t in (0..<steps).reversed() {
                let vPrev = vs[t]
                let h = vPrev + (x[t * n + i] - (vPrev - vr)) / tau
                let s: Double = h - vth >= 0 ? 1 : 0
                let aS = gS[t * n + i] + gv * (vr - h)
                let aH = gv * (1 - s) + aS * sg(h - vth)
                #expect(Self.close(r.gradX[t * n + i], aH / tau, 1e-12), "grad x t=\(t) i=\(i): \(r.gradX[t * n + i]) vs \(aH / tau)")
                gv = aH * (1 - 1 / tau)
            }
            #expect(Self.close(r.gradState[i], gv, 1e-11), "grad v0 i=\(i): \(r.gradState[i]) vs \(gv)")
        }
        // Threads split the neurons: the same numbers, bit for bit.
        let threaded = Self.run(k, x: x, state0: v0, params: [tau, vth, vr], gS: gS, gV: gV, steps: steps, n: n, threads: 4)
        #expect(threaded.gradX == r.gradX && threaded.spikes == r.spikes && threaded.gradState == r.gradState)
    }

    /// A neuron with no `spike` (a smooth sigmoid instead), two learnable parameters and two state variables: its derived
    /// backward is the gradient of its forward, checked by central differences.
    @Test func derivedBackwardIsTheGradientOfTheForward() throws {
        let jit = try freshJIT().0
        let yaml = """
            name: smooth_alif
            params:
              alpha: {default: 0.8, learnable: true}
              beta: {default: 0.3, learnable: true}
              v_threshold: 1.0
            state:
              v: 0.1
              a: {initial: v_threshold * 0}
            step:
              - v = alpha * v + x
              - theta = v_threshold + beta * a
              - s = sigmoid(3 * (v - theta))
              - v = v - detach(s) * theta
              - a = 0.9 * a + s
            output: s
            """
        let neuron = try jit.loadNeuron(yaml: yaml)
        let surrogate = try jit.spec(named: "sigmoid")
        let k: NeuronKernels<Double> = try jit.compileNeuron(neuron, surrogate: surrogate)
        #expect(k.learnableNames == ["alpha", "beta"] && k.stateNames == ["v", "a"])
        let (steps, n) = (9, 5)
        var g = SystemRandomNumberGenerator()
        let x = Self.random(steps * n, &g, -0.5...1.5), gS = Self.random(steps * n, &g, -1...1)
        let gV = Self.random(2 * n, &g, -1...1), s0 = Self.random(2 * n, &g, -0.2...0.5)
        let params = [0.8, 0.3, 1.0]
        let r = Self.run(k, x: x, state0: s0, params: params, gS: gS, gV: gV, steps: steps, n: n)
        // Finite differences cannot hold `detach(s)` at its unperturbed value, so they check a twin without the detach;
        // the detached neuron must then agree with it in every forward value and differ in the gradient.
        let h = 1e-6
        func central(_ f: (Double) -> Double) -> Double { (f(h) - f(-h)) / (2 * h) }
        let twin = try jit.loadNeuron(yaml: yaml.replacingOccurrences(of: "smooth_alif", with: "smooth_alif_twin")
            .replacingOccurrences(of: "detach(s)", with: "s"))
        let kt: NeuronKernels<Double> = try jit.compileNeuron(twin, surrogate: surrogate)
        let rt = Self.run(kt, x: x, state0: s0, params: params, gS: gS, gV: gV, steps: steps, n: n)
        func twinLoss(_ x: [Double], _ s0: [Double], _ p: [Double]) -> Double {
            let f = Self.run(kt, x: x, state0: s0, params: p, gS: gS, gV: gV, steps: steps, n: n)
            return zip(f.spikes, gS).reduce(0) { $0 + $1.0 * $1.1 } + zip(f.state, gV).reduce(0) { $0 + $1.0 * $1.1 }
        }
        // Forward values are the same with and without detach.
        #expect(rt.spikes == r.spikes && rt.state == r.state)
        for index in [0, 7, 23, steps * n - 1] {
            let fd = central { d in var y = x; y[index] += d; return twinLoss(y, s0, params) }
            #expect(Self.close(rt.gradX[index], fd, 1e-6), "twin grad x[\(index)]: \(rt.gradX[index]) vs \(fd)")
        }
        for index in 0..<(2 * n) {
            let fd = central { d in var y = s0; y[index] += d; return twinLoss(x, y, params) }
            #expect(Self.close(rt.gradState[index], fd, 1e-6), "twin grad state0[\(index)]: \(rt.gradState[index]) vs \(fd)")
        }
        for j in 0..<2 {
            let fd = central { d in var p = params; p[j] += d; return twinLoss(x, s0, p) }
            #expect(Self.close(rt.gradParams[j], fd, 1e-6), "twin grad param \(j): \(rt.gradParams[j]) vs \(fd)")
        }
        // With detach the gradient differs (the reset's dependence on s is cut), and the loss's own value does not.
        #expect(r.gradX != rt.gradX)
    }

    /// A stochastic surrogate in training: spike (t, i) is the surrogate's sampled training forward at Philox counter
    /// offset + t n + i, the same numbers as the surrogate's own training-forward kernel for that seed and offset;
    /// threads change nothing; the backward uses the sampled spikes (noisy_threshold's `scale * y * (1 - y)`).
    @Test func sampledTrainingDrawsTheSurrogatesStream() throws {
        let jit = try freshJIT().0
        let neuron = try jit.neuron(named: "lif")
        let surrogate = try jit.spec(named: "noisy_threshold")
        let k: NeuronKernels<Double> = try jit.compileNeuron(neuron, surrogate: surrogate, surrogateParameters: ["scale": 3])
        #expect(k.isStochastic)
        let (steps, n, seed, offset): (Int, Int, UInt64, UInt64) = (9, 1000, 0x1234_5678_9abc, 77)
        var g = SystemRandomNumberGenerator()
        let x = Self.random(steps * n, &g, -0.5...2.5), gS = Self.random(steps * n, &g, -1...1)
        let params = [2.0, 1.0, 0.0]
        func run(threads: Int) -> (spikes: [Double], saved: [Double], gradX: [Double]) {
            var state = [Double](repeating: 0, count: n), spikes = [Double](repeating: .nan, count: steps * n)
            var saved = [Double](repeating: .nan, count: steps * n), gradState = [Double](repeating: 0, count: n)
            var gradX = [Double](repeating: .nan, count: steps * n)
            k.forward(x: x, params: params, state: &state, spikes: &spikes, saved: &saved, steps: steps, n: n, threads: threads,
                      sample: (seed, offset))
            k.backward(x: x, params: params, saved: saved, gradSpikes: gS, gradState: &gradState, gradX: &gradX, gradParams: nil,
                       steps: steps, n: n, threads: threads, sample: (seed, offset))
            return (spikes, saved, gradX)
        }
        let one = run(threads: 1), four = run(threads: 4)
        #expect(one.spikes == four.spikes && one.gradX == four.gradX)
        // The membrane quantity each spike saw, from the saved state; then the surrogate's own sampled kernel on it.
        var u = [Double](repeating: 0, count: steps * n)
        for t in 0..<steps {
            for i in 0..<n {
                let v = one.saved[t * n + i]
                u[t * n + i] = (v + (x[t * n + i] - (v - 0)) / 2) - 1
            }
        }
        let surrogateKernels = try jit.compile(surrogate, parameters: ["scale": 3], dtype: Double.self).kernelSet
        var y = [Double](repeating: .nan, count: steps * n)
        let none = [Double]()
        surrogateKernels.trainForward!(u, &y, steps * n, none, seed, offset)
        #expect(one.spikes == y, "the neuron's spikes are the surrogate's training forward at the same counters")
        #expect(Set(one.spikes.map { $0 > 0 && $0 < 1 }).contains(true), "noisy_threshold's training spikes are soft")
        // The eval forward is the hard spike.
        var state = [Double](repeating: 0, count: n), spikes = [Double](repeating: .nan, count: steps * n)
        k.forward(x: x, params: params, state: &state, spikes: &spikes, saved: nil, steps: steps, n: n)
        #expect(spikes.allSatisfy { $0 == 0 || $0 == 1 })
        // Backward, written out with the sampled spikes: v' = (1 - s) h + s v_r, ds/dh = scale s (1 - s).
        for i in stride(from: 0, to: n, by: 97) {
            var gv = 0.0
            for t in (0..<steps).reversed() {
                let v = one.saved[t * n + i], h = v + (x[t * n + i] - v) / 2, s = one.spikes[t * n + i]
                let aS = gS[t * n + i] + gv * (0 - h)
                let aH = gv * (1 - s) + aS * (3 * s * (1 - s))
                #expect(Self.close(one.gradX[t * n + i], aH / 2, 1e-12), "t=\(t) i=\(i): \(one.gradX[t * n + i]) vs \(aH / 2)")
                gv = aH * (1 - 1 / 2.0)
            }
        }
    }

    /// Every line's derivatives are bounded, and so is their sum: many deep lines are one located error, not minutes of
    /// compiling.
    @Test func theStepsDerivativesAreBoundedInAll() {
        let deep = String(repeating: "sigmoid(", count: 300) + "v" + String(repeating: ")", count: 300)
        let lines = (0..<8).map { _ in "  - v = \(deep) + x" }.joined(separator: "\n")
        let yaml = "name: big\nsummary: s\nstate:\n  v: 0\nstep:\n\(lines)\n  - s = spike(v)\noutput: s\n"
        let (spec, diagnostics) = NeuronLoader.load(yaml: yaml, file: "<string>")
        #expect(spec == nil)
        #expect(diagnostics.contains { $0.id == .limitExceeded && $0.message.contains("in all") && $0.location.line > 6 }, "\(diagnostics)")
    }

    /// Values and calls are separate namespaces: state and step variables may be named like functions (`exp`,
    /// `floor`, `sum`, `spike`), so a neuron spec stays valid when the language gains a function.
    @Test func variablesMayBeNamedLikeFunctions() {
        let yaml = """
            name: lif_function_names
            summary: s
            params:
              tau: {default: 2.0, min: 1.0}
            state:
              exp: {initial: 0}
            step:
              - floor = exp + (x - exp) / tau
              - spike = spike(floor - 1)
              - sum = sum(k, 1, 2, floor * k) * 0 + floor
              - exp = (1 - spike) * sum
            output: spike
            """
        let (spec, diagnostics) = NeuronLoader.load(yaml: yaml, file: "<string>")
        #expect(spec != nil && !diagnostics.hasErrors, "\(diagnostics)")
    }

    @Test func checkLocatesNeuronErrors() {
        let cases: [(String, Diagnostic.ID, String)] = [
            ("state:\n  v: 0\nstep:\n  - s = spike(spike(v))\n  - v = v + x\noutput: s\n", .spikeInSpike, "<string>:4:15"),
            ("state:\n  v: 0\nstep:\n  - s = spike(h)\n  - h = v + x\n  - v = h\noutput: s\n", .readBeforeAssigned, "<string>:4:15"),
            ("state:\n  v: 0\n  w: 0\nstep:\n  - v = v + x\n  - s = spike(v)\noutput: s\n", .stateNeverUpdated, "<string>:3:3"),
            ("state:\n  v: 0\nstep:\n  - v = v + x\n  - s = spike(v)\noutput: spikes\n", .unknownIdentifier, "<string>:6:9"),
            ("params:\n  k: {default: 1, learnable: true}\nstate:\n  v: 0\nstep:\n  - v = v + detach(k * x)\n  - s = spike(v)\noutput: s\n", .learnableWithoutGradient, "<string>:6:5"),
            ("params:\n  k: 1\nstate:\n  v: 0\nstep:\n  - v = v + x\n  - s = spike(v)\n  - k = s\noutput: s\n", .reservedName, "<string>:8:5"),
            // each spike is a value of the step; a sum's term, computed once per index, cannot fire
            ("state:\n  v: 0\nstep:\n  - v = v + x\n  - s = sum(k, 1, 2, spike(v - k))\noutput: s\n", .spikeInSum, "<string>:5:22"),
            // a detached value is computed once per step; one reading a sum's index differs per term
            ("state:\n  v: 0\nstep:\n  - v = v + x + sum(k, 1, 3, detach(k * v))\n  - s = spike(v)\noutput: s\n", .detachOfSumIndex, "<string>:4:30"),
            // a neuron's sums take literal bounds (its parameters are reals)
            ("params:\n  n: 3\nstate:\n  v: 0\nstep:\n  - v = v + sum(k, 1, n, x)\n  - s = spike(v)\noutput: s\n", .nonIntegerBound, "<string>:6:23"),
            ("state:\n  v: 0\nstep:\n  - v + x\n  - s = spike(v)\noutput: s\n", .formulaSyntax, "<string>:4:5"),
            ("state:\n  v: 0\n  [u]: 1\nstep:\n  - v = v + x\n  - s = spike(v)\noutput: s\n", .wrongFieldType, "<string>:3:3"),
            ("state:\n  v: 0\nstep:\n  - v = v + x + uniform()\n  - s = spike(v)\noutput: s\n", .noiseOutsideTrainForward, "<string>:4:17"),
            // a sum's index named like a state variable (as a parameter's name is refused)
            ("state:\n  v: 0\nstep:\n  - v = v + sum(v, 1, 2, v) * x\n  - s = spike(v)\noutput: s\n", .badSumIndex, "<string>:4:17"),
        ]
        for (body, id, location) in cases {
            let (spec, diagnostics) = NeuronLoader.load(yaml: "name: bad\nsummary: s\n" + body, file: "<string>")
            #expect(spec == nil, "accepted: \(body)")
            let shifted = diagnostics.map { d -> String in "<string>:\(d.location.line - 2):\(d.location.column)" }
            #expect(diagnostics.contains { $0.id == id }, "\(body): \(diagnostics)")
            #expect(shifted.contains(location), "\(body): expected \(location), got \(diagnostics)")
        }
    }
}

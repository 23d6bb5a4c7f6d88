import Foundation
import Surrogates
import SurrogateSpec
import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// The spec language's compatibility suite (`Tests/Compatibility/<version>/`, see its README): every spec written
/// against a released version loads without error and computes what it computed. Surrogates against a Float80
/// evaluation of their own formulas (`SpecCase`, every parameter moved in turn); neurons against the built-in neuron
/// they spell differently (itself tested against the model written out by hand in `NeuronKernelTests`).
@Suite(.serialized) struct CompatibilityTests {
    static let suite = SpecFiles.directory.deletingLastPathComponent().appendingPathComponent("Tests/Compatibility")

    static func files(_ kind: String) -> [URL] {
        let versions = (try? FileManager.default.contentsOfDirectory(at: suite, includingPropertiesForKeys: nil)) ?? []
        return versions.flatMap { version in
            ((try? FileManager.default.contentsOfDirectory(at: version.appendingPathComponent(kind), includingPropertiesForKeys: nil)) ?? [])
                .filter { $0.pathExtension == "yaml" }
        }.sorted { $0.path < $1.path }
    }

    /// Each neuron of the suite: the built-in it equals and its parameters' names there.
    static let neuronTwins: [String: (builtin: String, names: [String: String])] = [
        "compat_lif_function_names": ("lif", ["exp": "tau", "spike": "v_threshold", "floor": "v_reset"]),
    ]

    @Test func theSuiteIsThere() {
        #expect(Self.files("surrogates").count >= 4 && Self.files("neurons").count >= 1, "\(Self.suite.path)")
    }

    @Test(arguments: files("surrogates").map(\.lastPathComponent))
    func surrogateSpecComputesItsFormulas(_ fileName: String) throws {
        let file = try #require(Self.files("surrogates").first { $0.lastPathComponent == fileName })
        let (jit, table, dir) = try EverySpecJITAccuracyTests.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.load(specAt: file.path, into: table)
        let cases = SpecCase.cases(for: spec)
        #expect(cases.count == 1 + spec.params.count)
        for c in cases {
            _ = try EverySpecJITAccuracyTests.check(c, Float.self, in: table)
            _ = try EverySpecJITAccuracyTests.check(c, Double.self, in: table)
        }
    }

    @Test(arguments: files("neurons").map(\.lastPathComponent))
    func neuronSpecEqualsItsBuiltInTwin(_ fileName: String) throws {
        let file = try #require(Self.files("neurons").first { $0.lastPathComponent == fileName })
        let jit = try freshJIT().0
        let neuron = try jit.loadNeuron(yaml: String(contentsOf: file, encoding: .utf8), file: file.path)
        let twin = try #require(Self.neuronTwins[neuron.name], "\(neuron.name): name the built-in it equals in `neuronTwins`")
        let builtin = try jit.neuron(named: twin.builtin)
        let surrogate = try jit.spec(named: "sigmoid")
        let k: NeuronKernels<Double> = try jit.compileNeuron(neuron, surrogate: surrogate, surrogateParameters: ["scale": 3])
        let kb: NeuronKernels<Double> = try jit.compileNeuron(builtin, surrogate: surrogate, surrogateParameters: ["scale": 3])
        #expect(k.parameterNames.map { twin.names[$0] ?? "?" } == kb.parameterNames)
        // Values away from the defaults, each parameter its own.
        let values = kb.parameterNames.enumerated().map { i, name in (name, [1.7, 0.8, -0.1, 0.3][i % 4]) }
        let params = k.parameterNames.map { n in values.first { $0.0 == twin.names[n] }!.1 }
        let paramsBuiltin = kb.parameterNames.map { n in values.first { $0.0 == n }!.1 }
        let (steps, n) = (23, 67)
        var g = SystemRandomNumberGenerator()
        let x = NeuronKernelTests.random(steps * n, &g, -0.5...1.5), gS = NeuronKernelTests.random(steps * n, &g, -1...1)
        let gV = NeuronKernelTests.random(n * k.stateNames.count, &g, -1...1)
        let s0 = NeuronKernelTests.random(n * k.stateNames.count, &g, -0.2...0.9)
        let r = NeuronKernelTests.run(k, x: x, state0: s0, params: params, gS: gS, gV: gV, steps: steps, n: n)
        let rb = NeuronKernelTests.run(kb, x: x, state0: s0, params: paramsBuiltin, gS: gS, gV: gV, steps: steps, n: n)
        #expect(r.spikes.reduce(0, +) > 0 && r.spikes.reduce(0, +) < Double(steps * n), "the test should see spikes and silences")
        #expect(r.spikes == rb.spikes)
        for (a, b) in zip(r.state + r.gradX + r.gradState, rb.state + rb.gradX + rb.gradState) {
            #expect(NeuronKernelTests.close(a, b, 1e-12), "\(a) vs \(b)")
        }
    }
}

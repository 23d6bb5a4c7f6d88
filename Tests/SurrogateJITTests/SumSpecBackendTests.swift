import Foundation
import KernelEmit
import Surrogates
import SurrogateRuntime
import SurrogateSpec
import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// Integer parameters and `sum` through the JIT (the bound a constant) and the ahead-of-time C kernels
/// (rendered here, built by cc, the bound a runtime argument) against the formulas in Float80 with the
/// dtype's own rounding bound (`PropagatedErrorReference`, as the property test): SpikingJelly's square-wave
/// Fourier series, and a spec that nests sums and calls the new functions.
@Suite(.serialized) struct SumSpecBackendTests {
    static let specs = [
        """
        name: squarewave_runtime
        summary: SpikingJelly SquarewaveFourierSeries surrogate, defined at run time.
        params:
          n: {default: 4, integer: true, min: 1, max: 64}
          period: {default: 8, min: 0.001}
        backward: (4 / period) * sum(i, 1, n - 1, cos((2 * i - 1) * 2 * pi / period * x))
        """,
        """
        name: nested_sum_runtime
        summary: Nested sums over two integer parameters with the new functions, defined at run time.
        params:
          m: {default: 2, integer: true, min: -3, max: 5}
          k: {default: 3, integer: true, min: 0, max: 6}
        forward: floor(x) + round(x * 0.5) - trunc(x) + ceil(x * 0.25)
        backward: sum(i, -m, m, sum(j, 0, k * 2, sin(i * x + j) / (1 + j) + erfc(x - i))) * 0.01
        """,
    ]

    static func outputs<T: KernelScalar>(_ spec: Spec, _ parameters: [String: Double], _: T.Type, table: DispatchTable,
                                          library: AOTLibrary) throws -> [String] {
        let s: BoundSurrogate<T> = try table.surrogate(spec.name, backend: .jit, parameters: parameters)
        let jit = try KernelOutputs<T>(jit: s, hasTrainForward: false)
        let p = spec.params.map { parameters[$0.name]! }
        let aot = try KernelOutputs<T>(aot: library, spec: spec, parameters: p)
        var problems: [String] = []
        for (label, outputs) in [("jit", jit), ("aot c", aot)] {
            let r = outputs.misses(spec, parameters: parameters, label: "\(spec.name) \(parameters) \(T.self) \(label)")
            problems += r.misses.prefix(3)
            if r.compared < KernelOutputs<T>.inputs.count { problems.append("\(label): only \(r.compared) points compared, \(r.skipped) skipped") }
        }
        return problems
    }

    @Test func jitAndAheadOfTimeCAgainstFloat80() throws {
        let (jit, table, dir) = try EverySpecJITAccuracyTests.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        let specs = try Self.specs.map { try jit.load(yaml: $0, into: table) }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kg-sum-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try SpecSetChecks.generate(specs, into: out).isEmpty)
        let cc = try #require(ExternalTools.find("cc") ?? ExternalTools.find("clang"), "no C compiler")
        let library = try AOTLibrary(cc: cc, generated: out, specs: specs)
        // Defaults, the empty range (n = 1; m = -1 makes sum(i, 1, -1, ...) empty), and the largest values.
        let cases: [(Spec, [String: Double])] = [
            (specs[0], ["n": 4, "period": 8]), (specs[0], ["n": 1, "period": 8]), (specs[0], ["n": 64, "period": 3]),
            (specs[1], ["m": 2, "k": 3]), (specs[1], ["m": -1, "k": 0]), (specs[1], ["m": 5, "k": 6]),
        ]
        for (spec, parameters) in cases {
            let problems = try Self.outputs(spec, parameters, Float.self, table: table, library: library)
                + Self.outputs(spec, parameters, Double.self, table: table, library: library)
            #expect(problems.isEmpty, "\(problems)")
        }
        // The empty sum is +0 in both backends.
        let empty: BoundSurrogate<Float> = try table.surrogate("squarewave_runtime", backend: .jit, parameters: ["n": 1])
        let g = try empty.backward([0.5], y: [1], gradOut: [1])
        #expect(g[0] == 0 && g[0].sign == .plus)
        let aotEmpty = try library.backward("squarewave_runtime", [Float(0.5)], y: [1], [1, 8])
        #expect(aotEmpty[0] == 0 && aotEmpty[0].sign == .plus)
    }

    /// The Swift kernels of a spec with a sum, compiled into SurrogatesTests (`SumDemo/`, run against Float80 by
    /// `SumSwiftKernelTests`), are what the generator emits for the catalogue's square wave now.
    @Test func swiftSumKernelsInTheTestsAreFresh() throws {
        let root = PrimitiveEndToEndTests.root
        let path = root.appendingPathComponent("Catalogue/spikingjelly/squarewave_fourier_series.yaml").path
        let (loaded, diagnostics) = SpecLoader.load(path: path)
        let spec = try #require(loaded, "\(diagnostics)")
        let rendered = try Generator(templatesDirectory: root.appendingPathComponent("Templates").path).render([spec])
        let file = try #require(rendered.first { $0.path == "Swift/SpikingjellySquarewaveFourierSeriesKernels.swift" },
                                "\(rendered.map(\.path))")
        // In the package the file is part of SurrogateKernelsSwift; in the test target it imports it (KernelMath).
        let expected = "import SurrogateKernelsSwift\n" + file.contents
        let committed = root.appendingPathComponent("Tests/SurrogatesTests/SumDemo/SpikingjellySquarewaveFourierSeriesKernels.swift")
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try expected.write(to: committed, atomically: true, encoding: .utf8)
        }
        #expect((try? String(contentsOf: committed, encoding: .utf8)) == expected,
                "stale: run KERNELGEN_RECORD_GOLDEN=1 swift test --filter SumSpecBackendTests")
    }

    @Test func integerParameterValuesAreChecked() throws {
        let (jit, table, dir) = try EverySpecJITAccuracyTests.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try jit.load(yaml: Self.specs[0], into: table)
        #expect(throws: SurrogateError.parameterNotInteger("n", value: 2.5, surrogate: "squarewave_runtime")) {
            let _: BoundSurrogate<Float> = try table.surrogate("squarewave_runtime", backend: .jit, parameters: ["n": 2.5])
        }
        #expect(throws: SurrogateError.parameterOutOfBounds("n", value: 65, min: 1, max: 64, surrogate: "squarewave_runtime")) {
            let _: BoundSurrogate<Double> = try table.surrogate("squarewave_runtime", backend: .jit, parameters: ["n": 65])
        }
        #expect(SurrogateError.parameterNotInteger("n", value: 2.5, surrogate: "s").description
                == "parameter `n` of `s` is 2.5; expected an integer (it is an integer parameter)")
    }
}

import Foundation
import KernelEmit
import Surrogates
import SurrogateJIT
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// A backward that reads `grad_out` (clipping it) in the JIT and the ahead-of-time C kernels (rendered, built by
/// cc) against `GradOutDemo.gradIn`, written by hand in Float80, for incoming gradients across the clip. The
/// Swift kernels: `GradOutDemoSwiftTests` (SurrogatesTests), against the same function.
@Suite(.serialized) struct GradOutBackendTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func spec() throws -> Spec {
        let (spec, diagnostics) = SpecLoader.load(yaml: GradOutDemo.yaml, file: "Specs/grad_out_demo.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(spec)
    }

    @Test func jit() throws {
        let (jit, table, dir) = try EverySpecJITAccuracyTests.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        try jit.load(yaml: GradOutDemo.yaml, file: "Specs/grad_out_demo.yaml", into: table)
        func run<T: KernelScalar>(_: T.Type) throws -> [String] {
            let s: BoundSurrogate<T> = try table.surrogate(GradOutDemo.name, backend: .jit)
            let (x, g) = GradOutDemo.inputs(T.self)
            return GradOutDemo.misses(x: x, gradOut: g, gradIn: try s.backward(x, gradOut: g), label: "jit \(T.self)")
        }
        let misses = try run(Float.self) + run(Double.self)
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    @Test func aheadOfTimeC() throws {
        let cc = try #require(ExternalTools.find("cc") ?? ExternalTools.find("clang"), "no C compiler")
        let spec = try Self.spec()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kg-grad-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try SpecSetChecks.generate([spec], into: out).isEmpty)
        let library = try AOTLibrary(cc: cc, generated: out, specs: [spec])
        let (xf, gf) = GradOutDemo.inputs(Float.self), (xd, gd) = GradOutDemo.inputs(Double.self)
        let misses = GradOutDemo.misses(x: xf, gradOut: gf, gradIn: try library.backward(GradOutDemo.name, xf, y: xf, [0.5, 4], gradOut: gf), label: "C f32")
            + GradOutDemo.misses(x: xd, gradOut: gd, gradIn: try library.backward(GradOutDemo.name, xd, y: xd, [0.5, 4], gradOut: gd), label: "C f64")
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    /// The accuracy report measures a backward reading grad_out at grad_out = 1 and says so in its messages.
    @Test func accuracyReportSaysGradOutIsOne() throws {
        let yaml = "name: cancels\nsummary: s.\nbackward: clamp(grad_out, -1, 1) * (exp(x) - 1)\n"
        let spec = try #require(SpecLoader.load(yaml: yaml, file: "Specs/cancels.yaml").0)
        let messages = AccuracyReport.analyse(spec).diagnostics.map(\.message)
        #expect(messages.contains { $0.hasPrefix("`backward` (at grad_out = 1) in float32 is off by up to") }, "\(messages)")
        #expect(FormulaEvaluator<Float80>(params: [:]).evaluate(spec.backward.expr, x: 1) == Float80.exp(1) - 1)
    }

    /// The Swift kernels SurrogatesTests compiles are what the generator emits for the spec now.
    @Test func swiftKernelsInTheTestsAreFresh() throws {
        let committed = Self.root.appendingPathComponent("Tests/SurrogatesTests/GradOutDemo/GradOutDemoKernels.swift")
        let rendered = try Generator(templatesDirectory: Self.root.appendingPathComponent("Templates").path).render([try Self.spec()])
        let file = try #require(rendered.first { $0.path == "Swift/GradOutDemoKernels.swift" })
        let expected = "import SurrogateKernelsSwift\n" + file.contents
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try expected.write(to: committed, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOf: committed, encoding: .utf8) == expected,
                "stale: run KERNELGEN_RECORD_GOLDEN=1 swift test --filter GradOutBackendTests")
    }
}

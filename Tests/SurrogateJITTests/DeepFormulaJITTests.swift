import Foundation
import Surrogates
import SurrogateSpec
import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// Formulas at the depth limits compile through the JIT (clang 14: 256 nested brackets at most) and compute
/// their reference, in both dtypes. The terms are exact (0 or 1, selects), so the only rounding is the last.
@Suite(.serialized) struct DeepFormulaJITTests {
    static let specs = [
        "name: deep_sum\nsummary: s\nbackward: (" + (0..<258).map { _ in "(abs(x) <= 1)" }.joined(separator: " + ") + ") / 516\n",
        "name: deep_nest\nsummary: s\nbackward: " + String(repeating: "max(0, min(1, ", count: 150) + "x + 0.5" + String(repeating: "))", count: 150) + "\n",
    ]

    @Test(arguments: specs)
    func deepFormulasCompileAndComputeTheirReference(_ yaml: String) throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        jit.install(in: table)
        let spec = try jit.load(yaml: yaml, into: table)
        let c = SpecCase(spec: spec, parameters: [:])
        let f32: BoundSurrogate<Float> = try table.surrogate(spec.name, backend: .jit)
        let f64: BoundSurrogate<Double> = try table.surrogate(spec.name, backend: .jit)
        #expect(f32.backend == .jit && f64.backend == .jit)
        let o32 = try c.check(f32), o64 = try c.check(f64)
        #expect(o32.misses.isEmpty, "\(spec.name) f32: \(o32.summary)")
        #expect(o64.misses.isEmpty, "\(spec.name) f64: \(o64.summary)")
    }
}

import Foundation
import Surrogates
import SurrogateSpec
import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// The JIT backend of every spec in Specs/, and of specs that exist only at run time, against a Float80
/// evaluation of each spec's own formulas (`SpecCase`, as `EverySpecAccuracyTests` for C and Swift). The
/// runtime specs prove the machinery on surrogates that are not built in: a spec added later is covered the
/// same way.
@Suite(.serialized) struct EverySpecJITAccuracyTests {
    typealias R = Float80

    /// A private JIT (empty disk cache) serving `.jit` in a table of the built-in descriptors; nothing is
    /// installed into `DispatchTable.builtin`, whose tests expect no JIT there.
    static func jitTable() throws -> (SurrogateJIT, DispatchTable, URL) {
        let (jit, dir) = try freshJIT()
        let table = DispatchTable()
        for d in DispatchTable.builtin.descriptors { table.register(d) }
        jit.install(in: table)
        return (jit, table, dir)
    }

    /// Checks the JIT kernels of `c` against the reference; returns the eval gradients and their peak.
    static func check<T: KernelScalar>(_ c: SpecCase, _: T.Type, in table: DispatchTable) throws -> SpecCase.Outcome<T> {
        let s: BoundSurrogate<T> = try table.surrogate(c.name, backend: .jit, parameters: c.parameters)
        #expect(s.backend == .jit, "\(c.testDescription): fell back to \(s.backend)")
        let outcome = try c.check(s)
        #expect(outcome.misses.isEmpty, "\(c.testDescription) \(T.self) jit: \(outcome.summary)")
        return outcome
    }

    /// JIT against the reference, and against the ahead-of-time C kernels within the same bound (constants
    /// fold differently in the JIT, so not bit for bit).
    static func checkAgainstAOT<T: KernelScalar>(_ c: SpecCase, _: T.Type, in table: DispatchTable) throws {
        let jit = try check(c, T.self, in: table)
        let aot: BoundSurrogate<T> = try DispatchTable.builtin.surrogate(c.name, backend: .c, parameters: c.parameters)
        let aotGradients = try c.check(aot).gradients
        let x = Inputs.all(T.self)
        var differ = 0
        for i in x.indices where !(jit.gradients[i].isNaN && aotGradients[i].isNaN) {
            if ErrorBound.check(jit.gradients[i], R(aotGradients[i]), peak: jit.peak, x: x[i]) != nil { differ += 1 }
        }
        #expect(differ == 0, "\(c.testDescription) \(T.self): jit and C differ beyond the bound at \(differ) inputs")
    }

    @Test(arguments: SpecCase.everySpecInTheFolder)
    func builtInSpecs(_ c: SpecCase) throws {
        let (_, table, dir) = try Self.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.checkAgainstAOT(c, Float.self, in: table)
        try Self.checkAgainstAOT(c, Double.self, in: table)
    }

    /// Specs that are not in Specs/: a plain one (rational, heavy tails) and a stochastic one whose backward
    /// reads y (uniform noise, tanh); normalised, so `kernelgen check` would accept them as files too.
    static let runtimeSpecs = [
        """
        name: fast_sigmoid_runtime
        summary: Fast-sigmoid (SuperSpike) surrogate, defined at run time.
        params:
          slope: {default: 25.0, min: 0}
        backward: slope / (2 * (1 + slope * abs(x))^2)
        """,
        """
        name: noisy_tanh_runtime
        summary: Soft spike 0.5 + 0.5 tanh(scale x + u - 1/2) in training, u ~ U[0, 1); defined at run time.
        params:
          scale: {default: 2.0, min: 0, max: 8}
        train_forward: 0.5 + 0.5 * tanh(scale * x + (uniform() - 0.5))
        backward: 2 * scale * y * (1 - y)
        """,
    ]

    @Test(arguments: runtimeSpecs)
    func aSpecThatIsNotBuiltInIsCoveredTheSameWay(_ yaml: String) throws {
        let (jit, table, dir) = try Self.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.load(yaml: yaml, into: table)
        #expect(!SpecFiles.names.contains(spec.name) && !DispatchTable.builtin.descriptors.contains { $0.name == spec.name })
        #expect(SpecAnalysis.check(spec).isEmpty, "the runtime spec should be one `kernelgen check` accepts")
        let cases = SpecCase.cases(for: spec)
        #expect(cases.count == 1 + spec.params.count)
        for c in cases {
            _ = try Self.check(c, Float.self, in: table)
            _ = try Self.check(c, Double.self, in: table)
        }
    }
}

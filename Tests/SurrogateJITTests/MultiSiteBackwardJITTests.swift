import Foundation
import Surrogates
import SurrogateJIT
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// The sampling backward of `MultiSiteDemo` (five noise call sites, `bernoulli` nested in `bernoulli`, a `uniform`
/// beside one, reading `y`) in the JIT, bit for bit against `MultiSiteDemo.expected` (the runtime's Philox words
/// on stream 2), whole and at an offset that starts mid-block, in float and double; and the training forward's own
/// site 0 (stream 0) is not the backward's. The C and Swift kernels: `MultiSiteDemoBackendTests`,
/// `MultiSiteDemoSwiftTests` (SurrogatesTests).
@Suite(.serialized) struct MultiSiteBackwardJITTests {
    func misses<T: KernelScalar>(_: T.Type, table: DispatchTable) throws -> [String] {
        let seed: UInt64 = 0xB0_5EED
        let s: BoundSurrogate<T> = try table.surrogate(MultiSiteDemo.name, backend: .jit, mode: .train(sample: true, seed: seed))
        let (x, y, gradOut) = MultiSiteDemo.inputs(T.self)
        var found: [String] = []
        for offset: UInt64 in [0, 13] {
            let got = try s.backward(x, y: y, gradOut: gradOut, step: 0, offset: offset)
            let want = MultiSiteDemo.expected(x: x, y: y, gradOut: gradOut, seed: seed, offset: offset)
            found += BernoulliDemo.bitMisses(got, want, x: x, label: "\(T.self) offset \(offset)")
        }
        // The forward's noise (stream 0) is not the backward's: some element draws differently.
        let forwardSite0 = NoiseSampler.uniform(seed: seed, count: x.count, as: T.self)
        let backwardSite0 = (0..<x.count).map { MultiSiteDemo.u(seed, UInt64($0), 0, T.self) }
        if forwardSite0 == backwardSite0 { found.append("\(T.self): the backward's site 0 repeats the forward's draws") }
        return found
    }

    @Test func sitesAreNumberedAsTheReferenceSays() throws {
        let (jit, table, dir) = try EverySpecJITAccuracyTests.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        try jit.load(yaml: MultiSiteDemo.yaml, file: "Specs/multi_site_demo.yaml", into: table)
        let found = try misses(Float.self, table: table) + misses(Double.self, table: table)
        #expect(found.isEmpty, "\(found.count) misses: \(found.prefix(5))")
    }
}

import Foundation
import Surrogates
import SurrogateJIT
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// A sampling backward with five noise call sites (`bernoulli` nested in `bernoulli`, a `uniform` beside one) that
/// reads `y`, in the JIT: the backward's sites are numbered from 0 on their own, in the order the parser meets the
/// calls' ends (an inner call before its outer one), on noise stream 2, so element j's draw of site k is the
/// runtime's Philox word of (block of j, k, stream 2). Checked bit for bit against that reference, whole and at an
/// offset that starts mid-block, in float and double; and the training forward's own site 0 (stream 0) is not
/// the backward's.
@Suite(.serialized) struct MultiSiteBackwardJITTests {
    static let name = "multi_site"
    static let yaml = """
        name: multi_site
        summary: Five noise call sites in a backward that reads y.
        train_forward: sigmoid(x + logistic())
        backward: y * bernoulli(0.9) + uniform() * bernoulli(clamp(x, 0, 1)) + bernoulli(bernoulli(y))
        """

    /// U[0, 1) from the top p bits of a draw (p the significand's precision), as the README states.
    static func uniform<T: KernelScalar>(_ bits: UInt64, _: T.Type) -> T {
        let p = T.significandBitCount + 1
        return T(bits >> UInt64(64 - p)) * T(sign: .plus, exponent: T.Exponent(-p), significand: 1)
    }

    /// Site k's draw of element j under key `seed` on the backward's stream 2.
    static func u<T: KernelScalar>(_ seed: UInt64, _ j: UInt64, _ site: UInt32, _: T.Type) -> T {
        if T.self == Float.self { return uniform(Philox.bits(seed: seed, element: j, site: site, stream: 2, as: Float.self), T.self) }
        return uniform(Philox.bits(seed: seed, element: j, site: site, stream: 2, as: Double.self), T.self)
    }

    /// grad_out * (y B(0.9, u0) + u1 B(clamp(x, 0, 1), u2) + B(B(y, u3), u4)), B(p, u) = u < p ? 1 : 0.
    static func expected<T: KernelScalar>(x: [T], y: [T], gradOut: [T], seed: UInt64, offset: UInt64) -> [T] {
        x.indices.map { i in
            let j = offset &+ UInt64(i)
            func b(_ p: T, _ site: UInt32) -> T { u(seed, j, site, T.self) < p ? 1 : 0 }
            let clamped = min(max(x[i], 0), 1)
            let first = y[i] * b(T(0.9), 0)
            let second = u(seed, j, 1, T.self) * b(clamped, 2)
            let third = b(b(y[i], 3), 4)
            return gradOut[i] * ((first + second) + third)
        }
    }

    func misses<T: KernelScalar>(_: T.Type, table: DispatchTable) throws -> [String] {
        let seed: UInt64 = 0xB0_5EED
        let s: BoundSurrogate<T> = try table.surrogate(Self.name, backend: .jit, mode: .train(sample: true, seed: seed))
        let x: [T] = (0..<1_003).map { T($0 % 97) / 48 - 1 }
        let y: [T] = (0..<x.count).map { T($0 % 89) / 88 }
        let gradOut: [T] = (0..<x.count).map { [T(1), T(-2), T(0.5), T(4)][$0 % 4] }
        var found: [String] = []
        for offset: UInt64 in [0, 13] {
            let got = try s.backward(x, y: y, gradOut: gradOut, step: 0, offset: offset)
            let want = Self.expected(x: x, y: y, gradOut: gradOut, seed: seed, offset: offset)
            found += BernoulliDemo.bitMisses(got, want, x: x, label: "\(T.self) offset \(offset)")
        }
        // The forward's noise (stream 0) is not the backward's: some element draws differently.
        let forwardSite0 = NoiseSampler.uniform(seed: seed, count: x.count, as: T.self)
        let backwardSite0 = (0..<x.count).map { Self.u(seed, UInt64($0), 0, T.self) }
        if forwardSite0 == backwardSite0 { found.append("\(T.self): the backward's site 0 repeats the forward's draws") }
        return found
    }

    @Test func sitesAreNumberedAsTheReferenceSays() throws {
        let (jit, table, dir) = EverySpecJITAccuracyTests.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        try jit.load(yaml: Self.yaml, file: "Specs/multi_site.yaml", into: table)
        let found = try misses(Float.self, table: table) + misses(Double.self, table: table)
        #expect(found.isEmpty, "\(found.count) misses: \(found.prefix(5))")
    }
}

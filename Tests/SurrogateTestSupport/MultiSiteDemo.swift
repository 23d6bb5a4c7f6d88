import Surrogates

/// A sampling backward with five noise call sites (`bernoulli` nested in `bernoulli`, a `uniform` beside one) that
/// reads `y`, run in every backend (JIT, ahead-of-time C, the Swift kernels committed in SurrogatesTests) against a
/// reference built from the runtime's own Philox draws on the backward's stream 2: the backward's sites are
/// numbered from 0 on their own, in the order the parser meets the calls' ends (an inner call before its outer
/// one), so element j's draw of site k is `Philox.bits(seed:element: j, site: k, stream: 2)`.
public enum MultiSiteDemo {
    public static let name = "multi_site_demo"
    public static let yaml = """
        name: multi_site_demo
        summary: Five noise call sites in a backward that reads y.
        params:
          keep: {default: 0.9, min: 0.0, max: 1.0}
        train_forward: sigmoid(x + logistic())
        backward: y * bernoulli(keep) + uniform() * bernoulli(clamp(x, 0, 1)) + bernoulli(0.5 * bernoulli(y) + 0.25)
        """

    /// Inputs, forward outputs and incoming gradients, paired element by element (1003 of them, so whole Philox
    /// blocks and a tail): x crosses [0, 1] (the clamp's both ends), y covers [0, 1], grad_out has both signs.
    public static func inputs<T: BinaryFloatingPoint>(_: T.Type) -> (x: [T], y: [T], gradOut: [T]) {
        let x: [T] = (0..<1_003).map { T($0 % 97) / 48 - 1 }
        let y: [T] = x.indices.map { T($0 % 89) / 88 }
        let gradOut: [T] = x.indices.map { [T(1), T(-2), T(0.5), T(4)][$0 % 4] }
        return (x, y, gradOut)
    }

    /// U[0, 1) from the top p bits of a draw (p the significand's precision), as docs/specs.md states.
    static func uniform<T: KernelScalar>(_ bits: UInt64, _: T.Type) -> T {
        let p = T.significandBitCount + 1
        return T(bits >> UInt64(64 - p)) * T(sign: .plus, exponent: T.Exponent(-p), significand: 1)
    }

    /// Site k's uniform draw of element j under key `seed` on the backward's stream 2.
    public static func u<T: KernelScalar>(_ seed: UInt64, _ j: UInt64, _ site: UInt32, _: T.Type) -> T {
        if T.self == Float.self { return uniform(Philox.bits(seed: seed, element: j, site: site, stream: 2, as: Float.self), T.self) }
        return uniform(Philox.bits(seed: seed, element: j, site: site, stream: 2, as: Double.self), T.self)
    }

    /// grad_out * (y B(keep, u0) + u1 B(clamp(x, 0, 1), u2) + B(B(y, u3) / 2 + 1/4, u4)), B(p, u) = u < p ? 1 : 0,
    /// for the elements at global indices `offset + i` of a call keyed `seed`. (The outer draw's p is 1/4 or 3/4,
    /// never 0 or 1, so site 4's draw shows in the result.)
    public static func expected<T: KernelScalar>(x: [T], y: [T], gradOut: [T], seed: UInt64, offset: UInt64 = 0, keep: T = 0.9) -> [T] {
        x.indices.map { i in
            let j = offset &+ UInt64(i)
            func b(_ p: T, _ site: UInt32) -> T { u(seed, j, site, T.self) < p ? 1 : 0 }
            let clamped = min(max(x[i], 0), 1)
            let first = y[i] * b(keep, 0)
            let second = u(seed, j, 1, T.self) * b(clamped, 2)
            let third = b(0.5 * b(y[i], 3) + 0.25, 4)
            return gradOut[i] * ((first + second) + third)
        }
    }
}

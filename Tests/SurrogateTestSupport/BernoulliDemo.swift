import Surrogates

/// A spec whose training forward is a Bernoulli draw (`bernoulli(scale * x)`: SpikingJelly's `PoissonPass` at
/// scale 1), run in every backend against a reference built from the runtime's own uniform draws
/// (`NoiseSampler`, checked against the C sampler by `NoiseTests`): the sample must be `u < p ? 1 : 0` for the
/// call site's u, bit for bit, and the mean field `clamp(p, 0, 1)` exactly.
public enum BernoulliDemo {
    public static let name = "bernoulli_demo"
    public static let yaml = """
        name: bernoulli_demo
        summary: A Bernoulli draw of probability scale * x (SpikingJelly's PoissonPass at scale 1).
        params:
          scale: {default: 1.0}
        train_forward: bernoulli(scale * x)
        backward: "1"
        """

    /// Probabilities inside [0, 1], its ends, beyond them, the infinities and NaN, each repeated so draws differ.
    public static func points<T: BinaryFloatingPoint>(_: T.Type) -> [T] {
        let special: [T] = [0, -0.0, 1, 1.5, -0.5, 1e-30, -1e-30, .infinity, -.infinity, .nan, T(1).nextDown, T(0).nextUp]
        return (0..<4_096).map { T($0 % 257) / 256 } + special
    }

    /// The sample the kernels must give for `p = scale * x` at global index `offset + i` of a call with `seed`:
    /// 1 where the site-0 uniform draw u < p, else 0 (so 0 at NaN, 1 for p >= 1, 0 for p <= 0).
    public static func expectedSample<T: KernelScalar>(_ p: [T], seed: UInt64, offset: UInt64 = 0) -> [T] {
        let u = NoiseSampler.uniform(seed: seed, offset: offset, count: p.count, as: T.self)
        return zip(u, p).map { $0 < $1 ? 1 : 0 }
    }

    /// The mean field: p clamped to [0, 1] by the select rules (NaN stays NaN, -0 stays -0).
    public static func expectedMean<T: BinaryFloatingPoint>(_ p: T) -> T {
        let lo: T = p < 0 ? 0 : p
        return 1 < lo ? 1 : lo
    }

    /// Differences from the expected values, bit for bit (NaN equal to NaN), as messages.
    public static func bitMisses<T: BinaryFloatingPoint>(_ got: [T], _ want: [T], x: [T], label: String) -> [String] {
        zip(x.indices, zip(got, want)).compactMap { i, pair in
            let (g, w) = pair
            let same = (g.isNaN && w.isNaN) || (g == w && g.sign == w.sign)
            return same ? nil : "\(label) at x[\(i)] = \(x[i]): got \(g), expected \(w)"
        }
    }
}

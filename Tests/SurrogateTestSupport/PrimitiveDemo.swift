import RealModule

/// A spec that gives only `primitive:` (kernelgen derives its backward), used end to end in every backend: its
/// primitive and the derivative of it written here by hand in Float80, independent of the differentiator.
public enum PrimitiveDemo {
    public typealias R = Float80

    public static let name = "primitive_demo"
    public static let yaml = """
        name: primitive_demo
        summary: A primitive-only spec (the backward is derived) mixing smooth, select and composed pieces.
        params:
          k: {default: 2.0, min: 0.0}
          w: {default: 0.5, min: 0.0}
        primitive: 0.125 * tanh(k * x) + 0.125 * sigmoid(k * x) + atan(x / w) / (4 * pi) + clamp(x, -w, w) / (16 * w) + 0.125 * erf(x)
        """

    public static func primitive(_ x: R, k: R = 2, w: R = 0.5) -> R {
        0.125 * R.tanh(k * x) + 0.125 / (1 + R.exp(-k * x)) + R.atan(x / w) / (4 * .pi)
            + Swift.min(Swift.max(x, -w), w) / (16 * w) + 0.125 * R.erf(x)
    }

    /// d/dx of `primitive`, by hand: the clamp's slope is 1/(16w) on [-w, w] (both ends included, as the select
    /// rule gives: at x = -w the max picks x, at x = w the min does), 0 outside.
    public static func derivative(_ x: R, k: R = 2, w: R = 0.5) -> R {
        let t = R.tanh(k * x), s = 1 / (1 + R.exp(-k * x))
        let window: R = (x >= -w && x <= w) ? 1 / (16 * w) : 0
        return 0.125 * k * (1 - t * t) + 0.125 * k * s * (1 - s) + (1 / w) / (1 + (x / w) * (x / w)) / (4 * .pi)
            + window + 0.125 * 2 / R.sqrt(.pi) * R.exp(-(x * x))
    }

    /// Where the kernels are compared with the hand-written functions: a grid of [-6, 6] (step 1/64, kinks at
    /// +-w included), far points and the special values.
    public static func points<T: BinaryFloatingPoint>(_: T.Type) -> [T] {
        (-384...384).map { T($0) / 64 } + [1e-30, -1e-30, 40, -40, 1e4, -1e4, 1e30, -1e30, T.greatestFiniteMagnitude,
                                           -T.greatestFiniteMagnitude, .infinity, -.infinity, -0.0, .nan]
    }

    /// The primitive's values and the gradients (grad_in for grad_out = 1) of a kernel at `points`, each against
    /// the hand-written Float80 functions within 8 ulp plus 16 eps of the peak (five terms, each rounded; the
    /// kernels' math is within 4 ulp): the misses, empty when the kernel holds.
    public static func misses<T: BinaryFloatingPoint>(x: [T], primitive: [T], gradient: [T], label: String) -> [String] {
        func check(_ got: T, _ want: R, peak: R, _ what: String, _ x: T) -> String? {
            if want.isNaN { return got.isNaN ? nil : "\(label) \(what) at x = \(x): got \(got), expected NaN" }
            let ulp = R(T(want).ulp.isFinite ? T(want).ulp : T.greatestFiniteMagnitude.ulp)
            let bound = 8 * max(ulp, R(T.leastNonzeroMagnitude)) + 16 * R(T.ulpOfOne) * peak
            return (R(got) - want).magnitude <= bound ? nil : "\(label) \(what) at x = \(x): got \(got), expected \(want)"
        }
        var out: [String] = []
        for i in x.indices {
            if let m = check(primitive[i], Self.primitive(R(x[i])), peak: 1, "primitive", x[i]) { out.append(m) }
            if let m = check(gradient[i], Self.derivative(R(x[i])), peak: 1, "backward", x[i]) { out.append(m) }
        }
        return out
    }
}

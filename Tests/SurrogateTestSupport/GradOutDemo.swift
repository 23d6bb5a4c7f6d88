import RealModule

/// A spec whose backward reads `grad_out` non-linearly (it clips the incoming gradient), so the kernels must store
/// the backward itself as grad_in: run in every backend against the function written here by hand in Float80.
public enum GradOutDemo {
    public typealias R = Float80

    public static let name = "grad_out_demo"
    public static let yaml = """
        name: grad_out_demo
        summary: A backward that clips the incoming gradient, so grad_in is not grad_out times a function of x.
        params:
          clip: {default: 0.5, min: 0.0}
          scale: {default: 4.0, min: 0.0}
        backward: clamp(grad_out, -clip, clip) * scale * sigmoid(scale * x) * (1 - sigmoid(scale * x))
        """

    /// grad_in by hand: the clipped incoming gradient (NaN stays NaN, as the select rules give) times the sigmoid's
    /// slope, e / (1 + e)^2 with e = e^-|s x|.
    public static func gradIn(_ x: R, _ g: R, clip: R = 0.5, scale: R = 4) -> R {
        let clipped = g.isNaN ? g : Swift.min(Swift.max(g, -clip), clip)
        let e = R.exp(-(scale * x).magnitude)
        return clipped * scale * e / ((1 + e) * (1 + e))
    }

    /// Inputs and incoming gradients, paired element by element: a grid of x in [-6, 6] and special values, each with
    /// a grad_out from a list that crosses the clip (inside, at, beyond it, both signs, zeros, infinities and NaN).
    public static func inputs<T: BinaryFloatingPoint>(_: T.Type) -> (x: [T], gradOut: [T]) {
        let x: [T] = (-384...384).map { T($0) / 64 } + [1e-30, -1e-30, 40, -40, .infinity, -.infinity, -0.0, .nan]
        let g: [T] = [1, 0.25, -0.25, 0.5, -0.5, 0.75, -3, 1e30, -1e-30, 0, -0.0, .infinity, -.infinity, .nan, 0.1]
        return (x, x.indices.map { g[$0 % g.count] })
    }

    /// The kernel's grad_in against `gradIn` within 8 ulp plus 16 eps of the peak (a few roundings and the kernels'
    /// math within 4 ulp), NaN where and only where it is NaN: the misses.
    public static func misses<T: BinaryFloatingPoint>(x: [T], gradOut: [T], gradIn got: [T], label: String) -> [String] {
        var out: [String] = []
        for i in x.indices {
            let want = gradIn(R(x[i]), R(gradOut[i]))
            if want.isNaN {
                if !got[i].isNaN { out.append("\(label) at x = \(x[i]), grad_out = \(gradOut[i]): got \(got[i]), expected NaN") }
                continue
            }
            let ulp = R(T(want).ulp.isFinite ? T(want).ulp : T.greatestFiniteMagnitude.ulp)
            let bound = 8 * Swift.max(ulp, R(T.leastNonzeroMagnitude)) + 16 * R(T.ulpOfOne) * 0.5
            if !((R(got[i]) - want).magnitude <= bound) {
                out.append("\(label) at x = \(x[i]), grad_out = \(gradOut[i]): got \(got[i]), expected \(want)")
            }
        }
        return out
    }
}

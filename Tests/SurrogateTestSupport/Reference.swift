import RealModule
import Surrogates
import Testing

/// Independent references, written here from SpikeDE's formulas and evaluated in Float80
/// (not from the specs or the code under test).
public enum Reference {
    public typealias R = Float80

    public static func heaviside(_ x: R) -> R { x >= 0 ? 1 : 0 }

    /// scale * s * (1 - s), s = sigmoid(scale x), in the cancellation-free form e / (1 + e)^2, e = exp(-|scale x|).
    public static func sigmoidBackward(_ x: R, scale: R) -> R {
        let e = R.exp(-(scale * x).magnitude)
        return scale * e / ((1 + e) * (1 + e))
    }

    /// SpikeDE's code: scale / 2 / (1 + (pi / 2 * scale * x)^2).
    public static func arctanBackward(_ x: R, scale: R) -> R {
        let t = R.pi / 2 * scale * x
        return scale / 2 / (1 + t * t)
    }

    /// ((x >= -gamma) & (x <= gamma)) / (2 gamma).
    public static func piecewiseLinearBackward(_ x: R, gamma: R) -> R {
        (x >= -gamma && x <= gamma) ? 1 / (2 * gamma) : 0
    }

    /// exp(-x^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).
    public static func gaussianBackward(_ x: R, sigma: R) -> R {
        R.exp(-(x * x) / (2 * sigma * sigma)) / (sigma * (2 * R.pi).squareRoot())
    }

    public static func sigmoid(_ a: R) -> R { 1 / (1 + R.exp(-a)) }

    /// Noisy threshold: backward of the soft spike given its output y.
    public static func noisyBackward(y: R, scale: R) -> R { scale * y * (1 - y) }

    /// Logistic(0, 1) from a uniform u as SpikeDE draws it: clamp to [1e-6, 1 - 1e-6], log(u) - log1p(-u).
    public static func logistic(u: R, low: R, high: R) -> R {
        let c = min(max(u, low), high)
        return R.log(c) - R.log(onePlus: -c)
    }

    /// The logistic distribution's CDF.
    public static func logisticCDF(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }
}

/// The error bound every kernel is held to, against a Float80 reference:
/// |k(x) - ref(x)| <= 4 ulp(ref(x)) + 4 eps * peak, where eps is the dtype's epsilon and peak the
/// largest |ref| of the surrogate. The second term covers the formulas' own conditioning in the
/// dtype (SpikeDE's `1 - sigmoid` cancels; exp's argument error grows with |x|), far from the peak.
public enum ErrorBound {
    public static let ulps: Float80 = 4
    public static let epsilonsOfPeak: Float80 = 4

    public static func tolerance<T: KernelScalar>(_ reference: Float80, peak: Float80, _: T.Type) -> Float80 {
        let ulp = Float80(T(reference).ulp.isFinite ? T(reference).ulp : T.greatestFiniteMagnitude.ulp)
        return ulps * max(ulp, Float80(T.leastNonzeroMagnitude)) + epsilonsOfPeak * Float80(T.ulpOfOne) * peak
    }

    /// Nil when `value` is within the bound (or both are NaN), else a description of the miss.
    public static func check<T: KernelScalar>(_ value: T, _ reference: Float80, peak: Float80, x: T) -> String? {
        if reference.isNaN { return value.isNaN ? nil : "x = \(x): got \(value), expected NaN" }
        if reference.isInfinite { return Float80(value) == reference ? nil : "x = \(x): got \(value), expected \(reference)" }
        let error = (Float80(value) - reference).magnitude
        let bound = tolerance(reference, peak: peak, T.self)
        return error <= bound ? nil : "x = \(x): got \(value), reference \(reference), error \(error) > bound \(bound)"
    }
}

/// Inputs: a grid on [-10, 10] plus the edges the issue names.
public enum Inputs {
    public static func grid<T: KernelScalar>(_: T.Type) -> [T] {
        (0...2000).map { T(-10) + T($0) / 100 }
    }

    public static func edges<T: KernelScalar>(_: T.Type) -> [T] {
        let finite: [T] = [0, 1e-8, T.leastNonzeroMagnitude, T.leastNormalMagnitude / 2, T.leastNormalMagnitude,
                           0.5, 1, 1e4, 1e30, T.greatestFiniteMagnitude]
        return finite.flatMap { [$0, -$0] } + [T.infinity, -T.infinity, T.nan]
    }

    public static func all<T: KernelScalar>(_ t: T.Type) -> [T] { grid(t) + edges(t) }
}

/// One surrogate with parameter values and its reference backward (eval mode): the unit of the accuracy
/// tests of every backend.
public struct ReferenceCase: Sendable, CustomTestStringConvertible {
    public var name: String
    public var parameters: [String: Double]
    public var backward: @Sendable (Float80) -> Float80

    public init(name: String, parameters: [String: Double], backward: @escaping @Sendable (Float80) -> Float80) {
        self.name = name
        self.parameters = parameters
        self.backward = backward
    }

    public var testDescription: String { "\(name) \(parameters)" }

    /// The largest |reference| on [-10, 10] (the scale of the bound's absolute term).
    public var peak: Float80 { (0...20000).map { backward(Float80(-10) + Float80($0) / 1000).magnitude }.max()! }

    /// Where `surrogate` (eval mode) misses the references on the grid and the edges: forward exactly,
    /// backward within `ErrorBound`. Returns the gradients too, for comparisons between backends.
    public func misses<T: KernelScalar>(_ surrogate: BoundSurrogate<T>) throws -> (misses: [String], gradients: [T]) {
        let x = Inputs.all(T.self)
        let y = try surrogate.forward(x, step: 0)
        // grad_out of 1 except a few entries of -2.5, so the product by grad_out is exercised; dividing it back
        // out is exact.
        let g = x.indices.map { $0 % 7 == 3 ? T(-2.5) : T(1) }
        let gradients = zip(try surrogate.backward(x, y: y, gradOut: g), g).map { $0 / $1 }
        let peak = self.peak
        var misses: [String] = []
        for i in x.indices {
            if y[i] != T(Reference.heaviside(Float80(x[i]))) { misses.append("forward at x = \(x[i]): \(y[i])") }
            if let miss = ErrorBound.check(gradients[i], backward(Float80(x[i])), peak: peak, x: x[i]) { misses.append(miss) }
        }
        return (misses, gradients)
    }
}

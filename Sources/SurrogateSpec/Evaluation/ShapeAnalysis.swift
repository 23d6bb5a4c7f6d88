/// Shape figures of a surrogate gradient on a grid: what the spec checks warn about and what a
/// researcher tunes by (peak, width at half maximum, integral, share of the integral in |x| <= 1).
public struct GradientShape: Sendable, Equatable {
    public var peak: Double
    public var widthAtHalfMaximum: Double
    public var integral: Double
    public var centralShare: Double
    /// The first grid point where the gradient is NaN or infinite, if any.
    public var firstNonFinite: Double?

    /// Samples `gradient` on [lower, upper] with `steps` intervals (trapezoid rule).
    public static func measure(lower: Double = -10, upper: Double = 10, steps: Int = 20_000,
                               _ gradient: (Double) -> Double) -> GradientShape {
        let h = (upper - lower) / Double(steps)
        return measure(samples: (0...steps).map { gradient(lower + Double($0) * h) }, lower: lower, upper: upper)
    }

    /// The grid points of `measure(lower:upper:steps:_:)`: `steps + 1` equally spaced x.
    public static func grid(lower: Double = -10, upper: Double = 10, steps: Int = 20_000) -> [Double] {
        let h = (upper - lower) / Double(steps)
        return (0...steps).map { lower + Double($0) * h }
    }

    /// Figures of gradient values sampled at equally spaced x from `lower` to `upper` (inclusive).
    public static func measure(samples values: [Double], lower: Double = -10, upper: Double = 10) -> GradientShape {
        let steps = values.count - 1
        let h = (upper - lower) / Double(steps)
        var peak = -Double.infinity, integral = 0.0, central = 0.0
        var firstNonFinite: Double?
        for i in 0...steps {
            let x = lower + Double(i) * h
            let g = values[i]
            if !g.isFinite {
                if firstNonFinite == nil { firstNonFinite = x }
                continue
            }
            peak = max(peak, g)
        }
        for i in 0..<steps where values[i].isFinite && values[i + 1].isFinite {
            let area = (values[i] + values[i + 1]) / 2 * h
            integral += area
            let mid = lower + (Double(i) + 0.5) * h
            if abs(mid) <= 1 { central += area }
        }
        let half = peak / 2
        let above = values.filter { $0.isFinite && $0 >= half }.count
        return GradientShape(peak: peak, widthAtHalfMaximum: Double(above) * h, integral: integral,
                             centralShare: integral == 0 ? 0 : central / integral, firstNonFinite: firstNonFinite)
    }
}

/// The numerical checks run after parsing: a warning when the backward is NaN/inf on [-10, 10] at the
/// defaults, or when its integral over x is far from 1 (the step's derivative integrates to 1).
public enum SpecAnalysis {
    public static let normalisationTolerance = 0.05

    public static func check(_ spec: Spec) -> [Diagnostic] {
        let evaluator = ReferenceEvaluator(params: spec.defaults)
        let shape = GradientShape.measure { evaluator.surrogateGradient(spec, x: $0) }
        let at = spec.backward.source.location(ofOffset: 0, in: spec.backward.text)
        var found: [Diagnostic] = []
        if let x = shape.firstNonFinite {
            found.append(Diagnostic(.nonFiniteBackward, .warning, at: at,
                "`backward` is NaN or infinite at x = \(x) with the default parameters; expected finite values on [-10, 10]"))
        }
        if abs(shape.integral - 1) > normalisationTolerance {
            let shown = (shape.integral * 1e4).rounded() / 1e4 + 0 // + 0: never print -0.0
            found.append(Diagnostic(.notNormalised, .warning, at: at,
                "`backward` integrates to \(shown) over x in [-10, 10] with the default parameters; expected about 1 (a surrogate of the step's derivative is normalised)"))
        }
        return found
    }
}

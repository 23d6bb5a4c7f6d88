import Foundation

/// Shape figures of a surrogate gradient: what the spec checks warn about and what a researcher tunes by
/// (peak, full width at half maximum, integral over the real line, share of that integral in |x| <= 1), and
/// where the gradient is NaN or infinite.
///
/// Measured on a grid that holds at any scale: both signs of a logarithmic grid, 128 points per octave from
/// 2^-60 to 2^60 (every interval is under 0.6% of its |x|, so a gradient of width w is resolved whether w is
/// 1e-12 or 1e12), plus 0 and any `extra` points (a spec's parameter values, where kinks sit). Integrals by the
/// trapezoid rule on that grid; the width from the intervals above half the peak, crossings interpolated
/// linearly. Surrogates are centred at the threshold x = 0; a narrow bump far from 0 would be undersampled.
public struct GradientShape: Sendable, Equatable {
    public var peak: Double
    public var widthAtHalfMaximum: Double
    public var integral: Double
    public var centralShare: Double
    /// The first grid point (from the left) where the gradient is NaN or infinite, if any.
    public var firstNonFinite: Double?
    /// Maximal runs of grid points where the gradient is NaN or infinite (first and last such point).
    public var nonFiniteRanges: [ClosedRange<Double>]

    /// The grid described above, sorted, with `extra` points (finite ones, both signs) added.
    public static func grid(extra: [Double] = []) -> [Double] {
        var xs = Set<Double>([0])
        for k in (-60 * 128)...(60 * 128) {
            let m = Foundation.exp2(Double(k) / 128)
            xs.insert(m); xs.insert(-m)
        }
        for e in extra where e.isFinite { xs.insert(e); xs.insert(-e) }
        return xs.sorted()
    }

    /// Samples `gradient` on `grid(extra:)`.
    public static func measure(extra: [Double] = [], _ gradient: (Double) -> Double) -> GradientShape {
        let xs = grid(extra: extra)
        return measure(xs: xs, values: xs.map(gradient))
    }

    /// Figures of gradient values at sorted points `xs` (any spacing).
    public static func measure(xs: [Double], values: [Double]) -> GradientShape {
        precondition(xs.count == values.count && xs.count >= 2)
        var peak = -Double.infinity, integral = 0.0, central = 0.0
        var ranges: [ClosedRange<Double>] = []
        var runStart: Double?
        for (i, g) in values.enumerated() {
            if g.isFinite {
                peak = max(peak, g)
                if let s = runStart { ranges.append(s...xs[i - 1]); runStart = nil }
            } else if runStart == nil {
                runStart = xs[i]
            }
        }
        if let s = runStart { ranges.append(s...xs[xs.count - 1]) }
        let half = peak / 2
        var width = 0.0
        for i in 0..<(xs.count - 1) where values[i].isFinite && values[i + 1].isFinite {
            let h = xs[i + 1] - xs[i], a = values[i], b = values[i + 1]
            let area = (a + b) / 2 * h
            integral += area
            if abs(xs[i]) <= 1 && abs(xs[i + 1]) <= 1 { central += area }
            switch (a >= half, b >= half) {
            case (true, true): width += h
            case (true, false): width += h * (a - half) / (a - b)
            case (false, true): width += h * (b - half) / (b - a)
            case (false, false): break
            }
        }
        return GradientShape(peak: peak, widthAtHalfMaximum: peak.isFinite && peak > 0 ? width : 0, integral: integral,
                             centralShare: integral == 0 ? 0 : central / integral, firstNonFinite: ranges.first?.lowerBound,
                             nonFiniteRanges: ranges)
    }

    /// "x in [a, b]" for each NaN/inf run, shortest decimals, at most `limit` runs listed.
    public static func describe(_ ranges: [ClosedRange<Double>], limit: Int = 4) -> String {
        let shown = ranges.prefix(limit).map { r in
            r.lowerBound == r.upperBound ? "x = \(r.lowerBound)" : "x in [\(short(r.lowerBound)), \(short(r.upperBound))]"
        }
        return shown.joined(separator: ", ") + (ranges.count > limit ? " and \(ranges.count - limit) more" : "")
    }

    static func short(_ v: Double) -> String { let s = String(format: "%.6g", v); return s == "-0" ? "0" : s }
}

/// The numerical checks run after parsing: a warning when the backward is NaN/inf anywhere on the shape grid at
/// the defaults, or when its integral over the real line is far from 1 (the step's derivative integrates to 1).
public enum SpecAnalysis {
    public static let normalisationTolerance = 0.05

    /// The scales a spec sets: its parameter values (kinks of windows, widths), added to the shape grid.
    public static func scales(_ spec: Spec, _ values: [String: Double]) -> [Double] {
        spec.params.compactMap { values[$0.name] }.filter { $0.isFinite && $0 != 0 }
    }

    public static func check(_ spec: Spec) -> [Diagnostic] {
        let evaluator = ReferenceEvaluator(params: spec.defaults)
        let shape = GradientShape.measure(extra: scales(spec, spec.defaults)) { evaluator.surrogateGradient(spec, x: $0) }
        let at = spec.backward.source.location(ofOffset: 0, in: spec.backward.text)
        var found: [Diagnostic] = []
        if !shape.nonFiniteRanges.isEmpty {
            found.append(Diagnostic(.nonFiniteBackward, .warning, at: at,
                "`backward`\(spec.backwardGradOutNote) is NaN or infinite for \(GradientShape.describe(shape.nonFiniteRanges)) with the default parameters (in Double); expected finite values"))
        }
        if !(abs(shape.integral - 1) <= normalisationTolerance) {
            let shown = String(format: "%.4g", shape.integral)
            found.append(Diagnostic(.notNormalised, .warning, at: at,
                "`backward`\(spec.backwardGradOutNote) integrates to \(shown) over the real line with the default parameters\(shape.nonFiniteRanges.isEmpty ? "" : " (NaN/inf points left out)"); expected about 1 (a surrogate of the step's derivative is normalised)"))
        }
        return found
    }
}

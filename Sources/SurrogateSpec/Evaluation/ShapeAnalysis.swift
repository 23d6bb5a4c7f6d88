import Foundation

/// Shape figures of a surrogate gradient: what the spec checks warn about and what a researcher tunes by
/// (peak, full width at half maximum, integral over the real line, share of that integral within 1 of the centre), and
/// where the gradient is NaN or infinite.
///
/// Measured on a grid that holds at any scale: both signs of a logarithmic grid, 128 points per octave from
/// 2^-60 to 2^60 (every interval is under 0.6% of its |x|, so a gradient of width w is resolved whether w is
/// 1e-12 or 1e12), plus 0 and any `extra` points (a spec's parameter values, where kinks sit). Integrals by the
/// trapezoid rule on that grid; the width from the intervals above half the peak, crossings interpolated
/// linearly. A surrogate whose spike threshold is not at x = 0 (sinabs' `x - spike_threshold >= 0`) is measured
/// about its own centre, the forward's step (`centre(ofStep:)`): the grid is the union of the one about 0 and the
/// same offsets about the centre, so a narrow bump at the threshold is resolved like one at 0.
public struct GradientShape: Sendable, Equatable {
    public var peak: Double
    /// Where the surrogate is centred: the forward's step (0 for the threshold at x = 0). `centralShare` is the
    /// share of the integral within 1 of it.
    public var centre: Double = 0
    public var widthAtHalfMaximum: Double
    public var integral: Double
    public var centralShare: Double
    /// The first grid point (from the left) where the gradient is NaN or infinite, if any.
    public var firstNonFinite: Double?
    /// Maximal runs of grid points where the gradient is NaN or infinite (first and last such point).
    public var nonFiniteRanges: [ClosedRange<Double>]

    /// The grid described above, sorted, with `extra` points (finite ones, both signs) added; with a finite
    /// `centre` other than 0, also the same offsets about `centre` (and `centre` itself).
    public static func grid(extra: [Double] = [], centre: Double = 0) -> [Double] {
        var xs = Set<Double>([0])
        let shifted = centre.isFinite && centre != 0
        if shifted { xs.insert(centre) }
        for k in (-60 * 128)...(60 * 128) {
            let m = Foundation.exp2(Double(k) / 128)
            xs.insert(m); xs.insert(-m)
            if shifted { xs.insert(centre + m); xs.insert(centre - m) }
        }
        for e in extra where e.isFinite { xs.insert(e); xs.insert(-e) }
        return xs.filter(\.isFinite).sorted()
    }

    /// Where a surrogate is centred: the x where its forward steps, found by bisection on the ordered doubles
    /// between -max and +max (64 halvings: exact), the smallest x whose forward differs from the far left's.
    /// 0 when the forward does not step there (equal or NaN at both ends), when it is not one step (the value
    /// found is not the far right's: a staircase such as `floor(x)`, or a smooth forward, whose "step" would be
    /// the first double it leaves its left value at, near -max), and when the step lies beyond the grid's reach
    /// (|x| > 2^60): the grid about such a centre would leave a gap of up to 1e308 that the trapezoid rule fills
    /// with a wrong integral.
    public static func centre(ofStep forward: (Double) -> Double) -> Double {
        let found = bisectedStep(forward)
        guard found != 0, abs(found) <= gridReach, forward(found) == forward(.greatestFiniteMagnitude) else { return 0 }
        return found
    }

    /// The grid's outermost offset from its centre, 2^60: a centre within it keeps the grid about 0 and the one
    /// about the centre overlapping.
    static let gridReach = Foundation.exp2(60.0)

    /// The smallest x whose forward differs from the far left's (0 when the ends are equal or NaN).
    static func bisectedStep(_ forward: (Double) -> Double) -> Double {
        var lo = -Double.greatestFiniteMagnitude, hi = Double.greatestFiniteMagnitude
        let left = forward(lo), right = forward(hi)
        guard !left.isNaN, !right.isNaN, left != right else { return 0 }
        // Keys ordered like the doubles (-0 just below +0), so the midpoint of two keys lies between the values.
        // -x is -1 - (x's magnitude bits), so -0 is -1 and +0 is 0.
        func key(_ v: Double) -> Int64 { let b = Int64(bitPattern: v.bitPattern); return b < 0 ? Int64.min - b - 1 : b }
        func value(_ k: Int64) -> Double { Double(bitPattern: UInt64(bitPattern: k < 0 ? Int64.min - k - 1 : k)) }
        while true {
            let a = key(lo), b = key(hi)
            let gap = UInt64(bitPattern: b &- a)  // up to 2^64 - 1: the keys' difference, unsigned
            guard gap > 1 else { break }
            let mid = value(a &+ Int64(bitPattern: gap / 2))
            if forward(mid) == left { lo = mid } else { hi = mid }
        }
        return hi == 0 ? 0 : hi
    }

    /// Samples `gradient` on `grid(extra:centre:)`.
    public static func measure(extra: [Double] = [], centre: Double = 0, _ gradient: (Double) -> Double) -> GradientShape {
        let xs = grid(extra: extra, centre: centre)
        return measure(xs: xs, values: xs.map(gradient), centre: centre)
    }

    /// Figures of gradient values at sorted points `xs` (any spacing); the central share is taken within 1 of
    /// `centre`.
    public static func measure(xs: [Double], values: [Double], centre: Double = 0) -> GradientShape {
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
            if abs(xs[i] - centre) <= 1 && abs(xs[i + 1] - centre) <= 1 { central += area }
            switch (a >= half, b >= half) {
            case (true, true): width += h
            case (true, false): width += h * (a - half) / (a - b)
            case (false, true): width += h * (b - half) / (b - a)
            case (false, false): break
            }
        }
        return GradientShape(peak: peak, centre: centre, widthAtHalfMaximum: peak.isFinite && peak > 0 ? width : 0, integral: integral,
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
        let evaluator = FormulaEvaluator<Double>(params: spec.defaults)
        let centre = GradientShape.centre { evaluator.evaluate(spec.forward.expr, x: $0) }
        let shape = GradientShape.measure(extra: scales(spec, spec.defaults), centre: centre) { evaluator.surrogateGradient(spec, x: $0) }
        let at = spec.backward.source.location(ofOffset: 0, in: spec.backward.text)
        var found: [Diagnostic] = []
        if !shape.nonFiniteRanges.isEmpty {
            found.append(Diagnostic(.nonFiniteBackward, .warning, at: at,
                "`backward`\(spec.backwardGradOutNote) is NaN or infinite for \(GradientShape.describe(shape.nonFiniteRanges)) with the default parameters (in Double); expected finite values"))
        }
        if !(abs(shape.integral - 1) <= normalisationTolerance) {
            let shown = String(format: "%.4g", shape.integral)
            let leftOut = shape.nonFiniteRanges.isEmpty ? "" : " (NaN/inf points left out)"
            let expected = "expected about 1 (a surrogate of the step's derivative is normalised)"
            if let tail = undecayedTail(shape, centre: centre, scales: scales(spec, spec.defaults), { evaluator.surrogateGradient(spec, x: $0) }) {
                found.append(Diagnostic(.notNormalised, .warning, at: at,
                    "`backward`\(spec.backwardGradOutNote) does not decay in its tails (\(GradientShape.short(tail.value)) at x = \(GradientShape.short(tail.x))) with the default parameters, so its integral over the real line diverges (\(shown) on the shape grid)\(leftOut); \(expected)"))
            } else {
                found.append(Diagnostic(.notNormalised, .warning, at: at,
                    "`backward`\(spec.backwardGradOutNote) integrates to \(shown) over the real line with the default parameters\(leftOut); \(expected)"))
            }
        }
        return found
    }

    /// The end of the shape grid (x, gradient there) whose tail carries more than 1% of the measured integral
    /// (|gradient| times the distance to the centre): a backward that stays constant (a straight-through `1`) or
    /// falls like 1/|x| there has no finite integral, and the grid's number only measures how far the grid goes.
    /// Nil when both tails have decayed (1/x^2 tails carry about 1/|x| of it, far below 1%).
    static func undecayedTail(_ shape: GradientShape, centre: Double, scales: [Double],
                              _ gradient: (Double) -> Double) -> (x: Double, value: Double)? {
        guard shape.integral.isFinite else { return nil }
        let xs = GradientShape.grid(extra: scales, centre: centre)
        guard let first = xs.first, let last = xs.last else { return nil }
        return [first, last].map { (x: $0, value: gradient($0)) }.first { end in
            end.value.isFinite && abs(end.value) * abs(end.x - centre) > 0.01 * abs(shape.integral)
        }
    }
}

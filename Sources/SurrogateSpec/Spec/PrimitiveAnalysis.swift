import Foundation

/// A spec's `primitive`: the backward derived from it when the spec gives none, and the check that a given
/// backward is its derivative.
public enum PrimitiveAnalysis {
    /// The backward of a primitive-only spec: `Derivative.of(primitive)` as a formula whose text and source
    /// are the primitive's (its nodes carry the primitive's offsets, so any later diagnostic about the backward
    /// points into the primitive). A failure is a located error.
    public static func derive(_ primitive: Formula, field: String = "primitive",
                              rules: [String: Derivative.Rule] = Derivative.rules) -> (Formula?, [Diagnostic]) {
        do {
            let d = try Derivative.of(primitive.expr, rules: rules) ?? Expr(.number(0), at: primitive.expr.offset)
            return (Formula(text: primitive.text, expr: d, source: primitive.source), [])
        } catch {
            let at = primitive.source.location(ofOffset: error.offset, in: primitive.text)
            return (nil, [Diagnostic(error.id, at: at, "in `\(field)`: " + error.message)])
        }
    }

    /// Relative difference allowed between the backward and the derivative, over the larger of the two values
    /// (rounding of two forms of one function in Double stays far below it)...
    public static let relativeTolerance = 1e-6
    /// ... plus this share of the derivative's peak (a backward written to cancel in its far tails, where the
    /// derivative is below it, is not "another function").
    public static let peakTolerance = 1e-9

    /// The points checked at one parameter set: both signs of 16 points per octave from 2^-40 to 2^40, 0, and for
    /// each scale s (a parameter value and its reciprocal) 129 evenly spaced points on [-8s, 8s], where a
    /// surrogate of that width has its shape (kinks at the parameter values included).
    public static func grid(scales: [Double]) -> [Double] {
        var xs = Set<Double>([0])
        for k in (-40 * 16)...(40 * 16) {
            let m = Foundation.exp2(Double(k) / 16)
            xs.insert(m); xs.insert(-m)
        }
        for s in scales where s.isFinite && s != 0 {
            for w in [abs(s), 1 / abs(s)] where w.isFinite && w != 0 {
                for i in -64...64 { xs.insert(Double(i) / 8 * w) }
                xs.insert(w); xs.insert(-w)
            }
        }
        return xs.sorted()
    }

    /// When a spec gives both `backward` and `primitive`: an error where the backward is not the primitive's
    /// derivative (evaluated symbolically, in Double, `y` from the forward as the backward reads it), at the
    /// defaults and at each parameter moved by half its value (within its bounds), on `grid`. A difference at a
    /// lone point (a kink, where a one-sided derivative is as right as the other) is not one: it must also hold
    /// at a neighbour x (1 +- 2^-20). The message names the largest difference, where, and both values.
    public static func verify(_ spec: Spec) -> [Diagnostic] {
        guard let primitive = spec.primitive, !spec.backwardIsDerived else { return [] }
        let at = spec.backward.source.location(ofOffset: 0, in: spec.backward.text)
        let derivative: Expr
        do {
            derivative = try Derivative.of(primitive.expr) ?? Expr(.number(0))
        } catch {
            let where_ = primitive.source.location(ofOffset: error.offset, in: primitive.text)
            return [Diagnostic(.noDerivativeRule, .warning, at: where_,
                               "in `primitive`: \(error.message); `backward` is not checked against the primitive")]
        }
        for values in parameterSets(spec) {
            if let finding = compare(spec, derivative, values) {
                let shown = spec.params.isEmpty ? "" : " with " + spec.params.map { "\($0.name) = \(short(values[$0.name]!))" }.joined(separator: ", ")
                return [Diagnostic(.backwardNotDerivative, at: at,
                    "`backward`\(spec.backwardGradOutNote) is not the derivative of `primitive`\(shown): they differ by up to \(short(finding.difference)) at x = \(short(finding.x)) (backward \(short(finding.backward)), d/dx primitive \(short(finding.derivative))), beyond \(short(relativeTolerance)) relative; expected backward = d/dx primitive (drop `backward` to have it derived, or correct one of the two)")]
            }
        }
        return []
    }

    struct Finding { var x, difference, backward, derivative: Double }

    static func parameterSets(_ spec: Spec) -> [[String: Double]] {
        var sets = [spec.defaults]
        for p in spec.params {
            var moved = spec.defaults
            let v = p.defaultValue == 0 ? 1 : p.defaultValue * 1.5
            let w = p.defaultValue * 0.5
            if p.contains(v) { moved[p.name] = v } else if p.contains(w), w != p.defaultValue { moved[p.name] = w } else { continue }
            sets.append(moved)
        }
        return sets
    }

    static func compare(_ spec: Spec, _ derivative: Expr, _ values: [String: Double]) -> Finding? {
        let evaluator = FormulaEvaluator<Double>(params: values)
        let xs = grid(scales: SpecAnalysis.scales(spec, values))
        func pair(_ x: Double) -> (Double, Double) {
            (evaluator.surrogateGradient(spec, x: x), evaluator.evaluate(derivative, x: x))
        }
        let values = xs.map(pair)
        let peak = values.map { abs($0.1) }.filter(\.isFinite).max() ?? 0
        func differs(_ b: Double, _ d: Double) -> Bool {
            if b.isNaN && d.isNaN { return false }
            if !b.isFinite || !d.isFinite { return b != d }
            return abs(b - d) > relativeTolerance * max(abs(b), abs(d)) + peakTolerance * peak
        }
        var worst: Finding?
        for (x, (b, d)) in zip(xs, values) where differs(b, d) {
            let step = x == 0 ? 0x1p-40 : abs(x) * 0x1p-20
            let neighbours = [x - step, x + step].map(pair)
            guard neighbours.contains(where: { differs($0.0, $0.1) }) else { continue }
            let difference = b.isFinite && d.isFinite ? abs(b - d) : .infinity
            // The largest difference; among differences equal to 1e-9 relative (rounding), the one nearest 0.
            if let w = worst, !(difference > w.difference * (1 + 1e-9)) {
                if difference >= w.difference * (1 - 1e-9), abs(x) < abs(w.x) {
                    worst = Finding(x: x, difference: difference, backward: b, derivative: d)
                }
                continue
            }
            worst = Finding(x: x, difference: difference, backward: b, derivative: d)
        }
        return worst
    }

    static func short(_ v: Double) -> String { let s = String(format: "%.6g", v); return s == "-0" ? "0" : s }
}

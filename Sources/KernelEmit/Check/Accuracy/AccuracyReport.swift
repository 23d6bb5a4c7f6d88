import Foundation
import RealModule
import SurrogateSpec

/// An interval of x; `nil` ends reach the grid's end (the dtype's largest finite number).
public struct XRange: Codable, Sendable, Equatable, CustomStringConvertible {
    public var lower: Double?
    public var upper: Double?
    public init(lower: Double?, upper: Double?) { self.lower = lower; self.upper = upper }

    public var description: String {
        switch (lower, upper) {
        case (nil, nil): return "every x"
        case (nil, let u?): return "x <= \(ShortDecimal.format(u, digits: 5))"
        case (let l?, nil): return "x >= \(ShortDecimal.format(l, digits: 5))"
        case (let l?, let u?): return l == u ? "x = \(ShortDecimal.format(l, digits: 5))"
            : "x in [\(ShortDecimal.format(l, digits: 5)), \(ShortDecimal.format(u, digits: 5))]"
        }
    }
}

/// One formula of one spec in one dtype, as the kernels compute it (`emitted`) or as written (`as written`:
/// constants folded, no fusion or stable rewrite), against the Float80 reference.
public struct FormulaAccuracy: Codable, Sendable {
    public var spec: String
    public var formula: String
    public var dtype: String
    public var form: String
    /// Grid points where the reference is defined (not NaN).
    public var points: Int
    /// Largest error in ulps of the reference rounded to the dtype, over points where both are finite.
    public var maxUlp: Double
    public var worstX: Double?
    /// Where the dtype gives NaN or infinity and the true value is a finite number of the dtype.
    public var nonFinite: [XRange]
    /// Where the error exceeds the threshold (maximum ulps plus the formula's own condition number).
    public var inaccurate: [XRange]
    /// The sub-expression that introduced the error at the worst point, what happened there, and where.
    public var responsible: String?
    public var cause: String?
    public var location: String
    /// Stable rewrites the emitters applied (emitted form only).
    public var rewrites: [String]
    /// Where the responsible sub-expression starts (not in JSON: `location` is its text).
    public var responsibleAt: SourceLocation? = nil
    public var hasProblems: Bool { !nonFinite.isEmpty || !inaccurate.isEmpty }

    enum CodingKeys: String, CodingKey {
        case spec, formula, dtype, form, points, responsible, cause, location, rewrites
        case maxUlp = "max_ulp", worstX = "worst_x", nonFinite = "non_finite", inaccurate = "inaccurate"
    }
}

/// The numerical report of `kernelgen check`: every formula of a spec in float32 and float64, as emitted and as
/// written, on a grid that resolves the spec's own scales and the dtype's whole range, against Float80.
public enum AccuracyReport {
    public struct Options: Sendable {
        /// Errors up to this many ulps (plus the formula's condition number at x) are not reported.
        public var maxUlp: Double = 8
        public init(maxUlp: Double = 8) { self.maxUlp = maxUlp }
    }

    public struct Result: Sendable {
        public var rows: [FormulaAccuracy]
        public var diagnostics: [Diagnostic]
    }

    /// The formulas analysed: name, formula, and the formula giving `y` (backward only).
    static func formulas(_ spec: Spec) -> [(String, Formula)] {
        var out = [("forward", spec.forward)]
        if let t = spec.trainForward { out.append(("train_forward", t)) }
        out.append(("backward", spec.backward))
        return out
    }

    public static func analyse(_ spec: Spec, parameters: [String: Double] = [:], options: Options = Options()) -> Result {
        let values = spec.defaults.merging(parameters) { $1 }
        var rows: [FormulaAccuracy] = []
        var diagnostics: [Diagnostic] = []
        for element in ElementType.allCases {
            let (r, d) = element == .float32
                ? analyse(spec, values, options, Float.self, element)
                : analyse(spec, values, options, Double.self, element)
            rows += r
            diagnostics += d
        }
        return Result(rows: rows, diagnostics: diagnostics)
    }

    static func dtypeName(_ element: ElementType) -> String { element == .float32 ? "float32" : "float64" }

    static func analyse<T: FormulaReal>(_ spec: Spec, _ values: [String: Double], _ options: Options,
                                                          _: T.Type, _ element: ElementType) -> ([FormulaAccuracy], [Diagnostic]) {
        let grid = AccuracyGrid.points(scales: Array(values.values), T.self)
        let yFormula = (spec.trainForward ?? spec.forward).expr
        let yKernel = KernelContext.prepare(yFormula, element: element, meanField: true)
        let evaluator = FormulaEvaluator<T>(params: values, model: .kernel)
        let reference = FormulaEvaluator<Float80>(params: values.mapValues { Double(T($0)) })
        var rows: [FormulaAccuracy] = []
        var diagnostics: [Diagnostic] = []
        for (name, formula) in formulas(spec) {
            let mean = Simplifier.meanField(formula.expr)
            let naive = Simplifier.exactReciprocals(Simplifier.fold(mean, element: element), element: element)
            let emitted = KernelContext.prepare(formula.expr, element: element, meanField: true)
            let rewrites = Simplifier.stabiliseReporting(Simplifier.fuse(naive)).applied.map(\.rawValue)
            let truth = Simplifier.stabilise(Simplifier.fuse(mean))
            let reads = formula.expr.readsY
            func y(_ x: T) -> T { reads ? evaluator.evaluate(yKernel, x: x) : .nan }
            let measure = { (form: Expr, label: String) -> FormulaAccuracy in
                Measurement<T>(expr: form, truth: truth, evaluator: evaluator, reference: reference, y: y,
                               maxUlp: options.maxUlp).run(grid).row(spec: spec.name, formula: name, dtype: element.rawValue,
                                                                      form: label, source: formula,
                                                                      rewrites: label == "emitted" ? rewrites : [])
            }
            let kernel = measure(emitted, "emitted")
            let written = emitted.isSame(as: naive) ? kernel : measure(naive, "as written")
            rows.append(kernel)
            if !emitted.isSame(as: naive) { rows.append(written) }
            diagnostics += Self.diagnostics(name, formula, element, kernel: kernel, written: written, changed: !emitted.isSame(as: naive),
                                            options: options)
        }
        return (rows, diagnostics)
    }

    static func diagnostics(_ name: String, _ formula: Formula, _ element: ElementType, kernel: FormulaAccuracy,
                            written: FormulaAccuracy, changed: Bool, options: Options) -> [Diagnostic] {
        let dtype = dtypeName(element)
        // A backward reading grad_out is measured as a function of x at grad_out = 1; the messages say so.
        let note = formula.expr.usesGradOut ? " (at grad_out = 1)" : ""
        var out: [Diagnostic] = []
        let start = formula.source.location(ofOffset: 0, in: formula.text)
        func at(_ row: FormulaAccuracy) -> SourceLocation { row.responsibleAt ?? start }
        if kernel.hasProblems {
            let what = kernel.cause.map { " (`\(kernel.responsible ?? "?")` \($0))" } ?? ""
            let hint = Suggestion.rewrite(for: kernel)
            if !kernel.nonFinite.isEmpty {
                out.append(Diagnostic(.nonFiniteInDType, .warning, at: at(kernel),
                    "`\(name)`\(note) is NaN or infinite in \(dtype) for \(kernel.nonFinite.map(\.description).joined(separator: ", ")) where the true value is finite\(what)\(hint)"))
            }
            if !kernel.inaccurate.isEmpty {
                let cancels = kernel.cause?.hasPrefix("cancels") ?? false
                out.append(Diagnostic(cancels ? .cancellation : .inaccurate, .warning, at: at(kernel),
                    "`\(name)`\(note) in \(dtype) is off by up to \(ShortDecimal.format(kernel.maxUlp, digits: 3)) ulp for \(kernel.inaccurate.map(\.description).joined(separator: ", ")) (worst at x = \(kernel.worstX.map { ShortDecimal.format($0, digits: 6) } ?? "?"))\(what); expected at most \(ShortDecimal.format(options.maxUlp, digits: 3)) ulp plus the formula's condition number\(hint)"))
            }
        } else if changed && written.hasProblems {
            var failures: [String] = []
            if !written.nonFinite.isEmpty { failures.append("NaN or infinite for \(written.nonFinite.map(\.description).joined(separator: ", "))") }
            if !written.inaccurate.isEmpty {
                failures.append("off by up to \(ShortDecimal.format(written.maxUlp, digits: 3)) ulp for \(written.inaccurate.map(\.description).joined(separator: ", "))")
            }
            let what = written.cause.map { " (`\(written.responsible ?? "?")` \($0))" } ?? ""
            let how = kernel.rewrites.isEmpty ? "fused" : "rewritten (\(kernel.rewrites.joined(separator: "; ")))"
            out.append(Diagnostic(.stableRewrite, .note, at: at(written),
                "as written, `\(name)`\(note) in \(dtype) is \(failures.joined(separator: " and "))\(what); the emitters compute it \(how): finite there, and no error above the threshold on the whole grid (largest \(ShortDecimal.format(kernel.maxUlp, digits: 3)) ulp, at x = \(kernel.worstX.map { ShortDecimal.format($0, digits: 5) } ?? "?"), within the formula's condition number there)"))
        }
        return out
    }
}

/// Hints for a failing kernel form: the stable spellings of the shapes it recognises.
enum Suggestion {
    static func rewrite(for row: FormulaAccuracy) -> String {
        guard let cause = row.cause, let text = row.responsible else { return "" }
        if cause.hasPrefix("cancels") {
            if text.contains("sigmoid(") { return "; write `sigmoid(-a)` for `1 - sigmoid(a)`" }
            if text.contains("tanh(") { return "; write `4 * sigmoid_grad`-style forms: `1 - tanh(a)^2` is `4 / (exp(a) + exp(-a))^2`" }
            if text.contains("exp(") { return "; use `expm1`/`log1p` for differences near 1" }
            return "; compute the difference directly (e.g. with `expm1`, `log1p` or `sigmoid(-a)`), not as a difference of nearly equal numbers"
        }
        if cause.hasPrefix("overflows") {
            return "; divide numerator and denominator by the large exponential (`k exp(-k x) / (1 + exp(-k x))^2` is `k * sigmoid(k x) * (1 - sigmoid(k x))`), or bound the argument"
        }
        if cause.hasPrefix("takes the subnormal") {
            return "; keep small factors inside the exponential (`exp(z) / d` as `exp(z - log(d))`) or scale before the value underflows"
        }
        if cause.hasPrefix("underflows") { return "; reorder products so small factors are multiplied last, or scale the argument" }
        return ""
    }
}

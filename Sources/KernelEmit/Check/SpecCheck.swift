import SurrogateSpec

/// The one check of a spec, so that every entry point says the same about it: `kernelgen check`, the JIT's `load`
/// (`SurrogateJIT.load`), and through it the C ABI's `kg_load_spec_*` and Python's `kernelgen.load_spec`. In order:
/// 1. structure: the loader (`SpecLoader`: YAML, fields, formulas, parameters, names), errors stop here;
/// 2. shape: `SpecAnalysis` (the backward's integral, NaN or infinite values, its centre), in Double;
/// 3. numerics: `AccuracyReport` (each formula as emitted and as written, float32 and float64, against Float80),
///    whose finding that the emitted float64 backward is finite supersedes the shape check's NaN warning.
/// Every finding is a `Diagnostic` with its stable id; "did you mean" is also a `FixIt`.
public enum SpecCheck {
    public struct Options: Sendable {
        /// Parameter values to analyse with instead of the defaults (names the spec lacks are ignored).
        public var parameters: [String: Double]
        /// Errors up to this many ulps (plus the formula's condition number) are not reported.
        public var maxUlp: Double
        /// Run the numeric lint (step 3): about 40 ms a spec in a release build. Off, the check is the loader and
        /// the shape check, for callers that load many specs they checked before.
        public var numerics: Bool
        /// The most work the numeric lint may take, in formula operations per grid point (`operations(of:)`: sums
        /// count each term; a release build spends about 4 ms per operation). A spec beyond it gets a `lint-skipped`
        /// note instead of the lint: a `sum` of a few hundred terms would make loading a spec take seconds to
        /// minutes. Nil: no limit (`kernelgen check`, which is where the lint's report is read).
        public var numericBudget: Double?

        public init(parameters: [String: Double] = [:], maxUlp: Double = 8, numerics: Bool = true, numericBudget: Double? = 250) {
            self.parameters = parameters
            self.maxUlp = maxUlp
            self.numerics = numerics
            self.numericBudget = numericBudget
        }
    }

    /// What the check found: the spec (nil when it has an error), every diagnostic sorted for display, and the
    /// numeric report's rows.
    public struct Report: Sendable {
        public var spec: Spec?
        public var diagnostics: [Diagnostic]
        public var accuracy: [FormulaAccuracy]
        public var hasErrors: Bool { diagnostics.hasErrors }
    }

    /// Checks the spec in the file at `path`.
    public static func check(path: String, options: Options = Options()) -> Report {
        check(loaded: SpecLoader.load(path: path), options: options)
    }

    /// Checks a spec given as text, its diagnostics located in `file`.
    public static func check(yaml: String, file: String = "<string>", options: Options = Options()) -> Report {
        check(loaded: SpecLoader.load(yaml: yaml, file: file), options: options)
    }

    /// Steps 2 and 3 after the loader's result.
    public static func check(loaded: (Spec?, [Diagnostic]), options: Options = Options()) -> Report {
        let (spec, found) = loaded
        guard let spec else { return Report(spec: nil, diagnostics: found.sortedForDisplay(), accuracy: []) }
        let (diagnostics, accuracy) = analyse(spec, after: found + SpecAnalysis.check(spec), options: options)
        return Report(spec: spec, diagnostics: diagnostics.sortedForDisplay(), accuracy: accuracy)
    }

    /// A set of specs (`kernelgen check`): the spec set's loading (structure, shape, duplicate names and emitted
    /// names two specs share), then the numeric lint of each spec that loaded.
    public static func check(specSet: SpecSet, options: Options = Options()) -> Report {
        var diagnostics = specSet.diagnostics
        var accuracy: [FormulaAccuracy] = []
        if !specSet.hasErrors {
            for spec in specSet.specs {
                let mine = diagnostics.filter { $0.location.file == spec.file }
                diagnostics.removeAll { $0.location.file == spec.file }
                let (found, rows) = analyse(spec, after: mine, options: options)
                diagnostics += found
                accuracy += rows
            }
        }
        return Report(spec: nil, diagnostics: diagnostics.sortedForDisplay(), accuracy: accuracy)
    }

    /// Operations per grid point of the formulas the lint evaluates (forward, training forward, backward): nodes,
    /// a `sum`'s body counted once per term at `values`.
    public static func operations(of spec: Spec, values: [String: Double]) -> Double {
        let bounds = FormulaEvaluator<Double>(params: values)
        func count(_ e: Expr) -> Double {
            switch e.kind {
            case .number, .variable, .param, .constant, .local, .index: return 1
            case .unary(_, let a): return 1 + count(a)
            case .binary(_, let a, let b): return 1 + count(a) + count(b)
            case .call(_, let args, _): return 1 + args.map(count).reduce(0, +)
            case .sum(_, let from, let to, let body):
                let terms = bounds.evaluate(to, x: 0) - bounds.evaluate(from, x: 0) + 1
                return 1 + count(from) + count(to) + (terms.isFinite ? Swift.max(0, terms) : 0) * count(body)
            }
        }
        return ([spec.forward, spec.backward] + (spec.trainForward.map { [$0] } ?? [])).map { count($0.expr) }.reduce(0, +)
    }

    /// Step 3 for a loaded spec: `earlier` (the loader's and the shape check's findings) with the numeric lint's.
    static func analyse(_ spec: Spec, after earlier: [Diagnostic], options: Options) -> ([Diagnostic], [FormulaAccuracy]) {
        guard options.numerics else { return (earlier, []) }
        let values = options.parameters.filter { name, _ in spec.params.contains { $0.name == name } }
        let work = operations(of: spec, values: spec.defaults.merging(values) { $1 })
        if let budget = options.numericBudget, work > budget {
            let at = spec.backward.source.location(ofOffset: 0, in: spec.backward.text)
            let note = Diagnostic(.lintSkipped, .note, at: at,
                "the numeric lint was not run here: the formulas take about \(Int(work)) operations per point (sums count each term), beyond \(Int(budget)); expected `kernelgen check` to run it (it has no limit)")
            return (earlier + [note], [])
        }
        let result = AccuracyReport.analyse(spec, parameters: values, options: .init(maxUlp: options.maxUlp))
        var diagnostics = earlier + result.diagnostics
        // The shape check evaluates the backward as written, in Double; where the emitted float64 backward is finite
        // on the whole grid (a stable rewrite), the report's note supersedes the shape check's NaN warning.
        let rows = result.rows
        if rows.contains(where: { $0.formula == "backward" && $0.dtype == "f64" && $0.form == "emitted" && $0.nonFinite.isEmpty }),
           rows.contains(where: { $0.formula == "backward" && $0.form == "as written" && !$0.nonFinite.isEmpty }) {
            diagnostics.removeAll { $0.id == .nonFiniteBackward && $0.location.file == spec.file }
        }
        return (diagnostics, rows)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KernelEmit
import Surrogates
import SurrogateSpec
import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// The emitters' stable rewrites (`StableRewrite`) and the accuracy report of `kernelgen check`. References are
/// closed forms written here in Float80 with glibc's long double math (`coshl`, `expl`, `log1pl`), independent of
/// the report's own evaluators.
@Suite struct StableRewriteTests {
    typealias R = Float80

    static func spec(_ backward: String, params: [String: Double] = [:], name: String = "demo") throws -> Spec {
        let p = params.isEmpty ? "" : "params:\n" + params.sorted { $0.key < $1.key }.map { "  \($0.key):\n    default: \($0.value)\n" }.joined()
        let (spec, diagnostics) = SpecLoader.load(yaml: "name: \(name)\nsummary: s\n\(p)backward: \(backward)\n", file: "\(name).yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(spec)
    }

    /// Pattern, parameters, and the true function of x in Float80.
    static let cases: [(String, [String: Double], @Sendable (R) -> R)] = [
        ("1 - tanh(k * x)^2", ["k": 2], { x in 1 / (coshl(2 * x) * coshl(2 * x)) }),
        ("1 - tanh(k * x) * tanh(k * x)", ["k": 2], { x in 1 / (coshl(2 * x) * coshl(2 * x)) }),
        ("slope * exp(-slope * x) / (exp(-slope * x) + 1)^2", ["slope": 25], { x in 25 / (4 * coshl(12.5 * x) * coshl(12.5 * x)) }),
        ("exp(x) / (1 + exp(x))^2", [:], { x in 1 / (4 * coshl(x / 2) * coshl(x / 2)) }),
        ("4 / (exp(x) + exp(-x))^2", [:], { x in 1 / (coshl(x) * coshl(x)) }),
        ("2 / (exp(x) + exp(-x))", [:], { x in 1 / coshl(x) }),
        ("exp(3 * x) / (1 + exp(3 * x))", [:], { x in 1 / (1 + expl(-3 * x)) }),
        ("1 - sigmoid(4 * x)", [:], { x in 1 / (1 + expl(4 * x)) }),
        ("log(1 + exp(x))", [:], { x in x > 40 ? x + log1pl(expl(-x)) : log1pl(expl(x)) }),
        ("log1p(exp(x))", [:], { x in x > 40 ? x + log1pl(expl(-x)) : log1pl(expl(x)) }),
    ]

    static func ulps<T: BinaryFloatingPoint>(_ v: T, _ r: R) -> Double {
        let rt = T(r)
        if v.isNaN || (v.isInfinite && v != rt) { return .infinity }
        if v == rt { return 0 }
        let unit = R(rt.magnitude < T.leastNormalMagnitude ? T.leastNormalMagnitude : rt.ulp)
        return Double((R(v) - r).magnitude / unit)
    }

    /// Every pattern is rewritten (the emitted form differs from the fold-only form), and on the report's grid
    /// the rewritten form is nowhere less accurate than the naive one beyond 2 ulp (where both carry the
    /// argument's rounding, amplified alike, their last roundings differ) or 4 ulp in all, and within 8 ulp of the truth
    /// (plus the formula's conditioning in the argument, |x f'/f| ulps) wherever the truth is a normal number.
    @Test(arguments: [ElementType.float32, .float64])
    func rewritesAreNoLessAccurate(_ element: ElementType) throws {
        for (text, params, truth) in Self.cases {
            let spec = try Self.spec(text, params: params)
            let naive = Simplifier.exactReciprocals(Simplifier.fold(spec.backward.expr, element: element), element: element)
            let emitted = KernelContext.prepare(spec.backward.expr, element: element)
            #expect(!emitted.isSame(as: naive), "\(text): not rewritten")
            if element == .float32 {
                try compare(text, params, truth, naive, emitted, Float.self)
            } else {
                try compare(text, params, truth, naive, emitted, Double.self)
            }
        }
    }

    func compare<T: FormulaReal>(_ text: String, _ params: [String: Double], _ truth: (R) -> R,
                                                   _ naive: Expr, _ emitted: Expr, _: T.Type) throws {
        let ev = FormulaEvaluator<T>(params: params, model: .kernel)
        var naiveWorst = 0.0, emittedWorst = 0.0, worse = 0
        for x in AccuracyGrid.points(scales: Array(params.values), T.self) where x.magnitude < 1e4 {
            let r = truth(R(x))
            guard r.isFinite, R(x).magnitude < 1e4 else { continue }
            let a = Self.ulps(ev.evaluate(naive, x: x), r), b = Self.ulps(ev.evaluate(emitted, x: x), r)
            // Conditioning of the true function at x: an ulp of x (or of k x) moves it by |x f'(x)/f(x)| ulps.
            let h = R(x).magnitude * 0x1p-30
            let k = x == 0 || r == 0 ? 0 : Double(((truth(R(x) + h) - truth(R(x) - h)) / (2 * h) * R(x) / r).magnitude)
            if b > max(a + 2, 4) { worse += 1; Issue.record("\(text) \(T.self) x = \(x): rewritten \(b) ulp, naive \(a) ulp") }
            if b > 8 + 2 * k { Issue.record("\(text) \(T.self) x = \(x): rewritten \(b) ulp (conditioning \(k))") }
            naiveWorst = max(naiveWorst, a)
            emittedWorst = max(emittedWorst, b)
            if worse > 5 { return }
        }
        // Each pattern cancels or overflows somewhere in the naive form: strictly better there.
        #expect(emittedWorst < naiveWorst, "\(text) \(T.self): rewritten \(emittedWorst), naive \(naiveWorst)")
    }

    /// At -0, +0, +-inf and NaN the rewritten form gives the naive form's value (bit for bit, zero signs
    /// included) wherever that is a number; where the naive form is NaN only from inf/inf or inf - inf, the
    /// limit of the true function (listed here from the closed forms).
    @Test func specialValues() throws {
        let limits: [String: [Double: Double]] = [
            "slope * exp(-slope * x) / (exp(-slope * x) + 1)^2": [-.infinity: 0],
            "exp(x) / (1 + exp(x))^2": [.infinity: 0],
            "exp(3 * x) / (1 + exp(3 * x))": [.infinity: 1],
            "2 / (exp(x) + exp(-x))": [:], "4 / (exp(x) + exp(-x))^2": [:],
        ]
        for (text, params, _) in Self.cases {
            let spec = try Self.spec(text, params: params)
            let naive = Simplifier.exactReciprocals(Simplifier.fold(spec.backward.expr, element: .float64), element: .float64)
            let emitted = KernelContext.prepare(spec.backward.expr, element: .float64)
            let ev = FormulaEvaluator<Double>(params: params, model: .kernel)
            for x in [-0.0, 0.0, .infinity, -.infinity, .nan] {
                let a = ev.evaluate(naive, x: x), b = ev.evaluate(emitted, x: x)
                if x.isNaN { #expect(b.isNaN, "\(text) at NaN: \(b)"); continue }
                if let limit = limits[text]?[x] {
                    #expect(a.isNaN && b == limit, "\(text) at \(x): naive \(a), rewritten \(b), limit \(limit)")
                } else {
                    #expect(a.bitPattern == b.bitPattern, "\(text) at \(x): naive \(a), rewritten \(b)")
                }
            }
        }
    }

    /// The JIT's real kernels (float32) of the issue's two forms: finite and accurate where the naive forms are
    /// NaN (snnTorch, x <= -3.42) or cancel (Norse, x = 4.35: 2.4e-7 instead of 1.1e-7 before).
    @Test func jitKernelsOfTheIssuesForms() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, (text, params, truth)) in [Self.cases[0], Self.cases[2]].enumerated() {
            let spec = try Self.spec(text, params: params, name: "issue\(i)")
            let kernels = try jit.compile(spec, parameters: params, dtype: Float.self)
            let bound = BoundSurrogate<Float>(descriptor: SurrogateJIT.descriptor(spec), backend: .jit,
                                              parameterValues: spec.params.map { params[$0.name]! },
                                              mode: .eval, kernels: kernels.kernelSet)
            let xs: [Float] = [-20, -5, -3.5, -1, 0, 0.3, 4.35, 4.5, 6, 20]
            let g = try bound.backward(xs)
            for (x, v) in zip(xs, g) {
                let r = truth(R(x))
                #expect(v.isFinite, "\(text) x = \(x): \(v)")
                // The kernels' math (4 ulp) on an argument rounded once (k x), conditioning |2 k x| at most 50 here.
                #expect(Self.ulps(v, r) <= 8 + 2 * Double(abs(x)) * 25, "\(text) x = \(x): \(v), true \(r)")
            }
        }
    }

    /// The PyTorch module is made by the same rewrites.
    @Test func torchModuleUsesTheStableForm() throws {
        let spec = try Self.spec(Self.cases[2].0, params: Self.cases[2].1)
        let module = try TorchSource.render(spec: spec)
        #expect(module.contains("_kg_sigmoid_grad("))
    }
}

/// `kernelgen check`'s accuracy report on the issue's examples, the built-in specs and forms nothing rewrites.
@Suite struct AccuracyReportTests {
    /// snnTorch's form: as written, NaN in float32 for x <= -(ln(FLT_MAX) - ln 25) / 25 (the numerator
    /// 25 e^{-25x} overflows; computed here by hand), located at the overflowing square; the emitted form clean.
    @Test func snnTorchSigmoidForm() throws {
        let text = "slope * exp(-slope * x) / (exp(-slope * x) + 1)^2"
        let spec = try StableRewriteTests.spec(text, params: ["slope": 25])
        let result = AccuracyReport.analyse(spec)
        let written = try #require(result.rows.first { $0.formula == "backward" && $0.dtype == "f32" && $0.form == "as written" })
        let emitted = try #require(result.rows.first { $0.formula == "backward" && $0.dtype == "f32" && $0.form == "emitted" })
        let threshold = -(log(Double(Float.greatestFiniteMagnitude)) - log(25)) / 25
        let nan = try #require(written.nonFinite.first)
        #expect(nan.lower == nil)
        #expect(abs(try #require(nan.upper) - threshold) < 1e-4, "\(nan)")
        #expect(!written.inaccurate.isEmpty)
        #expect(!emitted.hasProblems, "\(emitted)")
        #expect(emitted.rewrites == [StableRewrite.logisticDensityQuotient.rawValue])
        #expect(result.diagnostics.allSatisfy { $0.severity == .note && $0.id == .stableRewrite }, "\(result.diagnostics)")
        let column = 11 + text.distance(from: text.startIndex, to: text.range(of: "^2")!.lowerBound) // the square's operator
        #expect(result.diagnostics.contains { $0.location == SourceLocation(file: "demo.yaml", line: 6, column: column) && $0.message.contains("float32") },
                "\(result.diagnostics)")
    }

    @Test func norseTanhForm() throws {
        let spec = try StableRewriteTests.spec("1 - tanh(k * x)^2", params: ["k": 2])
        let result = AccuracyReport.analyse(spec)
        let written = try #require(result.rows.first { $0.dtype == "f32" && $0.form == "as written" && $0.formula == "backward" })
        #expect(written.cause?.hasPrefix("cancels") == true, "\(written)")
        #expect(written.inaccurate.contains { ($0.lower ?? -.infinity) <= 4.35 && 4.35 <= ($0.upper ?? .infinity) }, "\(written.inaccurate)")
        #expect(result.rows.filter { $0.form == "emitted" }.allSatisfy { !$0.hasProblems })
    }

    /// Forms no rewrite covers stay warnings, with their stable ids and the responsible sub-expression.
    @Test func unrewrittenFormsWarn() throws {
        let cancel = AccuracyReport.analyse(try StableRewriteTests.spec("exp(x) - 1")).diagnostics
        #expect(cancel.contains { $0.id == .cancellation && $0.severity == .warning && $0.message.contains("`(exp(x) - 1)` cancels") }, "\(cancel)")
        let overflow = AccuracyReport.analyse(try StableRewriteTests.spec("exp(x) / exp(x)")).diagnostics
        let found = try #require(overflow.first { $0.id == .nonFiniteInDType && $0.message.contains("float32") })
        #expect(found.message.contains("x in [88.723, "), "\(found.message)")
    }

    /// SpikeDE's five surrogates: no warning at their defaults. (A spec a user adds may well warn: a warning is
    /// for its author, not a test failure, so this names SpikeDE's five.)
    @Test func seedSpecsHaveNoWarnings() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Specs").path
        let seed: Set = ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold"]
        let specSet = try SpecSet.load(directory: dir)
        #expect(Set(specSet.specs.map(\.name)).isSuperset(of: seed))
        for spec in specSet.specs where seed.contains(spec.name) {
            let warnings = AccuracyReport.analyse(spec).diagnostics.filter { $0.severity >= .warning }
            #expect(warnings.isEmpty, "\(spec.name): \(warnings)")
        }
    }

    /// The report's evaluator against the compiled kernels (JIT, float32 and float64) of every built-in spec on
    /// a grid: within 16 ulp (the kernels' math is held to 4 ulp, the evaluator's to 0.5; a few operations
    /// follow) or 16 ulp of the peak, so its verdicts are the kernels'.
    @Test func evaluatorTracksTheKernels() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        for spec in try SpecSet.load(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Specs").path).specs {
            let kernels = try jit.compile(spec, parameters: spec.defaults, dtype: Float.self)
            let bound = BoundSurrogate<Float>(descriptor: SurrogateJIT.descriptor(spec), backend: .jit,
                                              parameterValues: spec.params.map(\.defaultValue),
                                              mode: .train(sample: false, seed: 0), kernels: kernels.kernelSet)
            let xs = (0...2000).map { Float(-10) + Float($0) / 100 }
            let y = try bound.forward(xs, step: 0)
            let g = try bound.backward(xs, y: y)
            let ev = FormulaEvaluator<Float>(params: spec.defaults, model: .kernel)
            let b = KernelContext.prepare(spec.backward.expr, element: .float32, meanField: true)
            let peak = g.map(\.magnitude).max()!
            for (i, x) in xs.enumerated() {
                let v = ev.evaluate(b, x: x, y: y[i])
                #expect(abs(v - g[i]) <= 16 * max(g[i].magnitude.ulp, peak.ulp), "\(spec.name) x = \(x): evaluator \(v), kernel \(g[i])")
            }
        }
    }
}

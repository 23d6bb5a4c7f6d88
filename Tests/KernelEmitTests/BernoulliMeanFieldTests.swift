import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// `bernoulli(p)`'s mean field is p clamped to [0, 1] (NaN stays NaN) in every evaluator that replaces noise by
/// its mean: the emitters' `Simplifier.meanField`, the reference evaluator, the dtype and Float80 evaluators of
/// the accuracy report. Expected values are written here from the definition, not computed by the table.
@Suite struct BernoulliMeanFieldTests {
    static let scope = FormulaScope(field: "train_forward", params: ["s"], allowsForwardOutput: false, allowsNoise: true)

    static func parse(_ text: String) throws -> Expr {
        let (e, issues) = FormulaParser.parse(text, scope: scope)
        #expect(issues.isEmpty, "\(issues)")
        return try #require(e)
    }

    /// p, and the mean the spec means: the probability of drawing 1.
    static let cases: [(Double, Double)] = [
        (0.3, 0.3), (0, 0), (1, 1), (1.5, 1), (-0.5, 0), (.infinity, 1), (-.infinity, 0), (1e-300, 1e-300), (0.999999, 0.999999),
    ]

    @Test func meanFieldIsTheClampedProbability() throws {
        let e = try Self.parse("bernoulli(s * x)")
        let mean = Simplifier.meanField(e)
        #expect(!mean.usesNoise)
        #expect("\(mean)" == "clamp((s * x), 0, 1)")
        for (p, want) in Self.cases {
            let reference = FormulaEvaluator<Double>(params: ["s": 1])
            #expect(reference.evaluate(mean, x: p) == want)
            #expect(reference.evaluate(e, x: p) == want, "the reference evaluator takes the mean at p = \(p)")
            #expect(FormulaEvaluator<Float>(params: ["s": 1], model: .kernel).evaluate(e, x: Float(p)) == Float(want))
            #expect(FormulaEvaluator<Double>(params: ["s": 1], model: .kernel).evaluate(e, x: p) == want)
            #expect(FormulaEvaluator<Float80>(params: ["s": 1]).evaluate(e, x: Float80(p)) == Float80(want))
        }
        #expect(FormulaEvaluator<Double>(params: ["s": 1]).evaluate(e, x: .nan).isNaN)
        #expect(FormulaEvaluator<Float>(params: ["s": 1], model: .kernel).evaluate(e, x: .nan).isNaN)
        #expect(FormulaEvaluator<Float80>(params: ["s": 1]).evaluate(e, x: .nan).isNaN)
    }

    /// Noise inside the probability is mean-field too (the uniform's 0.5), and constant means stay numbers.
    @Test func nestedAndConstantMeans() throws {
        #expect("\(Simplifier.meanField(try Self.parse("bernoulli(uniform() * s)")))" == "clamp((0.5 * s), 0, 1)")
        #expect("\(Simplifier.meanField(try Self.parse("x + logistic()")))" == "(x + 0)")
        #expect(FunctionTable.function(named: "bernoulli")?.meanDescription == "clamp(a, 0, 1)")
        #expect(FunctionTable.function(named: "uniform")?.meanDescription == "0.5")
    }

    /// The emitted mean-field kernel clamps; the sampling kernel compares the call site's draw with p.
    @Test func printedKernels() throws {
        let e = try Self.parse("bernoulli(s * x)")
        let c = ExpressionPrinter(Dialect(.c, .float32))
        #expect(c.print(KernelContext.prepare(e, element: .float32, meanField: true)) == "kg_clampf((p_s * xi), 0x0p+0f, 0x1p+0f)")
        #expect(c.print(KernelContext.prepare(e, element: .float32)) == "kg_bernoullif((p_s * xi), kg_noise_bitsf(seed, offset + i, 0u))")
    }

    /// bernoulli has no derivative: a primitive cannot call it (noise), and the differentiator refuses it.
    @Test func notDifferentiable() throws {
        let primitive = FormulaScope(field: "primitive", params: [], allowsForwardOutput: false, allowsNoise: false)
        let (_, issues) = FormulaParser.parse("bernoulli(x)", scope: primitive)
        #expect(issues.map(\.id) == [.noiseOutsideTrainForward])
        #expect(issues.first?.offset == 0)
    }
}

import RealModule
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// `Derivative`'s rules: the derivative AST of each function (and operator) evaluated in Float80 by the
/// independent `FormulaReference`, against the analytic derivative written here, at ordinary points and the
/// special values (+-0, +-inf, NaN, the domain's edges). Then every rule of the table against a Float80 central
/// difference of the function (so a new function's rule is checked without an edit here).
@Suite struct DerivativeRuleTests {
    typealias R = Float80
    let scope = FormulaScope(field: "primitive", params: ["c"], allowsForwardOutput: false, allowsNoise: false)

    func derivative(_ text: String) throws -> Expr? {
        let (e, issues) = FormulaParser.parse(text, scope: scope)
        #expect(issues.isEmpty, "\(issues)")
        return try Derivative.of(try #require(e))
    }

    /// Compares the derivative of `text` with `expected` at `points`: equal NaN-ness, equal infinities, else within
    /// 4 ulp of Float80 (the two are the same formula up to the order of a few roundings).
    func expectDerivative(_ text: String, _ points: [R], c: R = 1.5, _ expected: (R) -> R,
                          sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let d = try #require(try derivative(text), "\(text): derivative 0", sourceLocation: sourceLocation)
        let reference = FormulaReference(parameters: ["c": c])
        for x in points {
            let got = try reference.evaluate(d, x: x), want = expected(x)
            let ok = got.isNaN ? want.isNaN : (want.isInfinite || want == 0) ? got == want
                : (got - want).magnitude <= 4 * want.ulp.magnitude * 8
            #expect(ok, "d/dx \(text) at x = \(x): got \(got), expected \(want) [\(d)]", sourceLocation: sourceLocation)
        }
    }

    let ordinary: [R] = [-3.25, -1, -0.375, 0.125, 0.5, 2, 7.75]
    let special: [R] = [0, -0.0, .infinity, -.infinity, .nan]

    @Test func operators() throws {
        try expectDerivative("x + c", ordinary + special) { $0.isNaN ? 1 : 1 }            // d(c) is no term: 1 even at NaN
        try expectDerivative("c - x", ordinary + special) { _ in -1 }
        try expectDerivative("-x * c", ordinary + special) { _ in -1.5 }
        try expectDerivative("x * x", ordinary + special) { 2 * $0 }
        try expectDerivative("x / c", ordinary + special) { _ in 1 / 1.5 }
        try expectDerivative("c / x", ordinary + special) { -1.5 / ($0 * $0) }
        try expectDerivative("x / (1 + x * x)", ordinary + [0]) { (1 - $0 * $0) / ((1 + $0 * $0) * (1 + $0 * $0)) }
        try expectDerivative("x ^ 3", ordinary + special) { 3 * $0 * $0 }
        try expectDerivative("x ^ 0.5", [0.125, 0.5, 2, 7.75, 0, .infinity]) { 0.5 / $0.squareRoot() }   // +inf at 0
        try expectDerivative("x ^ c", [0.125, 0.5, 2, 7.75]) { 1.5 * R.pow($0, 0.5) }
        try expectDerivative("c ^ x", ordinary) { R.pow(1.5, $0) * R.log(1.5) }
        try expectDerivative("x ^ x", [0.125, 0.5, 2, 7.75]) { R.pow($0, $0) * (R.log($0) + 1) }
        #expect(try derivative("x ^ 0") == nil)                                   // x^0 = 1 for every x (pow)
        for step in ["x < c", "!(x > 0)", "x >= 0 && x < 1"] { #expect(try derivative(step) == nil, "\(step)") }
    }

    @Test func smoothFunctions() throws {
        try expectDerivative("exp(x)", ordinary + special) { R.exp($0) }                 // 0 at -inf, inf at inf
        try expectDerivative("expm1(x)", ordinary + special) { R.exp($0) }
        try expectDerivative("log(x)", [0.125, 0.5, 2, 7.75, 0, -0.0, .infinity, .nan]) { 1 / $0 }   // +-inf at +-0
        try expectDerivative("log1p(x)", [-0.5, 0.125, 2, -1, .infinity, .nan]) { 1 / (1 + $0) }      // inf at -1
        try expectDerivative("sqrt(x)", [0.125, 0.5, 2, 7.75, 0, .infinity, .nan]) { 0.5 / $0.squareRoot() }
        try expectDerivative("sigmoid(x)", ordinary + special) { x in let s = 1 / (1 + R.exp(-x)); return s * (1 - s) }
        try expectDerivative("tanh(x)", ordinary + special) { 1 - R.tanh($0) * R.tanh($0) }
        try expectDerivative("atan(x)", ordinary + special) { 1 / (1 + $0 * $0) }
        try expectDerivative("erf(x)", ordinary + special) { 2 / R.sqrt(.pi) * R.exp(-$0 * $0) }
        // The chain rule: (f(c x))' = c f'(c x).
        try expectDerivative("sigmoid(c * x)", ordinary + special) { x in let s = 1 / (1 + R.exp(-1.5 * x)); return 1.5 * s * (1 - s) }
        try expectDerivative("exp(-(x^2))", ordinary + [0, .nan]) { -2 * $0 * R.exp(-$0 * $0) }
    }

    @Test func kinksAndSteps() throws {
        // abs(x)' = sign(x): 0 at 0, -0 at -0, NaN at NaN
        try expectDerivative("abs(x)", ordinary + special) { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }
        let absAtMinusZero = try FormulaReference(parameters: [:]).evaluate(try #require(try derivative("abs(x)")), x: -0.0)
        #expect(absAtMinusZero == 0 && absAtMinusZero.sign == .minus)
        // Steps: 0 almost everywhere, no term at all.
        for step in ["sign(x)", "heaviside(x)", "heaviside(x - c) * c", "where(x < 0, 1, 2)"] {
            #expect(try derivative(step) == nil, "\(step)")
        }
        // Selects: the select of the derivatives, with the value's own comparison (NaN picks as the value does:
        // min(NaN, c) = NaN picks the first operand, whose derivative is 1).
        try expectDerivative("min(x, c)", ordinary + special) { $0 <= 1.5 || $0.isNaN ? 1 : 0 }
        try expectDerivative("max(x, c)", ordinary + special) { $0 >= 1.5 || $0.isNaN ? 1 : 0 }
        try expectDerivative("max(2 * x, x)", ordinary + special) { x in 2 * x < x ? 1 : 2 }
        try expectDerivative("clamp(x, -1, c)", ordinary + special) { $0 >= -1 && $0 <= 1.5 || $0.isNaN ? 1 : 0 }
        try expectDerivative("where(x > 0, x * x, -x)", ordinary + special) { $0 > 0 ? 2 * $0 : -1 }
    }

    /// The simplifications are structural (no term for a subtree without x, no factor 1) and nothing else.
    @Test func exactFormsAreKept() throws {
        #expect(try derivative("c * exp(x)")?.description == "(c * exp(x))")
        #expect(try derivative("exp(x) * c")?.description == "(c * exp(x))")       // (a b)' = b a' + a b'
        #expect(try derivative("x * exp(x)")?.description == "(exp(x) + (x * exp(x)))")
        #expect(try derivative("x + 0")?.description == "1")
        #expect(try derivative("sigmoid(c * x)")?.description == "((sigmoid((c * x)) * (1 - sigmoid((c * x)))) * c)")
        #expect(try derivative("x * 0")?.description == "0")                       // (x * 0)' = x * 0' + 1 * 0 ... = 0: the rule's own 0
        #expect(try derivative("c") == nil)
        #expect(try derivative("pi * c + 2") == nil)
    }

    /// Every rule of the table against a central difference in Float80 (h = 2^-20 |x|, error ~1e-12 relative) of the
    /// function on affine arguments, at points away from kinks (where the left and right differences agree).
    @Test func everyRuleAgreesWithAFiniteDifference() throws {
        var checked = 0
        for f in FunctionTable.all where !f.isNoise && Derivative.rules[f.name] != nil {
            let args = (0..<f.arity).map { "(\(0.75 + 0.5 * Double($0)) * x + \(0.25 * Double($0)))" }
            let text = "\(f.name)(\(args.joined(separator: ", ")))"
            let (e, _) = FormulaParser.parse(text, scope: scope)
            let primitive = try #require(e)
            let d = try Derivative.of(primitive)
            let reference = FormulaReference(parameters: [:])
            for x: R in [-2.3, -0.7, 0.3, 0.9, 1.7, 3.1] {
                let h = x.magnitude * 0x1p-20
                let f0 = try reference.evaluate(primitive, x: x)
                let left = (f0 - (try reference.evaluate(primitive, x: x - h))) / h
                let right = ((try reference.evaluate(primitive, x: x + h)) - f0) / h
                let central = (left + right) / 2
                guard central.isFinite, (left - right).magnitude <= 1e-4 * max(1, central.magnitude) else { continue } // a kink
                let got = try d.map { try reference.evaluate($0, x: x) } ?? 0
                #expect((got - central).magnitude <= 1e-9 * max(1, central.magnitude), "\(text) at x = \(x): rule \(got), difference \(central)")
                checked += 1
            }
        }
        #expect(checked >= 60)
    }
}

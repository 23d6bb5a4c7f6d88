import SurrogateSpec
import SurrogateTestSupport
import Testing

/// The Float80 formula reference of the tests, checked on its own: it knows every function a spec may
/// call, and it agrees with the Double `FormulaEvaluator` (an independent implementation) where Double
/// is accurate, including the select and NaN rules.
@Suite struct FormulaReferenceTests {
    typealias R = Float80

    @Test func knowsEveryFunctionOfTheTable() {
        for f in FunctionTable.all { #expect(FormulaReference.knows(f.name), "\(f.name)") }
        #expect(!FormulaReference.knows("no_such_function"))
    }

    func parse(_ text: String) throws -> Expr {
        let yaml = "name: probe\nsummary: s\nparams:\n  k: 0.75\ntrain_forward: \(text)\nbackward: y\n"
        let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: "probe.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(spec?.trainForward?.expr)
    }

    @Test(arguments: [
        "exp(x)", "expm1(x / 8)", "log(abs(x))", "log1p(x)", "sqrt(x)", "abs(x)", "sign(x)", "min(x, k)", "max(x, k)",
        "clamp(x, -1, 1)", "sigmoid(k * x)", "tanh(x)", "atan(k * x)", "erf(x)", "heaviside(x)", "where(x > 0, k, 1 - k)",
        "x^3 / 100", "2^(x / 4)", "(-x)^2", "0 + !(x < k) + (x == 0) + (x != 0) * 2 + (x <= 0 || x >= 1) + (x > 0 && x < 1)",
        "pi * e - x", "-x + +k", "sigmoid(k * x + logistic()) + uniform()", "erfc(x)", "sin(x) + 2 * cos(x)",
        "floor(x) + 2 * ceil(x) + 4 * trunc(x) + 8 * round(x)", "bernoulli(k * x)", "log1p(-x) + expm1(-x)",
    ])
    func agreesWithTheDoubleEvaluator(_ formula: String) throws {
        let expr = try parse(formula)
        let float80 = FormulaReference(parameters: ["k": 0.75])
        let double = FormulaEvaluator<Double>(params: ["k": 0.75])
        for x in [-7.5, -1, -0.3, -0.0, 0, 1e-300, 0.2, 0.75, 1, 2.5, 30, .infinity, -.infinity, .nan] {
            let got = try float80.evaluate(expr, x: R(x))
            let expected = double.evaluate(expr, x: x)
            if expected.isNaN {
                #expect(got.isNaN, "\(formula) at \(x): \(got)")
            } else {
                #expect(Double(got) == expected || abs(Double(got) - expected) <= 1e-14 * abs(expected),
                        "\(formula) at \(x): \(got) vs \(expected)")
            }
        }
    }

    /// The rules docs/specs.md states, spelled out.
    @Test func statedEdgeRules() throws {
        let r = FormulaReference(parameters: [:])
        #expect(try r.evaluate(try parse("heaviside(x)"), x: -0.0) == 1)
        #expect(try r.evaluate(try parse("heaviside(x)"), x: .nan) == 0)
        #expect(try r.evaluate(try parse("min(x, 1)"), x: .nan).isNaN)
        #expect(try r.evaluate(try parse("min(1, x)"), x: .nan) == 1)
        #expect(try r.evaluate(try parse("sign(x)"), x: -0.0).sign == .minus)
        #expect(try r.evaluate(try parse("x^2"), x: -3) == 9)
        #expect(try r.evaluate(try parse("uniform() + logistic()"), x: 0) == 0.5)
    }
}

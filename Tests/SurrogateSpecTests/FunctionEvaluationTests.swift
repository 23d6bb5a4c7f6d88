import Foundation
import Testing
@testable import SurrogateSpec

/// Each function of the table has one meaning (`FormulaFunction.evaluate`), generic over the number type, which
/// every evaluator uses: it is defined for every entry, agrees across Float, Double and Float80 to each type's
/// precision, and keeps IEEE's signed zeros, infinities and NaN (C's libm: log1p(-0) = -0, expm1(-0) = -0, ...).
@Suite struct FunctionEvaluationTests {
    static let functions = FunctionTable.all + FunctionTable.fused

    @Test func everyFunctionHasAMeaningInEveryType() {
        for f in Self.functions {
            let args = [0.375, 0.25, 0.75].prefix(f.arity)
            let d = f.evaluate(args.map { Double($0) })
            let e = f.evaluate(args.map { Float80($0) })
            let s = f.evaluate(args.map { Float($0) })
            #expect(d.isFinite && e.isFinite && s.isFinite, "\(f.name): \(d) \(e) \(s)")
            #expect(abs(Double(e) - d) <= 2 * d.ulp, "\(f.name): Float80 \(e) vs Double \(d)")
            #expect(abs(Double(s) - d) <= 2 * Double(Float(d).ulp), "\(f.name): Float \(s) vs Double \(d)")
        }
    }

    /// At -0, +-inf and NaN each function gives C's answer (glibc's libm for the transcendental ones; the kernels'
    /// select rules for the rest), in Double and Float80 alike.
    @Test func edgeValuesAreCs() {
        let cases: [(String, Double, Double)] = [
            ("log1p", -0.0, -0.0), ("expm1", -0.0, -0.0), ("tanh", -0.0, -0.0), ("atan", -0.0, -0.0), ("erf", -0.0, -0.0),
            ("sin", -0.0, -0.0), ("sqrt", -0.0, -0.0), ("trunc", -0.0, -0.0), ("round", -0.4, -0.0), ("floor", -0.0, -0.0),
            ("ceil", -0.5, -0.0), ("sign", -0.0, -0.0), ("abs", -0.0, 0.0), ("heaviside", -0.0, 1), ("exp", -.infinity, 0),
            ("expm1", -.infinity, -1), ("log", 0, -.infinity), ("log1p", -1, -.infinity), ("erfc", .infinity, 0),
            ("sigmoid", -.infinity, 0), ("sigmoid_grad", .infinity, 0), ("atan", .infinity, Double.pi / 2),
            ("heaviside", .nan, 0), ("sin", .infinity, .nan), ("log", -1, .nan), ("exp", .nan, .nan),
        ]
        for (name, x, want) in cases {
            let f = try! #require(FunctionTable.function(named: name))
            for got in [f.evaluate([x]), Double(f.evaluate([Float80(x)]))] {
                if want.isNaN {
                    #expect(got.isNaN, "\(name)(\(x)) = \(got)")
                } else {
                    #expect(got == want && got.sign == want.sign, "\(name)(\(x)) = \(got), expected \(want)")
                }
            }
        }
        #expect(FunctionTable.function(named: "min")!.evaluate([Double.nan, 1]).isNaN)
        #expect(FunctionTable.function(named: "min")!.evaluate([1, Double.nan]) == 1)
    }
}

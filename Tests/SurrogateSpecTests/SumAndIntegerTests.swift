import Foundation
import Testing
@testable import SurrogateSpec

/// `integer: true` parameters and `sum(i, from, to, body)`: every new check with its exact message, id and
/// `file:line:column`, and the Double reference evaluator's sums.
@Suite struct SumAndIntegerTests {
    let file = "Specs/demo.yaml"

    func expectDiagnostic(_ marked: String, _ id: Diagnostic.ID, _ message: String, fixIt: FixIt? = nil,
                          sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let source = MarkedSource(marked)
        let (spec, diagnostics) = SpecLoader.load(yaml: source.text, file: file)
        let expected = Diagnostic(id, .error, at: source.location(file: file), message, fixIt: fixIt)
        #expect(diagnostics.contains(expected), "got:\n\(diagnostics.map(\.description).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
        #expect(spec == nil, sourceLocation: sourceLocation)
    }

    static let header = "name: demo\nsummary: d.\nparams:\n  n: {default: 4, integer: true, min: 1, max: 64}\n  width: 2.0\n"

    @Test func squarewaveLoadsAndEvaluates() throws {
        let yaml = Self.header + "backward: (4 / width) * sum(i, 1, n - 1, cos((2 * i - 1) * 2 * pi / width * x))\n"
        let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let s = try #require(spec)
        #expect(s.params[0] == Parameter(name: "n", defaultValue: 4, min: 1, max: 64, integer: true))
        let e = s.backward.expr
        // Terms written out by hand: i = 1, 2, 3 at n = 4, width = 2.
        for x in [0.0, 0.3, -1.7] {
            let expected = (4.0 / 2) * ((0 + cos(1 * 2 * Double.pi / 2 * x)) + cos(3 * 2 * Double.pi / 2 * x) + cos(5 * 2 * Double.pi / 2 * x))
            #expect(FormulaEvaluator<Double>(params: ["n": 4, "width": 2]).evaluate(e, x: x) == expected)
        }
        // n = 1: the empty range, +0.
        let empty = FormulaEvaluator<Double>(params: ["n": 1, "width": 2]).evaluate(e, x: 0.5)
        #expect(empty == 0 && empty.sign == .plus)
    }

    /// `m * m - 1` for m in [-4096, 4096] is within [-1, 2^24 - 1]; the corners of m times m ([-2^24, 2^24]) would
    /// put it at -2^24 - 1 and refuse the spec.
    @Test func aSquareInABoundIsNotNegative() throws {
        let yaml = "name: demo\nsummary: d.\nparams:\n  m: {default: 3, integer: true, min: -4096, max: 4096}\n"
            + "backward: sum(i, m * m - 1, m * m, x)\n"
        let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let e = try #require(spec).backward.expr
        #expect(FormulaEvaluator<Double>(params: ["m": -3]).evaluate(e, x: 0.25) == 0.5)  // i = 8, 9
    }

    @Test func nestedSumsAndIndexScope() throws {
        let yaml = Self.header + "backward: sum(i, 0, n, sum(j, -1, 1, i * j + x)) + x\n"
        let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let e = try #require(spec).backward.expr
        // sum over i in 0...2, j in -1...1 of (i j + x) = 9 x, plus x.
        #expect(FormulaEvaluator<Double>(params: ["n": 2, "width": 2]).evaluate(e, x: 0.25) == 2.5)
    }

    @Test func integerParameterChecks() {
        expectDiagnostic("name: demo\nparams:\n  n: {default: ⟦2.5, integer: true, min: 1, max: 8}\nbackward: x\n", .nonIntegerValue,
                         "default 2.5 of integer parameter `n` is not an integer; expected a whole number such as `3`")
        expectDiagnostic("name: demo\nparams:\n  n: {default: 2, integer: true, min: ⟦0.5, max: 8}\nbackward: x\n", .nonIntegerValue,
                         "`min` 0.5 of integer parameter `n` is not an integer; expected a whole number such as `1`")
        expectDiagnostic("name: demo\nparams:\n  ⟦n: {default: 2, integer: true, min: 1}\nbackward: x\n", .missingIntegerBounds,
                         "integer parameter `n` needs both `min` and `max`; expected integer bounds such as `min: 1` and `max: 64`")
        expectDiagnostic("name: demo\nparams:\n  n: {default: 2, integer: ⟦yes, min: 1, max: 8}\nbackward: x\n", .wrongFieldType,
                         "`integer` of `n` must be `true` or `false`")
        expectDiagnostic("name: demo\nparams:\n  n: {default: 2, integer: true, min: 1, max: ⟦20000000}\nbackward: x\n", .limitExceeded,
                         "`max` 20000000 of integer parameter `n` is beyond 2^24; expected integer values within [-16777216, 16777216] (exact in float32)")
    }

    @Test func sumChecks() {
        func expectFormula(_ marked: String, _ id: Diagnostic.ID, _ message: String, fixIt: FixIt? = nil,
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            expectDiagnostic(Self.header + "backward: " + marked, id, "in `backward`: " + message, fixIt: fixIt, sourceLocation: sourceLocation)
        }
        expectFormula("sum(⟦x, 1, n, x)\n", .badSumIndex,
                         "summation index `x` is named like the input `x`; expected a new name (not `x`, `y`, `grad_out`, a parameter, a neuron's state or step variable, a constant or an enclosing index)")
        expectFormula("sum(⟦width, 1, n, x)\n", .badSumIndex,
                         "summation index `width` is named like the parameter `width`; expected a new name (not `x`, `y`, `grad_out`, a parameter, a neuron's state or step variable, a constant or an enclosing index)")
        expectFormula("sum(⟦pi, 1, n, x)\n", .badSumIndex,
                         "summation index `pi` is named like the constant `pi`; expected a new name (not `x`, `y`, `grad_out`, a parameter, a neuron's state or step variable, a constant or an enclosing index)")
        expectFormula("sum(i, 1, n, sum(⟦i, 1, 2, i))\n", .badSumIndex,
                         "summation index `i` is named like an enclosing sum's index; expected a new name (not `x`, `y`, `grad_out`, a parameter, a neuron's state or step variable, a constant or an enclosing index)")
        expectFormula("sum(⟦1, 1, n, x)\n", .formulaSyntax,
                         "expected the name of the summation index as the first argument of `sum`, found `1`")
        expectFormula("⟦sum(i, 1, n)\n", .wrongArity, "`sum` takes 4 arguments (index, from, to, expression), got 3")
        expectFormula("sum(i, 1, ⟦width, x)\n", .nonIntegerBound,
                         "the bounds of `sum` may use integer parameters only; `width` is not `integer: true`")
        expectFormula("sum(i, ⟦0.5, n, x)\n", .nonIntegerBound, "the bounds of `sum` must be integers; found 0.5")
        expectFormula("sum(i, 1, n ⟦/ 2, x)\n", .nonIntegerBound,
                         "the bounds of `sum` must be integer expressions of integer parameters and integer literals with `+`, `-`, `*`; found `(n / 2)`")
        expectFormula("sum(i, 1, ⟦x, x)\n", .nonIntegerBound,
                         "the bounds of `sum` must be integer expressions of integer parameters and integer literals with `+`, `-`, `*`; found `x`")
        // The index is visible in the body only.
        expectFormula("sum(i, 1, n, x) + ⟦i\n", .unknownIdentifier,
                         "unknown identifier `i`; did you mean `e`?", fixIt: FixIt(original: "i", replacement: "e"))
        expectFormula("⟦sum(i, 1, n * 100, x)\n", .limitExceeded,
                         "`sum` has up to 6400 terms for `n` in [1, 64]; expected at most 4096 terms per element in a formula (nested sums multiply)")
        expectFormula("⟦sum(i, 1, n, sum(j, 1, 65, x))\n", .limitExceeded,
                         "`sum` has up to 4160 terms for `n` in [1, 64]; expected at most 4096 terms per element in a formula (nested sums multiply)")
        expectFormula("⟦sum(i, 1, 4000, x) + sum(j, 1, 100, x)\n", .limitExceeded,
                         "the sums of this formula add up to 4100 terms together; expected at most 4096 terms per element in a formula")
        expectFormula("sum(i, 1, n ⟦* 300000, x)\n", .limitExceeded,
                         "`(n * 300000)` reaches 19200000 for the parameters' bounds; expected the bounds of `sum` within [-16777216, 16777216]")
        // A square is never negative: the message quotes the value it does reach (it said -25000000).
        expectDiagnostic("name: demo\nparams:\n  m: {default: 2, integer: true, min: -5000, max: 5000}\nbackward: sum(i, 1, m ⟦* m, x)\n",
                         .limitExceeded, "in `backward`: `(m * m)` reaches 25000000 for the parameters' bounds; expected the bounds of `sum` within [-16777216, 16777216]")
        expectDiagnostic("name: demo\nparams:\n  n: {default: 2, integer: true, min: 1, max: 8}\ntrain_forward: sum(i, 1, n, ⟦uniform())\nbackward: x\n",
                         .noiseInSum, "in `train_forward`: noise source `uniform()` inside `sum`; the terms of a sum must not draw noise (draw once outside the sum)")
    }
}

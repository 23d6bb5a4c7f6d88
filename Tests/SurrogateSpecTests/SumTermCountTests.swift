import Foundation
import Testing
@testable import SurrogateSpec

/// The term count of `sum` over the integer parameters' box (`SumTermBound`): a parameter in both bounds
/// cancels, against a brute-force count over every integer point of the box written here.
@Suite struct SumTermCountTests {
    static let header = "name: demo\nsummary: d.\nparams:\n  n: {default: 1, integer: true, min: -3, max: 4}\n  m: {default: 0, integer: true, min: 0, max: 5}\n"

    /// The sum's bounds as parsed, from a spec that loads.
    func bounds(_ from: String, _ to: String) throws -> (Expr, Expr) {
        let (spec, diagnostics) = SpecLoader.load(yaml: Self.header + "backward: sum(i, \(from), \(to), x)\n", file: "Specs/demo.yaml")
        let s = try #require(spec, "\(diagnostics)")
        guard case .sum(_, let f, let t, _) = s.backward.expr.kind else { Issue.record("not a sum: \(s.backward.expr)"); throw CancellationError() }
        return (f, t)
    }

    /// The true maximum: every (n, m) of the box, both bounds evaluated, max(0, to - from + 1).
    func bruteForce(_ from: Expr, _ to: Expr) -> Double {
        var most = 0.0
        for n in -3...4 { for m in 0...5 {
            let e = FormulaEvaluator<Double>(params: ["n": Double(n), "m": Double(m)])
            most = max(most, e.evaluate(to, x: 0) - e.evaluate(from, x: 0) + 1)
        } }
        return most
    }

    static let box: [String: ClosedRange<Double>] = ["n": -3...4, "m": 0...5]

    @Test(arguments: [
        ("n", "n + 3"), ("1", "n - 1"), ("n - m", "n + m"), ("n * m - 2", "n * m"), ("2 * n", "3 * n + m"),
        ("-n", "n"), ("m * n", "n"), ("n + m", "n - m"), ("1", "-5"), ("n * m + n", "n * m * 2 - m + 7"),
    ])
    func multilinearBoundsAreExact(_ from: String, _ to: String) throws {
        let (f, t) = try bounds(from, to)
        #expect(SumTermBound.maximum(from: f, to: t, bounds: Self.box) == bruteForce(f, t), "sum(i, \(from), \(to), x)")
    }

    /// A parameter squared: an upper bound, never below the truth.
    @Test(arguments: [("1", "n * n"), ("n * n", "n * n + 2"), ("n", "n * n - m * m")])
    func squaresAreBoundedAbove(_ from: String, _ to: String) throws {
        let (f, t) = try bounds(from, to)
        let bound = try #require(SumTermBound.maximum(from: f, to: t, bounds: Self.box))
        #expect(bound >= bruteForce(f, t), "sum(i, \(from), \(to), x)")
        #expect(bound <= bruteForce(f, t) + 40, "a tight bound: sum(i, \(from), \(to), x)")
    }

    /// The issue's case: `n` in both bounds was counted as max(to) - min(from) + 1 = 10003 terms and refused.
    @Test func aWindowThatSlidesWithTheParameterHasItsOwnLength() throws {
        let n = "name: demo\nsummary: d.\nparams:\n  n: {default: 1, integer: true, min: 1, max: 10000}\n  k: {default: 1, integer: true, min: 0, max: 2048}\n"
        let ok = SpecLoader.load(yaml: n + "backward: sum(i, n, n + 3, x)\n", file: "Specs/demo.yaml")
        #expect(ok.0 != nil && !ok.1.hasErrors, "\(ok.1)")
        // n - k ... n + k: 2k + 1 terms, at most 4097 at k = 2048, one over the limit; k up to 2047 passes.
        let over = SpecLoader.load(yaml: n + "backward: sum(i, n - k, n + k, x)\n", file: "Specs/demo.yaml")
        #expect(over.1.contains { $0.id == .limitExceeded && $0.message.contains("`sum` has up to 4097 terms for") }, "\(over.1)")
        let under = SpecLoader.load(yaml: n.replacingOccurrences(of: "max: 2048", with: "max: 2047") + "backward: sum(i, n - k, n + k, x)\n",
                                    file: "Specs/demo.yaml")
        #expect(under.0 != nil && !under.1.hasErrors, "\(under.1)")
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RealModule
import SurrogateSpec

/// Evaluates a formula as a kernel of element type `T` (Float or Double) computes it: every literal, parameter,
/// `+ - * /` and comparison rounded to `T`, `^1` to `^4` multiplied out as the printers do, selects with the
/// kernels' rules. Function calls are the one difference from the kernels: each is evaluated in Float80
/// (`HighPrecisionEvaluator`) from its operands as computed in `T`, and rounded to `T` (within about 0.5 ulp of
/// the true value; a function the Float80 table does not know yet uses the function table's Double meaning),
/// where the kernels' own math (`KernelMath` and the C prelude) is held to 4 ulp. So
/// overflow, underflow, NaN and cancellation happen at the same places as in the kernels (they come from the
/// formula's arithmetic, which is the same operation for operation), and an error measured here is the
/// kernels' to within the functions' few ulps. (`kernelgen check` must not link the kernels or the JIT, so it
/// cannot run them; `AccuracyEvaluatorTests` compares this evaluator with the compiled kernels.)
public struct DTypeEvaluator<T: BinaryFloatingPoint & Sendable>: Sendable {
    public var params: [String: Double]
    /// The incoming gradient a backward reading `grad_out` sees (1: the backward as a function of x).
    public var gradOut: T = 1
    /// The enclosing sums' bound variables.
    var indices: [String: Int] = [:]
    public init(params: [String: Double]) { self.params = params }

    public func evaluate(_ e: Expr, x: T, y: T = .nan) -> T {
        switch e.kind {
        case .index(let name): return indices[name].map { T($0) } ?? .nan
        case .sum(let name, let from, let to, let body):
            var inner = self
            return ReferenceEvaluator.sum(from: evaluate(from, x: x, y: y), to: evaluate(to, x: x, y: y)) { k in
                inner.indices[name] = k
                return inner.evaluate(body, x: x, y: y)
            }
        case .number(let v): return T(v)
        case .variable(.x): return x
        case .variable(.y): return y
        case .variable(.gradOut): return gradOut
        case .param(let p): return T(params[p] ?? .nan)
        case .constant(let c): return T(FormulaConstant.values[c] ?? .nan)
        case .local: return .nan
        case .unary(let op, let a):
            let v = evaluate(a, x: x, y: y)
            switch op {
            case .negate: return -v
            case .plus: return v
            case .not: return v == 0 ? 1 : 0
            }
        case .binary(.power, let a, let b):
            let base = evaluate(a, x: x, y: y)
            if case .number(let n) = b.kind, n == n.rounded(), (1...4).contains(n) {
                var p = base
                for _ in 1..<Int(n) { p = p * base }
                return p
            }
            return T(Foundation.pow(Double(base), Double(evaluate(b, x: x, y: y))))
        case .binary(let op, let a, let b):
            return Self.apply(op, evaluate(a, x: x, y: y), evaluate(b, x: x, y: y))
        case .call(let name, let args, _):
            guard let f = FunctionTable.function(named: name) else { return .nan }
            if let mean = FunctionTable.meanField(of: e) { return evaluate(mean, x: x, y: y) }
            let values = args.map { evaluate($0, x: x, y: y) }
            // Correctly rounded to T but for Float80's double rounding, from the operands as T computed them.
            if let v = HighPrecisionEvaluator.call(name, values.map { Float80($0) }) { return T(v) }
            return T(f.evaluate(values.map { Double($0) }))
        }
    }

    static func apply(_ op: BinaryOperator, _ a: T, _ b: T) -> T {
        ReferenceEvaluator.apply(op, a, b) { T(Foundation.pow(Double($0), Double($1))) }
    }
}

/// A formula in Float80 (64-bit significand), the reference of the accuracy report. Functions come from
/// swift-numerics' `RealModule` (glibc's long double math); a function this table does not know (one added to
/// the language since) is computed by its Double meaning, and `limited` says so (then float64 errors below
/// about 1 ulp cannot be told apart). Noise sources take their mean.
public struct HighPrecisionEvaluator: Sendable {
    public typealias R = Float80
    public var params: [String: R]
    /// The incoming gradient a backward reading `grad_out` sees (1: the backward as a function of x).
    public var gradOut: R = 1
    /// The enclosing sums' bound variables.
    var indices: [String: Int] = [:]
    public init(params: [String: R]) { self.params = params }

    public static func knows(_ name: String) -> Bool { call(name, [0.5, 0.25, 0.75]) != nil }

    public func evaluate(_ e: Expr, x: R, y: R = .nan) -> R {
        switch e.kind {
        case .index(let name): return indices[name].map { R($0) } ?? .nan
        case .sum(let name, let from, let to, let body):
            var inner = self
            return ReferenceEvaluator.sum(from: evaluate(from, x: x, y: y), to: evaluate(to, x: x, y: y)) { k in
                inner.indices[name] = k
                return inner.evaluate(body, x: x, y: y)
            }
        case .number(let v): return R(v)
        case .variable(.x): return x
        case .variable(.y): return y
        case .variable(.gradOut): return gradOut
        case .param(let p): return params[p] ?? .nan
        case .constant("pi"): return .pi
        case .constant("e"): return R.exp(1)
        case .constant(let c): return R(FormulaConstant.values[c] ?? .nan)
        case .local: return .nan
        case .unary(let op, let a):
            let v = evaluate(a, x: x, y: y)
            switch op {
            case .negate: return -v
            case .plus: return v
            case .not: return v == 0 ? 1 : 0
            }
        case .binary(let op, let a, let b):
            // C99 pow for `^`, as the kernels call it.
            return ReferenceEvaluator.apply(op, evaluate(a, x: x, y: y), evaluate(b, x: x, y: y), power: powl)
        case .call(let name, let args, _):
            if let mean = FunctionTable.meanField(of: e) { return evaluate(mean, x: x, y: y) }
            let values = args.map { evaluate($0, x: x, y: y) }
            if let v = Self.call(name, values) { return v }
            guard let f = FunctionTable.function(named: name) else { return .nan }
            return R(f.evaluate(values.map { Double($0) }))
        }
    }

    static func call(_ name: String, _ a: [R]) -> R? {
        func min(_ a: R, _ b: R) -> R { b < a ? b : a }
        func max(_ a: R, _ b: R) -> R { a < b ? b : a }
        switch name {
        case "exp": return R.exp(a[0])
        case "expm1": return R.expMinusOne(a[0])
        case "log": return R.log(a[0])
        case "log1p": return R.log(onePlus: a[0])
        case "sqrt": return a[0].squareRoot()
        case "abs": return a[0].magnitude
        case "sign": return a[0] > 0 ? 1 : (a[0] < 0 ? -1 : a[0])
        case "min": return min(a[0], a[1])
        case "max": return max(a[0], a[1])
        case "clamp": return min(max(a[0], a[1]), a[2])
        case "sigmoid": return 1 / (1 + R.exp(-a[0]))
        case "sigmoid_grad":
            let e = R.exp(-a[0].magnitude)
            return e / ((1 + e) * (1 + e))
        case "sigmoid_logistic": return 1 / (1 + R.exp(-a[0]))
        case "tanh": return R.tanh(a[0])
        case "atan": return R.atan(a[0])
        case "erf": return R.erf(a[0])
        case "heaviside": return a[0] >= 0 ? 1 : 0
        case "where": return a[0] != 0 ? a[1] : a[2]
        case "logistic": return 0
        case "uniform": return 0.5
        default: return nil
        }
    }
}

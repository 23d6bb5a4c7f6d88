import Foundation

/// Evaluates formulas in Double, with the same select rules as the kernels. It drives the spec checks
/// (NaN/inf and normalisation warnings), constant folding in the emitters and the JIT tuner's shape
/// figures. Noise sources take their mean (mean-field); tests of the kernels use their own references.
/// `grad_out` is `gradOut`, 1 unless set: a backward as a function of x is the gradient for an incoming 1.
public struct ReferenceEvaluator: Sendable {
    public var params: [String: Double]
    /// The incoming gradient a backward reading `grad_out` sees.
    public var gradOut: Double = 1

    public init(params: [String: Double]) { self.params = params }

    public func evaluate(_ e: Expr, x: Double, y: Double = .nan) -> Double {
        evaluate(e, x: x, y: y, indices: [:])
    }

    /// `indices`: the values of the enclosing sums' bound variables.
    func evaluate(_ e: Expr, x: Double, y: Double, indices: [String: Int]) -> Double {
        func evaluate(_ e: Expr, x: Double, y: Double) -> Double { self.evaluate(e, x: x, y: y, indices: indices) }
        switch e.kind {
        case .number(let v): return v
        case .variable(.x): return x
        case .variable(.y): return y
        case .variable(.gradOut): return gradOut
        case .param(let p): return params[p] ?? .nan
        case .constant(let c): return FormulaConstant.values[c] ?? .nan
        case .local: return .nan // emitter-only: locals exist in emitted code, never in parsed formulas
        case .index(let name): return indices[name].map(Double.init) ?? .nan
        case .sum(let name, let from, let to, let body):
            var inner = indices
            return Self.sum(from: evaluate(from, x: x, y: y), to: evaluate(to, x: x, y: y)) { k in
                inner[name] = k
                return self.evaluate(body, x: x, y: y, indices: inner)
            }
        case .unary(let op, let a):
            let v = evaluate(a, x: x, y: y)
            switch op {
            case .negate: return -v
            case .plus: return v
            case .not: return v == 0 ? 1 : 0
            }
        case .binary(let op, let a, let b):
            return Self.apply(op, evaluate(a, x: x, y: y), evaluate(b, x: x, y: y))
        case .call(let name, let args, _):
            guard let f = FunctionTable.function(named: name) else { return .nan }
            if let mean = FunctionTable.meanField(of: e) { return evaluate(mean, x: x, y: y) }
            return f.evaluate(args.map { evaluate($0, x: x, y: y) })
        }
    }

    /// An integral value as an Int (the bounds of a sum), nil otherwise.
    /// `v` as an integer when it is one (a sum's bound); nil otherwise.
    public static func integer(_ v: Double) -> Int? {
        v.isFinite && v == v.rounded() && v.magnitude <= 0x1p53 ? Int(v) : nil
    }

    /// A `sum` as the kernels compute it, in any floating type: the terms for k = from, from + 1, ..., to, added in
    /// that order to +0 (an empty range is +0); NaN when a bound is not an integer.
    public static func sum<T: BinaryFloatingPoint>(from: T, to: T, _ term: (Int) -> T) -> T {
        guard let lo = integer(Double(from)), let hi = integer(Double(to)) else { return .nan }
        var total: T = 0
        var k = lo
        while k <= hi {
            total = total + term(k)
            k += 1
        }
        return total
    }

    public static func apply(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Double {
        apply(op, a, b, power: Foundation.pow)
    }

    /// A binary operator with the kernels' rules in any floating type (one rounding per operation; comparisons
    /// and logic give 1 or 0, NaN compares false); `power` is the type's `^`.
    public static func apply<T: BinaryFloatingPoint>(_ op: BinaryOperator, _ a: T, _ b: T, power: (T, T) -> T) -> T {
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return power(a, b)
        case .less: return a < b ? 1 : 0
        case .lessEqual: return a <= b ? 1 : 0
        case .greater: return a > b ? 1 : 0
        case .greaterEqual: return a >= b ? 1 : 0
        case .equal: return a == b ? 1 : 0
        case .notEqual: return a != b ? 1 : 0
        case .and: return (a != 0 && b != 0) ? 1 : 0
        case .or: return (a != 0 || b != 0) ? 1 : 0
        }
    }

    /// The surrogate gradient at `x` in training mode: `backward` with `y` from the training forward
    /// (mean-field) when there is one, else from `forward`.
    public func surrogateGradient(_ spec: Spec, x: Double) -> Double {
        let y = evaluate((spec.trainForward ?? spec.forward).expr, x: x)
        return evaluate(spec.backward.expr, x: x, y: y)
    }
}

import Foundation

/// The one evaluator of formulas, generic over the number type, with the kernels' rules: comparisons and logic
/// give 1 or 0 (NaN compares false), selects as `RealSelect`, `^` as C's `pow`, `sum` added in order to +0, noise
/// sources at their mean (mean field), `grad_out` = `gradOut` (1 unless set: a backward as a function of x is the
/// gradient for an incoming 1). Each function call is `FormulaFunction.evaluate`, the function table's one meaning.
///
/// - `FormulaEvaluator<Double>(params:)`: the Double reference behind the spec checks (NaN/inf and normalisation
///   warnings), constant folding in the emitters and the tuner's figures.
/// - `FormulaEvaluator<Float80>(params:)`: the accuracy report's reference (glibc's long double math).
/// - `FormulaEvaluator<Float>` or `<Double>` with `model: .kernel`: a formula as a kernel of that element type
///   computes it (the accuracy report's model of the kernels, which `kernelgen check` cannot link).
/// (The tests hold the kernels to their own Float80 reference, `FormulaReference`, written apart from this code.)
public struct FormulaEvaluator<T: FormulaReal>: Sendable {
    public enum Model: Sendable {
        /// Every operation and call in `T`; constants are `T`'s own (`T.pi`, `T.exp(1)`).
        case exact
        /// As a kernel of element type `T` computes: every literal, parameter, constant, `+ - * /` and comparison
        /// rounded to `T`, `^1` to `^4` multiplied out as the printers do (other powers: Double `pow` rounded), and
        /// each call computed in `WidestReal` (Float80) from its operands as `T` computed them and rounded to `T` (within about
        /// 0.5 ulp, where the kernels' math is held to 4): overflow, underflow, NaN and cancellation happen where
        /// the kernels' do, operation for operation.
        case kernel
    }

    public var params: [String: T]
    /// The incoming gradient a backward reading `grad_out` sees.
    public var gradOut: T = 1
    public var model: Model
    /// The enclosing sums' bound variables.
    var indices: [String: Int] = [:]

    /// - Parameter params: parameter values (rounded to `T`).
    public init(params: [String: Double], model: Model = .exact) {
        self.params = params.mapValues { T($0) }
        self.model = model
    }

    public func evaluate(_ e: Expr, x: T, y: T = .nan) -> T {
        switch e.kind {
        case .number(let v): return T(v)
        case .variable(.x): return x
        case .variable(.y): return y
        case .variable(.gradOut): return gradOut
        case .param(let p): return params[p] ?? .nan
        case .constant(let c):
            switch (model, c) {
            case (.exact, "pi"): return .pi
            case (.exact, "e"): return .exp(1)
            default: return T(FormulaConstant.values[c] ?? .nan)
            }
        case .local: return .nan // emitter-only: locals exist in emitted code, never in parsed formulas
        case .index(let name): return indices[name].map { T($0) } ?? .nan
        case .sum(let name, let from, let to, let body):
            var inner = self
            return FormulaSemantics.sum(from: evaluate(from, x: x, y: y), to: evaluate(to, x: x, y: y)) { k in
                inner.indices[name] = k
                return inner.evaluate(body, x: x, y: y)
            }
        case .unary(let op, let a):
            let v = evaluate(a, x: x, y: y)
            switch op {
            case .negate: return -v
            case .plus: return v
            case .not: return v == 0 ? 1 : 0
            }
        case .binary(.power, let a, let b) where model == .kernel:
            let base = evaluate(a, x: x, y: y)
            if case .number(let n) = b.kind, n == n.rounded(), (1...4).contains(n) {
                var p = base
                for _ in 1..<Int(n) { p = p * base }
                return p
            }
            return T(Double.c99Pow(Double(base), Double(evaluate(b, x: x, y: y))))
        case .binary(let op, let a, let b):
            return FormulaSemantics.apply(op, evaluate(a, x: x, y: y), evaluate(b, x: x, y: y), power: T.c99Pow)
        case .call(let name, let args, _):
            guard let f = FunctionTable.function(named: name) else { return .nan }
            if let mean = FunctionTable.meanField(of: e) { return evaluate(mean, x: x, y: y) }
            let values = args.map { evaluate($0, x: x, y: y) }
            switch model {
            case .exact: return f.evaluate(values)
            case .kernel: return T(f.evaluate(values.map { WidestReal($0) }))
            }
        }
    }

    /// The surrogate gradient at `x` in training mode: `backward` with `y` from the training forward
    /// (mean-field) when there is one, else from `forward`.
    public func surrogateGradient(_ spec: Spec, x: T) -> T {
        let y = evaluate((spec.trainForward ?? spec.forward).expr, x: x)
        return evaluate(spec.backward.expr, x: x, y: y)
    }
}

/// The arithmetic of the formula language in any floating type, shared by the evaluator and the emitters' folding.
public enum FormulaSemantics {
    /// `v` as an integer when it is one (a sum's bound); nil otherwise.
    public static func integer(_ v: Double) -> Int? {
        v.isFinite && v == v.rounded() && v.magnitude <= 0x1p53 ? Int(v) : nil
    }

    /// A `sum` as the kernels compute it: the terms for k = from, from + 1, ..., to, added in that order to +0 (an
    /// empty range is +0); NaN when a bound is not an integer.
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

    /// A binary operator with the kernels' rules (one rounding per operation; comparisons and logic give 1 or 0,
    /// NaN compares false); `power` is the type's `^`.
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

    public static func apply(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Double { apply(op, a, b, power: Double.c99Pow) }
}

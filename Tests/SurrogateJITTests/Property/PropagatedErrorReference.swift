import RealModule
import SurrogateSpec
import SurrogateTestSupport

/// A spec formula in Float80 (`FormulaReference`'s meaning) with a first-order bound on what rounding in a
/// dtype can do to it (Wilkinson's running error analysis): every operation adds its own rounding (a
/// division two, as the emitters may multiply by a hoisted reciprocal; each math function 4 ulp, the bound
/// `KernelMathTests` holds) and propagates its operands' errors through its derivative.
///
/// Why not `ErrorBound` alone: random formulas are as ill-conditioned as a spec author can make them
/// (`(x + 1e-3) - x` cancels in float), so a kernel that computes exactly the spec in its dtype can still be
/// far from the Float80 value. The bound here is the dtype's own conditioning of the formula, added to
/// `ErrorBound`'s tolerance. Where the dtype cannot decide (a comparison, `heaviside`, `sign`, a division or
/// a domain edge closer than the error) the point is `undecided`; where an intermediate overflows the dtype
/// (legitimate spec behaviour: float is narrow) it is `overflows`: the comparison skips both, and counts them.
struct PropagatedErrorReference {
    typealias R = Float80

    struct Value {
        var value: R
        var error: R
        var undecided = false
        var overflows = false
    }

    let parameters: [String: R]
    /// Unit roundoff, smallest subnormal and overflow threshold of the kernel's dtype.
    let unit: R, tiny: R, huge: R
    /// The kernels' domain of sin and cos in the dtype (NaN beyond).
    let trigLimit: R
    /// The values of the enclosing sums' indices.
    var indices: [String: R] = [:]
    static let functionUlps: R = 4

    init<T: BinaryFloatingPoint>(parameters: [String: Double], _: T.Type) {
        self.parameters = parameters.mapValues { R(T($0)) }
        unit = R(T.ulpOfOne) / 2
        tiny = R(T.leastNonzeroMagnitude)
        huge = R(T.greatestFiniteMagnitude)
        trigLimit = FormulaReference.trigLimit(T.self)
    }

    /// Rounding of one result of magnitude |v| (`ulps` of them).
    func rounding(_ v: R, ulps: R = 0.5) -> R { v.isFinite ? 2 * ulps * unit * v.magnitude + ulps * 2 * tiny : 0 }

    /// `d * e`, zero when the operand is exact (so an infinite derivative at an exact input is no error).
    func carried(_ d: R, _ e: R) -> R { e == 0 ? 0 : (d * e).magnitude }

    func evaluate(_ e: Expr, x: R, y: R) -> Value {
        switch e.kind {
        case .number(let v): return Value(value: R(v), error: rounding(R(v)))
        case .variable(.x): return Value(value: x, error: 0)
        case .variable(.y): return Value(value: y, error: 0)
        case .variable(.gradOut): return Value(value: 1, error: 0) // the kernels are run with grad_out = 1
        case .param(let name): return Value(value: parameters[name] ?? .nan, error: 0)
        case .constant(let name): let v: R = name == "pi" ? .pi : R.exp(1); return Value(value: v, error: rounding(v))
        case .local: return Value(value: .nan, error: 0, undecided: true)
        case .index(let name): return Value(value: indices[name] ?? .nan, error: 0)
        case .sum(let name, let from, let to, let body):
            let lo = evaluate(from, x: x, y: y).value, hi = evaluate(to, x: x, y: y).value
            var total = Value(value: 0, error: 0)
            var inner = self
            var k = lo
            while k <= hi {
                inner.indices[name] = k
                let term = inner.evaluate(body, x: x, y: y)
                total = binary(.add, total, term)
                k += 1
            }
            return total
        case .unary(.negate, let a): var r = evaluate(a, x: x, y: y); r.value = -r.value; return r
        case .unary(.plus, let a): return evaluate(a, x: x, y: y)
        case .unary(.not, let a):
            let r = evaluate(a, x: x, y: y)
            return settle(Value(value: r.value == 0 ? 1 : 0, error: 0, undecided: truthUndecided(r)), from: [r])
        case .binary(let op, let a, let b):
            return binary(op, evaluate(a, x: x, y: y), evaluate(b, x: x, y: y))
        case .call(let name, let args, _):
            return call(name, args.map { evaluate($0, x: x, y: y) })
        }
    }

    func truthUndecided(_ r: Value) -> Bool { r.error > 0 && r.value.magnitude <= r.error }

    /// Marks overflow (a result beyond half the dtype's range from finite operands) and inherits the operands' flags.
    func settle(_ r: Value, from operands: [Value]) -> Value {
        var out = r
        out.undecided = out.undecided || operands.contains { $0.undecided } || out.error.isNaN
        let finiteIn = operands.allSatisfy { $0.value.isFinite }
        out.overflows = operands.contains { $0.overflows } || (finiteIn && !(out.value.magnitude <= huge / 2) && !out.value.isNaN)
        return out
    }

    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
        let v = FormulaReference.apply(op, a.value, b.value)
        var r = Value(value: v, error: 0)
        switch op {
        case .add, .subtract: r.error = a.error + b.error + rounding(v)
        case .multiply: r.error = carried(b.value, a.error) + carried(a.value, b.error) + a.error * b.error + rounding(v)
        case .divide:
            r.undecided = b.error > 0 && b.value.magnitude <= 2 * b.error
            r.error = (a.error + carried(v, b.error)) / (b.value.magnitude - b.error) + rounding(v, ulps: 1)
        case .power:
            let integral = b.error == 0 && b.value == b.value.rounded() && b.value.magnitude <= 64
            r.undecided = !integral && a.error > 0 && a.value <= a.error
            r.error = carried(b.value * R.pow(a.value.magnitude, b.value - 1), a.error)
                + carried(v * R.log(a.value.magnitude), b.error) + rounding(v, ulps: integral ? b.value.magnitude + 1 : Self.functionUlps)
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
            r.undecided = (a.error + b.error) > 0 && (a.value - b.value).magnitude <= a.error + b.error
        case .and, .or:
            r.undecided = truthUndecided(a) || truthUndecided(b)
        }
        return settle(r, from: [a, b])
    }

    func call(_ name: String, _ a: [Value]) -> Value {
        let v = (try? FormulaReference.call(name, a.map(\.value))) ?? .nan
        let e0 = a.first?.error ?? 0, x0 = a.first?.value ?? 0
        /// |x0| shrunk by its error: where the derivatives of the bell-shaped functions are largest.
        let inner = Swift.max(x0.magnitude - e0, 0)
        var r = Value(value: v, error: 0)
        let f = rounding(v, ulps: Self.functionUlps)
        switch name {
        case "exp": r.error = carried(v, R.expMinusOne(e0)) + f
        case "expm1": r.error = carried(R.exp(x0), R.expMinusOne(e0)) + f
        case "log", "log1p":
            let arg = name == "log" ? x0 : 1 + x0
            r.undecided = e0 > 0 && arg <= 2 * e0
            r.error = e0 / (arg - e0) + f
        case "sqrt":
            r.undecided = e0 > 0 && x0 <= 2 * e0
            r.error = (e0 == 0 ? 0 : (x0 + e0).squareRoot() - Swift.max(x0 - e0, 0).squareRoot()) + rounding(v)
        case "abs", "min", "max", "clamp": r.error = a.map(\.error).max() ?? 0
        case "sign", "heaviside": r.undecided = truthUndecided(a[0]) || (e0 > 0 && x0.magnitude <= e0)
        case "sigmoid": let s = 1 / (1 + R.exp(-inner)); r.error = carried(s * (1 - s), e0) + f
        case "tanh": let t = R.tanh(inner); r.error = carried(1 - t * t, e0) + f
        case "atan": r.error = carried(1 / (1 + inner * inner), e0) + f
        case "erf", "erfc": r.error = carried(2 / R.pi.squareRoot() * R.exp(-inner * inner), e0) + f
        case "sin", "cos":
            r.undecided = x0.magnitude + e0 > trigLimit
            r.value = x0.magnitude > trigLimit ? .nan : v
            r.error = carried(1, e0) + f
        case "floor", "ceil", "trunc", "round":
            // Exact, but a jump within the operand's error leaves the result undecided.
            let lo = (try? FormulaReference.call(name, [x0 - e0])) ?? .nan, hi = (try? FormulaReference.call(name, [x0 + e0])) ?? .nan
            r.undecided = e0 > 0 && lo != hi
        case "where":
            r.undecided = truthUndecided(a[0])
            let chosen = a[0].value != 0 ? a[1] : a[2]
            r.error = chosen.error
            // Both sides are computed, but only the chosen one reaches the result.
            return settle(r, from: [a[0], chosen])
        case "logistic", "uniform": r.error = 0
        default: r.undecided = true
        }
        return settle(r, from: a)
    }
}

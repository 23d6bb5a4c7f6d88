#if canImport(Glibc)
import Glibc
#endif
import RealModule
import SurrogateSpec

/// A spec formula evaluated in Float80, written here from the formula language's documented meaning
/// (docs/specs.md) and independent of the kernels, their emitters and the Double `FormulaEvaluator`:
/// the reference every kernel of every spec is held to.
///
/// Semantics: arithmetic in Float80; comparisons and logic give 1 or 0; `min`/`max`/`clamp`/`sign` are the
/// comparison selects of `RealSelect` (NaN handling is the comparison's); `heaviside` is 1 at x >= 0 (also
/// -0) and 0 at NaN; `where(c, a, b)` is `c != 0 ? a : b`; `^` is C99 `pow` (negative bases with integral
/// exponents, pow(x, 0) = 1: what the kernels call, or multiply out for exponents 1 to 4). In mean-field mode a
/// noise source is its distribution's mean: Logistic(0, 1) clamped symmetrically has mean 0, U[0, 1) has mean 1/2,
/// Bernoulli(p) has mean p (clamped to [0, 1]: the probability of a 1).
public struct FormulaReference: Sendable {
    public typealias R = Float80

    /// A function the reference has no meaning for (a new entry of `FunctionTable` needs one here).
    public struct UnknownFunction: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "the Float80 reference has no `\(name)`; add it to FormulaReference" }
    }

    /// Parameter values, already rounded to the kernel's dtype where the kernel rounds them.
    public var parameters: [String: R]
    /// The kernels' domain of `sin` and `cos` for the dtype under test (docs/specs.md, "Functions"): NaN beyond it.
    public var trigLimit: R
    /// The values of the enclosing sums' indices.
    var indices: [String: R] = [:]
    /// The incoming gradient a backward reading `grad_out` sees (1: the gradient of the backward as a function of x).
    public var gradOut: R = 1

    public init(parameters: [String: R], trigLimit: R = .infinity) {
        self.parameters = parameters
        self.trigLimit = trigLimit
    }

    /// docs/specs.md's trigonometric domain of a dtype: |x| <= 2^20 in float, 2^30 in double.
    public static func trigLimit<T: BinaryFloatingPoint>(_: T.Type) -> R { T.self == Float.self ? 0x1p20 : 0x1p30 }

    public func evaluate(_ e: Expr, x: R, y: R = .nan) throws -> R {
        switch e.kind {
        case .number(let v): return R(v)
        case .variable(.x): return x
        case .variable(.y): return y
        case .variable(.gradOut): return gradOut
        case .param(let name): return parameters[name] ?? .nan
        case .constant("pi"): return .pi
        case .constant("e"): return R.exp(1)
        case .constant(let name): throw UnknownFunction(name: name)
        case .local(let name): throw UnknownFunction(name: name) // emitter-only, never parsed
        case .index(let name): return indices[name] ?? .nan
        case .sum(let name, let from, let to, let body):
            // The integers from `from` to `to` in increasing order, added to +0 one by one (docs/specs.md, `sum`).
            let lo = try evaluate(from, x: x, y: y), hi = try evaluate(to, x: x, y: y)
            guard lo == lo.rounded(), hi == hi.rounded() else { return .nan }
            var inner = self
            var total: R = 0
            var k = lo
            while k <= hi {
                inner.indices[name] = k
                total += try inner.evaluate(body, x: x, y: y)
                k += 1
            }
            return total
        case .unary(.negate, let a): return -(try evaluate(a, x: x, y: y))
        case .unary(.plus, let a): return try evaluate(a, x: x, y: y)
        case .unary(.not, let a): return try evaluate(a, x: x, y: y) == 0 ? 1 : 0
        case .binary(let op, let a, let b):
            return Self.apply(op, try evaluate(a, x: x, y: y), try evaluate(b, x: x, y: y))
        case .call(let name, let arguments, _):
            let values = try arguments.map { try evaluate($0, x: x, y: y) }
            if name == "sin" || name == "cos", let a = values.first, a.magnitude > trigLimit { return .nan }
            return try Self.call(name, values)
        }
    }

    public static func apply(_ op: BinaryOperator, _ a: R, _ b: R) -> R {
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return powl(a, b)
        case .less: return a < b ? 1 : 0
        case .lessEqual: return a <= b ? 1 : 0
        case .greater: return a > b ? 1 : 0
        case .greaterEqual: return a >= b ? 1 : 0
        case .equal: return a == b ? 1 : 0
        case .notEqual: return a != b ? 1 : 0
        case .and: return a != 0 && b != 0 ? 1 : 0
        case .or: return a != 0 || b != 0 ? 1 : 0
        }
    }

    static func min(_ a: R, _ b: R) -> R { b < a ? b : a }
    static func max(_ a: R, _ b: R) -> R { a < b ? b : a }

    public static func call(_ name: String, _ a: [R]) throws -> R {
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
        case "tanh": return R.tanh(a[0])
        case "atan": return R.atan(a[0])
        case "erf": return R.erf(a[0])
        case "erfc": return R.erfc(a[0])
        case "sin": return R.sin(a[0])
        case "cos": return R.cos(a[0])
        case "floor": return a[0].rounded(.down)
        case "ceil": return a[0].rounded(.up)
        case "trunc": return a[0].rounded(.towardZero)
        case "round": return a[0].rounded(.toNearestOrEven)
        case "heaviside": return a[0] >= 0 ? 1 : 0
        case "where": return a[0] != 0 ? a[1] : a[2]
        case "logistic": return 0
        case "uniform": return 0.5
        // Bernoulli(p): the probability of a 1, p clamped to [0, 1] (NaN stays NaN), written from the definition.
        case "bernoulli": return a[0].isNaN ? a[0] : Swift.min(Swift.max(a[0], 0), 1)
        default: throw UnknownFunction(name: name)
        }
    }

    /// Whether `name` (a function of the formula language) has a reference here.
    public static func knows(_ name: String) -> Bool {
        (try? call(name, [R](repeating: 0.5, count: 3))) != nil
    }
}

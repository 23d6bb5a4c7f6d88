import Foundation

/// Symbolic differentiation d/dx of a formula: how kernelgen makes a spec's `backward` from its `primitive`.
///
/// The rules are the calculus' own, applied to the AST; the result is simplified only where that is exact:
///
/// - A subtree without `x` (numbers, parameters, constants) has the derivative 0 identically, as a function,
///   so it contributes no term at all: d(c * f) is `c * f'`, d(f / c) is `f' / c`, d(f + c) is `f'`. That is the
///   rule of the calculus for a constant factor or summand, not the numeric rewrite `0 * v -> 0` (which would be
///   wrong at v = inf or NaN): no `0 * v` is ever built, so none is ever dropped.
/// - The chain rule's factor `a'` is left out when it is the number 1 (d(x) = 1): `v * 1` is `v` for every IEEE
///   value v, -0, inf and NaN included.
/// - Nothing else is rewritten here; constants are folded per dtype, and `sigmoid(a) * (1 - sigmoid(a))` fused
///   into `sigmoid_grad(a)`, by the emitters as for any formula.
///
/// Functions are differentiated through `rules`, each function's `derivative` in its `FunctionTable` entry (a
/// primitive that calls a function without one gets a located `no-derivative-rule` error).
/// Where a derivative does not depend on `x` (the slope of a linear piece) it is that constant also at
/// x = +-inf and NaN: that is what the derivative of such a piece is (the primitive kernel is NaN at NaN).
public enum Derivative {
    /// What a function's rule gets: the call's arguments, their derivatives (nil where an argument does not
    /// depend on x: derivative 0) and the call's offset (for the nodes it builds). It returns the call's
    /// derivative, or nil for "0 almost everywhere" (steps, signs, comparisons). A rule is only asked when at
    /// least one argument depends on x.
    public typealias Rule = @Sendable (_ args: [Expr], _ derivatives: [Expr?], _ offset: Int) -> Expr?

    /// A problem: a function without a rule, or a derivative too large to emit (`offset` is the call's).
    public struct Failure: Error, Sendable, Equatable {
        public var offset: Int
        public var id: Diagnostic.ID
        public var message: String
    }

    /// Largest derivative (in nodes, as a tree) accepted: nested products and compositions grow quadratically.
    public static let maximumNodes = 200_000

    /// The derivative of `e` with respect to `x`: nil when it is 0 identically (`e` does not depend on x, or
    /// only through steps), else the derivative's AST; every node carries the offset of the node of `e` it
    /// differentiates, so diagnostics about the derivative point into the primitive.
    /// `rules`: the function rules to use (tests pass a table without some entry).
    public static func of(_ e: Expr, rules: [String: Rule] = Derivative.rules) throws(Failure) -> Expr? {
        let d = try derive(e, rules)
        if let d {
            var count = 0
            d.walk { _ in count += 1 }
            guard count <= maximumNodes else {
                throw Failure(offset: e.offset, id: .limitExceeded,
                              message: "its derivative has \(count) nodes; expected at most \(maximumNodes) (write `backward` by hand, or a simpler primitive)")
            }
        }
        return d
    }

    /// Whether a subtree depends on `x` (what makes its derivative possibly nonzero).
    public static func dependsOnX(_ e: Expr) -> Bool { e.contains { $0.kind == .variable(.x) } }

    private static func derive(_ e: Expr, _ rules: [String: Rule]) throws(Failure) -> Expr? {
        func derive(_ e: Expr) throws(Failure) -> Expr? { try Self.derive(e, rules) }
        let at = e.offset
        switch e.kind {
        case .number, .param, .constant, .local, .index:
            return nil
        case .sum(let index, let from, let to, let body):
            // The bounds are integer expressions of parameters (no x): the derivative of a sum is the sum of the
            // derivatives, over the same terms in the same order.
            return try derive(body).map { Expr(.sum(index: index, from: from, to: to, body: $0), at: at) }
        case .variable(.x):
            return Expr(.number(1), at: at)
        case .variable(.y):
            throw Failure(offset: at, id: .forwardOutputOutsideBackward, message: "`y` cannot be differentiated; a primitive is a function of `x` and the parameters")
        case .variable(.gradOut):
            throw Failure(offset: at, id: .gradOutOutsideBackward, message: "`grad_out` cannot be differentiated; a primitive is a function of `x` and the parameters")
        case .unary(let op, let a):
            switch op {
            case .plus: return try derive(a)
            case .negate: return try derive(a).map { neg($0, at) }
            case .not: return nil                                   // 1 or 0: a step, 0 almost everywhere
            }
        case .binary(let op, let a, let b):
            if op.isBoolean || op == .and || op == .or { return nil } // comparisons and logic: 1 or 0
            let da = try derive(a), db = try derive(b)
            if da == nil && db == nil { return nil }
            switch op {
            case .add:
                guard let da else { return db }
                guard let db else { return da }
                return bin(.add, da, db, at)
            case .subtract:
                guard let da else { return neg(db!, at) }
                guard let db else { return da }
                return bin(.subtract, da, db, at)
            case .multiply:
                // (a b)' = b a' + a b' (each term left out when its derivative is 0 identically)
                let left = da.map { mul(b, $0, at) }
                let right = db.map { mul(a, $0, at) }
                if let left, let right { return bin(.add, left, right, at) }
                return left ?? right
            case .divide:
                // (a / b)' = (a' - (a / b) b') / b: no b^2 (which overflows where a / b does not).
                guard let db else { return bin(.divide, da!, b, at) }
                let q = bin(.multiply, bin(.divide, a, b, at), db, at)
                guard let da else { return neg(bin(.divide, q, b, at), at) }
                return bin(.divide, bin(.subtract, da, q, at), b, at)
            case .power:
                return power(a, b, da, db, at)
            default:
                return nil
            }
        case .call(let name, let args, _):
            guard let f = FunctionTable.function(named: name) else {
                throw Failure(offset: at, id: .unknownFunction, message: "unknown function `\(name)`")
            }
            if f.isNoise {
                throw Failure(offset: at, id: .noiseOutsideTrainForward, message: "noise source `\(name)()` cannot be differentiated")
            }
            var derivatives: [Expr?] = []
            for arg in args { derivatives.append(try derive(arg)) }
            if derivatives.allSatisfy({ $0 == nil }) { return nil }
            guard let rule = rules[name] else {
                throw Failure(offset: at, id: .noDerivativeRule,
                              message: "no derivative rule for `\(name)`, so kernelgen cannot derive `backward` from this primitive; expected a `backward` formula (or a rule for `\(name)` in `Derivative.rules`)")
            }
            return rule(args, derivatives, at)
        }
    }

    /// (a ^ b)': a constant exponent n gives n a^(n-1) a' (n = 0: 0; n = 1: a'; n - 1 folded when exact), a
    /// constant base a^b log(a) b', and both varying a^b (b' log(a) + b a' / a).
    private static func power(_ a: Expr, _ b: Expr, _ da: Expr?, _ db: Expr?, _ at: Int) -> Expr? {
        let e = bin(.power, a, b, at)
        guard let db else {
            let da = da!
            if case .number(let n) = b.kind {
                if n == 0 { return nil }                              // a^0 = 1 for every a (pow's rule, NaN included)
                if n == 1 { return da }
                let m = n - 1
                let exponent = (m + 1 == n) ? Expr(.number(m), at: b.offset) : bin(.subtract, b, Expr(.number(1), at: at), at)
                let pow = m == 1 ? a : bin(.power, a, exponent, at)
                return mul(bin(.multiply, b, pow, at), da, at)
            }
            return mul(bin(.multiply, b, bin(.power, a, bin(.subtract, b, Expr(.number(1), at: at), at), at), at), da, at)
        }
        let log = call("log", [a], at)
        guard let da else { return mul(bin(.multiply, e, log, at), db, at) }
        return bin(.multiply, e, bin(.add, mul(log, db, at), bin(.divide, mul(b, da, at), a, at), at), at)
    }

    // MARK: - The rules of the function table's functions

    /// d/dx of each pure function of `FunctionTable`, by name: each entry's `derivative` (see `Rule`). A function
    /// without one cannot appear in a primitive-only spec (a located error says so).
    public static let rules: [String: Rule] = Dictionary(uniqueKeysWithValues: FunctionTable.all.compactMap { f in
        f.derivative.map { (f.name, $0) }
    })

    /// The rule of a step (`sign`, `heaviside`, rounding): 0 almost everywhere (the Dirac mass at the jump is not
    /// represented).
    public static let step: Rule = { _, _, _ in nil }

    // MARK: - Builders

    static func bin(_ op: BinaryOperator, _ a: Expr, _ b: Expr, _ at: Int) -> Expr { Expr(.binary(op, a, b), at: at) }
    static func neg(_ a: Expr, _ at: Int) -> Expr { Expr(.unary(.negate, a), at: at) }
    static func call(_ name: String, _ args: [Expr], _ at: Int) -> Expr { Expr(.call(name, args, site: nil), at: at) }

    /// `v * d`, or `v` when d is the number 1 (exact for every IEEE v).
    static func mul(_ v: Expr, _ d: Expr, _ at: Int) -> Expr {
        if case .number(let one) = d.kind, one == 1 { return v }
        return bin(.multiply, v, d, at)
    }

    /// `c ? a : b` of two derivatives, a missing one (0 identically) as the number 0; nil when both are.
    static func select(_ c: Expr, _ a: Expr?, _ b: Expr?, _ at: Int) -> Expr? {
        if a == nil && b == nil { return nil }
        let zero = Expr(.number(0), at: at)
        return Expr(.call("where", [c, a ?? zero, b ?? zero], site: nil), at: at)
    }
}

import SurrogateSpec

/// Stable forms of the shapes SNN libraries write, applied by every backend after the fusions
/// (`KernelContext.prepare`, so C, Swift, the JIT and PyTorch alike). Each computes the same real function
/// as the pattern and agrees with it at -0, +-inf and NaN wherever the pattern's own result is a number; where
/// the pattern is NaN or 0 only because an intermediate overflowed (the real value being finite and non-zero),
/// the stable form gives the real value. None needs a new helper: they are spelled with `sigmoid`, `sigmoid_grad`,
/// `exp`, `log1p`, `abs` and `max`, whose kernel math is held to 4 ulp (`KernelMathTests`).
///
/// | pattern (any operand order of `+` and `*`) | stable form | why |
/// |---|---|---|
/// | `1 - tanh(a)^2`, `1 - tanh(a) * tanh(a)` | `4 * sigmoid_grad(2 * a)` | `1 - t^2` cancels as t -> 1 (Norse) |
/// | `N / (1 + exp(b))^2` with a factor `exp(b)` in N | `rest(N) * sigmoid_grad(b)` | `inf / inf` = NaN once `exp(b)` overflows (snnTorch) |
/// | `N / (exp(b) + exp(-b))^2` | `N * sigmoid_grad(2 * b)` | the square overflows |
/// | `N / (exp(b) + exp(-b))` | `N * exp(-abs(b)) / (1 + exp(-abs(b)) * exp(-abs(b)))` | `exp(b)` overflows |
/// | `exp(b) / (1 + exp(b))` | `sigmoid(b)` | `inf / inf` |
/// | `1 - sigmoid(a)` | `sigmoid(-a)` | cancels as sigmoid(a) -> 1 |
/// | `log(1 + exp(a))`, `log1p(exp(a))` | `max(a, 0) + log1p(exp(-abs(a)))` | `exp(a)` overflows; `log(1 + tiny)` loses it |
///
/// Identities used: sech^2(a) = 4 sigmoid'(2a); sigmoid'(b) = e^b / (1 + e^b)^2 = e^-|b| / (1 + e^-|b|)^2 (even);
/// (e^b + e^-b)^2 = 4 cosh^2 b = 1 / sigmoid'(2b); 1 - sigmoid(a) = sigmoid(-a); log(1 + e^a) = max(a, 0) + log(1 + e^-|a|).
/// `2 * a` and `4 * s` are exact (powers of two; `2a` overflowing means sech^2 = 0, as `sigmoid_grad(inf)` is).
public enum StableRewrite: String, CaseIterable, Sendable {
    case tanhSquaredComplement = "1 - tanh(a)^2 -> 4 * sigmoid_grad(2 * a)"
    case logisticDensityQuotient = "exp(b) / (1 + exp(b))^2 -> sigmoid_grad(b)"
    case sechSquaredQuotient = "N / (exp(b) + exp(-b))^2 -> N * sigmoid_grad(2 * b)"
    case sechQuotient = "N / (exp(b) + exp(-b)) -> N * e / (1 + e * e), e = exp(-abs(b))"
    case sigmoidQuotient = "exp(b) / (1 + exp(b)) -> sigmoid(b)"
    case sigmoidComplement = "1 - sigmoid(a) -> sigmoid(-a)"
    case softplus = "log(1 + exp(a)) -> max(a, 0) + log1p(exp(-abs(a)))"
}

extension Simplifier {
    /// Rewrites every pattern of `StableRewrite` (bottom up, so rewritten children can complete a parent's
    /// pattern). Run after `fuse`, which already turns `sigmoid(a) * (1 - sigmoid(a))` into `sigmoid_grad(a)`.
    public static func stabilise(_ e: Expr) -> Expr { stabiliseReporting(e).expr }

    /// `stabilise`, with the rewrites made (for the accuracy report).
    public static func stabiliseReporting(_ e: Expr) -> (expr: Expr, applied: [StableRewrite]) {
        var applied: [StableRewrite] = []
        func go(_ node: Expr) -> Expr {
            let mapped = map(node, go)
            if let (rewritten, which) = StablePatterns.match(mapped) {
                applied.append(which)
                return rewritten
            }
            return mapped
        }
        return (go(e), applied)
    }
}

enum StablePatterns {
    static func number(_ e: Expr) -> Double? { if case .number(let v) = e.kind { return v } else { return nil } }
    static func isNumber(_ e: Expr, _ v: Double) -> Bool { number(e).map { $0.bitPattern == v.bitPattern } ?? false }
    static func call(_ name: String, _ e: Expr) -> Expr? {
        if case .call(name, let args, _) = e.kind, args.count == 1 { return args[0] }
        return nil
    }

    /// `t^2` or `t * t`: returns t.
    static func square(_ e: Expr) -> Expr? {
        switch e.kind {
        case .binary(.power, let b, let n) where isNumber(n, 2): return b
        case .binary(.multiply, let a, let b) where a.isSame(as: b): return a
        default: return nil
        }
    }

    /// `1 + u` or `u + 1`: returns u.
    static func onePlus(_ e: Expr) -> Expr? {
        guard case .binary(.add, let a, let b) = e.kind else { return nil }
        if isNumber(a, 1) { return b }
        if isNumber(b, 1) { return a }
        return nil
    }

    /// -e, pushed into a leading factor or a number: `-(p * q)` is `(-p) * q` bit for bit in IEEE arithmetic.
    static func negated(_ e: Expr) -> Expr {
        switch e.kind {
        case .unary(.negate, let a): return a
        case .number(let v): return Expr(.number(-v), at: e.offset)
        case .binary(.multiply, let a, let b): return Expr(.binary(.multiply, negated(a), b), at: e.offset)
        case .binary(.divide, let a, let b): return Expr(.binary(.divide, negated(a), b), at: e.offset)
        default: return Expr(.unary(.negate, e), at: e.offset)
        }
    }

    static func areNegations(_ u: Expr, _ v: Expr) -> Bool { u.isSame(as: negated(v)) || v.isSame(as: negated(u)) }

    /// `exp(b) + exp(-b)` (either order): returns b.
    static func coshSum(_ e: Expr) -> Expr? {
        guard case .binary(.add, let l, let r) = e.kind, let u = call("exp", l), let v = call("exp", r),
              areNegations(u, v) else { return nil }
        return u
    }

    static func factors(_ e: Expr) -> [Expr] {
        if case .binary(.multiply, let a, let b) = e.kind { return factors(a) + factors(b) }
        return [e]
    }

    static func product(_ fs: [Expr], at offset: Int) -> Expr? {
        guard let first = fs.first else { return nil }
        return fs.dropFirst().reduce(first) { Expr(.binary(.multiply, $0, $1), at: offset) }
    }

    static func times(_ k: Double, _ e: Expr) -> Expr { Expr(.binary(.multiply, Expr(.number(k), at: e.offset), e), at: e.offset) }
    static func sigmoidGrad(_ a: Expr, at offset: Int) -> Expr { Expr(.call("sigmoid_grad", [a], site: nil), at: offset) }

    static func match(_ e: Expr) -> (Expr, StableRewrite)? {
        let at = e.offset
        switch e.kind {
        case .binary(.subtract, let one, let rhs) where isNumber(one, 1):
            if let t = square(rhs), let a = call("tanh", t) {
                return (times(4, sigmoidGrad(times(2, a), at: at)), .tanhSquaredComplement)
            }
            if let a = call("sigmoid", rhs) {
                return (Expr(.call("sigmoid", [negated(a)], site: nil), at: at), .sigmoidComplement)
            }
            return nil
        case .call("log", let args, _) where args.count == 1:
            guard let u = onePlus(args[0]), let a = call("exp", u) else { return nil }
            return (softplus(a, at: at), .softplus)
        case .call("log1p", let args, _) where args.count == 1:
            guard let a = call("exp", args[0]) else { return nil }
            return (softplus(a, at: at), .softplus)
        case .binary(.divide, let numerator, let denominator):
            // N / (1 + exp(b))^2 with exp(b) a factor of N.
            if let s = square(denominator), let u = onePlus(s), let b = call("exp", u) {
                var fs = factors(numerator)
                if let i = fs.firstIndex(where: { $0.isSame(as: u) }) {
                    fs.remove(at: i)
                    let g = sigmoidGrad(b, at: at)
                    return (product(fs + [g], at: at)!, .logisticDensityQuotient)
                }
            }
            // N / (exp(b) + exp(-b))^2
            if let s = square(denominator), let b = coshSum(s) {
                return (Expr(.binary(.multiply, numerator, sigmoidGrad(times(2, b), at: at)), at: at), .sechSquaredQuotient)
            }
            // N / (exp(b) + exp(-b))
            if let b = coshSum(denominator) {
                let abs = Expr(.call("abs", [b], site: nil), at: at)
                let small = Expr(.call("exp", [Expr(.unary(.negate, abs), at: at)], site: nil), at: at)
                let top = Expr(.binary(.multiply, numerator, small), at: at)
                let bottom = Expr(.binary(.add, Expr(.number(1), at: at), Expr(.binary(.multiply, small, small), at: at)), at: at)
                return (Expr(.binary(.divide, top, bottom), at: at), .sechQuotient)
            }
            // exp(b) / (1 + exp(b))
            if let u = onePlus(denominator), let b = call("exp", u), numerator.isSame(as: u) {
                return (Expr(.call("sigmoid", [b], site: nil), at: at), .sigmoidQuotient)
            }
            return nil
        default:
            return nil
        }
    }

    /// max(a, 0) + log1p(exp(-abs(a))): no overflow, no cancellation; NaN stays NaN (`max(NaN, 0)` is NaN).
    static func softplus(_ a: Expr, at: Int) -> Expr {
        let positive = Expr(.call("max", [a, Expr(.number(0), at: at)], site: nil), at: at)
        let abs = Expr(.call("abs", [a], site: nil), at: at)
        let tail = Expr(.call("log1p", [Expr(.call("exp", [Expr(.unary(.negate, abs), at: at)], site: nil), at: at)], site: nil), at: at)
        return Expr(.binary(.add, positive, tail), at: at)
    }
}

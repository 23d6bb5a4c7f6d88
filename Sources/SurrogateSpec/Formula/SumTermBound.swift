import Foundation

/// The most terms `sum(i, from, to, body)` adds, over the box of its integer parameters' bounds: the maximum of
/// `to - from + 1` (and 0), computed on `to - from` expanded as a polynomial, so a parameter in both bounds
/// cancels (`sum(i, n, n + 3, ...)` has 4 terms for every `n`; interval arithmetic on the bounds separately gave
/// `max(to) - min(from) + 1`, up to the whole range of `n`).
///
/// Exact when every monomial of `to - from` is multilinear (no parameter squared), the bounds' usual form
/// (`n - 1`, `2 * n`, `n * m`): such a polynomial is linear in each parameter with the others fixed, so its
/// maximum over the box is at a corner, and every corner is evaluated (at most 2^12 of them). Otherwise (a
/// parameter squared, or more than 12 parameters) an upper bound: each monomial's range over the box (an even
/// power is >= 0), summed.
enum SumTermBound {
    /// A polynomial with real coefficients: monomial (its parameters, sorted, repeated for powers) -> coefficient.
    typealias Polynomial = [[String]: Double]

    static let maximumCornerParameters = 12

    /// The most terms over `bounds` (each integer parameter's [min, max]); nil when a bound is not a polynomial
    /// of parameters and literals (`+ - *`, unary minus) or names a parameter without bounds.
    static func maximum(from: Expr, to: Expr, bounds: [String: ClosedRange<Double>]) -> Double? {
        guard let f = polynomial(from), let t = polynomial(to) else { return nil }
        let difference = add(t, scale(f, by: -1))
        let names = Array(Set(difference.keys.flatMap { $0 })).sorted()
        guard names.allSatisfy({ bounds[$0] != nil }) else { return nil }
        let multilinear = difference.keys.allSatisfy { Set($0).count == $0.count }
        let highest: Double
        if multilinear && names.count <= maximumCornerParameters {
            highest = (0..<(1 << names.count)).map { corner -> Double in
                var at: [String: Double] = [:]
                for (k, name) in names.enumerated() {
                    at[name] = corner & (1 << k) == 0 ? bounds[name]!.lowerBound : bounds[name]!.upperBound
                }
                return difference.reduce(0) { $0 + $1.value * $1.key.reduce(1) { $0 * at[$1]! } }
            }.max() ?? 0
        } else {
            highest = difference.reduce(0) { $0 + monomialRange($1.key, $1.value, bounds).upperBound }
        }
        return Swift.max(0, highest + 1)
    }

    static func polynomial(_ e: Expr) -> Polynomial? {
        switch e.kind {
        case .number(let v): return v == 0 ? [:] : [[]: v]
        case .param(let p): return [[p]: 1]
        case .unary(.negate, let a): return polynomial(a).map { scale($0, by: -1) }
        case .unary(.plus, let a): return polynomial(a)
        case .binary(let op, let a, let b):
            guard let pa = polynomial(a), let pb = polynomial(b) else { return nil }
            switch op {
            case .add: return add(pa, pb)
            case .subtract: return add(pa, scale(pb, by: -1))
            case .multiply:
                var product: Polynomial = [:]
                for (ma, ca) in pa { for (mb, cb) in pb { product[(ma + mb).sorted(), default: 0] += ca * cb } }
                return product.filter { $0.value != 0 }
            default: return nil
            }
        default: return nil
        }
    }

    static func add(_ a: Polynomial, _ b: Polynomial) -> Polynomial {
        a.merging(b, uniquingKeysWith: +).filter { $0.value != 0 }
    }

    static func scale(_ a: Polynomial, by c: Double) -> Polynomial { a.mapValues { $0 * c } }

    /// The range of `coefficient * product of monomial's parameters` over the box (interval arithmetic, with an
    /// even power of one parameter taken as one non-negative factor).
    static func monomialRange(_ monomial: [String], _ coefficient: Double, _ bounds: [String: ClosedRange<Double>]) -> ClosedRange<Double> {
        var range: ClosedRange<Double> = coefficient...coefficient
        var powers: [String: Int] = [:]
        for name in monomial { powers[name, default: 0] += 1 }
        for (name, power) in powers {
            let b = bounds[name]!
            var lo = Foundation.pow(b.lowerBound, Double(power)), hi = Foundation.pow(b.upperBound, Double(power))
            if lo > hi { swap(&lo, &hi) }
            if power % 2 == 0 && b.contains(0) { lo = 0; hi = Swift.max(Foundation.pow(b.lowerBound, Double(power)), Foundation.pow(b.upperBound, Double(power))) }
            let corners = [range.lowerBound * lo, range.lowerBound * hi, range.upperBound * lo, range.upperBound * hi]
            range = corners.min()!...corners.max()!
        }
        return range
    }
}

import Foundation
import RealModule
import SurrogateSpec

/// Numbers for people: at most `digits` significant digits, no trailing zeros, no `-0`.
public enum ShortDecimal {
    public static func format(_ v: Double, digits: Int = 6) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        if v == 0 { return "0" }
        var s = String(format: "%.\(digits)g", v)
        if let e = s.firstIndex(where: { $0 == "e" }) {
            var mantissa = String(s[..<e])
            var exponent = String(s[s.index(after: e)...])
            if mantissa.contains(".") { while mantissa.hasSuffix("0") { mantissa.removeLast() }; if mantissa.hasSuffix(".") { mantissa.removeLast() } }
            let negative = exponent.hasPrefix("-")
            exponent = String(exponent.drop { $0 == "+" || $0 == "-" }.drop { $0 == "0" })
            s = "\(mantissa)e\(negative ? "-" : "")\(exponent.isEmpty ? "0" : exponent)"
        } else if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A Float80, also beyond Double's range (`1e608`).
    public static func format(_ v: Float80, digits: Int = 6) -> String {
        if Double(v).isFinite || !v.isFinite { return format(Double(v), digits: digits) }
        let e = Int(Float80.log10(v.magnitude).rounded(.down))
        let m = v / Float80.pow(10, Float80(e))
        return "\(format(Double(m), digits: digits))e\(e)"
    }

    /// The shortest decimal of `v` once rounded to 12 significant digits: `0.1 + 2 * 0.1` is 0.3, not
    /// 0.30000000000000004. For values computed as START + i * STEP from decimal input.
    public static func cleaned(_ v: Double) -> Double {
        guard v.isFinite, v != 0 else { return v }
        return Double(String(format: "%.12g", v)) ?? v
    }
}

/// The x values of the accuracy report: both signs of a logarithmic grid (24 points per octave from 2^-44 to
/// 2^24, which resolves any scale in between to 3%), one or two points per octave out to the dtype's largest
/// finite number and down to its smallest subnormal (its overflow and underflow regions), 0, and a few multiples
/// of each parameter value and its reciprocal (the spec's own scales: widths, bounds, slopes). Rounded to the
/// dtype, so each x is a value the kernel can be given.
public enum AccuracyGrid {
    public static func points<T: BinaryFloatingPoint>(scales: [Double], _: T.Type) -> [T] {
        var xs = Set<T>()
        func add(_ m: Double) {
            let t = T(m)
            if t.isFinite { xs.insert(t); xs.insert(-t) }
        }
        for k in (-44 * 24)...(24 * 24) { add(Foundation.exp2(Double(k) / 24)) }
        let top = Int(T.greatestFiniteMagnitude.exponent)
        if top > 24 { for e in 25...top { add(Foundation.exp2(Double(e))); add(1.5 * Foundation.exp2(Double(e))) } }
        for e in Int(T.leastNonzeroMagnitude.exponent)..<(-44) { add(Foundation.exp2(Double(e))) }
        add(Double(T.greatestFiniteMagnitude))
        for s in scales where s.isFinite && s != 0 {
            for f in [0.25, 0.5, 1, 2, 4] { add(f * Swift.abs(s)); add(f / Swift.abs(s)) }
        }
        xs.insert(0)
        return xs.sorted()
    }
}

/// One form of one formula measured on the grid in `T` against the Float80 reference `truth`.
struct Measurement<T: FormulaReal> {
    let expr: Expr
    let truth: Expr
    let evaluator: FormulaEvaluator<T>
    let reference: FormulaEvaluator<Float80>
    let y: (T) -> T
    let maxUlp: Double

    enum Status: Equatable { case ok, undefined, nonFinite, inaccurate }

    struct Outcome {
        var xs: [T] = []
        var status: [Status] = []
        var errors: [Double] = []
        var excess: [Double] = []
        var measurement: Measurement
    }

    /// |v - r| in ulps of r rounded to T. Below the smallest normal number the unit is that number itself:
    /// results in the subnormal range are judged absolutely (flushing them to zero is 1 ulp), as the kernels'
    /// optional flush-to-zero mode does.
    static func ulps(_ v: T, _ r: Float80) -> Double {
        let rt = T(r)
        let unit = Float80(rt.magnitude < T.leastNormalMagnitude ? T.leastNormalMagnitude : rt.ulp)
        return Double((Float80(v) - r).magnitude / unit)
    }

    func truthValue(_ x: T) -> (Float80, T) {
        let yv = y(x)
        return (reference.evaluate(truth, x: Float80(x), y: Float80(yv)), yv)
    }

    /// |x f'(x) / f(x)| of the reference, by a central difference: how much an error of one ulp in x (or in
    /// a rounded intermediate that behaves like one) moves the result, in ulps. Infinite where f(x) = 0.
    func condition(_ x: T, _ yv: T, _ r: Float80, of e: Expr? = nil) -> Double {
        guard x != 0 else { return 0 }
        let x80 = Float80(x), h = x80.magnitude * 0x1p-24
        let f = e ?? truth
        let up = reference.evaluate(f, x: x80 + h, y: Float80(yv)), down = reference.evaluate(f, x: x80 - h, y: Float80(yv))
        let k = Double(((up - down) / (2 * h) * x80 / r).magnitude)
        return k.isNaN ? .infinity : k
    }

    func classify(_ x: T) -> (Status, Double, Double) {
        let (r, yv) = truthValue(x)
        if r.isNaN { return (.undefined, 0, 0) }
        let v = evaluator.evaluate(expr, x: x, y: yv)
        let rt = T(r)
        if !v.isFinite {
            if v == rt { return (.ok, 0, 0) }
            return (.nonFinite, .infinity, .infinity)
        }
        if !rt.isFinite { return (.inaccurate, .infinity, .infinity) }
        let err = Self.ulps(v, r)
        if err <= maxUlp { return (.ok, err, 0) }
        let allowance = maxUlp + 2 * condition(x, yv, r)
        return err > allowance ? (.inaccurate, err, err / allowance) : (.ok, err, 0)
    }

    func run(_ grid: [T]) -> Outcome {
        var out = Outcome(measurement: self)
        for x in grid {
            let (s, e, ex) = classify(x)
            out.xs.append(x); out.status.append(s); out.errors.append(e); out.excess.append(ex)
        }
        return out
    }

    /// The first x between a (status not `bad`) and b (status `bad`) whose status is `bad`, by bisection.
    func boundary(from a: T, to b: T, _ bad: Status) -> T {
        var good = a, bad0 = b
        for _ in 0..<200 {
            let mid = good / 2 + bad0 / 2
            if mid == good || mid == bad0 { break }
            if classify(mid).0 == bad { bad0 = mid } else { good = mid }
        }
        return bad0
    }

    /// Post-order over the tree: the first sub-expression whose value in T is wrong while its operands' are
    /// right (each operand evaluated in T, the reference of each node from its own exact operands).
    func responsible(at x: T) -> (Expr, String)? {
        let yv = y(x), x80 = Float80(x), y80 = Float80(yv)
        let p = T.significandBitCount + 1
        func bad(_ e: Expr) -> Bool {
            let r = reference.evaluate(e, x: x80, y: y80)
            guard r.isFinite else { return false }
            let v = evaluator.evaluate(e, x: x, y: yv)
            if !v.isFinite || !T(r).isFinite { return true }
            let err = Self.ulps(v, r)
            return err > maxUlp && err > maxUlp + 2 * condition(x, yv, r, of: e)
        }
        func visit(_ e: Expr) -> Expr? {
            for c in nodeChildren(e) { if let found = visit(c) { return found } }
            return bad(e) ? e : nil
        }
        guard let node = visit(expr) else { return nil }
        let r = reference.evaluate(node, x: x80, y: y80)
        let v = evaluator.evaluate(node, x: x, y: yv)
        let dtype = T.self == Float.self ? "float32" : "float64"
        if v.isNaN { return (node, "is NaN") }
        if !v.isFinite || !T(r).isFinite { return (node, "overflows \(dtype) (true value \(ShortDecimal.format(r, digits: 3)))") }
        if case .binary(let op, let a, let b) = node.kind, op == .add || op == .subtract {
            let big = Swift.max(evaluator.evaluate(a, x: x, y: yv).magnitude, evaluator.evaluate(b, x: x, y: yv).magnitude)
            if Float80(big) > 2 * r.magnitude {
                let lost = Swift.min(Double(p), Foundation.log2(Double(Float80(big) / r.magnitude)))
                return (node, "cancels: \(Int(lost.rounded())) of \(p) significant bits lost")
            }
        }
        for c in nodeChildren(node) {
            let cv = evaluator.evaluate(c, x: x, y: yv)
            if cv != 0 && cv.magnitude < T.leastNormalMagnitude {
                let bits = Swift.max(0, Int(cv.magnitude.exponent) - Int(T.leastNonzeroMagnitude.exponent) + 1)
                return (node, "takes the subnormal `\(c)` = \(ShortDecimal.format(Double(cv), digits: 3)) (\(bits) significant bits) into a normal result, off by \(ShortDecimal.format(Self.ulps(v, r), digits: 3)) ulp")
            }
        }
        if v.magnitude < T.leastNormalMagnitude && r.magnitude >= Float80(T.leastNormalMagnitude) / 2 {
            return (node, "underflows to \(ShortDecimal.format(Double(v), digits: 3)) (true value \(ShortDecimal.format(r, digits: 3)))")
        }
        return (node, "is off by \(ShortDecimal.format(Self.ulps(v, r), digits: 3)) ulp")
    }
}

func nodeChildren(_ e: Expr) -> [Expr] {
    switch e.kind {
    case .unary(_, let a): return [a]
    case .binary(_, let a, let b): return [a, b]
    case .call(_, let args, _): return args
    default: return []
    }
}

extension Measurement.Outcome {
    /// Runs of `status`, merged across gaps of at most two other points; nonFinite ends refined by bisection.
    func ranges(_ status: Measurement.Status) -> [XRange] {
        var runs: [(Int, Int)] = []
        for i in xs.indices where self.status[i] == status {
            if let last = runs.last, i - last.1 <= 3 { runs[runs.count - 1].1 = i } else { runs.append((i, i)) }
        }
        return runs.map { (i, j) in
            var lower = Double(xs[i]), upper = Double(xs[j])
            if status == .nonFinite {
                if i > 0 { lower = Double(measurement.boundary(from: xs[i - 1], to: xs[i], status)) }
                if j < xs.count - 1 { upper = Double(measurement.boundary(from: xs[j + 1], to: xs[j], status)) }
            }
            return XRange(lower: i == 0 ? nil : lower, upper: j == xs.count - 1 ? nil : upper)
        }
    }

    func row(spec: String, formula: String, dtype: String, form: String, source: Formula, rewrites: [String]) -> FormulaAccuracy {
        let defined = status.indices.filter { status[$0] != .undefined }
        let finite = defined.filter { errors[$0].isFinite }
        let worst = finite.max { errors[$0] < errors[$1] }
        let nonFinite = ranges(.nonFinite), inaccurate = ranges(.inaccurate)
        // Where to explain: the worst inaccurate point, else the first non-finite one.
        let explain = status.indices.filter { status[$0] == .inaccurate }.max { excess[$0] < excess[$1] }
            ?? status.firstIndex(of: .nonFinite)
        var responsible: (Expr, String)?
        if let k = explain { responsible = measurement.responsible(at: xs[k]) }
        let at = responsible.map { source.source.location(ofOffset: $0.0.offset, in: source.text) }
            ?? source.source.location(ofOffset: 0, in: source.text)
        var row = FormulaAccuracy(spec: spec, formula: formula, dtype: dtype, form: form, points: defined.count,
                                  maxUlp: worst.map { errors[$0] } ?? 0, worstX: worst.map { Double(xs[$0]) },
                                  nonFinite: nonFinite, inaccurate: inaccurate,
                                  responsible: responsible.map { $0.0.description }, cause: responsible?.1,
                                  location: at.description, rewrites: rewrites)
        if responsible != nil { row.responsibleAt = at }
        return row
    }
}

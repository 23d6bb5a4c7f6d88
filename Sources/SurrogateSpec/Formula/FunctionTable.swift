import Foundation
import RealModule

/// The one table of formula functions (numexpr style): the parser checks names and arity against it, every
/// evaluator computes a call through `evaluate` (generic over the number type: the Double reference, the dtype
/// model of the kernels, the Float80 reference of the accuracy report), and every emitter spells calls from it.
/// Adding a function is its entry here, its case in `evaluate` below, its derivative rule (`Derivative.rules`) and
/// the two kernel math preludes (C template, Swift `KernelMath`).
///
/// Spelling templates: `$0`, `$1`, `$2` are the printed arguments; `{T}` is the element type of the
/// backend (`float`/`double` in C, `Float`/`Double` in Swift); `{f}` is the C libm suffix (`f` or empty);
/// `{noise}` is the backend's expression for this call site's 64 random bits (C, Swift), or this call
/// site's U[0, 1) draw, a tensor of the input's shape drawn once per call (PyTorch).
///
/// The PyTorch spelling (`torch`) is a Python expression over tensors: `_torch` is the module `torch`, and
/// `_kg_*` are the helpers of the emitted module's prelude (`Templates/Python/torch.py.stencil`), each
/// taking its arguments once (a spelling never repeats an argument, so nothing is computed or drawn twice).
public struct FormulaFunction: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Deterministic function of its arguments.
        case pure
        /// A random source; `mean` replaces it in mean-field mode (SpikeDE's `sample=False`).
        case noise(mean: NoiseMean)
        /// `outer(a + noise())` computed as one function (it draws the noise call's bits): made by the
        /// emitters from that pattern when it computes faster or rounds better, never written in a spec.
        case fused(outer: String, noise: String)
    }

    public let name: String
    public let arity: Int
    public let kind: Kind
    public let c: String
    public let swift: String
    /// The PyTorch expression backend's spelling (see the type's comment).
    public let torch: String
    /// The Triton backend's spelling (`TritonSource`): Python inside `@triton.jit` kernels over blocks of the
    /// element type. `tl` is `triton.language` (the name Triton's interpreter requires), `_libdevice` its libdevice (CUDA's correctly specified math;
    /// NumPy's under Triton's interpreter), `_kg_*` the helpers of the emitted module's prelude
    /// (`Templates/Python/triton.py.stencil`), `{f}` the element's suffix, `{noise}` the call site's U[0, 1) draw
    /// from the kernels' Philox stream.
    public let triton: String
    public let summary: String
    /// d/dx of a call from its arguments and their derivatives (`Derivative.Rule`; `Derivative.step` for a step,
    /// 0 almost everywhere); nil for a noise source or a function `Derivative` cannot differentiate.
    public var derivative: Derivative.Rule? = nil

    /// Draws random bits (a noise source, or a fusion of one).
    public var isNoise: Bool { if case .pure = kind { return false } else { return true } }
    /// The mean of a noise source that does not depend on its arguments (`uniform`: 0.5); nil otherwise.
    public var mean: Double? { if case .noise(.constant(let m)) = kind { return m } else { return nil } }
    /// How `kernelgen list --functions` states the mean: `0.5`, `clamp(a, 0, 1)`.
    public var meanDescription: String? {
        switch kind {
        case .noise(.constant(let m)): return "\(m)"
        case .noise(.formula(let text)): return text
        default: return nil
        }
    }
}

/// What a noise source becomes in mean-field mode: a constant, or a formula of the call's arguments, so a
/// source whose distribution depends on its arguments (`bernoulli(p)`, mean `p`) still has its exact mean.
public enum NoiseMean: Sendable, Equatable {
    case constant(Double)
    /// A formula in the formula language over the call's arguments, named `a`, `b`, `c` in order (as the
    /// table's summaries name them); it may call pure functions only. Parsed once (`FunctionTable.meanField`).
    case formula(String)
}

/// The derivative rules' builders (`Derivative.mul`, `.call`, ...), short in the table's entries.
private typealias D = Derivative

public enum FunctionTable {
    public static let all: [FormulaFunction] = [
        .init(name: "exp", arity: 1, kind: .pure, c: "kg_exp{f}($0)", swift: "KernelMath.exp($0)",
              torch: "_torch.exp($0)",
              triton: "_libdevice.exp($0)",
              summary: "e^a",
              // exp(a)' = exp(a) a'
              derivative: { args, d, at in D.mul(D.call("exp", args, at), d[0]!, at) }),
        .init(name: "expm1", arity: 1, kind: .pure, c: "kg_expm1{f}($0)", swift: "KernelMath.expm1($0)",
              torch: "_torch.expm1($0)",
              triton: "_libdevice.expm1($0)",
              summary: "e^a - 1, exact near 0",
              // expm1(a)' = exp(a) a'
              derivative: { args, d, at in D.mul(D.call("exp", args, at), d[0]!, at) }),
        .init(name: "log", arity: 1, kind: .pure, c: "kg_log{f}($0)", swift: "KernelMath.log($0)",
              torch: "_torch.log($0)",
              triton: "_libdevice.log($0)",
              summary: "natural logarithm",
              // log(a)' = a' / a
              derivative: { args, d, at in D.bin(.divide, d[0]!, args[0], at) }),
        .init(name: "log1p", arity: 1, kind: .pure, c: "kg_log1p{f}($0)", swift: "KernelMath.log1p($0)",
              torch: "_torch.log1p($0)",
              triton: "_libdevice.log1p($0)",
              summary: "log(1 + a), exact near 0",
              // log1p(a)' = a' / (1 + a)
              derivative: { args, d, at in D.bin(.divide, d[0]!, D.bin(.add, Expr(.number(1), at: at), args[0], at), at) }),
        .init(name: "sqrt", arity: 1, kind: .pure, c: "__builtin_sqrt{f}($0)", swift: "($0).squareRoot()",
              torch: "_torch.sqrt($0)",
              triton: "_libdevice.sqrt_rn($0)",
              summary: "square root",
              // sqrt(a)' = a' / (2 sqrt(a)): +inf at a = 0, as the derivative is
              derivative: { args, d, at in D.bin(.divide, d[0]!, D.bin(.multiply, Expr(.number(2), at: at), D.call("sqrt", args, at), at), at) }),
        .init(name: "abs", arity: 1, kind: .pure, c: "__builtin_fabs{f}($0)", swift: "($0).magnitude",
              torch: "_torch.abs($0)",
              triton: "tl.abs($0)",
              summary: "absolute value",
              // abs(a)' = sign(a) a': 0 at a = 0 (sign(0) = 0, the subgradient's midpoint; -0 at a = -0), NaN at NaN
              derivative: { args, d, at in D.mul(D.call("sign", args, at), d[0]!, at) }),
        .init(name: "sign", arity: 1, kind: .pure, c: "kg_sign{f}($0)", swift: "KernelMath.sign($0)",
              torch: "_kg_sign($0)",
              triton: "_kg_sign($0)",
              summary: "-1, 0 or 1 (keeps -0 and NaN)",
              derivative: D.step),
        .init(name: "min", arity: 2, kind: .pure, c: "kg_min{f}($0, $1)", swift: "KernelMath.min($0, $1)",
              torch: "_kg_min($0, $1)",
              triton: "_kg_min($0, $1)",
              summary: "b < a ? b : a",
              derivative: { args, d, at in D.select(D.bin(.less, args[1], args[0], at), d[1], d[0], at) }),
        .init(name: "max", arity: 2, kind: .pure, c: "kg_max{f}($0, $1)", swift: "KernelMath.max($0, $1)",
              torch: "_kg_max($0, $1)",
              triton: "_kg_max($0, $1)",
              summary: "a < b ? b : a",
              derivative: { args, d, at in D.select(D.bin(.less, args[0], args[1], at), d[1], d[0], at) }),
        .init(name: "clamp", arity: 3, kind: .pure, c: "kg_clamp{f}($0, $1, $2)", swift: "KernelMath.clamp($0, $1, $2)",
              torch: "_kg_clamp($0, $1, $2)",
              triton: "_kg_clamp($0, $1, $2)",
              summary: "min(max(a, b), c): a clamped to [b, c]",
              derivative: { args, d, at in
                  let m = D.call("max", [args[0], args[1]], at)
                  let inner = D.select(D.bin(.less, args[0], args[1], at), d[1], d[0], at)
                  return D.select(D.bin(.less, args[2], m, at), d[2], inner, at)
              }),
        .init(name: "sigmoid", arity: 1, kind: .pure, c: "kg_sigmoid{f}($0)", swift: "KernelMath.sigmoid($0)",
              torch: "_torch.sigmoid($0)",
              triton: "_kg_sigmoid{f}($0)",
              summary: "1 / (1 + e^-a)",
              // sigmoid(a)' = sigmoid(a) (1 - sigmoid(a)) a': the emitters fuse it into sigmoid_grad(a) a'
              derivative: { args, d, at in
                  let s = D.call("sigmoid", args, at)
                  return D.mul(D.bin(.multiply, s, D.bin(.subtract, Expr(.number(1), at: at), s, at), at), d[0]!, at)
              }),
        .init(name: "tanh", arity: 1, kind: .pure, c: "kg_tanh{f}($0)", swift: "KernelMath.tanh($0)",
              torch: "_torch.tanh($0)",
              triton: "_libdevice.tanh($0)",
              summary: "hyperbolic tangent",
              // tanh(a)' = (1 - tanh(a)^2) a': the emitters' stable rewrite computes it as 4 sigmoid_grad(2a)
              derivative: { args, d, at in
                  D.mul(D.bin(.subtract, Expr(.number(1), at: at), D.bin(.power, D.call("tanh", args, at), Expr(.number(2), at: at), at), at), d[0]!, at)
              }),
        .init(name: "atan", arity: 1, kind: .pure, c: "kg_atan{f}($0)", swift: "KernelMath.atan($0)",
              torch: "_torch.atan($0)",
              triton: "_libdevice.atan($0)",
              summary: "arctangent",
              // atan(a)' = a' / (1 + a^2)
              derivative: { args, d, at in
                  D.bin(.divide, d[0]!, D.bin(.add, Expr(.number(1), at: at), D.bin(.power, args[0], Expr(.number(2), at: at), at), at), at)
              }),
        .init(name: "erf", arity: 1, kind: .pure, c: "kg_erf{f}($0)", swift: "KernelMath.erf($0)",
              torch: "_torch.erf($0)",
              triton: "_libdevice.erf($0)",
              summary: "error function",
              // erf(a)' = 2 / sqrt(pi) exp(-a^2) a'
              derivative: { args, d, at in
                  let c = D.bin(.divide, Expr(.number(2), at: at), D.call("sqrt", [Expr(.constant("pi"), at: at)], at), at)
                  let g = D.call("exp", [D.neg(D.bin(.power, args[0], Expr(.number(2), at: at), at), at)], at)
                  return D.mul(D.bin(.multiply, c, g, at), d[0]!, at)
              }),
        .init(name: "erfc", arity: 1, kind: .pure, c: "kg_erfc{f}($0)", swift: "KernelMath.erfc($0)",
              torch: "_torch.erfc($0)",
              triton: "_libdevice.erfc($0)",
              summary: "1 - erf(a), without cancellation in the tail",
              // erfc(a)' = -2 / sqrt(pi) exp(-a^2) a'
              derivative: { args, d, at in
                  let c = D.bin(.divide, Expr(.number(-2), at: at), D.call("sqrt", [Expr(.constant("pi"), at: at)], at), at)
                  let g = D.call("exp", [D.neg(D.bin(.power, args[0], Expr(.number(2), at: at), at), at)], at)
                  return D.mul(D.bin(.multiply, c, g, at), d[0]!, at)
              }),
        .init(name: "sin", arity: 1, kind: .pure, c: "kg_sin{f}($0)", swift: "KernelMath.sin($0)",
              torch: "_torch.sin($0)",
              triton: "_kg_sin{f}($0)",
              summary: "sine (kernels: NaN for |a| > 2^20 in float, 2^30 in double)",
              // sin(a)' = cos(a) a'; cos(a)' = -sin(a) a'
              derivative: { args, d, at in D.mul(D.call("cos", args, at), d[0]!, at) }),
        .init(name: "cos", arity: 1, kind: .pure, c: "kg_cos{f}($0)", swift: "KernelMath.cos($0)",
              torch: "_torch.cos($0)",
              triton: "_kg_cos{f}($0)",
              summary: "cosine (kernels: NaN for |a| > 2^20 in float, 2^30 in double)",
              derivative: { args, d, at in D.mul(D.neg(D.call("sin", args, at), at), d[0]!, at) }),
        .init(name: "floor", arity: 1, kind: .pure, c: "kg_floor{f}($0)", swift: "KernelMath.floor($0)",
              torch: "_torch.floor($0)",
              triton: "_libdevice.floor($0)",
              summary: "largest integer <= a",
              derivative: D.step),
        .init(name: "ceil", arity: 1, kind: .pure, c: "kg_ceil{f}($0)", swift: "KernelMath.ceil($0)",
              torch: "_torch.ceil($0)",
              triton: "_libdevice.ceil($0)",
              summary: "smallest integer >= a",
              derivative: D.step),
        .init(name: "trunc", arity: 1, kind: .pure, c: "kg_trunc{f}($0)", swift: "KernelMath.trunc($0)",
              torch: "_torch.trunc($0)",
              triton: "_libdevice.trunc($0)",
              summary: "a rounded toward zero",
              derivative: D.step),
        .init(name: "round", arity: 1, kind: .pure, c: "kg_round{f}($0)", swift: "KernelMath.round($0)",
              torch: "_torch.round($0)",
              triton: "_libdevice.rint($0)",
              summary: "a rounded to the nearest integer, halves to even (as torch.round)",
              derivative: D.step),
        .init(name: "heaviside", arity: 1, kind: .pure, c: "kg_heaviside{f}($0)", swift: "KernelMath.heaviside($0)",
              torch: "_kg_heaviside($0)",
              triton: "_kg_heaviside($0)",
              summary: "a >= 0 ? 1 : 0 (1 at -0, 0 at NaN)",
              derivative: D.step),
        .init(name: "where", arity: 3, kind: .pure, c: "(($0) != 0 ? ($1) : ($2))", swift: "(($0) != 0 ? ($1) : ($2))",
              torch: "_torch.where(($0) != 0, $1, $2)",
              triton: "tl.where(($0) != 0, $1, $2)",
              summary: "a != 0 ? b : c (both sides are evaluated)",
              // where(c, a, b)' = where(c, a', b') (c is a step: its own derivative is 0 almost everywhere)
              derivative: { args, d, at in D.select(args[0], d[1], d[2], at) }),
        .init(name: "logistic", arity: 0, kind: .noise(mean: .constant(0)), c: "kg_logistic{f}({noise})",
              swift: "KernelMath.logistic({noise}, as: {T}.self)",
              torch: "_kg_logistic({noise})",
              triton: "_kg_logistic{f}({noise})",
              summary: "a Logistic(0, 1) sample: log(u) - log1p(-u), u clamped to [1e-6, 1 - 1e-6]"),
        .init(name: "uniform", arity: 0, kind: .noise(mean: .constant(0.5)), c: "kg_uniform{f}({noise})",
              swift: "KernelMath.uniform({noise}, as: {T}.self)",
              torch: "{noise}",
              triton: "{noise}",
              summary: "a U(0, 1) sample in [0, 1)"),
        // `u < a` with the call site's own U[0, 1) draw (the bits `uniform()` turns into u): 1 with probability
        // a for a in [0, 1], always 1 above, always 0 below and at NaN (the comparison is false). Its mean is
        // that probability, clamp(a, 0, 1), and NaN at NaN (clamp keeps NaN) so the mean field shows the NaN.
        .init(name: "bernoulli", arity: 1, kind: .noise(mean: .formula("clamp(a, 0, 1)")),
              c: "kg_bernoulli{f}($0, {noise})", swift: "KernelMath.bernoulli($0, {noise})",
              torch: "_kg_bernoulli($0, {noise})",
              triton: "_kg_bernoulli($0, {noise})",
              summary: "1 with probability a, else 0: u < a for the call's U[0, 1) draw u (0 at NaN)"),
    ]

    /// Fusions the emitters make (`Simplifier.fuse`); specs cannot call them.
    public static let fused: [FormulaFunction] = [
        .init(name: "sigmoid_grad", arity: 1, kind: .pure, c: "kg_sigmoid_grad{f}($0)", swift: "KernelMath.sigmoidGrad($0)",
              torch: "_kg_sigmoid_grad($0)",
              triton: "_kg_sigmoid_grad{f}($0)",
              summary: "sigmoid(a) (1 - sigmoid(a)) as e / (1 + e)^2, e = e^-|a|: no cancellation"),
        .init(name: "sigmoid_logistic", arity: 1, kind: .fused(outer: "sigmoid", noise: "logistic"),
              c: "kg_sigmoid_logistic{f}($0, {noise})", swift: "KernelMath.sigmoidLogistic($0, {noise})",
              torch: "_kg_sigmoid_logistic($0, {noise})",
              triton: "_kg_sigmoid_logistic{f}($0, {noise})",
              summary: "sigmoid(a + logistic()) as u / (u + (1 - u) e^-a): no log, no cancellation"),
    ]

    private static let byName: [String: FormulaFunction] = Dictionary(uniqueKeysWithValues: (all + fused).map { ($0.name, $0) })

    /// Any function of the table, fusions included (what emitters look up).
    public static func function(named name: String) -> FormulaFunction? { byName[name] }
    /// A function a spec may call.
    public static func callable(named name: String) -> FormulaFunction? { fusedNames.contains(name) ? nil : byName[name] }
    private static let fusedNames = Set(fused.map(\.name))
    public static var names: [String] { all.map(\.name) }

    /// The names of a call's arguments in this table's text: a noise source's mean formula (`clamp(a, 0, 1)`),
    /// the summaries (`b < a ? b : a`) and `kernelgen list --functions`' signatures (`min(a, b)`), so the three agree.
    public static let argumentNames = ["a", "b", "c"]

    /// What the noise call `call` becomes in mean-field mode: its mean, located at the call, with the call's
    /// arguments in the mean's formula (`bernoulli(s * x)` -> `clamp(s * x, 0, 1)`); nil for anything else.
    /// The arguments themselves are not rewritten (a caller replaces noise inside them as it does elsewhere).
    public static func meanField(of call: Expr) -> Expr? {
        guard case .call(let name, let args, _) = call.kind, let f = function(named: name),
              case .noise(let mean) = f.kind else { return nil }
        switch mean {
        case .constant(let v): return Expr(.number(v), at: call.offset)
        case .formula:
            guard let template = meanTemplates[name] else { return nil }
            return template.substituting(call.offset) { p in argumentNames.firstIndex(of: p).flatMap { $0 < args.count ? args[$0] : nil } }
        }
    }

    /// The mean formulas, parsed once (after `all` exists: the parser looks functions up in it). A mean that does
    /// not parse is a bug of this table; `FunctionTableTests` parses every one.
    private static let meanTemplates: [String: Expr] = {
        var templates: [String: Expr] = [:]
        for f in all {
            guard case .noise(.formula(let text)) = f.kind else { continue }
            let scope = FormulaScope(field: "mean of \(f.name)", params: Array(argumentNames.prefix(f.arity)),
                                     allowsForwardOutput: false, allowsNoise: false)
            let (expr, issues) = FormulaParser.parse(text, scope: scope)
            precondition(issues.isEmpty && expr != nil, "the mean of \(f.name), `\(text)`, does not parse: \(issues)")
            templates[f.name] = expr
        }
        return templates
    }()
}

extension Expr {
    /// This tree with each parameter `p` for which `value(p)` is non-nil replaced by that expression, every
    /// node of the tree itself placed at `offset` (a mean formula takes its call's place in the spec).
    func substituting(_ offset: Int, _ value: (String) -> Expr?) -> Expr {
        switch kind {
        case .param(let p): if let v = value(p) { return v }
            return Expr(kind, at: offset)
        case .number, .variable, .constant, .local, .index: return Expr(kind, at: offset)
        case .sum(let i, let from, let to, let body):
            return Expr(.sum(index: i, from: from.substituting(offset, value), to: to.substituting(offset, value),
                             body: body.substituting(offset, value)), at: offset)
        case .unary(let op, let a): return Expr(.unary(op, a.substituting(offset, value)), at: offset)
        case .binary(let op, let a, let b):
            return Expr(.binary(op, a.substituting(offset, value), b.substituting(offset, value)), at: offset)
        case .call(let name, let args, let site):
            return Expr(.call(name, args.map { $0.substituting(offset, value) }, site: site), at: offset)
        }
    }
}

/// Named constants of the formula language.
public enum FormulaConstant {
    public static let values: [String: Double] = ["pi": Double.pi, "e": M_E]
}

/// The select rules shared by the evaluators and the kernels: comparisons decide, so NaN handling is the IEEE
/// comparison's (min(NaN, 1) = NaN, min(1, NaN) = 1), same in C and Swift.
public enum RealSelect {
    public static func min<T: FloatingPoint>(_ a: T, _ b: T) -> T { b < a ? b : a }
    public static func max<T: FloatingPoint>(_ a: T, _ b: T) -> T { a < b ? b : a }
    public static func sign<T: FloatingPoint>(_ a: T) -> T { a > 0 ? 1 : (a < 0 ? -1 : a) }
}

/// The number types formulas are evaluated in: Float and Double (as the kernels compute), Float80 (the accuracy
/// report's reference). `c99Pow` is C's `pow` of the type (negative bases with integral exponents; RealModule's
/// `pow` is NaN for every negative base).
public protocol FormulaReal: Real, BinaryFloatingPoint, Sendable {
    static func c99Pow(_ a: Self, _ b: Self) -> Self
}

extension Float: FormulaReal { public static func c99Pow(_ a: Float, _ b: Float) -> Float { powf(a, b) } }
extension Double: FormulaReal { public static func c99Pow(_ a: Double, _ b: Double) -> Double { Foundation.pow(a, b) } }
#if arch(x86_64) || arch(i386)
extension Float80: FormulaReal { public static func c99Pow(_ a: Float80, _ b: Float80) -> Float80 { powl(a, b) } }
/// The widest formula type: the reference of the accuracy report and of the kernel model's function calls (Float80
/// where the platform has it, else Double).
public typealias WidestReal = Float80
#else
public typealias WidestReal = Double
#endif

extension FormulaFunction {
    /// The function's value at `a` in `T`: its one meaning, which every evaluator uses (`FormulaEvaluator`).
    /// Selects follow `RealSelect`; a noise source is its mean (`logistic` 0, `uniform` 1/2, `bernoulli(a)` the
    /// probability clamp(a, 0, 1)), and `sigmoid_logistic(a)` is sigmoid(a) with its noise at that mean.
    /// NaN for a name without a case (`FunctionTableTests` evaluates every entry).
    public func evaluate<T: FormulaReal>(_ a: [T]) -> T {
        switch name {
        case "exp": return .exp(a[0])
        case "expm1": return .expMinusOne(a[0])
        case "log": return .log(a[0])
        case "log1p": return .log(onePlus: a[0])
        case "sqrt": return a[0].squareRoot()
        case "abs": return a[0].magnitude
        case "sign": return RealSelect.sign(a[0])
        case "min": return RealSelect.min(a[0], a[1])
        case "max": return RealSelect.max(a[0], a[1])
        case "clamp": return RealSelect.min(RealSelect.max(a[0], a[1]), a[2])
        case "sigmoid", "sigmoid_logistic": return 1 / (1 + .exp(-a[0]))
        case "sigmoid_grad":
            let e = T.exp(-a[0].magnitude)
            return e / ((1 + e) * (1 + e))
        case "tanh": return .tanh(a[0])
        case "atan": return .atan(a[0])
        case "erf": return .erf(a[0])
        case "erfc": return .erfc(a[0])
        case "sin": return .sin(a[0])
        case "cos": return .cos(a[0])
        case "floor": return a[0].rounded(.down)
        case "ceil": return a[0].rounded(.up)
        case "trunc": return a[0].rounded(.towardZero)
        case "round": return a[0].rounded(.toNearestOrEven)
        case "heaviside": return a[0] >= 0 ? 1 : 0
        case "where": return a[0] != 0 ? a[1] : a[2]
        case "logistic": return 0
        case "uniform": return 0.5
        case "bernoulli": return RealSelect.min(RealSelect.max(a[0], 0), 1)
        default: return .nan
        }
    }
}

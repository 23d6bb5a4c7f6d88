import SurrogateSpec

/// How one backend spells the pieces of a formula. The function spellings themselves come from
/// `FunctionTable` (one table for every backend); a dialect only fills in the placeholders.
public struct Dialect: Sendable {
    public enum Language: Sendable { case c, swift }

    public var language: Language
    public var element: ElementType
    /// Name of the local holding the element's input (`x`) and forward output (`y`).
    public var inputName = "xi"
    public var outputName = "yi"
    /// Where noise bits come from: per element (from its global index), or lane `k` of the Philox blocks
    /// `b<site>` that a whole-block loop computed once for several elements.
    public var noiseSource: NoiseSource = .element

    public enum NoiseSource: Sendable { case element, blockLane(Int) }

    public init(_ language: Language, _ element: ElementType) {
        self.language = language
        self.element = element
    }

    var typeName: String { language == .c ? element.cName : element.swiftName }

    /// Parameters print as their C name in both languages (Swift kernels name their arguments so too).
    public func paramName(_ p: String) -> String { EmittedNames.cParameter(p) }

    func literal(_ v: Double) -> String {
        let rounded = element == .float32 ? Double(Float(v)) : v
        switch language {
        case .c:
            if rounded.isNaN { return "__builtin_nan\(element.libmSuffix)(\"\")" }
            if rounded.isInfinite { return (rounded < 0 ? "-" : "") + "__builtin_inf\(element.libmSuffix)()" }
            return ExactLiteral.hex(rounded) + (element == .float32 ? "f" : "")
        case .swift:
            if rounded.isNaN { return "\(typeName).nan" }
            if rounded.isInfinite { return "(\(rounded < 0 ? "-" : "")\(typeName).infinity)" }
            return "(\(ExactLiteral.hex(rounded)) as \(typeName))"
        }
    }

    /// The 64 random bits of noise call site `site` for the current element.
    func noiseBits(site: Int) -> String {
        switch (language, noiseSource) {
        case (.c, .element): return "kg_noise_bits\(element.libmSuffix)(seed, offset + i, \(site)u)"
        case (.c, .blockLane(let k)): return "kg_block_bits\(element.libmSuffix)(b\(site), \(k))"
        case (.swift, .element):
            return "Philox.bits(seed: seed, element: offset &+ UInt64(truncatingIfNeeded: i), site: \(site), as: \(typeName).self)"
        case (.swift, .blockLane(let k)):
            return "Philox.bits(b\(site), lane: \(k), as: \(typeName).self)"
        }
    }

    func spell(_ f: FormulaFunction, _ args: [String], site: Int?) -> String {
        var s = language == .c ? f.c : f.swift
        s = s.replacingOccurrences(of: "{f}", with: element.libmSuffix)
            .replacingOccurrences(of: "{T}", with: typeName)
            .replacingOccurrences(of: "{noise}", with: site.map(noiseBits) ?? "")
        // Replace from the highest index so `$1` is not a prefix problem for `$10` (arity <= 3 anyway).
        for (i, a) in args.enumerated().reversed() { s = s.replacingOccurrences(of: "$\(i)", with: a) }
        return s
    }

    func selectNumber(_ condition: String) -> String {
        "(\(condition) ? \(literal(1)) : \(literal(0)))"
    }
}

/// Prints an AST as a C or Swift expression of the dialect's element type. Comparisons and logic
/// print as selects, never as branches, so loops stay vectorisable.
public struct ExpressionPrinter: Sendable {
    public var dialect: Dialect

    public init(_ dialect: Dialect) { self.dialect = dialect }

    public func print(_ e: Expr) -> String {
        switch e.kind {
        case .number(let v): return dialect.literal(v)
        case .variable(.x): return dialect.inputName
        case .variable(.y): return dialect.outputName
        case .param(let p): return dialect.paramName(p)
        case .constant(let c): return dialect.literal(FormulaConstant.values[c] ?? .nan)
        case .local(let name): return name
        case .unary(.negate, let a): return "(-\(print(a)))"
        case .unary(.plus, let a): return print(a)
        case .unary(.not, _), .binary(.less, _, _), .binary(.lessEqual, _, _), .binary(.greater, _, _),
             .binary(.greaterEqual, _, _), .binary(.equal, _, _), .binary(.notEqual, _, _),
             .binary(.and, _, _), .binary(.or, _, _):
            return dialect.selectNumber(condition(e))
        case .binary(.power, let a, let b):
            return power(a, b)
        case .binary(let op, let a, let b):
            return "(\(print(a)) \(op.rawValue) \(print(b)))"
        case .call("where", let args, _) where args.count == 3:
            return "(\(condition(args[0])) ? \(print(args[1])) : \(print(args[2])))"
        case .call(let name, let args, let site):
            guard let f = FunctionTable.function(named: name) else { return dialect.literal(.nan) }
            return dialect.spell(f, args.map(print), site: site)
        }
    }

    /// A boolean-typed expression for a truth value: comparisons print directly, numbers compare with 0.
    /// C uses `&`/`|` on the 0/1 results (no short circuit, so no branch); Swift's `&&` on pure operands
    /// is folded to a select by the optimiser.
    func condition(_ e: Expr) -> String {
        switch e.kind {
        case .binary(let op, let a, let b) where op.isBoolean && op != .and && op != .or:
            return "(\(print(a)) \(op.rawValue) \(print(b)))"
        case .binary(.and, let a, let b):
            return "(\(condition(a)) \(dialect.language == .c ? "&" : "&&") \(condition(b)))"
        case .binary(.or, let a, let b):
            return "(\(condition(a)) \(dialect.language == .c ? "|" : "||") \(condition(b)))"
        case .unary(.not, let a):
            return "(!\(condition(a)))"
        default:
            return "(\(print(e)) != \(dialect.literal(0)))"
        }
    }

    /// Small integer powers become products (exact for ^2, a few ulps at most otherwise); the rest calls pow.
    func power(_ base: Expr, _ exponent: Expr) -> String {
        if case .number(let n) = exponent.kind, n == n.rounded(), (1...4).contains(n) {
            let b = print(base)
            return "(" + Array(repeating: b, count: Int(n)).joined(separator: " * ") + ")"
        }
        switch dialect.language {
        case .c: return "__builtin_pow\(dialect.element.libmSuffix)(\(print(base)), \(print(exponent)))"
        case .swift: return "KernelMath.pow(\(print(base)), \(print(exponent)))"
        }
    }
}

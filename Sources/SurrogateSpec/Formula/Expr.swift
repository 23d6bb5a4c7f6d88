/// The formula AST. `offset` is the node's position (in Unicode scalars) inside its formula text,
/// turned into `file:line:column` by `FormulaSource` when a diagnostic needs it.
public struct Expr: Sendable, Equatable, CustomStringConvertible {
    public indirect enum Kind: Sendable, Equatable {
        case number(Double)
        /// `x` (the input) or `y` (the forward output, in `backward` only).
        case variable(Variable)
        /// A spec parameter: a runtime argument of ahead-of-time kernels, a folded constant of JIT kernels.
        case param(String)
        case constant(String)
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// A call into `FunctionTable`; `site` numbers the noise calls of a formula (0, 1, ...) so each
        /// draws its own random stream.
        case call(String, [Expr], site: Int?)
        /// A value the emitters compute once per element before the result (a common subexpression);
        /// never produced by the parser.
        case local(String)
    }

    public enum Variable: String, Sendable { case x, y }

    public var kind: Kind
    public var offset: Int

    public init(_ kind: Kind, at offset: Int = 0) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { ExprFormatter.format(self) }

    /// Every node, depth first, parents before children.
    public func walk(_ visit: (Expr) -> Void) {
        visit(self)
        switch kind {
        case .number, .variable, .param, .constant, .local: break
        case .unary(_, let a): a.walk(visit)
        case .binary(_, let a, let b): a.walk(visit); b.walk(visit)
        case .call(_, let args, _): args.forEach { $0.walk(visit) }
        }
    }

    public func contains(where predicate: (Expr) -> Bool) -> Bool {
        var found = false
        walk { if predicate($0) { found = true } }
        return found
    }

    public var usesForwardOutput: Bool { contains { $0.kind == .variable(.y) } }
    public var usesNoise: Bool {
        contains { if case .call(let n, _, _) = $0.kind { return FunctionTable.function(named: n)?.isNoise ?? false }; return false }
    }
}

public enum UnaryOperator: String, Sendable { case negate = "-", plus = "+", not = "!" }

public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">=", equal = "==", notEqual = "!="
    case and = "&&", or = "||"

    /// Binding power for the Pratt parser; higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: 2
        case .and: 3
        case .equal, .notEqual: 4
        case .less, .lessEqual, .greater, .greaterEqual: 5
        case .add, .subtract: 6
        case .multiply, .divide: 7
        case .power: 9
        }
    }

    var isRightAssociative: Bool { self == .power }
    /// Comparisons and logic yield 1 or 0.
    public var isBoolean: Bool { precedence <= 5 }
}

/// Prints an AST back as a fully parenthesised formula (for messages and golden tests).
enum ExprFormatter {
    static func format(_ e: Expr) -> String {
        switch e.kind {
        case .number(let v): return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
        case .variable(let v): return v.rawValue
        case .param(let p): return p
        case .constant(let c): return c
        case .local(let name): return name
        case .unary(let op, let a): return "\(op.rawValue)\(format(a))"
        case .binary(let op, let a, let b): return "(\(format(a)) \(op.rawValue) \(format(b)))"
        case .call(let f, let args, _): return "\(f)(\(args.map(format).joined(separator: ", ")))"
        }
    }
}

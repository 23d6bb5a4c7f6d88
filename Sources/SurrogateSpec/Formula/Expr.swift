/// The formula AST. `offset` is the node's position (in Unicode scalars) inside its formula text,
/// turned into `file:line:column` by `FormulaSource` when a diagnostic needs it.
public struct Expr: Sendable, Equatable, CustomStringConvertible {
    public indirect enum Kind: Sendable, Equatable {
        case number(Double)
        /// `x` (the input), `y` (the forward output, in `backward` only) or `grad_out` (the incoming gradient, in
        /// `backward` only: a backward that reads it is `grad_in` itself, not a factor of it).
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
        /// `sum(i, from, to, body)`: body summed over the integers i = from, from + 1, ..., to in that order, from
        /// +0 (an empty range is +0). `from` and `to` are integer expressions of integer parameters and literals.
        case sum(index: String, from: Expr, to: Expr, body: Expr)
        /// The bound variable of an enclosing `sum` (as a number of the element type).
        case index(String)
    }

    public enum Variable: String, Sendable { case x, y, gradOut = "grad_out" }

    public var kind: Kind
    public var offset: Int
    /// Nodes on the longest path from here to a leaf (a leaf is 1): bounds every recursion over the tree.
    public let height: Int
    /// A hash of the tree's structure and values, not of its offsets: equal trees (`isSame`) have equal
    /// shapes, so comparing two subtrees is O(1) unless they really are the same.
    public let shape: Int

    public init(_ kind: Kind, at offset: Int = 0) {
        self.kind = kind
        self.offset = offset
        var hasher = Hasher()
        var childHeight = 0
        func child(_ e: Expr) {
            childHeight = max(childHeight, e.height)
            hasher.combine(e.shape)
        }
        switch kind {
        case .number(let v): hasher.combine(0); hasher.combine(v.bitPattern)
        case .variable(let v): hasher.combine(1); hasher.combine(v.rawValue)
        case .param(let p): hasher.combine(2); hasher.combine(p)
        case .constant(let c): hasher.combine(3); hasher.combine(c)
        case .local(let l): hasher.combine(4); hasher.combine(l)
        case .index(let i): hasher.combine(8); hasher.combine(i)
        case .sum(let i, let from, let to, let body): hasher.combine(9); hasher.combine(i); child(from); child(to); child(body)
        case .unary(let op, let a): hasher.combine(5); hasher.combine(op.rawValue); child(a)
        case .binary(let op, let a, let b): hasher.combine(6); hasher.combine(op.rawValue); child(a); child(b)
        case .call(let name, let args, let site):
            hasher.combine(7); hasher.combine(name); hasher.combine(site)
            args.forEach(child)
        }
        height = childHeight + 1
        shape = hasher.finalize()
    }

    /// Structural equality: the same tree with the same values (numbers by bit pattern, so -0 is not 0),
    /// whatever the offsets.
    public func isSame(as other: Expr) -> Bool {
        guard shape == other.shape, height == other.height else { return false }
        switch (kind, other.kind) {
        case (.number(let a), .number(let b)): return a.bitPattern == b.bitPattern
        case (.variable(let a), .variable(let b)): return a == b
        case (.param(let a), .param(let b)), (.constant(let a), .constant(let b)), (.local(let a), .local(let b)),
             (.index(let a), .index(let b)): return a == b
        case (.sum(let i1, let f1, let t1, let b1), .sum(let i2, let f2, let t2, let b2)):
            return i1 == i2 && f1.isSame(as: f2) && t1.isSame(as: t2) && b1.isSame(as: b2)
        case (.unary(let o1, let a1), .unary(let o2, let a2)): return o1 == o2 && a1.isSame(as: a2)
        case (.binary(let o1, let a1, let b1), .binary(let o2, let a2, let b2)):
            return o1 == o2 && a1.isSame(as: a2) && b1.isSame(as: b2)
        case (.call(let n1, let x1, let s1), .call(let n2, let x2, let s2)):
            return n1 == n2 && s1 == s2 && x1.count == x2.count && zip(x1, x2).allSatisfy { $0.isSame(as: $1) }
        default: return false
        }
    }

    public var description: String { ExprFormatter.format(self) }

    /// Every node, depth first, parents before children.
    public func walk(_ visit: (Expr) -> Void) {
        visit(self)
        switch kind {
        case .number, .variable, .param, .constant, .local, .index: break
        case .sum(_, let from, let to, let body): from.walk(visit); to.walk(visit); body.walk(visit)
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

    /// Contains a `sum` (so kernels compute it in a loop).
    public var hasSum: Bool { contains { if case .sum = $0.kind { return true } else { return false } } }

    /// The first index of an enclosing `sum` this expression reads (in walk order), or nil.
    public var firstSumIndex: String? {
        var found: String?
        walk { if found == nil, case .index(let name) = $0.kind { found = name } }
        return found
    }
    public var readsY: Bool { contains { $0.kind == .variable(.y) } }
    /// Reads `grad_out`: the kernels compute `grad_in = backward`, not `grad_out * backward`.
    public var usesGradOut: Bool { contains { $0.kind == .variable(.gradOut) } }
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
        case .index(let name): return name
        case .sum(let i, let from, let to, let body): return "sum(\(i), \(format(from)), \(format(to)), \(format(body)))"
        case .unary(let op, let a): return "\(op.rawValue)\(format(a))"
        case .binary(let op, let a, let b): return "(\(format(a)) \(op.rawValue) \(format(b)))"
        case .call(let f, let args, _): return "\(f)(\(args.map(format).joined(separator: ", ")))"
        }
    }
}

extension Expr {
    /// Bottom-up rewrite: `transform` returns a replacement for a node or nil to keep it (with its children
    /// rewritten). Every stage that rewrites trees (the emitters' simplifier, the neuron's lowering) uses it.
    public func rewritten(_ transform: (Expr) -> Expr?) -> Expr {
        if let replaced = transform(self) { return replaced }
        return mappingChildren { $0.rewritten(transform) }
    }

    /// The node with `f` applied to each direct child.
    public func mappingChildren(_ f: (Expr) -> Expr) -> Expr {
        switch kind {
        case .number, .variable, .param, .constant, .local, .index: return self
        case .sum(let i, let from, let to, let body): return Expr(.sum(index: i, from: f(from), to: f(to), body: f(body)), at: offset)
        case .unary(let op, let a): return Expr(.unary(op, f(a)), at: offset)
        case .binary(let op, let a, let b): return Expr(.binary(op, f(a), f(b)), at: offset)
        case .call(let name, let args, let site): return Expr(.call(name, args.map(f), site: site), at: offset)
        }
    }
}

import NameSuggestion
/// What a formula may refer to: which params exist and which context-bound names are allowed.
public struct FormulaScope: Sendable {
    public var field: String
    public var params: [String]
    public var allowsForwardOutput: Bool
    public var allowsNoise: Bool

    public init(field: String, params: [String], allowsForwardOutput: Bool, allowsNoise: Bool) {
        self.field = field
        self.params = params
        self.allowsForwardOutput = allowsForwardOutput
        self.allowsNoise = allowsNoise
    }
}

/// A problem found in one formula, at a scalar offset inside it.
public struct FormulaIssue: Sendable, Equatable {
    public var offset: Int
    public var id: Diagnostic.ID
    public var message: String
}

/// A Pratt parser for the formula language. Syntax errors stop the parse; name, arity and context
/// errors are collected and parsing goes on, so one run reports all of them.
public struct FormulaParser {
    /// Longest formula accepted, in Unicode scalars.
    public static let maximumLength = 16_384
    /// Deepest nesting accepted: parentheses, calls and operators (a sum of n terms nests n deep). Every pass
    /// over a formula (checks, folding, printing) recurses at most this deep.
    public static let maximumDepth = 1_000
    /// Name, arity and context issues reported per formula; the rest are counted in one more issue.
    public static let maximumIssues = 50

    private var tokens: [Token] = []
    private var position = 0
    private let scope: FormulaScope
    private var noiseSites = 0
    private var nesting = 0
    public private(set) var issues: [FormulaIssue] = []

    private init(scope: FormulaScope) { self.scope = scope }

    /// Parses `text`; returns the AST (nil on a syntax error) and every issue found.
    public static func parse(_ text: String, scope: FormulaScope) -> (Expr?, [FormulaIssue]) {
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            return (nil, [FormulaIssue(offset: 0, id: .limitExceeded,
                message: "formula is \(length) characters long; expected at most \(maximumLength) (split it over parameters or specs)")])
        }
        var parser = FormulaParser(scope: scope)
        do {
            parser.tokens = try Lexer.tokenize(text)
        } catch {
            return (nil, [FormulaIssue(offset: error.offset, id: .formulaSyntax, message: error.message)])
        }
        do {
            let expr = try parser.expression(minPrecedence: 0)
            try parser.expectEnd()
            return (expr, parser.cappedIssues)
        } catch {
            parser.issues.append(error)
            return (nil, parser.cappedIssues)
        }
    }

    private var cappedIssues: [FormulaIssue] {
        guard issues.count > Self.maximumIssues else { return issues }
        let rest = issues.count - Self.maximumIssues
        return Array(issues.prefix(Self.maximumIssues))
            + [FormulaIssue(offset: issues[Self.maximumIssues].offset, id: .limitExceeded,
                            message: "\(rest) more issue\(rest == 1 ? "" : "s") in this formula not shown")]
    }

    /// A node, refused when the tree would nest deeper than `maximumDepth`.
    private func node(_ kind: Expr.Kind, at offset: Int) throws(FormulaIssue) -> Expr {
        let e = Expr(kind, at: offset)
        guard e.height <= Self.maximumDepth else { throw tooDeep(at: offset) }
        return e
    }

    private func tooDeep(at offset: Int) -> FormulaIssue {
        FormulaIssue(offset: offset, id: .limitExceeded,
                     message: "formula nests deeper than \(Self.maximumDepth) levels here; expected a shallower formula (a long sum or product counts one level per term)")
    }

    // MARK: - Grammar

    private var current: Token { tokens[position] }

    private mutating func advance() -> Token {
        defer { position = Swift.min(position + 1, tokens.count - 1) }
        return tokens[position]
    }

    private func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }

    private func describe(_ t: Token) -> String { t.kind == .end ? "the end of the formula" : "`\(t.text)`" }

    private func syntax(_ message: String, at offset: Int? = nil) -> FormulaIssue {
        FormulaIssue(offset: offset ?? current.offset, id: .formulaSyntax, message: message)
    }

    private func expectEnd() throws(FormulaIssue) {
        guard current.kind == .end else {
            throw syntax("unexpected \(describe(current)); expected an operator or the end of the formula")
        }
    }

    /// precedence 1: `c ? a : b` (right associative), lowest of all.
    private mutating func expression(minPrecedence: Int) throws(FormulaIssue) -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumDepth else { throw tooDeep(at: current.offset) }
        var lhs = try prefix()
        while true {
            if isSymbol("?"), minPrecedence <= 1 {
                let q = advance()
                let a = try expression(minPrecedence: 1)
                guard isSymbol(":") else {
                    throw syntax("expected `:` of the conditional `?` at offset \(q.offset + 1), found \(describe(current))")
                }
                _ = advance()
                let b = try expression(minPrecedence: 1)
                lhs = try node(.call("where", [lhs, a, b], site: nil), at: q.offset)
                continue
            }
            guard case .symbol(let s) = current.kind, let op = BinaryOperator(rawValue: s), op.precedence >= minPrecedence else {
                return lhs
            }
            let opToken = advance()
            // `^` is right associative; unary operators bind looser than `^` but may start its right operand (`2^-x`).
            let next = op.isRightAssociative ? op.precedence : op.precedence + 1
            let rhs = try expression(minPrecedence: next)
            lhs = try node(.binary(op, lhs, rhs), at: opToken.offset)
        }
    }

    private mutating func prefix() throws(FormulaIssue) -> Expr {
        let token = advance()
        switch token.kind {
        case .number(let v):
            return Expr(.number(v), at: token.offset)
        case .symbol("-"), .symbol("+"), .symbol("!"):
            let op = UnaryOperator(rawValue: token.text)!
            // Binds tighter than * and / but looser than ^, so -x^2 is -(x^2).
            let operand = try expression(minPrecedence: 8)
            return try node(.unary(op, operand), at: token.offset)
        case .symbol("("):
            let inner = try expression(minPrecedence: 0)
            guard isSymbol(")") else {
                throw syntax("expected `)` to close the `(` at offset \(token.offset + 1), found \(describe(current))")
            }
            _ = advance()
            return inner
        case .identifier(let name):
            if isSymbol("(") { return try call(name, at: token.offset) }
            return identifier(name, at: token.offset)
        case .end:
            throw syntax("expected an expression, found the end of the formula", at: token.offset)
        case .symbol:
            throw syntax("expected an expression, found `\(token.text)`", at: token.offset)
        }
    }

    private mutating func call(_ name: String, at offset: Int) throws(FormulaIssue) -> Expr {
        _ = advance() // (
        var args: [Expr] = []
        if !isSymbol(")") {
            while true {
                args.append(try expression(minPrecedence: 0))
                if isSymbol(",") { _ = advance(); continue }
                break
            }
        }
        guard isSymbol(")") else {
            throw syntax("expected `,` or `)` in the arguments of `\(name)`, found \(describe(current))")
        }
        _ = advance()
        guard let function = FunctionTable.callable(named: name) else {
            let message: String
            if scope.params.contains(name) || name == "x" || name == "y" || FormulaConstant.values[name] != nil {
                message = "`\(name)` is not a function; expected one of the functions: \(FunctionTable.names.joined(separator: ", "))"
            } else {
                message = "unknown function `\(name)`" + Suggestion.didYouMean(name, in: FunctionTable.names)
            }
            issues.append(FormulaIssue(offset: offset, id: .unknownFunction, message: message))
            return Expr(.number(0), at: offset)
        }
        if args.count != function.arity {
            let plural = function.arity == 1 ? "argument" : "arguments"
            issues.append(FormulaIssue(offset: offset, id: .wrongArity,
                message: "`\(name)` takes \(function.arity) \(plural), got \(args.count)"))
        }
        var site: Int?
        if function.isNoise {
            if !scope.allowsNoise {
                issues.append(FormulaIssue(offset: offset, id: .noiseOutsideTrainForward,
                    message: "noise source `\(name)()` used in `\(scope.field)`; noise is allowed only in `train_forward`"))
            }
            site = noiseSites
            noiseSites += 1
        }
        return try node(.call(name, args, site: site), at: offset)
    }

    private mutating func identifier(_ name: String, at offset: Int) -> Expr {
        if name == "x" { return Expr(.variable(.x), at: offset) }
        if name == "y" {
            if !scope.allowsForwardOutput {
                issues.append(FormulaIssue(offset: offset, id: .forwardOutputOutsideBackward,
                    message: "`y` (the forward output) used in `\(scope.field)`; it is allowed only in `backward`"))
            }
            return Expr(.variable(.y), at: offset)
        }
        if scope.params.contains(name) { return Expr(.param(name), at: offset) }
        if FormulaConstant.values[name] != nil { return Expr(.constant(name), at: offset) }
        if let f = FunctionTable.callable(named: name) {
            let args = f.arity == 0 ? "" : "..."
            issues.append(FormulaIssue(offset: offset, id: .unknownIdentifier,
                message: "`\(name)` is a function; expected a call such as `\(name)(\(args))`"))
            return Expr(.number(0), at: offset)
        }
        var known = ["x"] + scope.params + FormulaConstant.values.keys.sorted()
        if scope.allowsForwardOutput { known.append("y") }
        issues.append(FormulaIssue(offset: offset, id: .unknownIdentifier,
            message: "unknown identifier `\(name)`" + Suggestion.didYouMean(name, in: known)
                + (Suggestion.closest(to: name, in: known) == nil
                   ? "; expected `x`\(scope.allowsForwardOutput ? ", `y`" : ""), a parameter\(scope.params.isEmpty ? "" : " (\(scope.params.map { "`\($0)`" }.joined(separator: ", ")))"), `pi` or `e`" : "")))
        return Expr(.number(0), at: offset)
    }
}

extension FormulaIssue: Error {}

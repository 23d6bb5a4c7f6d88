import NameSuggestion
/// What a formula may refer to: which params exist and which context-bound names are allowed.
public struct FormulaScope: Sendable {
    public var field: String
    public var params: [String]
    public var allowsForwardOutput: Bool
    public var allowsNoise: Bool
    /// `grad_out`, the incoming gradient, may be read (`backward` only).
    public var allowsGradOut: Bool
    /// The `integer: true` parameters with their bounds: what the bounds of a `sum` may use.
    public var integerParams: [String: ClosedRange<Double>]
    /// Named values of a neuron's step (its state variables and the names its assignments define): each parses
    /// as `.local(name)`. Empty for surrogate formulas.
    public var variables: [String] = []
    /// `spike(a)` and `detach(a)` may be called (a neuron's step only): they parse as calls that the neuron's
    /// lowering (`NeuronGraph`) replaces; no surrogate formula ever contains them.
    public var allowsStepFunctions = false

    public init(field: String, params: [String], allowsForwardOutput: Bool, allowsNoise: Bool,
                integerParams: [String: ClosedRange<Double>] = [:], allowsGradOut: Bool = false) {
        self.allowsGradOut = allowsGradOut
        self.field = field
        self.params = params
        self.allowsForwardOutput = allowsForwardOutput
        self.allowsNoise = allowsNoise
        self.integerParams = integerParams
    }
}

/// A problem found in one formula, at a scalar offset inside it.
public struct FormulaIssue: Sendable, Equatable {
    public var offset: Int
    public var id: Diagnostic.ID
    public var message: String
    public var fixIt: FixIt? = nil
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
    /// Most terms a formula's sums may add per element, nested sums multiplied (checked over the integer
    /// parameters' whole bounds, so every value a kernel can be given is within it).
    public static let maximumSumTerms = 4096
    /// Largest magnitude of a sum's bounds (and of integer parameters): every index is exact in float32.
    public static let maximumSumBound: Double = 0x1p24

    private var tokens: [Token] = []
    private var position = 0
    private let scope: FormulaScope
    private var noiseSites = 0
    private var nesting = 0
    /// The bound variables of the enclosing sums, innermost last.
    private var indices: [String] = []
    public private(set) var issues: [FormulaIssue] = []

    private init(scope: FormulaScope) { self.scope = scope }

    /// Parses `text`; returns the AST (nil on a syntax error) and every issue found.
    public static func parse(_ text: String, scope: FormulaScope) -> (Expr?, [FormulaIssue]) {
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            return (nil, [FormulaIssue(offset: 0, id: .limitExceeded,
                message: "formula is \(length) characters long; expected at most \(maximumLength) (split it over parameters or specs)")])
        }
        // A formula long enough to nest deeply is parsed on a thread with room for the recursion (`DeepStack`).
        return DeepStack.run(deep: length > 128) { parseUnbounded(text, scope: scope) }
    }

    private static func parseUnbounded(_ text: String, scope: FormulaScope) -> (Expr?, [FormulaIssue]) {
        var parser = FormulaParser(scope: scope)
        do {
            parser.tokens = try Lexer.tokenize(text)
        } catch {
            return (nil, [FormulaIssue(offset: error.offset, id: .formulaSyntax, message: error.message)])
        }
        do {
            let expr = try parser.expression(minPrecedence: 0)
            try parser.expectEnd()
            parser.checkTotalTerms(expr)
            parser.checkNoiseWithGradOut(expr)
            return (expr, parser.cappedIssues)
        } catch {
            parser.issues.append(error)
            return (nil, parser.cappedIssues)
        }
    }

    /// A backward that draws noise and reads `grad_out` is refused: the sampling backward (`train_backward`)
    /// multiplies by the incoming gradient per element in its whole-block loops, which a `grad_out`-aware
    /// formula cannot be (write the product with `grad_out` out of the formula, or the noise out of it).
    private mutating func checkNoiseWithGradOut(_ expr: Expr) {
        guard expr.usesNoise, expr.usesGradOut else { return }
        var offset = 0
        var found = false
        expr.walk { if !found, $0.kind == .variable(.gradOut) { offset = $0.offset; found = true } }
        issues.append(FormulaIssue(offset: offset, id: .noiseWithGradOut,
            message: "`grad_out` in a `backward` that draws noise; expected one or the other (a backward with noise is multiplied by `grad_out` in the kernels: drop `grad_out` and write the factor it multiplies)"))
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
        case .identifier("sum") where isSymbol("("):
            return try sum(at: token.offset)
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
        if scope.allowsStepFunctions, NeuronGraph.stepFunctions.contains(name) {
            if args.count != 1 {
                issues.append(FormulaIssue(offset: offset, id: .wrongArity, message: "`\(name)` takes 1 argument, got \(args.count)"))
            }
            if name == "detach", let index = args.first?.firstSumIndex, indices.contains(index) {
                // A detached value is a value of the step, computed once; one that reads the index of an enclosing sum
                // differs per term.
                issues.append(FormulaIssue(offset: offset, id: .detachOfSumIndex,
                    message: "`detach` of an expression that reads the index `\(index)` of an enclosing `sum`; expected `detach` of step values only (an index carries no gradient: write the term without `detach`)"))
            }
            if name == "spike", !indices.isEmpty {
                // Each spike is a value of the step (its surrogate's gradient is taken there), which a term of a sum,
                // computed once per index, cannot be.
                issues.append(FormulaIssue(offset: offset, id: .spikeInSum,
                    message: "`spike` inside `sum`; the terms of a sum must not fire (assign each spike on its own step line, e.g. `s1 = spike(h - 1)`, and add those)"))
            }
            return try node(.call(name, args, site: nil), at: offset)
        }
        guard let function = FunctionTable.callable(named: name) else {
            let message: String
            var fixIt: FixIt?
            if scope.params.contains(name) || name == "x" || name == "y" || name == Expr.Variable.gradOut.rawValue
                || FormulaConstant.values[name] != nil {
                message = "`\(name)` is not a function; expected one of the functions: \(FunctionTable.names.joined(separator: ", "))"
            } else {
                let suggestion = FixIt.didYouMean(name, in: FunctionTable.names)
                message = "unknown function `\(name)`" + suggestion.text
                fixIt = suggestion.fixIt
            }
            issues.append(FormulaIssue(offset: offset, id: .unknownFunction, message: message, fixIt: fixIt))
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
                    message: scope.allowsStepFunctions
                        ? "noise source `\(name)()` in a neuron's step; expected none (a stochastic surrogate bound to the neuron draws its noise in `spike`)"
                        : "noise source `\(name)()` used in `\(scope.field)`; noise is allowed only in `train_forward` and `backward`"))
            }
            if !indices.isEmpty {
                issues.append(FormulaIssue(offset: offset, id: .noiseInSum,
                    message: "noise source `\(name)()` inside `sum`; the terms of a sum must not draw noise (draw once outside the sum)"))
            }
            site = noiseSites
            noiseSites += 1
        }
        return try node(.call(name, args, site: site), at: offset)
    }

    private mutating func identifier(_ name: String, at offset: Int) -> Expr {
        if indices.contains(name) { return Expr(.index(name), at: offset) }
        if name == "x" { return Expr(.variable(.x), at: offset) }
        if name == "y" {
            if !scope.allowsForwardOutput {
                issues.append(FormulaIssue(offset: offset, id: .forwardOutputOutsideBackward,
                    message: "`y` (the forward output) used in `\(scope.field)`; it is allowed only in `backward`"))
            }
            return Expr(.variable(.y), at: offset)
        }
        if name == Expr.Variable.gradOut.rawValue {
            if !scope.allowsGradOut {
                issues.append(FormulaIssue(offset: offset, id: .gradOutOutsideBackward,
                    message: "`grad_out` (the incoming gradient) used in `\(scope.field)`; it is allowed only in `backward`"
                        + Suggestion.didYouMean(name, in: ["x"] + scope.params)))
            }
            return Expr(.variable(.gradOut), at: offset)
        }
        if scope.params.contains(name) { return Expr(.param(name), at: offset) }
        if scope.variables.contains(name) { return Expr(.local(name), at: offset) }
        if FormulaConstant.values[name] != nil { return Expr(.constant(name), at: offset) }
        if let f = FunctionTable.callable(named: name) {
            let args = f.arity == 0 ? "" : "..."
            issues.append(FormulaIssue(offset: offset, id: .unknownIdentifier,
                message: "`\(name)` is a function; expected a call such as `\(name)(\(args))`"))
            return Expr(.number(0), at: offset)
        }
        var known = ["x"] + scope.params + scope.variables + FormulaConstant.values.keys.sorted()
        if scope.allowsForwardOutput { known.append("y") }
        if scope.allowsGradOut { known.append("grad_out") }
        let suggestion = FixIt.didYouMean(name, in: known)
        issues.append(FormulaIssue(offset: offset, id: .unknownIdentifier,
            message: "unknown identifier `\(name)`" + suggestion.text
                + (suggestion.fixIt == nil
                   ? "; expected `x`\(scope.allowsForwardOutput ? ", `y`" : ""), a parameter\(scope.params.isEmpty ? "" : " (\(scope.params.map { "`\($0)`" }.joined(separator: ", ")))")\(scope.variables.isEmpty ? "" : ", a state or step variable (\(scope.variables.map { "`\($0)`" }.joined(separator: ", ")))"), `pi` or `e`" : ""),
            fixIt: suggestion.fixIt))
        return Expr(.number(0), at: offset)
    }
}

extension FormulaParser {
    /// `sum(i, from, to, body)`: the index is a new name visible in `body` only; the bounds are integer
    /// expressions of integer parameters and literals; the number of terms is bounded over the parameters' bounds.
    private mutating func sum(at offset: Int) throws(FormulaIssue) -> Expr {
        _ = advance() // (
        let indexToken = advance()
        guard case .identifier(let index) = indexToken.kind else {
            throw syntax("expected the name of the summation index as the first argument of `sum`, found \(describe(indexToken))",
                         at: indexToken.offset)
        }
        if let what = shadowed(index) {
            issues.append(FormulaIssue(offset: indexToken.offset, id: .badSumIndex,
                message: "summation index `\(index)` is named like \(what); expected a new name (not `x`, `y`, `grad_out`, a parameter, a neuron's state or step variable, a constant or an enclosing index)"))
        }
        var args: [Expr] = []
        while isSymbol(",") {
            _ = advance()
            if args.count == 2 { indices.append(index) }
            args.append(try expression(minPrecedence: 0))
            if args.count == 3 { indices.removeLast() }
        }
        guard isSymbol(")") else {
            throw syntax("expected `,` or `)` in the arguments of `sum`, found \(describe(current))")
        }
        _ = advance()
        guard args.count == 3 else {
            issues.append(FormulaIssue(offset: offset, id: .wrongArity,
                message: "`sum` takes 4 arguments (index, from, to, expression), got \(args.count + 1)"))
            return Expr(.number(0), at: offset)
        }
        let node = try self.node(.sum(index: index, from: args[0], to: args[1], body: args[2]), at: offset)
        if let from = integerRange(args[0]), let to = integerRange(args[1]) {
            let count = termCount(args[0], args[1], from, to)
            let terms = count * Swift.max(1, sumTerms(args[2]))
            if terms > Double(Self.maximumSumTerms) {
                issues.append(FormulaIssue(offset: offset, id: .limitExceeded,
                    message: "`sum` has up to \(Self.integerText(terms)) terms\(describeBounds(node)); expected at most \(Self.maximumSumTerms) terms per element in a formula (nested sums multiply)"))
            }
        }
        return node
    }

    /// What a new index name would shadow, or nil.
    private func shadowed(_ name: String) -> String? {
        if name == "x" { return "the input `x`" }
        if name == "y" { return "the forward output `y`" }
        if name == Expr.Variable.gradOut.rawValue { return "the incoming gradient `grad_out`" }
        if scope.params.contains(name) { return "the parameter `\(name)`" }
        if scope.variables.contains(name) { return "the state or step variable `\(name)`" }
        if FormulaConstant.values[name] != nil { return "the constant `\(name)`" }
        if indices.contains(name) { return "an enclosing sum's index" }
        return nil
    }

    /// The values an integer expression can take over the integer parameters' bounds, reporting every node that
    /// is not an integer literal, an integer parameter, `+`, `-` or `*`; nil when one is not.
    private mutating func integerRange(_ e: Expr) -> ClosedRange<Double>? {
        let range: ClosedRange<Double>
        switch e.kind {
        case .number(let v):
            guard v == v.rounded() else {
                issues.append(FormulaIssue(offset: e.offset, id: .nonIntegerBound,
                    message: "the bounds of `sum` must be integers; found \(v)"))
                return nil
            }
            range = v...v
        case .param(let p):
            guard let bounds = scope.integerParams[p] else {
                // A neuron's parameters cannot be integer (they are learnable or fixed reals): its sums take literals.
                issues.append(FormulaIssue(offset: e.offset, id: .nonIntegerBound,
                    message: scope.allowsStepFunctions
                        ? "the bounds of `sum` in a neuron's step must be integer literals; `\(p)` is a parameter (a neuron's parameters are real numbers)"
                        : "the bounds of `sum` may use integer parameters only; `\(p)` is not `integer: true`"))
                return nil
            }
            range = bounds
        case .unary(.negate, let a):
            guard let r = integerRange(a) else { return nil }
            range = -r.upperBound ... -r.lowerBound
        case .unary(.plus, let a):
            return integerRange(a)
        case .binary(let op, let a, let b) where op == .add || op == .subtract || op == .multiply:
            let ra = integerRange(a), rb = integerRange(b)
            guard let ra, let rb else { return nil }
            switch op {
            case .add: range = (ra.lowerBound + rb.lowerBound)...(ra.upperBound + rb.upperBound)
            case .subtract: range = (ra.lowerBound - rb.upperBound)...(ra.upperBound - rb.lowerBound)
            case .multiply where a.isSame(as: b):
                // A square is never negative: `n * n` over [-4, 4] is [0, 16], not the corners' [-16, 16] (which
                // the limit message would quote as a value the bound "reaches").
                let low = ra.contains(0) ? 0 : Swift.min(ra.lowerBound * ra.lowerBound, ra.upperBound * ra.upperBound)
                range = low...Swift.max(ra.lowerBound * ra.lowerBound, ra.upperBound * ra.upperBound)
            default:
                let corners = [ra.lowerBound * rb.lowerBound, ra.lowerBound * rb.upperBound, ra.upperBound * rb.lowerBound, ra.upperBound * rb.upperBound]
                range = corners.min()!...corners.max()!
            }
        default:
            issues.append(FormulaIssue(offset: e.offset, id: .nonIntegerBound,
                message: "the bounds of `sum` must be integer expressions of integer parameters and integer literals with `+`, `-`, `*`; found `\(e)`"))
            return nil
        }
        guard range.lowerBound >= -Self.maximumSumBound, range.upperBound <= Self.maximumSumBound else {
            issues.append(FormulaIssue(offset: e.offset, id: .limitExceeded,
                message: "`\(e)` reaches \(Self.integerText(range.upperBound > Self.maximumSumBound ? range.upperBound : range.lowerBound)) for the parameters' bounds; expected the bounds of `sum` within [-16777216, 16777216]"))
            return nil
        }
        return range
    }

    /// The same ranges without reporting (for term counts of sums already checked).
    private func quietRange(_ e: Expr) -> ClosedRange<Double>? {
        var copy = self
        copy.issues = []
        return copy.integerRange(e)
    }

    /// The most terms of a sum over the parameters' bounds (`SumTermBound`: exact for the usual bounds, a
    /// parameter in both cancelling), or from the bounds' ranges alone when that cannot be computed.
    private func termCount(_ from: Expr, _ to: Expr, _ fromRange: ClosedRange<Double>, _ toRange: ClosedRange<Double>) -> Double {
        SumTermBound.maximum(from: from, to: to, bounds: scope.integerParams)
            ?? Swift.max(0, toRange.upperBound - fromRange.lowerBound + 1)
    }

    /// Terms a formula adds per element at most: a sum counts its terms times those of its body's sums.
    private func sumTerms(_ e: Expr) -> Double {
        switch e.kind {
        case .sum(_, let from, let to, let body):
            guard let f = quietRange(from), let t = quietRange(to) else { return 0 }
            return termCount(from, to, f, t) * Swift.max(1, sumTerms(body))
        case .number, .variable, .param, .constant, .local, .index: return 0
        case .unary(_, let a): return sumTerms(a)
        case .binary(_, let a, let b): return sumTerms(a) + sumTerms(b)
        case .call(_, let args, _): return args.reduce(0) { $0 + sumTerms($1) }
        }
    }

    /// The whole formula's sums together (each alone was checked where it was parsed).
    fileprivate mutating func checkTotalTerms(_ e: Expr) {
        let total = sumTerms(e)
        guard total > Double(Self.maximumSumTerms), !issues.contains(where: { $0.id == .limitExceeded }) else { return }
        var first: Expr?
        e.walk { if first == nil, case .sum = $0.kind { first = $0 } }
        issues.append(FormulaIssue(offset: first?.offset ?? 0, id: .limitExceeded,
            message: "the sums of this formula add up to \(Self.integerText(total)) terms together; expected at most \(Self.maximumSumTerms) terms per element in a formula"))
    }

    /// ` for `n` in [1, 10000]`: the integer parameters a sum's bounds use.
    private func describeBounds(_ sum: Expr) -> String {
        guard case .sum(_, let from, let to, _) = sum.kind else { return "" }
        var names: [String] = []
        for bound in [from, to] {
            bound.walk { if case .param(let p) = $0.kind, !names.contains(p) { names.append(p) } }
        }
        guard !names.isEmpty else { return "" }
        return " for " + names.map { p in
            let r = scope.integerParams[p]!
            return "`\(p)` in [\(Self.integerText(r.lowerBound)), \(Self.integerText(r.upperBound))]"
        }.joined(separator: ", ")
    }

    static func integerText(_ v: Double) -> String { v.magnitude < 0x1p62 ? String(Int64(v)) : "\(v)" }
}

extension FormulaIssue: Error {}

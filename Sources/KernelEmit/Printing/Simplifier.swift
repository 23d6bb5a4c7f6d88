import SurrogateSpec

/// AST rewrites done before printing: parameters specialised to constants (JIT, Halide-style
/// compile-time parameters), noise replaced by its mean (mean-field mode), and constant subtrees folded
/// in Double so that generated code carries one exact literal per constant.
public enum Simplifier {
    /// Replaces each named parameter by its value; the others stay runtime arguments.
    public static func specialise(_ e: Expr, _ values: [String: Double]) -> Expr {
        rewrite(e) { node in
            if case .param(let p) = node.kind, let v = values[p] { return Expr(.number(v), at: node.offset) }
            return nil
        }
    }

    /// Replaces every noise source by its mean (the seed's `sample=False`).
    public static func meanField(_ e: Expr) -> Expr {
        rewrite(e) { node in
            if case .call(let name, _, _) = node.kind, let mean = FunctionTable.function(named: name)?.mean {
                return Expr(.number(mean), at: node.offset)
            }
            return nil
        }
    }

    /// Folds every subtree without `x`, `y`, parameters or noise into a number.
    public static func fold(_ e: Expr) -> Expr {
        let evaluator = ReferenceEvaluator(params: [:])
        func isConstant(_ node: Expr) -> Bool {
            !node.contains { n in
                switch n.kind {
                case .variable, .param, .local: return true
                case .call(let name, _, _): return FunctionTable.function(named: name)?.isNoise ?? true
                default: return false
                }
            }
        }
        func go(_ node: Expr) -> Expr {
            if isConstant(node), !isNumber(node) { return Expr(.number(evaluator.evaluate(node, x: .nan)), at: node.offset) }
            return identity(map(node, go))
        }
        return go(e)
    }

    /// Per-element divisions by a loop-invariant value become multiplications by its reciprocal, which
    /// the compiler hoists out of the loop (or the folder computes): a division costs as much as the rest
    /// of a kernel on current CPUs, a multiplication next to nothing. At most one extra rounding.
    public static func reciprocals(_ e: Expr) -> Expr {
        func varies(_ node: Expr) -> Bool {
            node.contains { n in
                switch n.kind {
                case .variable: return true
                case .call(let name, _, _): return FunctionTable.function(named: name)?.isNoise ?? false
                default: return false
                }
            }
        }
        return rewrite(e) { node in
            guard case .binary(.divide, let a, let b) = node.kind, varies(a), !varies(b) else { return nil }
            let inverse = Expr(.binary(.divide, Expr(.number(1), at: b.offset), b), at: b.offset)
            return Expr(.binary(.multiply, reciprocals(a), inverse), at: node.offset)
        }
    }

    /// Fusions of the function table, where they compute faster or round better:
    /// - `outer(a + noise())` (either operand order) becomes the table's fusion of the two, keeping the
    ///   noise call's site and so its bits. The sigmoid of a logistic sample is `u / (u + (1 - u) e^-a)`:
    ///   no log, one exp, no cancellation (about 1.7x faster, measured in C).
    /// - A product with the factors `sigmoid(a)` and `1 - sigmoid(a)` gets the one factor `sigmoid_grad(a)`,
    ///   `e / (1 + e)^2` with `e = e^-|a|`: one exp, no select, and no cancellation in `1 - sigmoid`.
    /// Runs after mean-field replacement, so a mean-field kernel keeps `outer(a)`.
    public static func fuse(_ e: Expr) -> Expr {
        rewrite(e) { node in
            switch node.kind {
            case .call(let outer, let args, _) where args.count == 1:
                guard case .binary(.add, let l, let r) = args[0].kind else { return nil }
                for (a, noise) in [(l, r), (r, l)] {
                    guard case .call(let noiseName, let noiseArgs, let site?) = noise.kind, noiseArgs.isEmpty,
                          let f = FunctionTable.fused.first(where: { $0.kind == .fused(outer: outer, noise: noiseName) })
                    else { continue }
                    return Expr(.call(f.name, [fuse(a)], site: site), at: node.offset)
                }
                return nil
            case .binary(.multiply, _, _):
                return sigmoidGradient(node)
            default:
                return nil
            }
        }
    }

    private static func sigmoidGradient(_ product: Expr) -> Expr? {
        var factors: [Expr] = []
        func flatten(_ e: Expr) {
            if case .binary(.multiply, let a, let b) = e.kind { flatten(a); flatten(b) } else { factors.append(e) }
        }
        flatten(product)
        func sigmoidArgument(_ e: Expr) -> Expr? {
            if case .call("sigmoid", let args, _) = e.kind, args.count == 1 { return args[0] }
            return nil
        }
        for (i, f) in factors.enumerated() {
            guard let a = sigmoidArgument(f) else { continue }
            guard let j = factors.firstIndex(where: { g in
                guard case .binary(.subtract, let one, let s) = g.kind, case .number(1) = one.kind else { return false }
                return sigmoidArgument(s)?.description == a.description
            }) else { continue }
            var rest = factors
            rest[i] = Expr(.call("sigmoid_grad", [a], site: nil), at: f.offset)
            rest.remove(at: j)
            return rest.map(fuse).dropFirst().reduce(fuse(rest[0])) { Expr(.binary(.multiply, $0, $1), at: product.offset) }
        }
        return nil
    }

    /// Common subexpressions: every function call that occurs more than once (noise excepted: each noise
    /// call is its own draw) becomes a local computed once, named `t0`, `t1`, ... Returns the locals in an
    /// order where each is defined before it is used, and the expression over them.
    public static func commonSubexpressions(_ e: Expr) -> (locals: [(name: String, value: Expr)], body: Expr) {
        var locals: [(name: String, value: Expr)] = []
        var body = e
        func repeatedCall(in roots: [Expr]) -> Expr? {
            var counts: [String: (Int, Expr)] = [:]
            for root in roots {
                root.walk { node in
                    guard case .call(let name, _, _) = node.kind, !(FunctionTable.function(named: name)?.isNoise ?? true) else { return }
                    let key = node.description
                    counts[key] = ((counts[key]?.0 ?? 0) + 1, node)
                }
            }
            // The largest first: its inner calls are then counted once per remaining use.
            return counts.values.filter { $0.0 > 1 }.map(\.1).max { $0.description.count < $1.description.count }
        }
        while let repeated = repeatedCall(in: [body] + locals.map(\.value)) {
            let key = repeated.description
            let name = "t\(locals.count)"
            let replace = { (tree: Expr) in
                rewrite(tree) { $0.description == key ? Expr(.local(name), at: $0.offset) : nil }
            }
            body = replace(body)
            locals = locals.map { ($0.name, replace($0.value)) }
            // Found later means smaller: possibly used by the locals already found, so it goes first.
            locals.insert((name, repeated), at: 0)
        }
        return (locals, body)
    }

    /// Drops additions of 0 and multiplications/divisions by 1 (left by mean-field noise or specialised
    /// parameters). Exact except that -0 + 0 would have been +0.
    static func identity(_ e: Expr) -> Expr {
        guard case .binary(let op, let a, let b) = e.kind else { return e }
        switch (op, a.kind, b.kind) {
        case (.add, _, .number(0)), (.subtract, _, .number(0)), (.multiply, _, .number(1)), (.divide, _, .number(1)):
            return a
        case (.add, .number(0), _), (.multiply, .number(1), _):
            return b
        default:
            return e
        }
    }

    private static func isNumber(_ e: Expr) -> Bool { if case .number = e.kind { return true } else { return false } }

    /// Bottom-up rewrite: `transform` returns a replacement or nil to keep the node (children rewritten).
    static func rewrite(_ e: Expr, _ transform: (Expr) -> Expr?) -> Expr {
        if let replaced = transform(e) { return replaced }
        return map(e) { rewrite($0, transform) }
    }

    /// The node with `f` applied to each direct child.
    static func map(_ e: Expr, _ f: (Expr) -> Expr) -> Expr {
        switch e.kind {
        case .number, .variable, .param, .constant, .local: return e
        case .unary(let op, let a): return Expr(.unary(op, f(a)), at: e.offset)
        case .binary(let op, let a, let b): return Expr(.binary(op, f(a), f(b)), at: e.offset)
        case .call(let name, let args, let site): return Expr(.call(name, args.map(f), site: site), at: e.offset)
        }
    }
}

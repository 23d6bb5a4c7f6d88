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

    /// Replaces every noise source by its mean (SpikeDE's `sample=False`): a constant, or a formula of the
    /// call's arguments (`bernoulli(p)` -> `clamp(p, 0, 1)`), whose arguments are mean-field in turn.
    public static func meanField(_ e: Expr) -> Expr {
        rewrite(e) { node in FunctionTable.meanField(of: node).map(meanField) }
    }

    /// Folds every subtree without `x`, `y`, parameters or noise into a number, computed as the kernels of
    /// `element` would compute it: literals and constants rounded to the element type, `+ - * /` rounded to it
    /// after each operation (a Double result of two Float operands rounds to the correctly rounded Float), so
    /// the literal the kernel gets is bit for bit what it would have computed. Function calls and `^` on
    /// constants are evaluated once in Double and rounded (at least as accurate as the kernel's own math).
    /// Then drops operations that are exact identities under IEEE arithmetic (`identity`). One pass, linear.
    public static func fold(_ e: Expr, element: ElementType = .float64) -> Expr {
        let round: (Double) -> Double = element == .float32 ? { Double(Float($0)) } : { $0 }
        let evaluator = FormulaEvaluator<Double>(params: [:])
        func number(_ node: Expr) -> Double? { if case .number(let v) = node.kind { return v } else { return nil } }
        func go(_ node: Expr) -> Expr {
            let mapped = map(node, go)
            let value: Double?
            switch mapped.kind {
            case .number(let v): value = round(v)
            case .constant(let c): value = FormulaConstant.values[c].map(round)
            case .unary(let op, let a):
                value = number(a).map { op == .negate ? -$0 : op == .plus ? $0 : ($0 == 0 ? 1 : 0) }
            case .binary(let op, let a, let b):
                guard let x = number(a), let y = number(b) else { value = nil; break }
                value = round(FormulaSemantics.apply(op, x, y))
            case .call(let name, let args, _):
                guard let f = FunctionTable.function(named: name), !f.isNoise, args.allSatisfy({ number($0) != nil }) else {
                    value = nil
                    break
                }
                value = round(evaluator.evaluate(mapped, x: .nan))
            case .variable, .param, .local, .index, .sum: value = nil
            }
            if let value {
                if let old = number(mapped), old.bitPattern == value.bitPattern { return mapped }
                return Expr(.number(value), at: node.offset)
            }
            return identity(mapped)
        }
        return go(e)
    }

    /// Divisions by a constant power of two whose reciprocal the element type holds exactly become
    /// multiplications (`a / 4` -> `a * 0.25`): the same result for every `a`, including -0, inf, NaN and
    /// subnormals, and a multiplication is much cheaper in a loop. Any other divisor stays a division:
    /// `a * (1/b)` rounds twice and overflows where `a / b` does not (`1/b` for tiny b), so it is not the spec.
    public static func exactReciprocals(_ e: Expr, element: ElementType = .float64) -> Expr {
        rewrite(e) { node in
            guard case .binary(.divide, let a, let b) = node.kind, case .number(let d) = b.kind,
                  let inverse = exactReciprocal(d, element) else { return nil }
            return Expr(.binary(.multiply, exactReciprocals(a, element: element), Expr(.number(inverse), at: b.offset)), at: node.offset)
        }
    }

    /// 1/d when d is a power of two and 1/d is a normal number of the element type (so both are exact).
    static func exactReciprocal(_ d: Double, _ element: ElementType) -> Double? {
        guard d.isNormal, d.significandBitPattern == 0 else { return nil }
        let inverse = 1 / d
        let exact: (Double) -> Bool = element == .float32 ? { Float($0).isNormal && Double(Float($0)) == $0 } : { $0.isNormal }
        return exact(d) && exact(inverse) ? inverse : nil
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
                return sigmoidArgument(s)?.isSame(as: a) ?? false
            }) else { continue }
            var rest = factors
            rest[i] = Expr(.call("sigmoid_grad", [a], site: nil), at: f.offset)
            rest.remove(at: j)
            return rest.map(fuse).dropFirst().reduce(fuse(rest[0])) { Expr(.binary(.multiply, $0, $1), at: product.offset) }
        }
        return nil
    }

    /// Common subexpressions: every function call that would be printed more than once (noise excepted: each
    /// noise call is its own draw) becomes a local computed once, named `t0`, `t1`, ... A call inside a
    /// call that became a local is counted once per use of that local. Returns the locals in an order where
    /// each is defined before it is used, and the expression over them.
    ///
    /// Linear in the formula's size: equal subtrees are merged into one node of a DAG (keyed by their
    /// children's node numbers), uses are counted from the root down in order of height.
    /// `prefix` names the locals (`t0`, ...; a sum's body gets its own, `s0_t0`, ...).
    public static func commonSubexpressions(_ e: Expr, prefix: String = "t") -> (locals: [(name: String, value: Expr)], body: Expr) {
        var dag = ExprDAG()
        let root = dag.add(e)
        // Parents have greater height than their children: visiting by decreasing height visits every parent
        // before its children, so a node's count is final when it is visited.
        var count = [Int](repeating: 0, count: dag.nodes.count)
        count[root] = 1
        var isLocal = [Bool](repeating: false, count: dag.nodes.count)
        for id in dag.nodes.indices.sorted(by: { dag.nodes[$0].height > dag.nodes[$1].height }) where count[id] > 0 {
            if case .call(let name, _, _) = dag.nodes[id].kind, count[id] > 1,
               !(FunctionTable.function(named: name)?.isNoise ?? true) {
                isLocal[id] = true
            }
            let printed = isLocal[id] ? 1 : count[id]
            for child in dag.children[id] { count[child] += printed }
        }
        // Definitions children first (increasing height), so each local is defined before any use.
        let localIDs = dag.nodes.indices.filter { isLocal[$0] }.sorted { (dag.nodes[$0].height, $0) < (dag.nodes[$1].height, $1) }
        var names: [Int: String] = [:]
        for (k, id) in localIDs.enumerated() { names[id] = "\(prefix)\(k)" }
        func build(_ id: Int, definition: Bool = false) -> Expr {
            let node = dag.nodes[id]
            if !definition, let name = names[id] { return Expr(.local(name), at: node.offset) }
            var next = dag.children[id].makeIterator()
            return map(node) { _ in build(next.next()!) }
        }
        let locals = localIDs.map { (name: names[$0]!, value: build($0, definition: true)) }
        return (locals, build(root))
    }

    /// Splits every expression deeper than `maximumHeight` by moving subtrees into more locals (named on
    /// from `firstName`, defined before use), so no emitted expression nests deeper than that: clang allows 256
    /// nested brackets, and Swift type-checks short expressions of typed values in linear time.
    public static func boundNesting(_ locals: [(name: String, value: Expr)], _ body: Expr, maximumHeight: Int = 16, prefix: String = "t")
        -> (locals: [(name: String, value: Expr)], body: Expr) {
        var out: [(name: String, value: Expr)] = []
        var counter = locals.count
        func split(_ e: Expr) -> Expr {
            let node = map(e, split)
            guard node.height > maximumHeight else { return node }
            return map(node) { child in
                guard child.height > 1 else { return child }
                let name = "\(prefix)\(counter)"
                counter += 1
                out.append((name, child))
                return Expr(.local(name), at: child.offset)
            }
        }
        for local in locals {
            let value = split(local.value)
            out.append((local.name, value))
        }
        let newBody = split(body)
        return (out, newBody)
    }

    /// Drops operations that change no value under IEEE arithmetic: `a * 1`, `1 * a`, `a / 1`, `a - 0` and
    /// `a + (-0)` are `a` for every a (-0, inf, NaN included). `a + 0` is not (it turns -0 into +0), so it stays.
    static func identity(_ e: Expr) -> Expr {
        guard case .binary(let op, let a, let b) = e.kind else { return e }
        func isNumber(_ x: Expr, _ v: Double) -> Bool {
            if case .number(let n) = x.kind { return n.bitPattern == v.bitPattern } else { return false }
        }
        switch op {
        case .multiply where isNumber(b, 1), .divide where isNumber(b, 1), .subtract where isNumber(b, 0),
             .add where isNumber(b, -0.0):
            return a
        case .multiply where isNumber(a, 1), .add where isNumber(a, -0.0):
            return b
        default:
            return e
        }
    }

    private static func isNumber(_ e: Expr) -> Bool { if case .number = e.kind { return true } else { return false } }

    /// Bottom-up rewrite: `transform` returns a replacement or nil to keep the node (children rewritten).
    static func rewrite(_ e: Expr, _ transform: (Expr) -> Expr?) -> Expr { e.rewritten(transform) }

    /// The node with `f` applied to each direct child.
    static func map(_ e: Expr, _ f: (Expr) -> Expr) -> Expr { e.mappingChildren(f) }
}

/// A formula as a DAG: equal subtrees are one node. Node keys use the children's numbers, so adding a
/// tree is linear in its size.
struct ExprDAG {
    enum Key: Hashable {
        case number(UInt64), variable(String), param(String), constant(String), local(String), index(String)
        case unary(String, Int), binary(String, Int, Int), call(String, [Int], Int?), sum(String, [Int])
    }

    /// A representative of each node (with its original children) and its children's node numbers.
    var nodes: [Expr] = []
    var children: [[Int]] = []
    private var index: [Key: Int] = [:]

    mutating func add(_ e: Expr) -> Int {
        let key: Key
        var kids: [Int] = []
        switch e.kind {
        case .number(let v): key = .number(v.bitPattern)
        case .variable(let v): key = .variable(v.rawValue)
        case .param(let p): key = .param(p)
        case .constant(let c): key = .constant(c)
        case .local(let l): key = .local(l)
        case .index(let i): key = .index(i)
        case .sum(let i, let from, let to, let body): kids = [add(from), add(to), add(body)]; key = .sum(i, kids)
        case .unary(let op, let a): kids = [add(a)]; key = .unary(op.rawValue, kids[0])
        case .binary(let op, let a, let b): kids = [add(a), add(b)]; key = .binary(op.rawValue, kids[0], kids[1])
        case .call(let name, let args, let site): kids = args.map { add($0) }; key = .call(name, kids, site)
        }
        if let id = index[key] { return id }
        index[key] = nodes.count
        nodes.append(e)
        children.append(kids)
        return nodes.count - 1
    }
}

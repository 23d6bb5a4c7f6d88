import SurrogateSpec

/// The PyTorch dialect's selects made safe for higher derivatives (the "double where" idiom).
///
/// `torch.where(c, a, b)` passes no gradient into the untaken branch, but that branch's own backward still runs:
/// its zero incoming gradient times an infinite or NaN local derivative is NaN (SpikingJelly's S2NN at x = -1:
/// `beta / (x + 1)` is untaken and its derivative infinite), and that NaN reaches `x`. So inside each branch every
/// differentiable leaf (`x`, `y`, `grad_out`, the parameters) is replaced by a masked copy: the leaf where the
/// branch is taken, the same value without gradient (`detach()`) elsewhere. Values are unchanged everywhere;
/// gradients are unchanged where the branch is taken and exactly 0 where it is not. The kernels (C, Swift, JIT)
/// have no derivatives and are not affected.
enum TorchSelects {
    /// `e` with each `where`'s branches reading masked leaves, and the Python statements that define the masks
    /// (a condition local `_kg_c<k>` and a masked leaf `_kg_<leaf><k>t` / `_kg_<leaf><k>f` per branch), in order.
    /// A `where` whose condition holds a sum, or that reads a sum's index, is left as it is (sums are lifted into
    /// loops after this, and masks are defined before them).
    static func masked(_ e: Expr, _ printer: ExpressionPrinter) -> (definitions: [String], expr: Expr) {
        var definitions: [String] = []
        var counter = 0
        let result = mask(e, printer, &definitions, &counter)
        return (definitions, result)
    }

    private static func mask(_ e: Expr, _ printer: ExpressionPrinter, _ definitions: inout [String], _ counter: inout Int) -> Expr {
        // A `where` that reads a sum's index is inside that sum's loop: its masks cannot be defined before it, so it
        // stays a plain `where` (its children are still masked where they can be).
        guard case .call("where", let args, let site) = e.kind, args.count == 3, !args[0].hasSum,
              e.firstSumIndex == nil else {
            return Simplifier.map(e) { mask($0, printer, &definitions, &counter) }
        }
        let condition = mask(args[0], printer, &definitions, &counter)
        let branches = [differentiableLeaves(args[1]), differentiableLeaves(args[2])]
        guard !branches[0].isEmpty || !branches[1].isEmpty else {
            return Expr(.call("where", [condition, mask(args[1], printer, &definitions, &counter),
                                        mask(args[2], printer, &definitions, &counter)], site: site), at: e.offset)
        }
        let k = counter
        counter += 1
        let c = "_kg_c\(k)"
        definitions.append("\(c) = \(printer.condition(condition))")
        // Each branch's own leaves: `_kg_v<k>_<i>t` (taken where c holds) and `_kg_v<k>_<i>f` (where it does not).
        var pairs: [[(Expr, Expr)]] = [[], []]
        for (side, suffix, holds) in [(0, "t", c), (1, "f", "~\(c)")] {
            for (i, leaf) in branches[side].enumerated() {
                let local = "_kg_v\(k)_\(i)\(suffix)"
                definitions.append("\(local) = _kg_keep(\(holds), \(printer.print(leaf)))")
                pairs[side].append((leaf, Expr(.local(local), at: leaf.offset)))
            }
        }
        let taken = pairs[0], untaken = pairs[1]
        let a = mask(substitute(args[1], taken), printer, &definitions, &counter)
        let b = mask(substitute(args[2], untaken), printer, &definitions, &counter)
        return Expr(.call("where", [condition, a, b], site: site), at: e.offset)
    }

    /// The distinct leaves of `e` that can carry a gradient: `x`, `y`, `grad_out`, parameters, and masked leaves of
    /// an enclosing select (already substituted, so nested selects mask those).
    private static func differentiableLeaves(_ e: Expr) -> [Expr] {
        var found: [Expr] = []
        e.walk { node in
            let isLeaf: Bool
            switch node.kind {
            case .variable, .param: isLeaf = true
            // The masks of an enclosing select, and a neuron step's values (its state and nodes, which carry gradients).
            case .local(let name): isLeaf = name.hasPrefix("_kg_v") || NeuronGraph.value(named: name) != nil
            default: isLeaf = false
            }
            if isLeaf && !found.contains(where: { $0.isSame(as: node) }) { found.append(node) }
        }
        return found
    }

    private static func substitute(_ e: Expr, _ pairs: [(Expr, Expr)]) -> Expr {
        Simplifier.rewrite(e) { node in pairs.first { $0.0.isSame(as: node) }?.1 }
    }
}

@_exported import KernelInterface

/// The formula an op's kernel computes for a spec: `meanField` when every noise draw is replaced by its mean.
public struct OpFormula: Sendable {
    public var op: KernelOp
    public var formula: Formula
    public var meanField: Bool
}

extension Spec {
    /// What `op`'s kernel computes for this spec, or nil when the spec has no such kernel. The one map from ops
    /// to formulas: every backend (C, Swift, the JIT, PyTorch, Triton), the naming authority and the descriptor
    /// ask it which kernels a spec has.
    public func formula(for op: KernelOp) -> OpFormula? {
        let formula: Formula?
        var meanField = false
        switch op {
        case .forward: formula = forward
        case .backward:
            formula = backward
            meanField = hasTrainBackward
        case .trainForward: formula = trainForward
        case .trainForwardMean:
            formula = trainForward
            meanField = true
        case .primitive: formula = primitive
        case .trainBackward: formula = hasTrainBackward ? backward : nil
        }
        return formula.map { OpFormula(op: op, formula: $0, meanField: meanField) }
    }

    /// The ops this spec has kernels for, in `KernelOp.allCases` order.
    public var kernelOps: [KernelOp] { KernelOp.allCases.filter { formula(for: $0) != nil } }

    /// The formulas of the ops this spec has, in `KernelOp.allCases` order.
    public var opFormulas: [OpFormula] { KernelOp.allCases.compactMap(formula(for:)) }
}

extension ParameterInfo {
    /// A spec's parameter as the runtime checks it.
    public init(_ p: Parameter) {
        self.init(name: p.name, defaultValue: p.defaultValue, min: p.min, max: p.max, doc: p.doc ?? "", integer: p.integer)
    }
}

extension SurrogateDescriptor {
    /// The runtime's view of `spec`: the one spec -> descriptor function (the generated registry prints it for the
    /// built-in specs; the JIT registers it for runtime specs).
    public init(spec: Spec) {
        let ops = KernelOps(spec.kernelOps)
        self.init(
            name: spec.name, summary: spec.summary,
            parameters: spec.params.map(ParameterInfo.init),
            hasTrainForward: ops.contains(.trainForward), isStochastic: spec.isStochastic,
            backwardReadsY: spec.backward.expr.readsY, hasPrimitive: ops.contains(.primitive),
            hasTrainBackward: ops.contains(.trainBackward), fingerprint: spec.fingerprint)
    }
}

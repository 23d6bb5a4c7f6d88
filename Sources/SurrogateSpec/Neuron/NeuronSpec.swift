/// One checked neuron model: what `Neurons/<name>.yaml` says, with its step parsed.
///
/// A neuron is a recurrence over time steps t = 0, 1, ..., T - 1 per neuron (element): its `state` variables
/// start at their `initial` values (formulas of the parameters) and each step runs the `step` assignments in
/// order, reading the step's input current `x` (x[t]), the parameters, the state as the previous step left it,
/// and the names assigned before. `spike(a)` is the surrogate chosen when the neuron is bound (its forward in
/// the forward pass, its surrogate gradient in the backward); `detach(a)` is `a` with its gradient stopped
/// (SpikingJelly's `detach_reset`). The step's `output` (the spikes) is emitted for every t; the state after
/// the last step is returned too. The backward through time is derived from the assignments (`NeuronGraph`).
public struct NeuronSpec: Sendable {
    public var name: String
    public var summary: String
    public var doc: String?
    /// The library behaviour it matches (e.g. `spikingjelly.activation_based.neuron.LIFNode()`), one line.
    public var provenance: String?
    /// In file order, which is the order of the kernels' parameter array.
    public var params: [Parameter]
    /// In file order, which is the order of the kernels' state arrays.
    public var state: [StateVariable]
    public var step: [Assignment]
    /// The name (assigned in `step`) whose value each step emits: the spikes.
    public var output: String
    public var outputLocation: SourceLocation?
    public var file: String
    public var source: String

    public init(name: String, summary: String, doc: String? = nil, provenance: String? = nil, params: [Parameter],
                state: [StateVariable], step: [Assignment], output: String, file: String, source: String = "") {
        self.name = name
        self.summary = summary
        self.doc = doc
        self.provenance = provenance
        self.params = params
        self.state = state
        self.step = step
        self.output = output
        self.file = file
        self.source = source
    }

    /// The parameters marked `learnable: true`, in file order: the kernels' backward sums a gradient for each.
    public var learnableParams: [Parameter] { params.filter(\.learnable) }

    public var defaults: [String: Double] { Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.defaultValue) }) }

    /// A digest of the spec's text (as `Spec.fingerprint`).
    public var fingerprint: String { Fingerprint.of(source) }
}

/// A state variable of a neuron: carried from step to step; its value before the first step is `initial`.
public struct StateVariable: Sendable {
    public var name: String
    /// A formula of the parameters (no `x`, no state), evaluated once per bind: SpikingJelly's `v_reset`.
    public var initial: Formula
    public var doc: String?
    public var location: SourceLocation

    public init(name: String, initial: Formula, doc: String? = nil, location: SourceLocation) {
        self.name = name
        self.initial = initial
        self.doc = doc
        self.location = location
    }
}

/// `target = formula`, one line of a neuron's step.
public struct Assignment: Sendable {
    public var target: String
    public var formula: Formula
    /// Where the line's target name is.
    public var location: SourceLocation

    public init(target: String, formula: Formula, location: SourceLocation) {
        self.target = target
        self.formula = formula
        self.location = location
    }
}

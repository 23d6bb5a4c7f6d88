/// What the runtime knows of a neuron spec without its formulas: its parameters (in the kernels' argument order),
/// which of them are learnable, its state variables and how they start. Generated for the built-in neurons
/// (`Neurons/*.yaml`); made from a `NeuronSpec` for neurons loaded at run time (the JIT).
public struct NeuronDescriptor: Sendable {
    public var name: String
    public var summary: String
    /// The neuron's parameters, in the kernels' `params` order.
    public var parameters: [ParameterInfo]
    /// The names of the learnable parameters (`learnable: true`), in order: the rows of the backward's `grad_params`.
    public var learnable: [String]
    /// The state variables (`S` of them), in the spec's order: the rows of a `[S, N]` state array.
    public var stateNames: [String]
    /// Identifies the spec text (`NeuronSpec.fingerprint`): ahead-of-time kernels serve only the text they were
    /// made from.
    public var fingerprint: String
    /// The state's initial values (`state:` in the spec, formulas of the parameters), given the parameter values in
    /// argument order.
    public var initialState: @Sendable ([Double]) -> [Double]

    public init(name: String, summary: String, parameters: [ParameterInfo], learnable: [String], stateNames: [String],
                fingerprint: String, initialState: @escaping @Sendable ([Double]) -> [Double]) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.learnable = learnable
        self.stateNames = stateNames
        self.fingerprint = fingerprint
        self.initialState = initialState
    }

    /// Parameter values in argument order: defaults filled in, unknown names and out-of-bounds values rejected.
    /// - Throws: `SurrogateError.unknownParameter`, `.parameterOutOfBounds`, `.parameterNotInteger`,
    ///   `.parameterNotRepresentable` (finite in Double, infinite in `T`).
    public func resolve<T: KernelScalar>(_ values: [String: Double], for _: T.Type) throws(SurrogateError) -> [Double] {
        try parameters.resolve(values, owner: name, for: T.self)
    }
}

extension [ParameterInfo] {
    /// Values in this order: defaults filled in; an unknown name, a value out of bounds, a non-integer value of an
    /// integer parameter, or one that is infinite in `T` rejected, naming `owner` (a surrogate or a neuron).
    func resolve<T: KernelScalar>(_ values: [String: Double], owner: String, for _: T.Type) throws(SurrogateError) -> [Double] {
        let known = map(\.name)
        for name in values.keys.sorted() where !known.contains(name) {
            throw .unknownParameter(name, surrogate: owner, known: known)
        }
        return try map { (p) throws(SurrogateError) -> Double in
            let v = values[p.name] ?? p.defaultValue
            try p.check(v, owner: owner, for: T.self)
            return v
        }
    }
}

extension ParameterInfo {
    /// Throws unless `value` is a finite value within the bounds (an integer for an integer parameter), finite in `T`:
    /// the runtime's one check of a parameter value (`resolve` and the C ABI's neuron calls use it).
    public func check<T: KernelScalar>(_ value: Double, owner: String, for _: T.Type) throws(SurrogateError) {
        guard value.isFinite, value >= (min ?? -.infinity), value <= (max ?? .infinity) else {
            throw .parameterOutOfBounds(name, value: value, min: min, max: max, surrogate: owner)
        }
        guard !integer || value == value.rounded() else { throw .parameterNotInteger(name, value: value, surrogate: owner) }
        guard T(value).isFinite else { throw .parameterNotRepresentable(name, value: value, dtype: T.dtype, surrogate: owner) }
    }
}

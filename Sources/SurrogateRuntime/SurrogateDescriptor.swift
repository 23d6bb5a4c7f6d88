/// What the runtime knows of a surrogate without its formulas: name, parameters and how its kernels
/// are called. Generated for the built-in specs; made from a `Spec` for runtime (JIT) specs.
public struct SurrogateDescriptor: Sendable, Hashable {
    public var name: String
    public var summary: String
    /// In argument order.
    public var parameters: [ParameterInfo]
    public var hasTrainForward: Bool
    public var isStochastic: Bool
    /// The backward reads `y`, the forward output.
    public var backwardReadsForwardOutput: Bool
    /// The spec has a `primitive`, so its kernels include the smooth forward (`BoundSurrogate.primitive`).
    public var hasPrimitive: Bool
    /// The backward draws noise: its kernels include a sampling backward (`KernelSet.trainBackward`), used in
    /// training with sampling; the plain backward is then the mean field.
    public var hasTrainBackward: Bool
    /// Identifies the spec text the kernels were made from (`Spec.fingerprint`); registering a descriptor with
    /// another fingerprint under the same name drops the kernels made from the old text.
    public var fingerprint: String

    public init(name: String, summary: String, parameters: [ParameterInfo], hasTrainForward: Bool,
                isStochastic: Bool, backwardReadsForwardOutput: Bool, hasPrimitive: Bool = false, hasTrainBackward: Bool = false,
                fingerprint: String = "") {
        self.hasTrainBackward = hasTrainBackward
        self.hasPrimitive = hasPrimitive
        self.fingerprint = fingerprint
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.hasTrainForward = hasTrainForward
        self.isStochastic = isStochastic
        self.backwardReadsForwardOutput = backwardReadsForwardOutput
    }

    /// Parameter values in argument order, checked for the kernels of `T` as well: a value that is finite in
    /// Double but not in T (`1e39` for Float) is rejected, since the kernels would compute with infinity.
    public func resolve<T: KernelScalar>(_ values: [String: Double], for _: T.Type) throws(SurrogateError) -> [Double] {
        try parameters.resolve(values, owner: name, for: T.self)
    }

    /// Parameter values in argument order: defaults filled in, unknown names and out-of-bounds values rejected.
    public func resolve(_ values: [String: Double]) throws(SurrogateError) -> [Double] {
        try parameters.resolve(values, owner: name, for: Double.self)
    }
}

public struct ParameterInfo: Sendable, Hashable {
    public var name: String
    public var defaultValue: Double
    public var min: Double?
    public var max: Double?
    public var doc: String
    /// Values must be integers (`integer: true` in the spec; its bounds are then given).
    public var integer: Bool

    public init(name: String, defaultValue: Double, min: Double?, max: Double?, doc: String, integer: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.min = min
        self.max = max
        self.doc = doc
        self.integer = integer
    }
}

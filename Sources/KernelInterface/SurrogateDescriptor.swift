/// What the runtime knows of a surrogate without its formulas: name, parameters and how its kernels are called.
/// Made from a spec by one function, `SurrogateDescriptor(spec:)` (SurrogateSpec), for the generated registry of
/// the built-in specs and for runtime (JIT) specs alike; the C ABI's `kg_surrogates_json` is its `Codable` form
/// (the JSON names in `CodingKeys`, which Python's `kernelgen.SurrogateInfo` reads).
public struct SurrogateDescriptor: Sendable, Hashable, Codable {
    public var name: String
    public var summary: String
    /// In argument order.
    public var parameters: [ParameterInfo]
    public var hasTrainForward: Bool
    /// The training forward or the backward draws noise.
    public var isStochastic: Bool
    /// The backward reads `y`, the forward output (its kernel takes `y`).
    public var backwardReadsY: Bool
    /// The spec has a `primitive`, so its kernels include the smooth forward (`BoundSurrogate.primitive`).
    public var hasPrimitive: Bool
    /// The backward draws noise: its kernels include a sampling backward (`KernelSet.trainBackward`), used in
    /// training with sampling; the plain backward is then the mean field.
    public var hasTrainBackward: Bool
    /// Identifies the spec text the kernels were made from (`Spec.fingerprint`); registering a descriptor with
    /// another fingerprint under the same name drops the kernels made from the old text.
    public var fingerprint: String

    public init(name: String, summary: String, parameters: [ParameterInfo], hasTrainForward: Bool,
                isStochastic: Bool, backwardReadsY: Bool, hasPrimitive: Bool = false, hasTrainBackward: Bool = false,
                fingerprint: String = "") {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.hasTrainForward = hasTrainForward
        self.isStochastic = isStochastic
        self.backwardReadsY = backwardReadsY
        self.hasPrimitive = hasPrimitive
        self.hasTrainBackward = hasTrainBackward
        self.fingerprint = fingerprint
    }

    /// The ops whose kernels a surrogate with this descriptor has (`forward` and `backward` always).
    public var ops: KernelOps {
        var ops: KernelOps = [.forward, .backward]
        if hasTrainForward { ops.formUnion([.trainForward, .trainForwardMean]) }
        if hasPrimitive { ops.insert(.primitive) }
        if hasTrainBackward { ops.insert(.trainBackward) }
        return ops
    }

    /// The ABI's JSON names (Python's `kernelgen.SurrogateInfo` fields).
    enum CodingKeys: String, CodingKey {
        case name, summary, fingerprint
        case parameters = "params"
        case hasTrainForward = "has_train_forward"
        case isStochastic = "stochastic"
        case backwardReadsY = "backward_reads_y"
        case hasPrimitive = "has_primitive"
        case hasTrainBackward = "has_train_backward"
    }
}

/// One parameter of a surrogate or a neuron, as the runtime checks it.
public struct ParameterInfo: Sendable, Hashable, Codable {
    public var name: String
    public var defaultValue: Double
    /// Inclusive bounds, when the spec gives them.
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

    enum CodingKeys: String, CodingKey {
        case name, min, max, doc, integer
        case defaultValue = "default"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        defaultValue = try c.decode(Double.self, forKey: .defaultValue)
        min = try c.decodeIfPresent(Double.self, forKey: .min)
        max = try c.decodeIfPresent(Double.self, forKey: .max)
        doc = try c.decode(String.self, forKey: .doc)
        integer = try c.decodeIfPresent(Bool.self, forKey: .integer) ?? false
    }

    /// Every key written, an absent bound as `null` (readers index `min` and `max` without a default).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(defaultValue, forKey: .defaultValue)
        try c.encode(min, forKey: .min)
        try c.encode(max, forKey: .max)
        try c.encode(doc, forKey: .doc)
        try c.encode(integer, forKey: .integer)
    }
}

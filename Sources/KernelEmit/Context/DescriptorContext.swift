import SurrogateSpec

/// What the generated registry prints of a surrogate's descriptor: the fields of `SurrogateDescriptor(spec:)`, the
/// one spec -> descriptor function the JIT registers too, so the built-in and the runtime descriptors of one spec
/// cannot differ (a test compares them). Doubles are exact hex literals; free text stays raw (the template
/// escapes it with `swiftString`).
public struct DescriptorContext: Sendable {
    public var name: String
    public var summary: String
    public var parameters: [ParameterInfoContext]
    public var hasTrainForward: Bool
    public var isStochastic: Bool
    public var backwardReadsY: Bool
    public var hasPrimitive: Bool
    public var hasTrainBackward: Bool
    public var fingerprint: String

    init(_ d: SurrogateDescriptor) {
        name = d.name
        summary = d.summary
        parameters = d.parameters.map(ParameterInfoContext.init)
        hasTrainForward = d.hasTrainForward
        isStochastic = d.isStochastic
        backwardReadsY = d.backwardReadsY
        hasPrimitive = d.hasPrimitive
        hasTrainBackward = d.hasTrainBackward
        fingerprint = d.fingerprint
    }
}

/// A `ParameterInfo` as the registry prints it.
public struct ParameterInfoContext: Sendable {
    public var name: String
    /// Exact Swift Double literals (hex): the default, and the bounds or `Double?.none`.
    public var defaultLiteral: String
    public var minLiteral: String
    public var maxLiteral: String
    /// Raw free text (written through `swiftString`).
    public var doc: String
    public var integer: Bool

    init(_ p: ParameterInfo) {
        name = p.name
        defaultLiteral = ExactLiteral.hex(p.defaultValue)
        minLiteral = p.min.map(ExactLiteral.hex) ?? "Double?.none"
        maxLiteral = p.max.map(ExactLiteral.hex) ?? "Double?.none"
        doc = p.doc
        integer = p.integer
    }
}

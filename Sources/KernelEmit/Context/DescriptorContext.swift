import SurrogateSpec

/// What the generated registry prints of a surrogate's descriptor: the fields of `SurrogateDescriptor(spec:)`, the
/// one spec -> descriptor function the JIT registers too, so the built-in and the runtime descriptors of one spec
/// cannot differ (a test compares them). Doubles are exact hex literals; free text stays raw (the template
/// escapes it with `swiftString`).
public struct DescriptorContext: Sendable {
    public var name: String
    public var summary: String
    public var parameters: [ParameterContext]
    public var hasTrainForward: Bool
    public var isStochastic: Bool
    public var backwardReadsY: Bool
    public var hasPrimitive: Bool
    public var hasTrainBackward: Bool
    public var fingerprint: String

    init(_ d: SurrogateDescriptor) {
        name = d.name
        summary = d.summary
        parameters = d.parameters.enumerated().map { ParameterContext($1, index: $0) }
        hasTrainForward = d.hasTrainForward
        isStochastic = d.isStochastic
        backwardReadsY = d.backwardReadsY
        hasPrimitive = d.hasPrimitive
        hasTrainBackward = d.hasTrainBackward
        fingerprint = d.fingerprint
    }
}

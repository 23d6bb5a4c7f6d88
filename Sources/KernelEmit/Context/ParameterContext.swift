import SurrogateSpec

/// What every template sees of one parameter (C, Swift, the registry, PyTorch, Triton, neurons): the runtime's view
/// of it (`ParameterInfo`, made from the spec's `Parameter`) spelled for each language. Free text (`doc`,
/// `summaryLine`) stays raw: templates write it only through an escaping filter.
public struct ParameterContext: Sendable {
    public var name: String
    /// The name as a Swift identifier (backticked when it is a keyword), for labels and properties.
    public var swiftName: String
    /// `p_<name>`: the PyTorch module's argument (the naming authority's).
    public var pythonName: String
    /// Position in the argument order.
    public var index: Int
    /// Shortest round-trip decimal, for documentation and Swift default arguments.
    public var defaultValue: String
    /// Exact Swift Double literals (hex): the default, and the bounds or `Double?.none`.
    public var defaultLiteral: String
    public var minLiteral: String
    public var maxLiteral: String
    /// Exact Python floats: the default, and the bounds or `None`.
    public var pythonDefault: String
    public var pythonMin: String
    public var pythonMax: String
    public var doc: String
    /// `scale (default 5.0, min 0.0): Sharpness ...` (`integer, ` first for an integer parameter), for comments.
    public var summaryLine: String
    /// Values must be integers (`integer: true`; they bound sums).
    public var integer: Bool

    public init(_ p: ParameterInfo, index: Int) {
        name = p.name
        swiftName = EmittedNames.swiftIdentifier(p.name)
        pythonName = EmittedNames.pythonParameter(p.name)
        self.index = index
        defaultValue = ExactLiteral.decimal(p.defaultValue)
        defaultLiteral = ExactLiteral.hex(p.defaultValue)
        minLiteral = p.min.map(ExactLiteral.hex) ?? "Double?.none"
        maxLiteral = p.max.map(ExactLiteral.hex) ?? "Double?.none"
        pythonDefault = Dialect.pythonFloat(p.defaultValue)
        pythonMin = p.min.map(Dialect.pythonFloat) ?? "None"
        pythonMax = p.max.map(Dialect.pythonFloat) ?? "None"
        doc = p.doc
        integer = p.integer
        var facts = (p.integer ? ["integer"] : []) + ["default \(p.defaultValue)"]
        if let lo = p.min { facts.append("min \(lo)") }
        if let hi = p.max { facts.append("max \(hi)") }
        summaryLine = "\(p.name) (\(facts.joined(separator: ", ")))" + (doc.isEmpty ? "" : ": \(doc)")
    }
}

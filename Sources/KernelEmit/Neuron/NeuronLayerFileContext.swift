import SurrogateSpec

/// What `Templates/C/neuron_layer.c.stencil` renders for one built-in neuron (`Neurons/<name>.yaml`): its
/// ahead-of-time kernels with every built-in surrogate (`Specs/`), float32 and float64, each a `NeuronContext` whose
/// surrogate parameters are all runtime arguments (after the neuron's, in the surrogate's order), plus the initial
/// state as a C function of the parameters. The header (`kernelgen-neurons.h`) and the registry read the same.
public struct NeuronLayerFileContext {
    public var name: String
    public var summary: String
    /// `kgn3_lif`: the prefix of every symbol of this neuron (the name's length first, so that no pair of a
    /// neuron and a surrogate name spells another pair's symbols).
    public var symbol: String
    public var params: [ParameterContext]
    public var learnable: [String]
    public var states: [String]
    public var fingerprint: String
    /// `const double p_tau = params[0]; (void)p_tau;`
    public var initialLoads: [String]
    /// Per state variable, its initial value (a C double expression of the loads).
    public var initialValues: [String]
    /// The kernels, per surrogate then element type.
    public var kernels: [NeuronContext]
    /// Per kernel (same order): `surrogate`, `element`, `swiftType`, `symbol`, `stochastic` (for the registry).
    public var pairs: [[String: String]]

    public init(neuron: NeuronSpec, surrogates: [Spec]) throws {
        name = neuron.name
        summary = neuron.summary
        symbol = EmittedNames.neuronSymbolPrefix(neuron.name)
        params = neuron.params.enumerated().map { ParameterContext(ParameterInfo($1), index: $0) }
        learnable = neuron.learnableParams.map(\.name)
        states = neuron.state.map(\.name)
        fingerprint = neuron.fingerprint
        let dialect = Dialect(.c, .float64)
        initialLoads = neuron.params.enumerated().map { k, p in
            let local = dialect.paramName(p.name)
            return "const double \(local) = params[\(k)]; (void)\(local);"
        }
        let printer = ExpressionPrinter(dialect)
        initialValues = neuron.state.map { printer.print(KernelContext.prepare($0.initial.expr, element: .float64)) }
        let graph = try NeuronGraph(neuron)
        var kernels: [NeuronContext] = []
        var pairs: [[String: String]] = []
        for surrogate in surrogates.sorted(by: { $0.name < $1.name }) {
            let pairSymbol = "\(symbol)_\(surrogate.name)"
            for element in ElementType.allCases {
                kernels.append(NeuronContext(neuron: neuron, graph: graph, surrogate: surrogate, surrogateValues: [:],
                                             runtime: surrogate.params.map(\.name), element: element, symbol: pairSymbol))
                pairs.append(["surrogate": surrogate.name, "element": element.rawValue, "swiftType": element.swiftName,
                              "symbol": pairSymbol, "stochastic": surrogate.isStochastic ? "true" : ""])
            }
        }
        self.kernels = kernels
        self.pairs = pairs
    }
}

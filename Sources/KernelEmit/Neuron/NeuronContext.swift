import SurrogateSpec

/// What `Templates/C/neuron.c.stencil` renders for one neuron spec bound to one surrogate: the fused multi-step
/// forward and the backward through time, for one element type. Every line comes from the formulas through
/// the same rewrites and printer as the surrogate kernels (`KernelContext.prepare`, `Lane`).
///
/// The kernels (C, `T` the element type; arrays are `[T, N]` time-major, `[S, N]` per state variable):
/// - `<symbol>_forward_<t>(x [T,N], params [P] (double), state [S,N] in: initial, out: after the last step,
///   spikes [T,N] out, saved [T,S,N] out or NULL, T, N, begin, end)`: neurons `begin..<end`; `saved` receives
///   the state before each step, which is all the backward needs (it recomputes the rest).
/// - `<symbol>_backward_<t>(x, params, saved, grad_spikes [T,N], grad_state [S,N] in: gradient of the final
///   state, out: of the initial state, grad_x [T,N] out, grad_params [L,N] accumulated (+=), T, N, begin, end)`:
///   time in reverse; `grad_params` holds per-neuron sums for the L learnable parameters (the caller sums them).
/// Neuron parameters are runtime arguments (a learnable one changes every optimiser step); the surrogate's are
/// folded in as constants (the JIT specialises on them).
public struct NeuronContext {
    public var name: String
    public var surrogate: String
    public var symbol: String
    public var element: String
    public var cType: String
    /// `const float p_tau = (float)params[0];`
    public var paramLoads: [String]
    public var stateCount: Int
    /// `const float state0 = <array>[0 * n + i];` with `<array>` left to the template (`state`, `sv`).
    public var states: [Int]
    public var forwardLines: [String]
    public var output: String
    public var finalState: [String]
    /// The backward's lines after the forward's: the adjoints, then what each array receives.
    public var adjointLines: [String]
    public var gradX: String
    /// Per state variable, the adjoint of its value before the step (`0` when nothing reads it).
    public var gradState: [String]
    /// Per learnable parameter (`index`, `expression`): what this step adds to its per-neuron sum.
    public var gradParams: [[String: String]]
    public var learnableCount: Int
    public var preludeNeeds: [String: Bool]

    /// - Parameter surrogateValues: the surrogate's parameters (defaults filled in), folded in as constants.
    public init(neuron: NeuronSpec, graph: NeuronGraph, surrogate: Spec, surrogateValues: [String: Double], element: ElementType,
                symbol: String) {
        name = neuron.name
        self.surrogate = surrogate.name
        self.symbol = symbol
        self.element = element.rawValue
        cType = element.cName
        stateCount = graph.stateCount
        states = Array(0..<graph.stateCount)
        learnableCount = graph.learnable.count
        let dialect = Dialect(.c, element)
        let printer = ExpressionPrinter(dialect)
        paramLoads = neuron.params.enumerated().map { k, p in
            "const \(element.cName) \(dialect.paramName(p.name)) = (\(element.cName))params[\(k)];"
        }

        // The surrogate at a value: its formulas with x (and y, grad_out) replaced, its parameters folded.
        func surrogateAt(_ f: Expr, argument: NeuronGraph.Value, output: NeuronGraph.Value, gradOut: Expr?) -> Expr {
            let specialised = f.rewritten { n in
                switch n.kind {
                case .variable(.x): return Expr(.local(argument.name), at: n.offset)
                case .variable(.y): return Expr(.local(output.name), at: n.offset)
                case .variable(.gradOut): return gradOut.map { Expr($0.kind, at: n.offset) }
                case .param(let p): return surrogateValues[p].map { Expr(.number($0), at: n.offset) }
                default: return nil
                }
            }
            return specialised
        }

        // A backward that draws noise is served by its mean field (the neuron kernels draw no noise yet).
        let surrogateBackward = surrogate.hasTrainBackward ? Simplifier.meanField(surrogate.backward.expr) : surrogate.backward.expr
        var sums = 0
        var all: [Expr] = []
        func emit(_ e: Expr, prefix: String, into lines: inout [String]) -> String {
            let prepared = KernelContext.prepare(e, element: element)
            all.append(prepared)
            return Lane.emit(prepared, printer, prefix: prefix, indent: "", lines: &lines, sums: &sums)
        }

        // Forward: each node in order.
        var forward: [String] = []
        for (k, node) in graph.nodes.enumerated() {
            let value: Expr
            switch node {
            case .formula(let e): value = e
            case .spike(let a): value = surrogateAt(surrogate.forward.expr, argument: a, output: .node(k), gradOut: nil)
            case .detach(let a): value = a.expr
            }
            let text = emit(value, prefix: "f\(k)_", into: &forward)
            forward.append("const \(element.cName) n\(k) = \(text);")
        }
        forwardLines = forward
        output = graph.output.name
        finalState = graph.finalState.map(\.name)

        // Backward: reverse accumulation. `readers[v]`: (reader node, its partial with respect to v).
        var readers: [NeuronGraph.Value: [(Int, Expr?)]] = [:]   // nil partial: the surrogate (reads the adjoint itself)
        var xTerms: [(Int, Expr)] = []
        var paramTerms: [String: [(Int, Expr)]] = [:]
        for (k, node) in graph.nodes.enumerated() {
            switch node {
            case .formula:
                for (input, d) in graph.partials[k] {
                    switch input {
                    case .value(let v): readers[v, default: []].append((k, d))
                    case .x: xTerms.append((k, d))
                    case .param(let p): paramTerms[p, default: []].append((k, d))
                    }
                }
            case .spike(let a): readers[a, default: []].append((k, nil))
            case .detach: break
            }
        }
        var seeds: [NeuronGraph.Value: [Expr]] = [:]
        seeds[graph.output, default: []].append(Expr(.local("gout")))
        for (i, v) in graph.finalState.enumerated() { seeds[v, default: []].append(Expr(.local("gs\(i)"))) }

        var adjoint: [Int: Expr] = [:]        // node k -> its adjoint's local, where nonzero
        func product(_ a: Expr, _ d: Expr) -> Expr {
            if case .number(let one) = d.kind, one == 1 { return a }
            return Expr(.binary(.multiply, a, d))
        }
        func terms(of v: NeuronGraph.Value) -> [Expr] {
            var list = seeds[v] ?? []
            for (reader, d) in readers[v] ?? [] {
                guard let a = adjoint[reader] else { continue }
                if let d {
                    list.append(product(a, d))
                } else if case .spike(let arg) = graph.nodes[reader] {
                    // The surrogate gradient at the argument: grad_out * backward, or the backward itself when it reads grad_out.
                    let b = surrogateAt(surrogateBackward, argument: arg, output: .node(reader), gradOut: a)
                    list.append(surrogateBackward.usesGradOut ? b : product(a, b))
                }
            }
            return list
        }
        func sum(_ list: [Expr]) -> Expr? {
            guard var total = list.first else { return nil }
            for t in list.dropFirst() { total = Expr(.binary(.add, total, t)) }
            return total
        }
        var backward: [String] = []
        for k in graph.nodes.indices.reversed() {
            guard let total = sum(terms(of: .node(k))) else { continue }
            let text = emit(total, prefix: "b\(k)_", into: &backward)
            backward.append("const \(element.cName) a\(k) = \(text);")
            adjoint[k] = Expr(.local("a\(k)"))
        }
        func emitted(_ list: [Expr], prefix: String) -> String {
            guard let total = sum(list) else { return dialect.literal(0) }
            return emit(total, prefix: prefix, into: &backward)
        }
        gradState = (0..<graph.stateCount).map { i in emitted(terms(of: .state(i)), prefix: "bs\(i)_") }
        gradX = emitted(xTerms.compactMap { k, d in adjoint[k].map { product($0, d) } }, prefix: "bx_")
        gradParams = graph.learnable.enumerated().map { j, p in
            ["index": "\(j)",
             "expression": emitted((paramTerms[p] ?? []).compactMap { k, d in adjoint[k].map { product($0, d) } }, prefix: "bp\(j)_")]
        }
        adjointLines = backward
        preludeNeeds = PreludeSections.needed(by: all)
    }
}

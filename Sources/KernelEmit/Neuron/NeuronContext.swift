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
/// - for a stochastic surrogate, `<symbol>_train_forward_<t>` and `<symbol>_train_backward_<t>`: the same with
///   `seed, offset` last: the surrogate's sampled training forward and sampled backward, element (t, i) drawing at
///   Philox counter `offset + t N + i` (the forward in stream 0, the backward in stream 2, as the surrogate kernels),
///   spike `j` of the step on noise sites `j K + site` (K: the surrogate's sites), so results depend on neither
///   the threads nor the chunking. Without them (eval, or a deterministic surrogate): the eval forward and the
///   mean-field backward.
/// Neuron parameters are runtime arguments (a learnable one changes every optimiser step); the surrogate's are
/// folded in as constants (the JIT specialises on them), or runtime arguments after the neuron's (the
/// ahead-of-time kernels, `Generated/C/neurons/`, and learned surrogate parameters).
///
/// `language: .triton` prints the same lines as Python for `Templates/Python/triton_neuron.py.stencil`
/// (`TritonNeuronSource`): assignments without declarations, parameters loaded from `params_ptr`, and each noise
/// site's draw as a statement (`forwardDraws`, `backwardDraws`) instead of an inline call.
public struct NeuronContext {
    public var name: String
    public var surrogate: String
    public var symbol: String
    public var element: String
    public var cType: String
    /// `const float p_tau = (float)params[0]; (void)p_tau;` (Triton: `p_tau = tl.load(params_ptr + 0).to(tl.float32)`)
    public var paramLoads: [String]
    /// The element type as Triton spells it (`tl.float32`), and as torch names it (`float32`), for the Triton template.
    public var tritonType: String
    public var dtype: String
    public var stateCount: Int
    public var states: [Int]
    public var learnableCount: Int
    /// The eval kernels, then (stochastic surrogates) the sampled training kernels.
    public var variants: [NeuronVariant]
    public var preludeNeeds: [String: Bool]

    /// - Parameter surrogateValues: the surrogate's parameters (defaults filled in), folded in as constants, except
    ///   those in `learned`: runtime arguments after the neuron's (`params[P + j]`), each with its gradient (the
    ///   derivative of the surrogate's `primitive` with respect to it, as kernelgen.torch learns a surrogate's
    ///   parameter) summed into `grad_params` after the neuron's learnable parameters.
    /// - Parameter runtime: the surrogate parameters taken at run time, in the order of `params[P + j]`: `learned`
    ///   when nil; every parameter of the surrogate for the ahead-of-time kernels. `learned` must be among them.
    public init(neuron: NeuronSpec, graph: NeuronGraph, surrogate: Spec, surrogateValues: [String: Double], learned: [String] = [],
                runtime: [String]? = nil, element: ElementType, symbol: String, language: Dialect.Language = .c) {
        let runtime = runtime ?? learned
        precondition(learned.allSatisfy(runtime.contains), "a learned surrogate parameter must be a runtime argument")
        name = neuron.name
        self.surrogate = surrogate.name
        self.symbol = symbol
        self.element = element.rawValue
        cType = element.cName
        stateCount = graph.stateCount
        states = Array(0..<graph.stateCount)
        learnableCount = graph.learnable.count + learned.count
        var dialect = Dialect(language, element)
        dialect.tritonConstexprParameters = false
        tritonType = Dialect(.triton, element).typeName
        dtype = element == .float32 ? "float32" : "float64"
        let arguments = neuron.params.map(\.name) + runtime.map(NeuronGraph.surrogateParameter)
        paramLoads = arguments.enumerated().map { k, name in
            language == .triton
                ? "\(dialect.paramName(name)) = tl.load(params_ptr + \(k)).to(\(dialect.typeName))"
                : "const \(element.cName) \(dialect.paramName(name)) = (\(element.cName))params[\(k)]; (void)\(dialect.paramName(name));"
        }
        let folded = surrogateValues.filter { !runtime.contains($0.key) }
        var all: [Expr] = []
        variants = [NeuronVariant(graph: graph, surrogate: surrogate, values: folded, learned: learned, element: element, sampled: false,
                                  language: language, all: &all)]
        if surrogate.isStochastic {
            variants.append(NeuronVariant(graph: graph, surrogate: surrogate, values: folded, learned: learned, element: element,
                                          sampled: true, language: language, all: &all))
        }
        preludeNeeds = PreludeSections.needed(by: all)
    }
}

/// One pair of kernels (forward, backward) of a neuron: eval, or sampled training.
public struct NeuronVariant {
    /// `` or `train_`, before `forward`/`backward` in the symbols.
    public var prefix: String
    /// `, kg_u64 seed, kg_u64 base_offset` for the sampled kernels.
    public var extraParams: String
    public var sampled: Bool
    public var forwardLines: [String]
    /// `(void)n0; (void)n1; ...`: the step's values, which the backward recomputes but may not all read (C
    /// compilers warn about an unused local; the emitted code compiles under -Wall -Wextra -Werror).
    public var forwardValuesUnused: String
    public var output: String
    public var finalState: [String]
    /// The backward's lines after the forward's: the adjoints, then what each array receives.
    public var adjointLines: [String]
    public var gradX: String
    /// Per state variable, the adjoint of its value before the step (`0` when nothing reads it).
    public var gradState: [String]
    /// Per learnable parameter (`index`, `expression`): what this step adds to its per-neuron sum.
    public var gradParams: [[String: String]]
    /// Triton: the draws the forward's lines read (`u0 = _kg_uniformf(seed, _kg_j, 0, 0)`, stream 0), and those the
    /// backward reads besides (its adjoints' sites, stream 2); empty in C, whose printer calls the noise inline.
    public var forwardDraws: [String] = []
    public var backwardDraws: [String] = []

    init(graph: NeuronGraph, surrogate: Spec, values surrogateValues: [String: Double], learned: [String], element: ElementType,
         sampled: Bool, language: Dialect.Language = .c, all: inout [Expr]) {
        self.sampled = sampled
        prefix = sampled ? "train_" : ""
        extraParams = sampled ? ", kg_u64 seed, kg_u64 base_offset" : ""
        var forwardDialect = Dialect(language, element)
        forwardDialect.tritonConstexprParameters = false  // a neuron's parameters are runtime values
        let forwardPrinter = ExpressionPrinter(forwardDialect)
        var backwardDialect = forwardDialect
        backwardDialect.noiseStream = NoiseStream.trainBackward
        let backwardPrinter = ExpressionPrinter(backwardDialect)

        // The surrogate's formulas for this variant: the sampled training forward and backward, or the eval forward
        // and the mean-field backward.
        let spikeForward = sampled ? (surrogate.trainForward ?? surrogate.forward).expr : surrogate.forward.expr
        let spikeBackward = sampled || !surrogate.hasTrainBackward ? surrogate.backward.expr : Simplifier.meanField(surrogate.backward.expr)
        var sites = 0
        for f in [spikeForward, spikeBackward] { f.walk { if case .call(_, _, let s?) = $0.kind { sites = max(sites, s + 1) } } }
        let spikeNodes = graph.nodes.indices.filter { if case .spike = graph.nodes[$0] { return true } else { return false } }

        // The surrogate at a value: x (and y, grad_out) replaced, its parameters folded, its noise sites moved to the
        // spike's own (spike j of the step: sites j K ..< (j + 1) K).
        func surrogateAt(_ f: Expr, node: Int, argument: NeuronGraph.Value, gradOut: Expr?) -> Expr {
            let base = (spikeNodes.firstIndex(of: node) ?? 0) * sites
            return f.rewritten { n in
                switch n.kind {
                case .variable(.x): return Expr(.local(argument.name), at: n.offset)
                case .variable(.y): return Expr(.local(NeuronGraph.Value.node(node).name), at: n.offset)
                case .variable(.gradOut): return gradOut.map { Expr($0.kind, at: n.offset) }
                case .param(let p):
                    // Folded, or (learned) the runtime argument.
                    return surrogateValues[p].map { Expr(.number($0), at: n.offset) }
                        ?? Expr(.param(NeuronGraph.surrogateParameter(p)), at: n.offset)
                case .call(let name, let args, let site?):
                    return Expr(.call(name, args.map { surrogateAt($0, node: node, argument: argument, gradOut: gradOut) }, site: site + base),
                                at: n.offset)
                default: return nil
                }
            }
        }

        var sums = 0
        let tag = sampled ? "r" : ""
        var drawn: [UInt32: Set<Int>] = [:]  // noise stream -> the sites its lines read
        func emit(_ e: Expr, prefix: String, _ printer: ExpressionPrinter, into lines: inout [String]) -> String {
            let prepared = KernelContext.prepare(e, element: element)
            all.append(prepared)
            prepared.walk { if case .call(_, _, let site?) = $0.kind { drawn[printer.dialect.noiseStream, default: []].insert(site) } }
            return Lane.emit(prepared, printer, prefix: tag + prefix, indent: "", lines: &lines, sums: &sums)
        }
        // One statement per value: a C declaration, a Python assignment.
        func define(_ name: String, _ text: String, unusedOK: Bool = false) -> String {
            language == .triton ? "\(name) = \(text)" : "const \(element.cName) \(name) = \(text);" + (unusedOK ? " (void)\(name);" : "")
        }

        // Forward: each node in order.
        var forward: [String] = []
        for (k, node) in graph.nodes.enumerated() {
            let value: Expr
            switch node {
            case .formula(let e): value = e
            case .spike(let a): value = surrogateAt(spikeForward, node: k, argument: a, gradOut: nil)
            case .detach(let a): value = a.expr
            }
            let text = emit(value, prefix: "f\(k)_", forwardPrinter, into: &forward)
            forward.append(define("n\(k)", text))
        }
        forwardLines = forward
        forwardValuesUnused = graph.nodes.indices.map { "(void)n\($0);" }.joined(separator: " ")
        output = graph.output.name
        finalState = graph.finalState.map(\.name)

        // Backward: reverse accumulation. `readers[v]`: (reader node, its partial with respect to v; nil for a spike,
        // whose partial is the surrogate gradient and may read the adjoint itself).
        var readers: [NeuronGraph.Value: [(Int, Expr?)]] = [:]
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
                    let b = surrogateAt(spikeBackward, node: reader, argument: arg, gradOut: a)
                    list.append(spikeBackward.usesGradOut ? b : product(a, b))
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
            let text = emit(total, prefix: "b\(k)_", backwardPrinter, into: &backward)
            // `(void)`: an adjoint only a `detach` reads is dead (the compiler drops it; -Wall would name it).
            backward.append(define("a\(k)", text, unusedOK: true))
            adjoint[k] = Expr(.local("a\(k)"))
        }
        func emitted(_ list: [Expr], prefix: String) -> String {
            guard let total = sum(list) else { return backwardPrinter.dialect.literal(0) }
            return emit(total, prefix: prefix, backwardPrinter, into: &backward)
        }
        gradState = (0..<graph.stateCount).map { i in emitted(terms(of: .state(i)), prefix: "bs\(i)_") }
        gradX = emitted(xTerms.compactMap { k, d in adjoint[k].map { product($0, d) } }, prefix: "bx_")
        gradParams = graph.learnable.enumerated().map { j, p in
            ["index": "\(j)",
             "expression": emitted((paramTerms[p] ?? []).compactMap { k, d in adjoint[k].map { product($0, d) } }, prefix: "bp\(j)_")]
        }
        // A learned surrogate parameter: at each spike, its adjoint times d primitive / d parameter at the argument.
        for (j, p) in learned.enumerated() {
            var terms: [Expr] = []
            if let primitive = surrogate.primitive?.expr, let d = try? NeuronGraph.partial(primitive, with: .param(p)) {
                for k in spikeNodes {
                    guard let a = adjoint[k], case .spike(let arg) = graph.nodes[k] else { continue }
                    terms.append(product(a, surrogateAt(d, node: k, argument: arg, gradOut: nil)))
                }
            }
            let index = graph.learnable.count + j
            gradParams.append(["index": "\(index)", "expression": emitted(terms, prefix: "bq\(j)_")])
        }
        adjointLines = backward
        if language == .triton {
            let suffix = element.libmSuffix
            func draws(_ stream: UInt32) -> [String] {
                var dialect = Dialect(.triton, element)
                dialect.noiseStream = stream
                return (drawn[stream] ?? []).sorted().map { "\(dialect.noiseBits(site: $0)) = _kg_uniform\(suffix)(seed, _kg_j, \($0), \(stream))" }
            }
            forwardDraws = draws(NoiseStream.trainForward)
            backwardDraws = draws(NoiseStream.trainBackward)
        }
    }
}

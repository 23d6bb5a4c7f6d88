/// A neuron's step as a list of single assignments (SSA), and the partial derivatives that its backward
/// through time (BPTT) is made of: derived from the spec's assignments by `Derivative`, never written by hand.
///
/// Lowering: every name read is replaced by the value it holds at that point of the step (`state<i>`: state
/// variable i as the previous step left it; `n<k>`: node k), and every `spike(a)` and `detach(a)` becomes a
/// node of its own whose argument is a value. What is left are `formula` nodes: pure expressions of values,
/// `x` and the parameters, whose partial derivatives with respect to each value, `x` and each learnable
/// parameter are computed once here. The emitters then write the forward (the nodes in order) and the
/// backward (reverse accumulation: the adjoint of a value is the sum over its readers of the reader's adjoint
/// times the partial), with `spike`'s partial the surrogate gradient and `detach`'s zero.
public struct NeuronGraph: Sendable {
    /// Functions only a neuron's step may call.
    public static let stepFunctions: Set<String> = ["spike", "detach"]

    /// A value of the step.
    public enum Value: Hashable, Sendable {
        /// State variable i before the step.
        case state(Int)
        /// The result of node k.
        case node(Int)

        /// Its name in lowered formulas (`.local(name)`) and in emitted code: `state0`, `n3` (apart from the
        /// emitters' own locals: `t<k>`, sums' `s<k>`).
        public var name: String {
            switch self {
            case .state(let i): "state\(i)"
            case .node(let k): "n\(k)"
            }
        }

        public var expr: Expr { Expr(.local(name)) }
    }

    public enum Node: Sendable {
        /// A pure formula of values (`.local`), `x` and the parameters.
        case formula(Expr)
        /// The surrogate at a value: forward H-like spike, backward the surrogate gradient.
        case spike(Value)
        /// The value with its gradient stopped.
        case detach(Value)
    }

    /// What a formula node reads that can carry a gradient.
    public enum Input: Hashable, Sendable {
        case value(Value)
        /// The step's input current.
        case x
        /// A learnable parameter, by name.
        case param(String)
    }

    public var nodes: [Node]
    /// For each node, the partial derivative of its formula with respect to each input it depends on (empty for
    /// `spike` and `detach` nodes, and for formulas with no differentiable input). In the order inputs first appear.
    public var partials: [[(input: Input, derivative: Expr)]]
    /// The value each step emits (`output`).
    public var output: Value
    /// Each state variable's value after the step, in state order.
    public var finalState: [Value]
    public var stateCount: Int
    /// The learnable parameters, in parameter order.
    public var learnable: [String]

    /// Lowers `spec`'s step and derives its partials. Throws where a derivative cannot be made (a function
    /// without a derivative rule on a path to a differentiable input; offsets are the step formula's).
    public init(_ spec: NeuronSpec) throws(Failure) {
        stateCount = spec.state.count
        learnable = spec.learnableParams.map(\.name)
        var nodes: [Node] = []
        var env: [String: Value] = [:]
        for (i, s) in spec.state.enumerated() { env[s.name] = .state(i) }

        func value(of e: Expr) -> Value {
            if case .local(let n) = e.kind, let v = Self.value(named: n) { return v }
            nodes.append(.formula(e))
            return .node(nodes.count - 1)
        }
        func lower(_ e: Expr) -> Expr {
            e.rewritten { node in
                switch node.kind {
                case .local(let n): return env[n].map { Expr(.local($0.name), at: node.offset) }
                case .call(let name, let args, _) where Self.stepFunctions.contains(name) && args.count == 1:
                    let argument = value(of: lower(args[0]))
                    nodes.append(name == "spike" ? .spike(argument) : .detach(argument))
                    return Expr(.local(Value.node(nodes.count - 1).name), at: node.offset)
                default: return nil
                }
            }
        }
        var assignmentOfNode: [Int: Int] = [:]
        for (index, a) in spec.step.enumerated() {
            let before = nodes.count
            env[a.target] = value(of: lower(a.formula.expr))
            for k in before..<nodes.count { assignmentOfNode[k] = index }
        }
        output = env[spec.output]!
        finalState = spec.state.map { env[$0.name]! }
        self.nodes = nodes

        let learnableSet = Set(learnable)
        var partials: [[(input: Input, derivative: Expr)]] = []
        var total = 0
        for (k, node) in nodes.enumerated() {
            guard case .formula(let e) = node else { partials.append([]); continue }
            var inputs: [Input] = []
            e.walk { n in
                let input: Input?
                switch n.kind {
                case .local(let name): input = Self.value(named: name).map(Input.value)
                case .variable(.x): input = .x
                case .param(let p) where learnableSet.contains(p): input = .param(p)
                default: input = nil
                }
                if let input, !inputs.contains(input) { inputs.append(input) }
            }
            var list: [(input: Input, derivative: Expr)] = []
            for input in inputs {
                do {
                    if let d = try Self.partial(e, with: input) {
                        list.append((input, d))
                        d.walk { _ in total += 1 }
                    }
                } catch {
                    throw Failure(assignment: assignmentOfNode[k] ?? 0, offset: error.offset, id: error.id, message: error.message)
                }
                // Each line's derivatives are bounded by `Derivative`; their sum bounds the kernels' size (and compile time).
                guard total <= Derivative.maximumNodes else {
                    throw Failure(assignment: assignmentOfNode[k] ?? 0, offset: e.offset, id: .limitExceeded,
                                  message: "the step's derivatives have \(total) nodes up to this line; expected at most \(Derivative.maximumNodes) in all (fewer or simpler lines)")
                }
            }
            partials.append(list)
        }
        self.partials = partials
    }

    /// The nodes whose adjoint can be nonzero: the output, the final state, and what a live node reads through a
    /// nonzero partial or a `spike` (not through `detach`).
    public var liveNodes: Set<Int> {
        var live = Set<Int>()
        for v in [output] + finalState { if case .node(let k) = v { live.insert(k) } }
        for k in nodes.indices.reversed() where live.contains(k) {
            switch nodes[k] {
            case .formula: for (input, _) in partials[k] { if case .value(.node(let j)) = input { live.insert(j) } }
            case .spike(let a): if case .node(let j) = a { live.insert(j) }
            case .detach: break
            }
        }
        return live
    }

    /// A derivative that cannot be made, located in the step line `assignment` at `offset` of its formula.
    public struct Failure: Error, Sendable {
        public var assignment: Int
        public var offset: Int
        public var id: Diagnostic.ID
        public var message: String
    }

    public static func value(named name: String) -> Value? {
        if name.hasPrefix("state"), let i = Int(name.dropFirst(5)), i >= 0, "state\(i)" == name { return .state(i) }
        if name.hasPrefix("n"), let k = Int(name.dropFirst()), k >= 0, "n\(k)" == name { return .node(k) }
        return nil
    }

    /// The name a learned surrogate parameter has in a neuron's kernels (`.param(name)`): it starts with a digit,
    /// which no spec's parameter does, so it can never equal a neuron parameter's (printed `p_0scale`).
    public static func surrogateParameter(_ name: String) -> String { "0" + name }

    /// d e / d input, by `Derivative` (which differentiates with respect to `x`): the input is renamed `x`, the
    /// step's own `x` set aside as a local meanwhile, and both put back in the result. Nil: 0 identically.
    public static func partial(_ e: Expr, with input: Input) throws(Derivative.Failure) -> Expr? {
        let aside = "__x"
        let isInput: (Expr) -> Bool = { n in
            switch (n.kind, input) {
            case (.local(let name), .value(let v)): return name == v.name
            case (.variable(.x), .x): return true
            case (.param(let p), .param(let q)): return p == q
            default: return false
            }
        }
        let renamed = e.rewritten { n in
            if isInput(n) { return Expr(.variable(.x), at: n.offset) }
            if n.kind == .variable(.x) { return Expr(.local(aside), at: n.offset) }
            return nil
        }
        guard let d = try Derivative.of(renamed) else { return nil }
        let back: Expr
        switch input {
        case .value(let v): back = v.expr
        case .x: back = Expr(.variable(.x))
        case .param(let p): back = Expr(.param(p))
        }
        return d.rewritten { n in
            if n.kind == .variable(.x) { return Expr(back.kind, at: n.offset) }
            if n.kind == .local(aside) { return Expr(.variable(.x), at: n.offset) }
            return nil
        }
    }

    /// The derived backward's diagnostics for a loaded spec: a derivative that cannot be made, and a learnable
    /// parameter that no gradient reaches (used only inside `detach`, or not at all).
    public static func check(_ spec: NeuronSpec) -> [Diagnostic] {
        let graph: NeuronGraph
        do {
            graph = try NeuronGraph(spec)
        } catch {
            let a = spec.step[error.assignment]
            let message = error.message
                .replacingOccurrences(of: "derive `backward` from this primitive", with: "derive the neuron's backward")
                .replacingOccurrences(of: "expected a `backward` formula (or a rule", with: "expected a differentiable function (or a rule")
                .replacingOccurrences(of: "(write `backward` by hand, or a simpler primitive)", with: "(a simpler step line)")
            return [Diagnostic(error.id, at: a.formula.source.location(ofOffset: error.offset, in: a.formula.text), "in `step`: " + message)]
        }
        var found: [Diagnostic] = []
        let live = graph.liveNodes
        let reached = Set(graph.partials.indices.filter { live.contains($0) }.flatMap { k in
            graph.partials[k].compactMap { if case .param(let p) = $0.input { p } else { nil } }
        })
        for p in spec.learnableParams where !reached.contains(p.name) {
            let at = spec.step.first { $0.formula.expr.contains { $0.kind == .param(p.name) } }
            found.append(Diagnostic(.learnableWithoutGradient, at: at?.location ?? SourceLocation(file: spec.file, line: 1, column: 1),
                "learnable parameter `\(p.name)` receives no gradient (it is not read by the step, or only inside `detach`); expected `learnable: false`, or the parameter used in the step"))
        }
        for s in spec.state {
            if s.initial.expr.contains(where: { if case .param(let p) = $0.kind { return spec.learnableParams.contains { $0.name == p } } else { return false } }) {
                found.append(Diagnostic(.learnableInInitialValue, at: s.location,
                    "the initial value of `\(s.name)` reads a learnable parameter; expected a formula of fixed parameters (the gradient does not flow into initial values)"))
            }
        }
        return found
    }
}

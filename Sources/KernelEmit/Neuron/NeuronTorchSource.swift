import SurrogateSpec

/// A neuron's time step as a Python function of torch operations: what `kernelgen.torch.Neuron` runs for tensors
/// off the CPU (and with `backend="torch"`), differentiated by PyTorch's autograd, on any device.
///
/// The module defines `step(x, state, params, spike)`: `x` this step's input, `state` the S state tensors before
/// the step, `params` the P parameters as 0-d tensors (spec order), `spike` a callable applying the bound
/// surrogate (its forward, with its surrogate gradient). It returns `(output, (state after the step, ...))`. The
/// lines are the lowered step (`NeuronGraph`: one assignment per node, `detach(a)` as `a.detach()`), printed in
/// the torch dialect after the same rewrites as the kernels, for one element type (literals rounded to it).
/// Names are the emitter's own (`state<i>`, `n<k>`, `p_<name>`); spec text appears in no line of code.
public enum NeuronTorchSource {
    public static func render(_ neuron: NeuronSpec, graph: NeuronGraph, element: ElementType) -> String {
        var dialect = Dialect(.torch, element)
        dialect.inputName = "x"
        let printer = ExpressionPrinter(dialect)
        var lines: [String] = []
        var sums = 0
        let states = (0..<graph.stateCount).map { NeuronGraph.Value.state($0).name }
        let params = neuron.params.map { dialect.paramName($0.name) }
        lines.append("def step(x, state, params, spike):")
        lines.append("    (\(states.map { $0 + "," }.joined(separator: " "))) = state")
        if !params.isEmpty { lines.append("    (\(params.map { $0 + "," }.joined(separator: " "))) = params") }
        for (k, node) in graph.nodes.enumerated() {
            switch node {
            case .formula(let e):
                let prepared = KernelContext.prepare(e, element: element)
                let (masks, masked) = TorchSelects.masked(prepared, printer)
                lines += masks.map { "    " + $0 }
                let text = Lane.emit(masked, printer, prefix: "f\(k)_", indent: "    ", lines: &lines, sums: &sums)
                lines.append("    n\(k) = \(text)")
            case .spike(let a):
                lines.append("    n\(k) = spike(\(a.name))")
            case .detach(let a):
                lines.append("    n\(k) = \(a.name).detach()")
            }
        }
        let final = graph.finalState.map { $0.name + "," }.joined(separator: " ")
        lines.append("    return \(graph.output.name), (\(final))")
        return "# one time step of a kernelgen neuron in torch operations (generated; the spec is data, not code here)\n"
            + "import torch as _torch\n\n\n" + lines.joined(separator: "\n") + "\n"
    }
}

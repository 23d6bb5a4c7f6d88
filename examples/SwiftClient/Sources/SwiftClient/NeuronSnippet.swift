import Foundation
import Surrogates

/// docs/neurons.md, "What runs": the Swift snippet verbatim (between the markers), then checks against SpikingJelly's
/// LIFNode written out here (decay_input, hard reset) and its backward through time derived on paper.
func neuronSnippet() throws {
    // README snippet begins
    var lif: BoundNeuron<Double> = try DispatchTable.builtin.neuron("lif", surrogate: "sigmoid", backend: .c,
                                                                    parameters: ["tau": 1.5], surrogateParameters: ["scale": 3])
    try lif.setParameters(["v_reset": -0.25])                  // bounds checked; a learnable one changes every step
    let (steps, n) = (11, 5)
    var state = lif.initialState(count: n)                     // [S, n]: the spec's `state:` values
    let x = (0..<steps * n).map { 0.9 * sin(1.3 * Double($0)) + 0.7 }             // [steps, n], time-major
    let (spikes, saved) = try lif.forward(x, steps: steps, state: &state)         // state: now after the last step
    var gradState = [Double](repeating: 0, count: n)                               // d loss / d final state
    let (gradX, gradParameters) = try lif.backward(x, steps: steps, saved: saved,
                                                   gradSpikes: [Double](repeating: 1, count: steps * n), gradState: &gradState)
    // README snippet ends

    check(gradParameters.isEmpty, "lif has no learnable parameter: \(gradParameters)")
    func surrogateGradient(_ u: Double) -> Double { let s = 1 / (1 + exp(-3 * u)); return 3 * s * (1 - s) }
    for i in 0..<n {
        var v = -0.25, before: [Double] = []
        for t in 0..<steps {
            before.append(v)
            let h = v + (x[t * n + i] - (v + 0.25)) / 1.5, s: Double = h - 1 >= 0 ? 1 : 0
            check(spikes[t * n + i] == s, "spike t=\(t) i=\(i): \(spikes[t * n + i]), expected \(s)")
            v = (1 - s) * h + s * -0.25
        }
        check(abs(state[i] - v) <= 1e-14, "final v \(i): \(state[i]), expected \(v)")
        var gv = 0.0
        for t in (0..<steps).reversed() {
            let h = before[t] + (x[t * n + i] - (before[t] + 0.25)) / 1.5, s: Double = h - 1 >= 0 ? 1 : 0
            let adjointH = gv * (1 - s) + (1 + gv * (-0.25 - h)) * surrogateGradient(h - 1)
            check(abs(gradX[t * n + i] - adjointH / 1.5) <= 1e-12 * max(1, abs(adjointH)), "grad x t=\(t) i=\(i)")
            gv = adjointH * (1 - 1 / 1.5)
        }
        check(abs(gradState[i] - gv) <= 1e-12 * max(1, abs(gv)), "grad of the initial v \(i): \(gradState[i]), expected \(gv)")
    }
    print("Neuron snippet: ok")
}

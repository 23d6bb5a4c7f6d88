import Foundation
import Surrogates

/// docs/swift.md, "Swift API": the snippet verbatim (between the markers), then checks of what it computed
/// against the specs' formulas written out here in Double.
func apiSnippet() throws {
    // README snippet begins
    let x: [Float] = [-1, -0.25, 0, 0.5, 2]                              // inputs (membrane potential - threshold)
    let g: [Float] = [1, 1, 1, 1, 1]                                      // grad_out from the next layer

    // Typed wrappers with SpikeDE's defaults.
    let spikes = try SigmoidSurrogate().forward(x)                       // [Float] -> [Float] (or [Double])
    let gradIn = try ArctanSurrogate(scale: 3, backend: .swift).backward(x, gradOut: g)

    // The object form of the noisy threshold (like NoisyThresholdSpikeModule). Each training forward draws
    // fresh noise: call k uses noise step k (spike.step), the same sequence for the same seed.
    var spike = NoisyThresholdSurrogate(scale: 5, sample: true, seed: 42)
    let soft = try spike.forward(x)                                      // training: sigmoid(scale*x + noise), step 0
    let grad = try spike.backward(x, gradOut: g)                         // scale * y * (1 - y), y of that forward
    let next = try spike.forward(x)                                      // step 1: new noise
    let replay = try spike.forward(x, step: 0)                           // explicit step: step 0's noise again
    spike.training = false                                               // eval: hard spikes

    // Lookup by name, dtype and backend; defaults filled in, bounds checked, unknown names rejected.
    var s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("gaussian", backend: .c,
                                                                        parameters: ["sigma": 0.5])
    s.mode = .eval                                                       // or .train(sample:seed:)
    s.flushesSubnormals = true                                           // opt-in flush-to-zero, see Performance

    // Buffer forms write into caller-provided memory (a tensor's storage, say) and allocate nothing.
    let n = x.count
    let xBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let gBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let yBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let gradInBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    defer { for b in [xBuffer, gBuffer, yBuffer, gradInBuffer] { b.deallocate() } }
    _ = xBuffer.initialize(from: x)
    _ = gBuffer.initialize(from: g)
    try s.forward(UnsafeBufferPointer(xBuffer), into: yBuffer)
    try s.backward(UnsafeBufferPointer(xBuffer), y: UnsafeBufferPointer(yBuffer), gradOut: UnsafeBufferPointer(gBuffer),
                   into: gradInBuffer)                                   // same order as backward(x, y:, gradOut:)
    // README snippet ends

    let xs = x.map(Double.init)
    check(spikes == [0, 0, 1, 1, 1], "sigmoid forward is the Heaviside step: \(spikes)")
    // arctan: scale / 2 / (1 + (pi / 2 * scale * x)^2), scale 3
    check(close(gradIn, xs.map { 3 / 2 / (1 + pow(Double.pi / 2 * 3 * $0, 2)) }), "arctan backward: \(gradIn)")
    check(soft.allSatisfy { $0 > 0 && $0 < 1 }, "soft spikes lie in (0, 1): \(soft)")
    check(close(grad, soft.map { 5 * Double($0) * (1 - Double($0)) }), "noisy threshold backward: \(grad)")
    check(next != soft && replay == soft, "step 1 draws new noise, step 0 replays")
    try check(try spike.forward(x) == [0, 0, 1, 1, 1], "eval mode gives hard spikes")
    check(Array(yBuffer) == [0, 0, 1, 1, 1], "gaussian forward into the buffer: \(Array(yBuffer))")
    // gaussian: exp(-x^2 / (2 sigma^2)) / (sigma sqrt(2 pi)), sigma 0.5
    let pdf = xs.map { exp(-$0 * $0 / (2 * 0.25)) / (0.5 * (2 * Double.pi).squareRoot()) }
    check(close(Array(gradInBuffer), pdf), "gaussian backward into the buffer: \(Array(gradInBuffer))")
    print("API snippet: ok (sigmoid spikes \(spikes), noisy threshold soft spikes \(soft))")
}

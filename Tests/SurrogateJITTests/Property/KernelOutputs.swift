import Surrogates
import SurrogateSpec
import SurrogateTestSupport

/// What one backend's kernels of a spec give on the property test's inputs (grad_out = 1): the eval
/// forward, the backward given it, and for a spec with `train_forward` the mean-field training forward and
/// the backward given that.
struct KernelOutputs<T: KernelScalar> {
    var forward: [T]
    var backward: [T]
    var meanForward: [T]?
    var backwardAfterMean: [T]?

    /// A small grid on [-10, 10] and `Inputs.edges` (zeros, subnormals, huge, infinities, NaN).
    static var inputs: [T] { (0...40).map { T(-10) + T($0) / 2 } + [T(0.1), T(-0.3), T(1.5)] + Inputs.edges(T.self) }

    init(jit s: BoundSurrogate<T>, hasTrainForward: Bool) throws {
        var s = s
        let x = Self.inputs
        s.mode = .eval
        forward = try s.forward(x)
        backward = try s.backward(x, y: forward)
        if hasTrainForward {
            s.mode = .train(sample: false, seed: 0)
            meanForward = try s.forward(x)
            backwardAfterMean = try s.backward(x, y: meanForward!)
        }
    }

    init(aot library: AOTLibrary, spec: Spec, parameters p: [Double]) throws {
        let x = Self.inputs
        func call(_ op: String, _ input: [T]) throws -> [T] {
            if let xs = input as? [Float] { return try library.forward(spec.name, op: op, xs, p) as! [T] }
            return try library.forward(spec.name, op: op, input as! [Double], p) as! [T]
        }
        func gradient(_ y: [T]) throws -> [T] {
            if let xs = x as? [Float] { return try library.backward(spec.name, xs, y: y as! [Float], p) as! [T] }
            return try library.backward(spec.name, x as! [Double], y: y as! [Double], p) as! [T]
        }
        forward = try call("forward", x)
        backward = try gradient(forward)
        if spec.trainForward != nil {
            meanForward = try call("train_forward_mean", x)
            backwardAfterMean = try gradient(meanForward!)
        }
    }

    /// Where these outputs miss the spec's formulas (`PropagatedErrorReference` within `ErrorBound`), and
    /// how many points were compared and skipped (undecided in the dtype, or overflowing it).
    func misses(_ spec: Spec, parameters: [String: Double], label: String) -> (misses: [String], compared: Int, skipped: Int) {
        let reference = PropagatedErrorReference(parameters: parameters, T.self)
        let x = Self.inputs
        var misses: [String] = [], compared = 0, skipped = 0
        func check(_ what: String, _ expr: Expr, _ got: [T], y: [T]?) {
            for i in x.indices {
                let r = reference.evaluate(expr, x: Float80(x[i]), y: y.map { Float80($0[i]) } ?? .nan)
                if r.undecided || r.overflows || !r.error.isFinite { skipped += 1; continue }
                compared += 1
                let value = got[i]
                if r.value.isNaN || r.value.isInfinite {
                    if !(value.isNaN && r.value.isNaN) && Float80(value) != r.value {
                        misses.append("\(label) \(what) at x = \(x[i]): got \(value), expected \(r.value)")
                    }
                    continue
                }
                let bound = 2 * r.error + ErrorBound.tolerance(r.value, peak: 0, T.self)
                let error = (Float80(value) - r.value).magnitude
                if !(error <= bound) {
                    misses.append("\(label) \(what) at x = \(x[i]): got \(value), reference \(r.value), error \(error) > bound \(bound)")
                }
            }
        }
        check("eval forward", spec.forward.expr, forward, y: nil)
        check("eval backward", spec.backward.expr, backward, y: forward)
        if let train = spec.trainForward?.expr, let meanForward, let backwardAfterMean {
            check("mean-field forward", train, meanForward, y: nil)
            check("mean-field backward", spec.backward.expr, backwardAfterMean, y: meanForward)
        }
        return (misses, compared, skipped)
    }
}

import Surrogates
import SurrogateSpec
import Testing

/// One spec with parameter values, checked against `FormulaReference` (its own formulas in Float80): the
/// accuracy test every spec gets, built-in or new, on every backend. Unlike `ReferenceCase` (hand-written
/// references of SpikeDE's five), nothing here names a surrogate.
public struct SpecCase: Sendable, CustomTestStringConvertible {
    public typealias R = Float80

    public var spec: Spec
    /// Every parameter of the spec, explicitly.
    public var parameters: [String: Double]

    public init(spec: Spec, parameters: [String: Double]) {
        self.spec = spec
        self.parameters = parameters
    }

    public var name: String { spec.name }
    public var testDescription: String { "\(spec.name) \(parameters.sorted { $0.key < $1.key })" }

    /// The defaults, and for each parameter one other value with the rest at their defaults.
    public static func cases(for spec: Spec) -> [SpecCase] {
        let defaults = spec.defaults
        return [SpecCase(spec: spec, parameters: defaults)] + spec.params.compactMap { p in
            otherValue(p).map { SpecCase(spec: spec, parameters: defaults.merging([p.name: $0]) { $1 }) }
        }
    }

    /// The default times 0.75 (or 1.25, or +-0.5 from a zero default), clamped into the parameter's bounds;
    /// nil when the bounds leave no other value.
    static func otherValue(_ p: Parameter) -> Double? {
        var candidates = p.defaultValue == 0 ? [0.5, -0.5] : [p.defaultValue * 0.75, p.defaultValue * 1.25]
        if p.integer { candidates = p.defaultValue == 0 ? [1, -1] : candidates.map { $0.rounded() } } // integer parameters take integers
        return candidates.map { Swift.min(Swift.max($0, p.min ?? -.infinity), p.max ?? .infinity) }
            .first { $0 != p.defaultValue }
    }

    /// The cases of every spec in `Specs/` (empty when the folder does not load: `SpecFiles.specs()` fails
    /// `EverySpecAccuracyTests.everySpecInTheFolderHasCases` then).
    public static var everySpecInTheFolder: [SpecCase] {
        ((try? SpecFiles.specs()) ?? []).flatMap(cases(for:))
    }

    /// What a check found: the misses (empty when the kernels hold), and the eval-mode gradients and their
    /// reference peak (for comparisons between backends).
    public struct Outcome<T: KernelScalar> {
        public var misses: [String]
        public var gradients: [T]
        public var peak: R

        public var summary: String { "\(misses.count) misses, first: \(misses.prefix(3))" }
    }

    /// Checks `surrogate` (bound to this case's spec and parameters, any backend) on the grid and the edges:
    /// eval forward exactly (spikes), backward within `ErrorBound` given the kernel's forward output; and
    /// for a spec with `train_forward`, the mean-field training forward and the backward after it, both
    /// within `ErrorBound`. The references are evaluated at the kernel's own inputs (x in the dtype) with the
    /// parameters rounded to the dtype, as every backend receives them.
    public func check<T: KernelScalar>(_ surrogate: BoundSurrogate<T>) throws -> Outcome<T> {
        let reference = FormulaReference(parameters: parameters.mapValues { R(T($0)) }, trigLimit: FormulaReference.trigLimit(T.self))
        let x = Inputs.all(T.self)
        var s = surrogate
        s.mode = .eval
        let y = try s.forward(x, step: 0)
        var misses: [String] = []
        for i in x.indices {
            let expected = T(try reference.evaluate(spec.forward.expr, x: R(x[i])))
            if !(y[i] == expected || (y[i].isNaN && expected.isNaN)) {
                misses.append("eval forward at x = \(x[i]): got \(y[i]), expected \(expected)")
            }
        }
        let peak = try backwardPeak(reference, forward: spec.forward.expr)
        let gradients = try backwardMisses(s, x: x, y: y, reference: reference, peak: peak, into: &misses, label: "eval backward")

        if let train = spec.trainForward?.expr {
            s.mode = .train(sample: false, seed: 0)
            let soft = try s.forward(x, step: 0)
            let forwardPeak = try Self.gridPeak { try reference.evaluate(train, x: $0) }
            for i in x.indices {
                if let miss = ErrorBound.check(soft[i], try reference.evaluate(train, x: R(x[i])), peak: forwardPeak, x: x[i]) {
                    misses.append("mean-field forward: \(miss)")
                }
            }
            let trainPeak = try backwardPeak(reference, forward: train)
            _ = try backwardMisses(s, x: x, y: soft, reference: reference, peak: trainPeak, into: &misses, label: "mean-field backward")
        }
        if let primitive = spec.primitive?.expr {
            misses += try primitiveMisses(s, primitive, x: x, reference: reference)
        } else {
            // No primitive: the call is refused, never computes something else.
            let refused: Result<[T], SurrogateError> = Result { () throws(SurrogateError) in try s.primitive(x) }
            if refused != .failure(.noPrimitive(surrogate: spec.name)) {
                misses.append("primitive of a spec without `primitive:`: \(refused), expected SurrogateError.noPrimitive")
            }
        }
        return Outcome(misses: misses, gradients: gradients, peak: peak)
    }

    /// The primitive kernel (the smooth forward) against the spec's `primitive` in Float80, within `ErrorBound`.
    func primitiveMisses<T: KernelScalar>(_ s: BoundSurrogate<T>, _ primitive: Expr, x: [T], reference: FormulaReference) throws -> [String] {
        let values = try s.primitive(x)
        let peak = try Self.gridPeak { try reference.evaluate(primitive, x: $0) }
        return try x.indices.compactMap { i in
            ErrorBound.check(values[i], try reference.evaluate(primitive, x: R(x[i])), peak: peak, x: x[i]).map { "primitive: \($0)" }
        }
    }

    /// The backward's gradients (grad_in / grad_out) for `y`, each compared with the reference at (x, y).
    func backwardMisses<T: KernelScalar>(_ s: BoundSurrogate<T>, x: [T], y: [T], reference: FormulaReference, peak: R,
                                         into misses: inout [String], label: String) throws -> [T] {
        // grad_out of 1 except a few entries of -2.5, so the product by grad_out is exercised; dividing it
        // back out is exact.
        // A backward that reads `grad_out` is grad_in itself (not a factor of grad_out): compared as it is, the
        // reference seeing the same grad_out.
        let g = x.indices.map { $0 % 7 == 3 ? T(-2.5) : T(1) }
        let readsGradOut = spec.backward.expr.usesGradOut
        let gradients = zip(try s.backward(x, y: y, gradOut: g), g).map { readsGradOut ? $0 : $0 / $1 }
        for i in x.indices {
            var reference = reference
            if readsGradOut { reference.gradOut = R(g[i]) }
            let expected = try reference.evaluate(spec.backward.expr, x: R(x[i]), y: R(y[i]))
            if let miss = ErrorBound.check(gradients[i], expected, peak: peak, x: x[i]) { misses.append("\(label): \(miss)") }
        }
        return gradients
    }

    /// The largest |backward| on [-10, 10], with y the reference of `forward` there.
    func backwardPeak(_ reference: FormulaReference, forward: Expr) throws -> R {
        try Self.gridPeak { x in try reference.evaluate(spec.backward.expr, x: x, y: try reference.evaluate(forward, x: x)) }
    }

    /// The largest finite |f| on [-10, 10] in steps of 0.001 (the scale of `ErrorBound`'s absolute term).
    static func gridPeak(_ f: (R) throws -> R) throws -> R {
        try (0...20000).map { try f(R(-10) + R($0) / 1000).magnitude }.filter(\.isFinite).max() ?? 0
    }
}

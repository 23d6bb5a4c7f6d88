/// A neuron layer ready to run: a neuron spec bound to a surrogate, a backend and an element type (`T`: `Float` or
/// `Double`), with the neuron's parameter values (changeable: a learnable one changes every optimiser step) and
/// the surrogate's (fixed at binding). Made by `DispatchTable.neuron(_:surrogate:dtype:backend:parameters:surrogateParameters:)`.
///
/// Shapes (time-major, contiguous): input `x` and `spikes` `[steps, n]`; the state `[S, n]` (S = `stateCount`,
/// the spec's state variables in order); what the forward saves for the backward `[steps, S, n]` (the state before
/// each step; the backward recomputes the rest). Each neuron is computed whole by one thread, so results do not
/// depend on `threads`.
public struct BoundNeuron<T: KernelScalar>: Sendable {
    public let neuron: NeuronDescriptor
    public let surrogate: SurrogateDescriptor
    public let backend: Backend
    /// The surrogate's parameter values in its argument order (defaults filled in).
    public let surrogateValues: [Double]
    /// The neuron's parameter values in argument order (`neuron.parameters`).
    public private(set) var parameterValues: [Double]
    /// Threads for one call (1: the calling thread only).
    public var threads = 1
    public let kernels: NeuronKernelSet<T>
    /// The kernels' runtime arguments after the neuron's parameters: the surrogate's values for ahead-of-time
    /// kernels (which take them at run time), none for the JIT's (which fold them in).
    public let trailingArguments: [Double]

    public init(neuron: NeuronDescriptor, surrogate: SurrogateDescriptor, backend: Backend, parameterValues: [Double],
                surrogateValues: [Double], kernels: NeuronKernelSet<T>, trailingArguments: [Double]) {
        self.neuron = neuron
        self.surrogate = surrogate
        self.backend = backend
        self.parameterValues = parameterValues
        self.surrogateValues = surrogateValues
        self.kernels = kernels
        self.trailingArguments = trailingArguments
    }

    /// The neuron's parameters by name.
    public var parameters: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(neuron.parameters.map(\.name), parameterValues))
    }

    /// Sets the named parameters (the others keep their values), checked against their bounds.
    /// - Throws: `SurrogateError.unknownParameter`, `.parameterOutOfBounds`, `.parameterNotRepresentable`
    ///   (nothing changes).
    public mutating func setParameters(_ values: [String: Double]) throws(SurrogateError) {
        var merged = parameters
        merged.merge(values) { $1 }
        parameterValues = try neuron.resolve(merged, for: T.self)
    }

    /// S, the number of state variables.
    public var stateCount: Int { neuron.stateNames.count }

    /// The initial state of `n` neurons, `[S, n]` (the spec's `state:` values at the current parameters).
    public func initialState(count n: Int) -> [T] {
        neuron.initialState(parameterValues).flatMap { v in [T](repeating: T(v), count: n) }
    }

    /// Whether the surrogate samples in training (a forward or backward with `sample:` then draws noise).
    public var isStochastic: Bool { kernels.isStochastic }

    private func neurons(_ operation: String, _ count: Int, steps: Int) throws(SurrogateError) -> Int {
        guard steps > 0, count % steps == 0 else {
            throw .invalidShape(operation: operation, "x holds \(count) elements for \(steps) steps; expected steps >= 1 and a multiple of steps ([steps, n])")
        }
        return count / steps
    }

    /// `count` (nil: the buffer is not given) is at least `expected`, which `shape` explains.
    private func require(_ operation: String, _ name: String, _ count: Int?, _ expected: Int, _ shape: String) throws(SurrogateError) {
        if let count, count < expected {
            throw .invalidShape(operation: operation, "\(name) holds \(count) elements; expected at least \(expected), \(shape)")
        }
    }

    /// Runs `steps` time steps of `n = x.count / steps` neurons: `spikes` receives `[steps, n]`, `state` holds
    /// the state before the first step (`initialState(count:)`) and receives the state after the last, `saved`
    /// (nil in inference) receives `[steps, S, n]` for `backward`. `sample`: a stochastic surrogate's sampled
    /// training forward, spike (t, i) drawing at Philox counter `offset + t n + i` of `seed`; nil: the eval forward.
    /// - Throws: `SurrogateError.invalidShape` (x not `[steps, n]`, or a short buffer); nothing is written then.
    public func forward(_ x: UnsafeBufferPointer<T>, steps: Int, state: UnsafeMutableBufferPointer<T>, spikes: UnsafeMutableBufferPointer<T>,
                        saved: UnsafeMutableBufferPointer<T>?, sample: (seed: UInt64, offset: UInt64)? = nil) throws(SurrogateError) {
        let n = try neurons("neuron forward", x.count, steps: steps)
        try require("neuron forward", "state", state.count, stateCount * n, "[S, n] = [\(stateCount), \(n)]")
        try require("neuron forward", "spikes", spikes.count, x.count, "[steps, n] like x")
        try require("neuron forward", "saved", saved?.count, x.count * stateCount, "[steps, S, n] = [\(steps), \(stateCount), \(n)]")
        guard let xp = x.baseAddress, let sp = state.baseAddress, let yp = spikes.baseAddress else { return }
        let arguments = parameterValues + trailingArguments + [0]
        arguments.withUnsafeBufferPointer { p in
            kernels.forward(x: xp, params: p.baseAddress!, state: sp, spikes: yp, saved: saved?.baseAddress, steps: steps, n: n,
                            threads: threads, sample: sample)
        }
    }

    /// The backward through time of a `forward` with the same `x`, `steps` and `sample`: `gradX` receives the
    /// gradient of `x` (`[steps, n]`), `gradState` holds the gradient of the final state (zeros when the loss
    /// does not read it) and receives that of the initial state (`[S, n]`), `gradParams` (`[L, n]`, L =
    /// `neuron.learnable.count`; nil when none is learned) accumulates per-neuron gradients of the learnable
    /// parameters (zero it first; sum it over n).
    /// - Throws: `SurrogateError.invalidShape` (x not `[steps, n]`, or a short buffer); nothing is written then.
    public func backward(_ x: UnsafeBufferPointer<T>, steps: Int, saved: UnsafeBufferPointer<T>, gradSpikes: UnsafeBufferPointer<T>,
                         gradState: UnsafeMutableBufferPointer<T>, gradX: UnsafeMutableBufferPointer<T>,
                         gradParams: UnsafeMutableBufferPointer<T>?, sample: (seed: UInt64, offset: UInt64)? = nil) throws(SurrogateError) {
        let n = try neurons("neuron backward", x.count, steps: steps)
        try require("neuron backward", "saved", saved.count, x.count * stateCount, "[steps, S, n] = [\(steps), \(stateCount), \(n)]")
        try require("neuron backward", "gradSpikes", gradSpikes.count, x.count, "[steps, n] like x")
        try require("neuron backward", "gradState", gradState.count, stateCount * n, "[S, n] = [\(stateCount), \(n)]")
        try require("neuron backward", "gradX", gradX.count, x.count, "[steps, n] like x")
        try require("neuron backward", "gradParams", gradParams?.count ?? (neuron.learnable.isEmpty ? nil : 0), neuron.learnable.count * n,
                    "[L, n] = [\(neuron.learnable.count), \(n)] for the learnable \(neuron.learnable.joined(separator: ", "))")
        guard let xp = x.baseAddress, let svp = saved.baseAddress, let gp = gradSpikes.baseAddress, let gsp = gradState.baseAddress,
              let gxp = gradX.baseAddress else { return }
        let arguments = parameterValues + trailingArguments + [0]
        arguments.withUnsafeBufferPointer { p in
            kernels.backward(x: xp, params: p.baseAddress!, saved: svp, gradSpikes: gp, gradState: gsp, gradX: gxp,
                             gradParams: gradParams?.baseAddress, steps: steps, n: n, threads: threads, sample: sample)
        }
    }

    /// `forward` on arrays: the spikes `[steps, n]` and what the backward needs `[steps, S, n]`; `state` (`[S, n]`,
    /// from `initialState(count:)`) is carried to the state after the last step.
    /// - Throws: as `forward(_:steps:state:spikes:saved:sample:)`.
    public func forward(_ x: [T], steps: Int, state: inout [T], sample: (seed: UInt64, offset: UInt64)? = nil) throws(SurrogateError)
        -> (spikes: [T], saved: [T]) {
        var spikes = [T](repeating: 0, count: x.count)
        var saved = [T](repeating: 0, count: x.count * stateCount)
        var failure: SurrogateError?
        x.withUnsafeBufferPointer { xb in
            state.withUnsafeMutableBufferPointer { sb in
                spikes.withUnsafeMutableBufferPointer { yb in
                    saved.withUnsafeMutableBufferPointer { vb in
                        do throws(SurrogateError) { try forward(xb, steps: steps, state: sb, spikes: yb, saved: vb, sample: sample) } catch { failure = error }
                    }
                }
            }
        }
        if let failure { throw failure }
        return (spikes, saved)
    }

    /// `backward` on arrays: the gradient of `x` (`[steps, n]`) and of each learnable parameter (summed over the
    /// neurons, in Double); `gradState` (`[S, n]`: zeros, or the gradient of the final state) receives that of
    /// the initial state.
    /// - Throws: as `backward(_:steps:saved:gradSpikes:gradState:gradX:gradParams:sample:)`.
    public func backward(_ x: [T], steps: Int, saved: [T], gradSpikes: [T], gradState: inout [T],
                         sample: (seed: UInt64, offset: UInt64)? = nil) throws(SurrogateError) -> (gradX: [T], gradParameters: [String: Double]) {
        let n = try neurons("neuron backward", x.count, steps: steps)
        var gradX = [T](repeating: 0, count: x.count)
        var gradParams = [T](repeating: 0, count: neuron.learnable.count * n)
        var failure: SurrogateError?
        x.withUnsafeBufferPointer { xb in
            saved.withUnsafeBufferPointer { vb in
                gradSpikes.withUnsafeBufferPointer { gb in
                    gradState.withUnsafeMutableBufferPointer { sb in
                        gradX.withUnsafeMutableBufferPointer { xg in
                            gradParams.withUnsafeMutableBufferPointer { pg in
                                do throws(SurrogateError) {
                                    try backward(xb, steps: steps, saved: vb, gradSpikes: gb, gradState: sb, gradX: xg, gradParams: pg, sample: sample)
                                } catch { failure = error }
                            }
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
        var sums: [String: Double] = [:]
        for (j, name) in neuron.learnable.enumerated() {
            sums[name] = gradParams[j * n ..< (j + 1) * n].reduce(0.0) { $0 + Double($1) }
        }
        return (gradX, sums)
    }
}

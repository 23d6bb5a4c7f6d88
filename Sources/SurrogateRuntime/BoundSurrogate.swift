/// A surrogate ready to run: kernels of one backend and storage type (`T`: `Float`, `Double`, or a half type,
/// `BFloat16` or `Float16`, computed in Float and rounded once; its backward reads a Float `y`), parameter
/// values, a mode and a noise step. Buffer operations write into caller-provided memory and allocate nothing;
/// array forms are for convenience.
///
/// Noise: a sampling training forward of a stochastic surrogate draws element `i` of noise step `step` at
/// offset `offset + i` (key `Philox.key(seed:step:)`). The forms without `step:` use `self.step` and then
/// advance it by one (they are `mutating`), so call k of a run gets step k's noise, reproducibly from the
/// seed; the forms with `step:` use that step and leave `self.step` alone. A copy is a value: it shares
/// nothing with the original, and continues from the step it was copied at (so two copies with one seed draw
/// the same noise: give each its own seed or step range). Use a copy per thread, as for any Swift value.
///
/// A spec whose backward draws noise has a sampling backward (stream 2 of the counter, the forward's is 0). In
/// training with sampling, forward k and backward k of a training step pair up: the forward takes step k and
/// advances `step` to k + 1 (also when only the backward draws noise), and a backward without `step:` uses
/// the latest forward's step, `step - 1` (0 before any forward), so it is keyed by the same
/// `Philox.key(seed:step:)` as that forward. In eval or mean field the backward is the mean field.
public struct BoundSurrogate<T: KernelStorage>: Sendable {
    public let descriptor: SurrogateDescriptor
    public let backend: Backend
    /// Parameter values in argument order.
    public let parameterValues: [Double]
    public var mode: SurrogateMode
    /// Threads for one call: nil picks all cores for arrays of `parallelThreshold` elements or more and one
    /// thread below (no hand-off cost for small arrays); a number forces that many (1: never threaded).
    public var threads: Int?
    /// Run the kernels with subnormal inputs and results flushed to zero (see `FloatEnvironment`): no
    /// slow path when results underflow (a gaussian's tails, a steep sigmoid), at an absolute error below
    /// the smallest normal number. Off by default (IEEE results, as tested to 4 ulp). Each thread of a
    /// call sets and restores its own mode, so the caller's state is unchanged afterwards.
    public var flushesSubnormals = false
    /// The noise step of the next forward without `step:` that draws noise (training with sampling, a
    /// stochastic surrogate); that forward then adds one. Starts at 0.
    public var step: UInt64 = 0
    /// Arrays this long or longer are split across threads when `threads` is nil.
    public static var parallelThreshold: Int { 1 << 18 }
    let kernels: KernelSet<T>
    /// `parameterValues` plus one pad element, so the kernels always get a valid pointer.
    private let packed: [Double]

    public init(descriptor: SurrogateDescriptor, backend: Backend, parameterValues: [Double], mode: SurrogateMode,
                kernels: KernelSet<T>, threads: Int? = nil) {
        self.threads = threads
        self.descriptor = descriptor
        self.backend = backend
        self.parameterValues = parameterValues
        self.mode = mode
        self.kernels = kernels
        packed = parameterValues + [0]
    }

    public var parameters: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(descriptor.parameters.map(\.name), parameterValues))
    }

    /// Forward of the current mode into `y` (at least `x.count` elements; only the first `x.count` are
    /// written): spikes in eval; in training the training forward, its noise from step `self.step`, which
    /// then advances by one if noise was drawn.
    /// - Throws: `SurrogateError.lengthMismatch` when `y` is shorter than `x` (nothing is written).
    public mutating func forward(_ x: UnsafeBufferPointer<T>, into y: UnsafeMutableBufferPointer<T>) throws(SurrogateError) {
        try forward(x, into: y, step: step)
        if drawsNoise { step &+= 1 }
    }

    /// Forward of the current mode with noise of step `step`, element `i` at counter `offset + i` (so chunks of
    /// one array, each passed with its offset, give what one call gives). `step` 0 with an offset is the C
    /// kernels' `(seed, offset)`. Does not change `self.step`.
    /// - Throws: `SurrogateError.lengthMismatch` when `y` is shorter than `x` (nothing is written).
    public func forward(_ x: UnsafeBufferPointer<T>, into y: UnsafeMutableBufferPointer<T>, step: UInt64,
                        offset: UInt64 = 0) throws(SurrogateError) {
        guard y.count >= x.count else { throw .lengthMismatch(operation: "forward", expected: x.count, got: y.count) }
        guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
        let kernels = kernels, mode = mode, hasTrain = descriptor.hasTrainForward, flush = flushesSubnormals
        packed.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            Parallel.chunks(x.count, threads: threadCount(x.count)) { start, count in
                FloatEnvironment.withSubnormals(flushed: flush) {
                    let (xs, ys) = (xp + start, yp + start)
                    switch mode {
                    case .train(let sample, let seed) where hasTrain:
                        if sample, let train = kernels.trainForward {
                            train(xs, ys, count, params, Philox.key(seed: seed, step: step), offset &+ UInt64(start))
                        } else if let mean = kernels.trainForwardMean {
                            mean(xs, ys, count, params)
                        } else {
                            kernels.forward(xs, ys, count, params)
                        }
                    default:
                        kernels.forward(xs, ys, count, params)
                    }
                }
            }
        }
    }

    /// The primitive, the smooth forward whose derivative the backward is (SpikingJelly's `spiking=False`),
    /// into `y` (at least `x.count` elements). The same in every mode: it is deterministic and not a spike.
    /// - Throws: `SurrogateError.noPrimitive` when the spec has no `primitive:`, `.lengthMismatch` when `y` is
    ///   shorter than `x` (nothing is written).
    public func primitive(_ x: UnsafeBufferPointer<T>, into y: UnsafeMutableBufferPointer<T>) throws(SurrogateError) {
        guard let kernel = kernels.primitive else { throw .noPrimitive(surrogate: descriptor.name) }
        guard y.count >= x.count else { throw .lengthMismatch(operation: "primitive", expected: x.count, got: y.count) }
        guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
        let flush = flushesSubnormals
        packed.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            Parallel.chunks(x.count, threads: threadCount(x.count)) { start, count in
                FloatEnvironment.withSubnormals(flushed: flush) { kernel(xp + start, yp + start, count, params) }
            }
        }
    }

    /// Whether a forward in the current mode draws noise, itself or in its backward (and so advances `step`).
    public var drawsNoise: Bool {
        guard case .train(sample: true, _) = mode else { return false }
        return descriptor.isStochastic && (kernels.trainForward != nil || kernels.trainBackward != nil)
    }

    /// The step a backward without `step:` samples: the latest advancing forward's (`step - 1`), or 0 before any.
    public var latestStep: UInt64 { step == 0 ? 0 : step &- 1 }

    /// gradIn = gradOut * surrogate gradient, into `gradIn`. `y` (the forward output in the same mode) is
    /// required when the backward reads it (`descriptor.backwardReadsY`), ignored otherwise.
    /// All buffers hold at least `x.count` elements. When the backward draws noise and the mode is training with
    /// sampling, the sampling backward runs with the noise of step `step` (nil: `latestStep`, the paired
    /// forward's), element `i` at counter `offset + i` of stream 2; otherwise the mean-field backward.
    /// - Throws: `SurrogateError.lengthMismatch` for a short buffer, `.forwardOutputRequired` for a missing
    ///   `y` (nothing is written).
    public func backward(_ x: UnsafeBufferPointer<T>, y: UnsafeBufferPointer<T.Compute>? = nil, gradOut: UnsafeBufferPointer<T>,
                         into gradIn: UnsafeMutableBufferPointer<T>, step: UInt64? = nil, offset: UInt64 = 0) throws(SurrogateError) {
        let n = x.count
        for (count, name) in [(gradOut.count, "backward gradOut"), (gradIn.count, "backward gradIn")] where count < n {
            throw .lengthMismatch(operation: name, expected: n, got: count)
        }
        let needsY = descriptor.backwardReadsY
        if needsY {
            guard let y else { throw .forwardOutputRequired(surrogate: descriptor.name) }
            guard y.count >= n else { throw .lengthMismatch(operation: "backward y", expected: n, got: y.count) }
        }
        guard let xp = x.baseAddress, let gp = gradOut.baseAddress, let gip = gradIn.baseAddress else { return }
        let yp = needsY ? y?.baseAddress : nil
        let backward = kernels.backward, flush = flushesSubnormals
        var sampling: (kernel: KernelSet<T>.TrainBackward, key: UInt64)?
        if case .train(sample: true, let seed) = mode, let kernel = kernels.trainBackward {
            sampling = (kernel, Philox.key(seed: seed, step: step ?? latestStep))
        }
        let sampled = sampling
        packed.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            Parallel.chunks(n, threads: threadCount(n)) { start, count in
                FloatEnvironment.withSubnormals(flushed: flush) {
                    if let sampled {
                        sampled.kernel(xp + start, yp.map { $0 + start }, gp + start, gip + start, count, params, sampled.key,
                                       offset &+ UInt64(start))
                    } else {
                        backward(xp + start, yp.map { $0 + start }, gp + start, gip + start, count, params)
                    }
                }
            }
        }
    }

    func threadCount(_ n: Int) -> Int {
        if let threads { return max(1, threads) }
        return n >= Self.parallelThreshold ? Parallel.cores : 1
    }
}

/// A surrogate ready to run: kernels of one backend and element type, parameter values, and a mode.
/// Buffer operations write into caller-provided memory and allocate nothing; array forms are for
/// convenience.
public struct BoundSurrogate<T: KernelScalar>: Sendable {
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

    /// Forward of the current mode: spikes in eval; in training the training forward (noise of element i
    /// drawn at counter `offset + i`, so chunks of one array passed with their offsets match one call).
    public func forward(_ x: UnsafeBufferPointer<T>, into y: UnsafeMutableBufferPointer<T>, offset: UInt64 = 0) throws(SurrogateError) {
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
                            train(xs, ys, count, params, seed, offset &+ UInt64(start))
                        } else if let mean = kernels.trainForwardMeanField {
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

    /// gradIn = gradOut * surrogate gradient. `y` (the forward's output in the same mode) is required
    /// when the backward reads it, ignored otherwise.
    public func backward(_ x: UnsafeBufferPointer<T>, y: UnsafeBufferPointer<T>? = nil, gradOut: UnsafeBufferPointer<T>,
                         into gradIn: UnsafeMutableBufferPointer<T>) throws(SurrogateError) {
        let n = x.count
        for (count, name) in [(gradOut.count, "backward gradOut"), (gradIn.count, "backward gradIn")] where count < n {
            throw .lengthMismatch(operation: name, expected: n, got: count)
        }
        let needsY = descriptor.backwardReadsForwardOutput
        if needsY {
            guard let y else { throw .forwardOutputRequired(surrogate: descriptor.name) }
            guard y.count >= n else { throw .lengthMismatch(operation: "backward y", expected: n, got: y.count) }
        }
        guard let xp = x.baseAddress, let gp = gradOut.baseAddress, let gip = gradIn.baseAddress else { return }
        let yp = needsY ? y?.baseAddress : nil
        let backward = kernels.backward, flush = flushesSubnormals
        packed.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            Parallel.chunks(n, threads: threadCount(n)) { start, count in
                FloatEnvironment.withSubnormals(flushed: flush) {
                    backward(xp + start, yp.map { $0 + start }, gp + start, gip + start, count, params)
                }
            }
        }
    }

    func threadCount(_ n: Int) -> Int {
        if let threads { return max(1, threads) }
        return n >= Self.parallelThreshold ? Parallel.cores : 1
    }

    public func forward(_ x: [T], offset: UInt64 = 0) -> [T] {
        [T](unsafeUninitializedCapacity: x.count) { out, count in
            x.withUnsafeBufferPointer { try! forward($0, into: out, offset: offset) }
            count = x.count
        }
    }

    /// grad_in for `x`; `gradOut` defaults to ones, and `y` is computed by `forward` when needed and not given.
    public func backward(_ x: [T], gradOut: [T]? = nil, y: [T]? = nil, offset: UInt64 = 0) throws(SurrogateError) -> [T] {
        let g = gradOut ?? [T](repeating: 1, count: x.count)
        let forwardOutput = descriptor.backwardReadsForwardOutput ? (y ?? forward(x, offset: offset)) : y
        var result = [T](repeating: 0, count: x.count)
        try x.withUnsafeBufferPointer { (xb) throws(SurrogateError) in
            try g.withUnsafeBufferPointer { (gb) throws(SurrogateError) in
                try result.withUnsafeMutableBufferPointer { (rb) throws(SurrogateError) in
                    if let forwardOutput {
                        try forwardOutput.withUnsafeBufferPointer { (yb) throws(SurrogateError) in
                            try backward(xb, y: yb, gradOut: gb, into: rb)
                        }
                    } else {
                        try backward(xb, gradOut: gb, into: rb)
                    }
                }
            }
        }
        return result
    }
}

/// A surrogate ready to run: kernels of one backend and element type, parameter values, and a mode.
/// Buffer operations write into caller-provided memory and allocate nothing; array forms are for
/// convenience.
public struct BoundSurrogate<T: KernelScalar>: Sendable {
    public let descriptor: SurrogateDescriptor
    public let backend: Backend
    /// Parameter values in argument order.
    public let parameterValues: [Double]
    public var mode: SurrogateMode
    let kernels: KernelSet<T>
    /// `parameterValues` plus one pad element, so the kernels always get a valid pointer.
    private let packed: [Double]

    public init(descriptor: SurrogateDescriptor, backend: Backend, parameterValues: [Double], mode: SurrogateMode, kernels: KernelSet<T>) {
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
        packed.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            switch mode {
            case .train(let sample, let seed) where descriptor.hasTrainForward:
                if sample, let train = kernels.trainForward {
                    train(xp, yp, x.count, params, seed, offset)
                } else if let mean = kernels.trainForwardMeanField {
                    mean(xp, yp, x.count, params)
                } else {
                    kernels.forward(xp, yp, x.count, params)
                }
            default:
                kernels.forward(xp, yp, x.count, params)
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
        packed.withUnsafeBufferPointer { p in
            kernels.backward(xp, needsY ? y?.baseAddress : nil, gp, gip, n, p.baseAddress!)
        }
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

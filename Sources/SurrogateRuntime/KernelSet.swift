/// The kernels of one surrogate for one storage type and backend, behind one calling convention:
/// raw pointers, a count and the parameters packed in argument order (`p[0]`, `p[1]`, ...). JIT kernels
/// with parameters folded in ignore `p`. A backward's `y` (the forward output it reads) is `T.Compute`: for the
/// half types the float32 value, before rounding.
public struct KernelSet<T: KernelStorage>: Sendable {
    /// (x, y, n, params)
    public typealias Forward = @Sendable (UnsafePointer<T>, UnsafeMutablePointer<T>, Int, UnsafePointer<Double>) -> Void
    /// (x, y or nil, gradOut, gradIn, n, params)
    public typealias Backward = @Sendable (UnsafePointer<T>, UnsafePointer<T.Compute>?, UnsafePointer<T>, UnsafeMutablePointer<T>, Int, UnsafePointer<Double>) -> Void
    /// (x, y, n, params, seed, offset)
    public typealias TrainForward = @Sendable (UnsafePointer<T>, UnsafeMutablePointer<T>, Int, UnsafePointer<Double>, UInt64, UInt64) -> Void
    /// (x, y or nil, gradOut, gradIn, n, params, seed, offset)
    public typealias TrainBackward = @Sendable (UnsafePointer<T>, UnsafePointer<T.Compute>?, UnsafePointer<T>, UnsafeMutablePointer<T>, Int,
                                                UnsafePointer<Double>, UInt64, UInt64) -> Void

    public var forward: Forward
    public var backward: Backward
    public var trainForward: TrainForward?
    public var trainForwardMean: Forward?
    /// The spec's primitive (the smooth forward), when it has one.
    public var primitive: Forward?
    /// The sampling backward, when the spec's backward draws noise (`backward` is then its mean field).
    public var trainBackward: TrainBackward?

    public init(forward: @escaping Forward, backward: @escaping Backward, trainForward: TrainForward? = nil,
                trainForwardMean: Forward? = nil, primitive: Forward? = nil, trainBackward: TrainBackward? = nil) {
        self.trainBackward = trainBackward
        self.primitive = primitive
        self.forward = forward
        self.backward = backward
        self.trainForward = trainForward
        self.trainForwardMean = trainForwardMean
    }
}

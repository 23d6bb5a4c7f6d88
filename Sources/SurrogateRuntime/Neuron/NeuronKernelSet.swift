import Dispatch

/// The fused kernels of one neuron bound to one surrogate, for one element type and backend, behind one calling
/// convention (`Templates/C/neuron.c.stencil`): arrays are time-major and contiguous, `[T, N]` for inputs, spikes
/// and their gradients, `[S, N]` for the state (S state variables), `[T, S, N]` for what the forward saves; each
/// kernel runs neurons `begin..<end` of `N`. `params` holds the neuron's parameters, then whatever runtime
/// arguments the kernels take after them (the surrogate's parameters for ahead-of-time kernels, learned surrogate
/// parameters for the JIT's).
public struct NeuronKernelSet<T: KernelScalar>: Sendable {
    /// (x, params, state, spikes, saved or nil, steps, n, begin, end)
    public typealias Forward = @Sendable (UnsafePointer<T>, UnsafePointer<Double>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>,
                                          UnsafeMutablePointer<T>?, Int, Int, Int, Int) -> Void
    /// (x, params, saved, gradSpikes, gradState, gradX, gradParams or nil, steps, n, begin, end)
    public typealias Backward = @Sendable (UnsafePointer<T>, UnsafePointer<Double>, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>,
                                           UnsafeMutablePointer<T>, UnsafeMutablePointer<T>?, Int, Int, Int, Int) -> Void
    /// `Forward`'s arguments, then (seed, offset).
    public typealias TrainForward = @Sendable (UnsafePointer<T>, UnsafePointer<Double>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>,
                                               UnsafeMutablePointer<T>?, Int, Int, Int, Int, UInt64, UInt64) -> Void
    /// `Backward`'s arguments, then (seed, offset).
    public typealias TrainBackward = @Sendable (UnsafePointer<T>, UnsafePointer<Double>, UnsafePointer<T>, UnsafePointer<T>,
                                                UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>?, Int, Int, Int, Int,
                                                UInt64, UInt64) -> Void

    public var forwardKernel: Forward
    public var backwardKernel: Backward
    /// A stochastic surrogate's sampled training forward and backward (nil for a deterministic one).
    public var trainForwardKernel: TrainForward?
    public var trainBackwardKernel: TrainBackward?

    public init(forward: @escaping Forward, backward: @escaping Backward, trainForward: TrainForward? = nil,
                trainBackward: TrainBackward? = nil) {
        forwardKernel = forward
        backwardKernel = backward
        trainForwardKernel = trainForward
        trainBackwardKernel = trainBackward
    }

    /// Whether the surrogate samples in training (`forward`/`backward` with `sample:` then draw noise).
    public var isStochastic: Bool { trainForwardKernel != nil }

    /// Neurons per thread below which one thread does all (a hand-off costs a few microseconds).
    static var minimumWork: Int { 1 << 16 }

    /// Splits neurons `0..<n` into contiguous ranges of whole cache lines, one per thread (results do not depend
    /// on the split: each neuron is computed by one thread, whole).
    private func split(_ steps: Int, _ n: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let parts = Swift.max(1, Swift.min(threads, Swift.min(n / 64, steps * n / Self.minimumWork)))
        guard parts > 1 else { body(0, n); return }
        let size = ((n + parts - 1) / parts + 63) & ~63
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = part * size
                if start < n { run(start, Swift.min(n, start + size)) }
            }
        }
    }

    /// Runs `steps` time steps for `n` neurons. `state` holds the state before the first step and receives the
    /// state after the last; `saved` (nil in inference) receives the state before each step, for `backward`.
    /// `sample`: a stochastic surrogate's sampled training forward, element (t, i) drawing at Philox counter
    /// `offset + t n + i` of `seed` (ignored for a deterministic surrogate); nil: the eval forward.
    /// No checks: the caller gives arrays of the sizes above and `params` of the kernels' length.
    public func forward(x: UnsafePointer<T>, params: UnsafePointer<Double>, state: UnsafeMutablePointer<T>,
                        spikes: UnsafeMutablePointer<T>, saved: UnsafeMutablePointer<T>?, steps: Int, n: Int, threads: Int = 1,
                        sample: (seed: UInt64, offset: UInt64)? = nil) {
        split(steps, n, threads: threads) { begin, end in
            if let sample, let train = trainForwardKernel {
                train(x, params, state, spikes, saved, steps, n, begin, end, sample.seed, sample.offset)
            } else {
                forwardKernel(x, params, state, spikes, saved, steps, n, begin, end)
            }
        }
    }

    /// The backward through time (`sample`: the sampled training backward, with the forward's seed and offset).
    /// `gradState` holds the gradient of the final state (zeros when the loss does not read it) and receives the
    /// gradient of the initial state; `gradParams` (`[L, N]`, zeroed by the caller) accumulates per-neuron
    /// gradients of the L learnable parameters, to be summed over N.
    public func backward(x: UnsafePointer<T>, params: UnsafePointer<Double>, saved: UnsafePointer<T>, gradSpikes: UnsafePointer<T>,
                         gradState: UnsafeMutablePointer<T>, gradX: UnsafeMutablePointer<T>, gradParams: UnsafeMutablePointer<T>?,
                         steps: Int, n: Int, threads: Int = 1, sample: (seed: UInt64, offset: UInt64)? = nil) {
        split(steps, n, threads: threads) { begin, end in
            if let sample, let train = trainBackwardKernel {
                train(x, params, saved, gradSpikes, gradState, gradX, gradParams, steps, n, begin, end, sample.seed, sample.offset)
            } else {
                backwardKernel(x, params, saved, gradSpikes, gradState, gradX, gradParams, steps, n, begin, end)
            }
        }
    }
}

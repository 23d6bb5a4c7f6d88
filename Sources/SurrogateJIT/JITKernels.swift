import KernelEmit
import Surrogates

/// JIT-compiled kernels of one surrogate, storage type and parameter set; the code stays loaded while
/// this value (or a kernel set made from it) is alive.
public struct JITKernels<T: KernelStorage>: Sendable {
    let loaded: LoadedObject
    /// Symbol of each compiled op.
    let symbols: [KernelOp: String]
    public let report: CompileReport
    /// The requested artefact (C source, LLVM IR or assembly), if any.
    public let artefact: String?

    init(loaded: LoadedObject, symbols: [KernelOp: String], report: CompileReport, artefact: String?) {
        self.loaded = loaded
        self.symbols = symbols
        self.report = report
        self.artefact = artefact
    }

    // C entry points of the JIT kernels; pointers travel untyped (a generic element type cannot be @convention(c)).
    typealias ForwardFn = @convention(c) (UnsafeRawPointer, UnsafeMutableRawPointer, Int) -> Void
    typealias BackwardFn = @convention(c) (UnsafeRawPointer, UnsafeRawPointer?, UnsafeRawPointer, UnsafeMutableRawPointer, Int) -> Void
    typealias TrainFn = @convention(c) (UnsafeRawPointer, UnsafeMutableRawPointer, Int, UInt64, UInt64) -> Void
    typealias TrainBackwardFn = @convention(c) (UnsafeRawPointer, UnsafeRawPointer?, UnsafeRawPointer, UnsafeMutableRawPointer, Int,
                                                UInt64, UInt64) -> Void

    private func address(_ op: KernelOp) -> UnsafeRawPointer? {
        symbols[op].flatMap { loaded.addresses[$0] }
    }

    /// Which ops were compiled.
    public var ops: KernelOps { KernelOps(symbols.keys) }

    /// The dispatch-table form: parameters are folded in, so the packed parameter pointer is ignored.
    /// Requires forward and backward to have been compiled (`Options.ops` includes them).
    public var kernelSet: KernelSet<T> {
        let keep = loaded
        let forward = unsafeBitCast(address(.forward)!, to: ForwardFn.self)
        let backward = unsafeBitCast(address(.backward)!, to: BackwardFn.self)
        let train = address(.trainForward).map { unsafeBitCast($0, to: TrainFn.self) }
        let mean = address(.trainForwardMean).map { unsafeBitCast($0, to: ForwardFn.self) }
        let primitive = address(.primitive).map { unsafeBitCast($0, to: ForwardFn.self) }
        let trainBackward = address(.trainBackward).map { unsafeBitCast($0, to: TrainBackwardFn.self) }
        var set = KernelSet<T>(
            forward: { x, y, n, _ in withExtendedLifetime(keep) { forward(UnsafeRawPointer(x), UnsafeMutableRawPointer(y), n) } },
            backward: { x, y, g, gi, n, _ in
                withExtendedLifetime(keep) {
                    backward(UnsafeRawPointer(x), y.map { UnsafeRawPointer($0) }, UnsafeRawPointer(g), UnsafeMutableRawPointer(gi), n)
                }
            })
        if let train {
            set.trainForward = { x, y, n, _, seed, offset in
                withExtendedLifetime(keep) { train(UnsafeRawPointer(x), UnsafeMutableRawPointer(y), n, seed, offset) }
            }
        }
        if let mean {
            set.trainForwardMean = { x, y, n, _ in
                withExtendedLifetime(keep) { mean(UnsafeRawPointer(x), UnsafeMutableRawPointer(y), n) }
            }
        }
        if let primitive {
            set.primitive = { x, y, n, _ in
                withExtendedLifetime(keep) { primitive(UnsafeRawPointer(x), UnsafeMutableRawPointer(y), n) }
            }
        }
        if let trainBackward {
            set.trainBackward = { x, y, g, gi, n, _, seed, offset in
                withExtendedLifetime(keep) {
                    trainBackward(UnsafeRawPointer(x), y.map { UnsafeRawPointer($0) }, UnsafeRawPointer(g), UnsafeMutableRawPointer(gi), n,
                                  seed, offset)
                }
            }
        }
        return set
    }

    /// The backward kernel alone (for benchmarks and tuning): (x, y or nil, gradOut, gradIn, n).
    public var backwardKernel: (@Sendable (UnsafePointer<T>, UnsafePointer<T.Compute>?, UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void)? {
        guard let raw = address(.backward) else { return nil }
        let keep = loaded
        let f = unsafeBitCast(raw, to: BackwardFn.self)
        return { x, y, g, gi, n in
            withExtendedLifetime(keep) { f(UnsafeRawPointer(x), y.map { UnsafeRawPointer($0) }, UnsafeRawPointer(g), UnsafeMutableRawPointer(gi), n) }
        }
    }
}

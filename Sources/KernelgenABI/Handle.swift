import Foundation
import Logging
import SurrogateJIT
import Surrogates

/// What a `kg_handle *` points to: a bound surrogate of either dtype. The bound surrogate sits behind a lock
/// so that the settings may change while other threads call: each call copies it (a few reference counts)
/// and runs without the lock.
final class Handle: Sendable {
    enum Bound: Sendable {
        case f32(BoundSurrogate<Float>)
        case f64(BoundSurrogate<Double>)

        var descriptor: SurrogateDescriptor {
            switch self {
            case .f32(let s): s.descriptor
            case .f64(let s): s.descriptor
            }
        }
    }

    let requestedBackend: Backend
    /// Wall time of the bind (a JIT compile or cache hit included), in milliseconds.
    let bindMs: Double
    private let bound: Locked<Bound>

    init(_ bound: Bound, requestedBackend: Backend, bindMs: Double) {
        self.bound = Locked(bound)
        self.requestedBackend = requestedBackend
        self.bindMs = bindMs
    }

    /// The bound surrogate with the settings of this moment.
    var current: Bound { bound.withLock { $0 } }

    /// nil: automatic.
    func setThreads(_ threads: Int?) {
        bound.withLock { b in
            switch b {
            case .f32(var s): s.threads = threads; b = .f32(s)
            case .f64(var s): s.threads = threads; b = .f64(s)
            }
        }
    }

    func setFlushSubnormals(_ flush: Bool) {
        bound.withLock { b in
            switch b {
            case .f32(var s): s.flushesSubnormals = flush; b = .f32(s)
            case .f64(var s): s.flushesSubnormals = flush; b = .f64(s)
            }
        }
    }

    /// The facts kg_handle_json reports.
    var facts: [String: Any] {
        func common<T>(_ s: BoundSurrogate<T>, dtype: String) -> [String: Any] {
            let d = s.descriptor
            return [
                "name": d.name, "backend": s.backend.rawValue, "requested_backend": requestedBackend.rawValue,
                "dtype": dtype, "params": s.parameters, "stochastic": d.isStochastic,
                "has_train_forward": d.hasTrainForward, "backward_reads_y": d.backwardReadsY,
                "has_primitive": d.hasPrimitive, "has_train_backward": d.hasTrainBackward, "threads": s.threads ?? 0, "flush_subnormals": s.flushesSubnormals, "bind_ms": bindMs,
            ]
        }
        switch current {
        case .f32(let s): return common(s, dtype: "float32")
        case .f64(let s): return common(s, dtype: "float64")
        }
    }

    // MARK: C pointers

    func retained() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) throws(ABIError) -> Handle {
        guard let pointer else { throw ABIError(.invalidArgument, "the handle is NULL; expected one made by kg_bind") }
        return Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer?) {
        guard let pointer else { return }
        Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// The process's table: the built-in kernels with the JIT installed as backend `jit`, made on first use.
enum Runtime {
    static let table: DispatchTable = {
        Logs.bootstrap()
        SurrogateJIT.shared.install(in: .builtin)
        return .builtin
    }()
}

/// The runtime and the JIT log through swift-log (stderr by default). Everything they log that a caller needs
/// comes back through this ABI instead (spec warnings from kg_load_spec_*, a JIT fallback as kg_handle_json's
/// "backend"), so the library is silent unless `KERNELGEN_LOG` is set (to trace, debug, info, warning, ...).
enum Logs {
    static func bootstrap() { _ = once }

    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["KERNELGEN_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
        LoggingSystem.bootstrap { label in
            guard let level else { return SwiftLogNoOpLogHandler() }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()
}

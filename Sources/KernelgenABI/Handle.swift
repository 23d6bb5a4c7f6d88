import Foundation
import Logging
import SurrogateJIT
import Surrogates

/// A bound surrogate of any storage type (`BoundSurrogate<T>` for Float, Double, BFloat16, Float16): the ABI's calls
/// open it and run generically.
protocol AnyBoundSurrogate: Sendable {
    associatedtype Storage: KernelStorage
    var bound: BoundSurrogate<Storage> { get }
}

extension BoundSurrogate: AnyBoundSurrogate {
    var bound: BoundSurrogate<T> { self }
}

/// What a `kg_handle *` points to: a bound surrogate of one storage type. The bound surrogate sits behind a lock
/// so that the settings may change while other threads call: each call copies it (a few reference counts)
/// and runs without the lock.
final class Handle: Sendable {
    let requestedBackend: Backend
    /// Wall time of the bind (a JIT compile or cache hit included), in milliseconds.
    let bindMs: Double
    private let state: Locked<any AnyBoundSurrogate>

    init(_ bound: any AnyBoundSurrogate, requestedBackend: Backend, bindMs: Double) {
        state = Locked(bound)
        self.requestedBackend = requestedBackend
        self.bindMs = bindMs
    }

    /// The bound surrogate with the settings of this moment.
    var current: any AnyBoundSurrogate { state.withLock { $0 } }

    /// nil: automatic.
    func setThreads(_ threads: Int?) {
        func set<B: AnyBoundSurrogate>(_ b: B) -> any AnyBoundSurrogate {
            var s = b.bound
            s.threads = threads
            return s
        }
        state.withLock { $0 = set($0) }
    }

    func setFlushSubnormals(_ flush: Bool) {
        func set<B: AnyBoundSurrogate>(_ b: B) -> any AnyBoundSurrogate {
            var s = b.bound
            s.flushesSubnormals = flush
            return s
        }
        state.withLock { $0 = set($0) }
    }

    /// The facts kg_handle_json reports.
    var facts: [String: Any] {
        func facts<B: AnyBoundSurrogate>(_ b: B) -> [String: Any] {
            let s = b.bound, d = s.descriptor
            return [
                "name": d.name, "backend": s.backend.rawValue, "requested_backend": requestedBackend.rawValue,
                "dtype": B.Storage.dtype.name, "params": s.parameters, "stochastic": d.isStochastic,
                "has_train_forward": d.hasTrainForward, "backward_reads_y": d.backwardReadsY,
                "has_primitive": d.hasPrimitive, "has_train_backward": d.hasTrainBackward, "threads": s.threads ?? 0, "flush_subnormals": s.flushesSubnormals, "bind_ms": bindMs,
            ]
        }
        return facts(current)
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

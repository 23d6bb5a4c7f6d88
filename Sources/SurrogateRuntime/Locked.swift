import Foundation

/// A value behind a pthread mutex (NSLock). Used instead of `Synchronization.Mutex`, whose futex-based
/// Linux implementation ThreadSanitizer cannot see, so the concurrency tests can run under TSan.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

import Dispatch
import Foundation

/// Splits a range of elements across threads: contiguous chunks aligned to 64 elements (whole cache lines
/// and vectors), one per thread. One thread runs inline: no hand-off, no allocation.
public enum Parallel {
    public static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Calls `body(start, count)` for each chunk of `0..<n`.
    @inlinable
    public static func chunks(_ n: Int, threads: Int, _ body: (Int, Int) -> Void) {
        guard threads > 1, n > 64 else {
            body(0, n)
            return
        }
        let parts = min(threads, (n + 63) / 64)
        let size = ((n + parts - 1) / parts + 63) & ~63
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = part * size
                if start < n { run(start, min(size, n - start)) }
            }
        }
    }
}

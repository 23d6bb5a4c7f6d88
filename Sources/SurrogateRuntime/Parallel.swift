import Dispatch
import Foundation

/// Splits a range of elements across threads: contiguous chunks aligned to 64 elements (whole cache lines
/// and vectors), one per thread, each at least `minimumChunk` long so the hand-off (a few microseconds)
/// stays small beside the work. One chunk runs inline: no hand-off, no allocation.
public enum Parallel {
    public static let cores = ProcessInfo.processInfo.activeProcessorCount
    public static let minimumChunk = 1 << 15

    /// Calls `body(start, count)` for each chunk of `0..<n`.
    @inlinable
    public static func chunks(_ n: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let parts = min(threads, n / minimumChunk)
        guard parts > 1 else {
            body(0, n)
            return
        }
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

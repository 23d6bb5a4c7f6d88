import Foundation

/// Runs work that recurses once per nesting level of a formula on a thread with a large stack. The parser
/// accepts formulas nesting up to `FormulaParser.maximumDepth` levels, and in a debug build one level of its
/// recursive descent takes several kilobytes of stack: near the limit that is about a thread's whole default
/// stack (8 MiB), so a deep formula parsed on an ordinary thread could overflow it (a crash, not a diagnostic).
enum DeepStack {
    /// Stack of the worker thread: virtual memory, committed only as far as the recursion reaches.
    static let size = 512 << 20

    final class Box<T>: @unchecked Sendable { var value: T?; init() {} }

    /// `body()` on a thread with a `size` stack (the caller waits); inline when `deep` is false.
    static func run<T>(deep: Bool, _ body: @escaping @Sendable () -> T) -> T {
        guard deep else { return body() }
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.stackSize = size
        thread.start()
        done.wait()
        return box.value!
    }
}

import Foundation
import Surrogates

/// Compile-once slots by request: the first caller of a key compiles while later callers of that key wait on its
/// slot's lock, then find the value. Serves the surrogate kernels (`SurrogateJIT.compile`) and the neuron kernels
/// (`compileNeuron`) alike.
final class CompileOnce<Key: Hashable & Sendable, Value>: @unchecked Sendable {
    final class Slot: @unchecked Sendable {
        let lock = NSLock()
        var value: Value?
    }

    private let slots = Locked<[Key: Slot]>([:])

    /// The slot of `key`, made on first use; hold its `lock` while reading or filling `value`.
    func slot(_ key: Key) -> Slot {
        slots.withLock { table in
            if let s = table[key] { return s }
            let s = Slot()
            table[key] = s
            return s
        }
    }
}

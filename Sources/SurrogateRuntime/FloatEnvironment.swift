import CFloatEnvironment

/// The calling thread's handling of subnormal numbers. IEEE arithmetic on subnormal inputs or results
/// takes a microcode assist on current x86 cores (18-28x slower, measured on a gaussian and a sigmoid
/// backward whose results underflow); flush-to-zero mode treats them as zero instead, at an absolute error
/// below the smallest normal number (1.2e-38 in float), as TensorFlow does on its CPU threads and
/// PyTorch does after `torch.set_flush_denormal(True)`.
public enum FloatEnvironment {
    /// Whether this platform can flush (x86-64 and AArch64).
    public static var canFlushSubnormals: Bool { kg_fenv_can_flush() != 0 }

    /// Whether the calling thread flushes subnormals now.
    public static var isFlushingSubnormals: Bool { kg_fenv_flushing() != 0 }

    /// Runs `body` on this thread with subnormals flushed when `flush` is true, restoring the thread's
    /// control word afterwards.
    @inlinable
    public static func withSubnormals<R>(flushed flush: Bool, _ body: () throws -> R) rethrows -> R {
        guard flush else { return try body() }
        let saved = kg_fenv_flush_subnormals()
        defer { kg_fenv_restore(saved) }
        return try body()
    }
}

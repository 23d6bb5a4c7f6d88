extension Duration {
    /// The duration in seconds, for timings (JIT stages, benchmarks).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// What one request for JIT kernels cost and got: the CLI's `jit --json` prints it.
public struct CompileReport: Sendable, Codable, Equatable {
    public enum CacheHit: String, Sendable, Codable { case none, memory, disk }

    public var surrogate: String
    public var dtype: String
    public var frontendMs: Double
    /// The frontend stage started from clang's module of an earlier compile of the same spec, element type
    /// and ops, with the parameter constants replaced (no C parsing).
    public var frontendReused = false
    public var optimizeMs: Double
    public var codegenMs: Double
    /// Loading the object into the JIT and looking the symbols up.
    public var lookupMs: Double
    /// Everything, from the request to callable kernels (including rendering and cache checks).
    public var totalMs: Double
    public var cacheHit: CacheHit
    /// Widest vector (lanes) of the loop over all kernels; per kernel in `vectorWidths`.
    public var vectorWidth: Int
    public var vectorWidths: [String: Int]
    /// The disk cache key (a hash of source, flags, LLVM version and CPU features).
    public var key: String

    enum CodingKeys: String, CodingKey {
        case surrogate, dtype, key
        case frontendMs = "frontend_ms", frontendReused = "frontend_reused", optimizeMs = "optimize_ms", codegenMs = "codegen_ms", lookupMs = "lookup_ms"
        case totalMs = "total_ms", cacheHit = "cache_hit", vectorWidth = "vector_width", vectorWidths = "vector_widths"
    }
}

import CBuildInfo
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// How this package's kernels were compiled. A client built in debug (SwiftPM's default) gets the C kernels
/// at -O0 and the Swift kernels at -Onone, 35-70x slower than a release build (`swift build -c release`);
/// SwiftPM has no per-target optimisation setting a dependency may use, so the runtime says so once instead.
public enum BuildConfiguration {
    /// The C kernels (and every C target of this package) were compiled with optimisation (`__OPTIMIZE__`).
    public static var cKernelsOptimized: Bool { kernelgen_c_targets_optimized() != 0 }

    /// The Swift kernels were compiled with optimisation: they and this module are built in one configuration,
    /// and SwiftPM defines `DEBUG` for Swift targets in a debug build.
    public static var swiftKernelsOptimized: Bool {
        #if DEBUG
        false
        #else
        true
        #endif
    }

    /// The GNU build-id of the binary kernelgen is linked into, in hex (the linker's hash of all it linked: any
    /// change to the templates, the emitters or the flags gives another); nil where the binary has none. The JIT's
    /// disk cache keys on it, so a hit in a new process needs no rendering of the kernel source.
    public static let buildIdentity: String? = {
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = Int(kernelgen_build_id(&bytes, Int32(bytes.count)))
        guard count >= 8 else { return nil }
        return bytes[..<count].map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }()

    /// Whether `backend`'s ahead-of-time kernels were optimised (JIT kernels always are, at O2).
    public static func isOptimized(_ backend: Backend) -> Bool {
        switch backend {
        case .c: cKernelsOptimized
        case .swift: swiftKernelsOptimized
        case .jit: true
        }
    }

    /// Set (to anything but empty or `0`) in the environment: unoptimised kernels are expected (tests of a debug
    /// build), no warning is logged and `kernelgen-tools bench` runs in a debug build.
    public static var unoptimizedAllowed: Bool {
        guard let v = getenv("KERNELGEN_ALLOW_UNOPTIMIZED") else { return false }
        let text = String(cString: v)
        return !text.isEmpty && text != "0"
    }

    /// Logs one warning per process, the first time unoptimised kernels are bound (`DispatchTable.surrogate`),
    /// unless `unoptimizedAllowed`.
    static func warnIfUnoptimized(_ backend: Backend) {
        guard !isOptimized(backend) else { return }
        _ = warnOnce
    }

    private static let warnOnce: Void = unoptimizedAllowed ? () : Logger(label: "kernelgen.build").warning(
        "kernelgen's kernels were compiled without optimisation (a debug build) and run 35-70x slower: build with `swift build -c release` for speed")
}

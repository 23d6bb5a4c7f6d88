// swift-tools-version:6.0
// The pipeline, one target per stage:
//   Specs/*.yaml -> SurrogateSpec (model, formula AST, checks) -> KernelEmit (C/Swift source via Templates/)
//   -> Generated/C + Generated/Swift (compiled kernels) -> SurrogateRuntime (dispatch table) -> Surrogates (API)
//   -> kernelgen (CLI).
import PackageDescription

// Swift has no function multiversioning, and SwiftPM refuses unsafe flags (`-target-cpu`) in a package that
// is a versioned (`from:`) dependency. So the Swift kernels build for the toolchain's default CPU (baseline
// x86-64: SSE2, every fused multiply-add a libm call) unless the root build opts in with
// `KERNELGEN_SWIFT_TARGET_CPU=haswell` (or another `-target-cpu` name) in the environment, as the benchmarks
// in README.md do. A client package depending on this one by version must not set it (SwiftPM would refuse
// the flag); the C kernels are target clones and keep their AVX2/AVX-512 speed either way.
let swiftKernelSettings: [SwiftSetting] = {
    guard let cpu = Context.environment["KERNELGEN_SWIFT_TARGET_CPU"], !cpu.isEmpty else { return [] }
    return [.unsafeFlags(["-target-cpu", cpu])]
}()

let package = Package(
    name: "kernelgen",
    platforms: [.macOS(.v15)],
    products: [
        // What a client imports: the runtime with the generated kernels, and the JIT.
        .library(name: "Surrogates", targets: ["Surrogates"]),
        .library(name: "SurrogateJIT", targets: ["SurrogateJIT"]),
        .library(name: "SurrogateSpec", targets: ["SurrogateSpec"]),
        .library(name: "KernelEmit", targets: ["KernelEmit"]),
        .executable(name: "kernelgen", targets: ["kernelgen"]),
        .executable(name: "kernelgen-tools", targets: ["kernelgen-tools"]),
        // The C ABI over the runtime and the JIT (Sources/KernelgenABI/include/kernelgen_abi.h), for Python's
        // ctypes and other languages: one shared library with every dependency linked in.
        .library(name: "KernelgenABI", type: .dynamic, targets: ["KernelgenABI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/stencilproject/Stencil.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // `swift package generate-documentation --target Surrogates` (DocC catalogues in Sources/*/*.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // 1. spec -> AST: YAML model, formula parser, the function table, checks. No LLVM, no codegen.
        .target(name: "SurrogateSpec", dependencies: ["Yams", "NameSuggestion", "KernelInterface",
                                                      .product(name: "RealModule", package: "swift-numerics")]),
        // What a kernel is, shared by the generator and the runtime: the ops, the noise streams, the descriptor.
        .target(name: "KernelInterface"),
        // "did you mean" and the escaping of invisible characters: shared by spec diagnostics, emitted source and runtime errors.
        .target(name: "NameSuggestion"),
        // 2. AST -> emitted source, through the Stencil templates in Templates/.
        .target(name: "KernelEmit", dependencies: ["SurrogateSpec", "NameSuggestion", "Stencil", .product(name: "RealModule", package: "swift-numerics")]),
        // 3. emitted source -> compiled kernels (committed output of `swift run kernelgen`).
        // libm: the baseline clone of the kernels calls fmaf (AVX2/AVX-512 clones use FMA instructions).
        .target(name: "SurrogateKernelsC", path: "Generated/C", linkerSettings: [.linkedLibrary("m")]),
        // The built-in specs' YAML and the JIT's templates as string literals (data only, escaped by
        // KernelEmit's SourceText): the JIT reads no files, and `kernelgen list` knows the built-ins anywhere.
        .target(name: "SurrogateSources", path: "Generated/Embedded"),
        .target(
            name: "SurrogateKernelsSwift",
            dependencies: ["SurrogateRuntime", "SurrogateKernelsC"],
            path: "Generated/Swift",
            swiftSettings: swiftKernelSettings),
        // 4. compiled kernels -> dispatch table.
        .target(
            name: "SurrogateRuntime",
            dependencies: [
                "NameSuggestion", "KernelInterface", "CFloatEnvironment", "CBuildInfo", .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The thread's FP control word: flush-to-zero mode for the kernels (an opt-in of BoundSurrogate).
        .target(name: "CFloatEnvironment"),
        // Whether the package's C targets were optimised (debug builds compile the C kernels at -O0).
        .target(name: "CBuildInfo"),
        .target(name: "Surrogates", dependencies: ["SurrogateRuntime", "SurrogateKernelsSwift"]),
        // 4b. specialised kernels at run time: the only code that touches LLVM/clang (C++ shim) and its
        // Swift owner types, cache and dispatch-table provider.
        .target(
            name: "CKernelJIT",
            exclude: ["llvm-include"],
            cxxSettings: [
                // A link to /usr/lib/llvm-14/include (Debian's llvm-14-dev), so no unsafe flags are needed.
                .headerSearchPath("llvm-include"),
                .define("__STDC_CONSTANT_MACROS"), .define("__STDC_FORMAT_MACROS"), .define("__STDC_LIMIT_MACROS"),
            ],
            linkerSettings: [.linkedLibrary("clang-cpp14"), .linkedLibrary("LLVM-14")]),
        .target(
            name: "SurrogateJIT",
            dependencies: [
                "CKernelJIT", "Surrogates", "SurrogateSources", "SurrogateSpec", "KernelEmit", "NameSuggestion",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // 4c. the C ABI (@_cdecl functions behind one plain-C header): the runtime's dispatch table with the JIT
        // installed, handles owning bound surrogates, status codes plus messages.
        .target(
            name: "KernelgenABI",
            dependencies: ["Surrogates", "SurrogateJIT", "SurrogateSpec", .product(name: "Logging", package: "swift-log")],
            exclude: ["include"]),
        // Benchmark: roofline loops (C), naive baselines, the runner behind `kernelgen bench`.
        .target(name: "CStream"),
        .target(name: "SurrogateBench", dependencies: ["CStream", "Surrogates", "SurrogateJIT", "SurrogateKernelsC"]),
        // 5. the thin command line: the generator, which never links what it generates (so a Generated/ that
        // does not compile cannot stop it from regenerating), and the tools that run kernels.
        .target(name: "KernelgenCommandLine", dependencies: ["SurrogateSpec", "NameSuggestion", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "kernelgen",
            dependencies: [
                // SurrogateRuntime for its one check of parameter values (`--param`); no generated kernel.
                "SurrogateSpec", "KernelEmit", "SurrogateSources", "SurrogateRuntime", "KernelgenCommandLine", "NameSuggestion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "kernelgen-tools",
            dependencies: [
                "SurrogateSpec", "KernelEmit", "Surrogates", "SurrogateJIT", "SurrogateBench", "KernelgenCommandLine",
                "NameSuggestion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "SurrogateSpecTests", dependencies: ["SurrogateSpec"]),
        // Golden/ holds emitted code read by path (#filePath), never compiled into the tests.
        .testTarget(name: "KernelEmitTests", dependencies: ["KernelEmit", "SurrogateSpec"], exclude: ["Golden"]),
        // Float80 references (SpikeDE's formulas, and any spec's formula AST) and the error bound, shared by the
        // kernel tests; the specs of Specs/ read from disk, so tests cover every spec present.
        .target(
            name: "SurrogateTestSupport",
            dependencies: ["Surrogates", "SurrogateSpec", .product(name: "RealModule", package: "swift-numerics"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/SurrogateTestSupport"),
        .testTarget(name: "SurrogatesTests", dependencies: ["Surrogates", "SurrogateSpec", "SurrogateKernelsC", "SurrogateTestSupport"]),
        .testTarget(name: "SurrogateJITTests", dependencies: ["SurrogateJIT", "Surrogates", "SurrogateSources", "SurrogateSpec", "KernelEmit", "SurrogateTestSupport"]),
        // Drives the built `kernelgen` binary: check, generate --check, eval, and an end-to-end new spec.
        .testTarget(name: "KernelgenCLITests", dependencies: ["kernelgen", "kernelgen-tools"]),
    ],
    cxxLanguageStandard: .cxx17
)

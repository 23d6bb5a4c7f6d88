/// Names kernelgen's own generated code and runtime use, which a spec's names must not take. Kept in step
/// with the templates by `NamingTests` (every `kg_` identifier the fixed C files define, every identifier
/// of the Swift wrapper template, every public type of the runtime modules).
public enum ReservedNames {
    /// Files written once per generated set, below the output folder.
    public static let files = [
        "C/kernelgen_prelude.h", "C/include/kernelgen.h", "C/kernelgen_noise.c", "C/include/kernelgen-neurons.h",
        "Swift/GeneratedRegistry.swift", "Swift/KernelMath.swift", "Embedded/EmbeddedSources.swift",
    ]

    /// A spec file that equals a fixed file, or has its base name (a header named like the prelude would be
    /// found by `#include "kernelgen_prelude.h"` from another folder), compared case-insensitively.
    public static func isReservedFile(_ path: String) -> Bool {
        let base = path.split(separator: "/").last.map { $0.lowercased() } ?? path.lowercased()
        let stem = base.split(separator: ".").first.map(String.init) ?? base
        return files.contains { fixed in
            let fixedBase = fixed.split(separator: "/").last!.lowercased()
            return fixed.lowercased() == path.lowercased() || fixedBase == base
                || fixedBase.split(separator: ".").first.map(String.init) == stem
        }
    }

    /// Public Swift types of the runtime and JIT modules that a `<Type>Kernels` or `<Type>Surrogate` could equal.
    public static let swiftTypes: Set<String> = ["BoundSurrogate", "JITKernels", "NaiveKernels"]

    /// `kg_` identifiers the prelude, the noise source and the umbrella header define (functions, types).
    public static let cIdentifiers: Set<String> = {
        let perType = ["atan", "bits", "clamp", "erf", "exp", "expm1", "from_bits", "heaviside", "log", "log1p",
                       "logistic", "max", "min", "noise_bits", "noise_stream_bits", "block_bits", "sigmoid", "sigmoid_grad",
                       "sigmoid_logistic", "sign", "tanh", "uniform", "sin", "cos", "sincos", "erfc", "floor", "ceil",
                       "trunc", "round", "exp_lo", "exp_hi", "erf_top", "erfc_top", "noise_lo", "noise_hi",
                       "bernoulli"]
        let math = ["atan", "erf", "exp", "expm1", "log", "log1p", "sigmoid", "sigmoid_grad", "tanh",
                    "sin", "cos", "erfc", "floor", "ceil", "trunc", "round"]
        var names = Set(perType.flatMap { ["kg_\($0)", "kg_\($0)f"] })
        names.formUnion(math.flatMap { f in ["f32", "f64"].map { "kg_math_\(f)_\($0)" } })
        names.formUnion(["uniform", "logistic"].flatMap { f in ["f32", "f64"].map { "kg_sample_\(f)_\($0)" } })
        names.formUnion(["kg_block", "kg_philox", "kg_philox_stream", "kg_size", "kg_u32", "kg_u64", "kg_i32", "kg_i64"])
        // The half types' storage and conversions (the prelude's `half` section).
        names.formUnion(["kg_bf16", "kg_f16", "kg_bf16_load", "kg_bf16_store", "kg_f16_load", "kg_f16_store",
                         "kg_convert_f32_to_bf16", "kg_convert_bf16_to_f32", "kg_convert_f32_to_f16", "kg_convert_f16_to_f32"])
        return names
    }()

    /// Names in the scope of a spec's typed wrapper (`<Type>Surrogate`): its own members, the types its
    /// code names, and what `Hashable` adds. A parameter with one of these names would shadow or redeclare it.
    public static let swiftWrapperMembers: [String: String] = {
        var m: [String: String] = [
            "training": "the wrapper's training switch", "sample": "the wrapper's sampling switch",
            "seed": "the wrapper's noise seed", "step": "the wrapper's noise step", "backend": "the wrapper's backend",
            "parameters": "the wrapper's parameter dictionary", "mode": "the wrapper's mode",
            "bind": "the wrapper's method binding kernels", "forward": "the wrapper's forward method",
            "backward": "the wrapper's backward method", "hashValue": "required by Hashable",
            "hash": "required by Hashable",
        ]
        for keyword in ["init", "deinit", "subscript", "self", "Self", "Type", "Protocol"] {
            m[keyword] = "a Swift keyword that cannot name a stored property"
        }
        for type in ["Double", "Bool", "UInt64", "Backend", "SurrogateMode", "KernelScalar", "DispatchTable",
                     "BoundSurrogate", "Sendable", "Hashable", "T", "Swift", "SurrogateRuntime"] {
            m[type] = "a type or module the wrapper's code names"
        }
        return m
    }()
}

/// Swift's keywords and contextual keywords (Swift 6). Any of them is written in backticks when it names
/// a parameter; backticks around a contextual keyword are harmless.
public enum SwiftKeywords {
    public static let all: Set<String> = [
        // declarations
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func",
        "import", "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private",
        "precedencegroup", "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
        "actor", "macro", "package",
        // statements
        "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard",
        "if", "in", "repeat", "return", "throw", "switch", "where", "while",
        // expressions and types
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "async",
        // contextual
        "associativity", "convenience", "didSet", "dynamic", "final", "get", "indirect", "infix", "lazy", "left",
        "mutating", "none", "nonmutating", "optional", "override", "postfix", "precedence", "prefix", "Protocol",
        "required", "right", "set", "some", "Type", "unowned", "weak", "willSet", "any", "each", "consume",
        "copy", "discard", "then", "sending",
    ]
}

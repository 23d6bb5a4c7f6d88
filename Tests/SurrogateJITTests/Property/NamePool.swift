import SurrogateSpec

/// Names a hostile or unlucky spec author could choose: keywords of C and Swift, identifiers the generated
/// code itself declares (loop variables, kernel arguments, prelude helpers), runtime type names, pairs that
/// collide after emission (`nt` + `nt_train`, `a_b` + `a__b`), and plain random names. Every one is a
/// candidate for a spec name and for a parameter name; the loader must accept it (and emit compilable code)
/// or reject it with a located error.
enum NamePool {
    static let cKeywords = [
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
        "_Bool", "_Complex", "_Alignas", "_Atomic", "_Generic", "_Noreturn", "_Static_assert", "_Thread_local",
        "bool", "true", "false", "NULL", "size_t", "uint64_t", "int32_t", "main", "errno", "assert", "fmaf",
        "exp", "expf", "log", "powf", "sqrt", "nan", "INFINITY", "NAN", "memcpy", "__restrict", "asm",
    ]

    /// Identifiers the templates declare around a spec's formulas (C and Swift kernels, wrappers, JIT).
    static let generatedIdentifiers = [
        "x", "y", "xi", "yi", "gi", "i", "n", "t0", "t1", "seed", "offset", "p_x", "p_scale", "kg_exp", "kg_block",
        "kg_u32", "kg_philox", "kgj_x", "noise", "prelude", "bound", "grad_out", "grad_in", "gradOut", "gradIn",
        "xp", "yp", "block", "lane", "key", "counter", "bits", "u", "mean", "training", "sample", "mode", "backend",
        "parameters", "table", "dtype", "element", "values", "KernelMath", "KernelScalar", "BoundSurrogate",
        "DispatchTable", "JITKernels", "NaiveKernels", "Float", "Double", "Int", "UInt64", "T", "Self", "self",
        "kernels", "fingerprint", "descriptor", "register", "builtin", "precondition", "hash", "hashValue",
        "description", "summary", "doc", "name", "params", "forward", "backward", "train_forward", "where", "pi", "e",
        "heaviside", "sigmoid", "logistic", "uniform", "sigmoid_grad", "sigmoid_logistic", "noisy_threshold",
        "generated_surrogates", "kernel_math", "embedded_sources", "generated_registry", "kernelgen", "noise_bits",
    ]

    /// Pairs (and triples) whose emitted names collide or nearly do.
    static let nearCollisions: [[String]] = [
        ["nt", "nt_train"], ["a_b", "a__b"], ["ab", "a_b"], ["a_b_", "a_b"], ["x1", "x_1"], ["sig", "sig_backward"],
        ["s", "s_train_forward", "s_train"], ["k", "k_f32"], ["noisy", "noisy_threshold"], ["kg", "kg_kg"],
        ["arctan", "arc_tan"], ["q", "q_forward_mean"], ["m_m", "mm", "m__m"],
    ]

    /// A random valid (or nearly valid) identifier.
    static func random(_ rng: inout SplitMix64, allowUpper: Bool) -> String {
        let first = Array("abcdefghijklmnopqrstuvwxyz" + (allowUpper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : ""))
        let rest = first + Array("0123456789__")
        let length = rng.chance(0.03) ? rng.int(60...70) : rng.int(1...10)
        return String(rng.pick(first)) + String((1..<length).map { _ in rng.pick(rest) })
    }

    /// A candidate spec name (lowercase mostly; sometimes not valid at all, which the loader must locate).
    static func specName(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...9) {
        case 0, 1: return rng.pick(cKeywords)
        case 2, 3: return rng.pick(Array(SwiftKeywords.all).sorted())
        case 4, 5: return rng.pick(generatedIdentifiers)
        case 6: return rng.pick(["9lives", "Upper", "", "a-b", "a b", "_x", "ü", "a.b"])
        default: return random(&rng, allowUpper: false)
        }
    }

    /// A candidate parameter name.
    static func parameterName(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...9) {
        case 0, 1: return rng.pick(cKeywords)
        case 2, 3: return rng.pick(Array(SwiftKeywords.all).sorted())
        case 4, 5, 6: return rng.pick(generatedIdentifiers)
        default: return random(&rng, allowUpper: true)
        }
    }
}

import NameSuggestion
import SurrogateSources
import SurrogateSpec

/// What can go wrong making a kernel at run time. Compiler failures carry the compiler's own text.
public enum JITError: Error, CustomStringConvertible, Equatable {
    /// The spec has errors (all of them, with `file:line:column`).
    case invalidSpec([Diagnostic])
    case unknownSurrogate(String, known: [String])
    case invalidParameters(String)
    /// clang or LLVM reported an error; `stage` is frontend, optimize, codegen, load or lookup.
    case compiler(stage: String, message: String)

    public var description: String {
        switch self {
        case .invalidSpec(let diagnostics):
            return "the spec has errors:\n" + diagnostics.map(\.description).joined(separator: "\n")
        case .unknownSurrogate(let name, let known):
            return "unknown surrogate `\(VisibleText.escaped(name))`"
                + Suggestion.didYouMean(name, in: known + EmbeddedSources.catalogue.keys)
                + "; known: \(known.joined(separator: ", ")) (the catalogue: kernelgen list --catalogue; load a spec file for others)"
        case .invalidParameters(let message):
            return message
        case .compiler(let stage, let message):
            return "JIT \(stage) failed: \(message)"
        }
    }
}

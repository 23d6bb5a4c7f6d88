import NameSuggestion

/// Errors of the runtime API: each says what was asked, what is wrong and what would be accepted.
public enum SurrogateError: Error, Equatable, CustomStringConvertible {
    case unknownSurrogate(String, known: [String])
    case unknownParameter(String, surrogate: String, known: [String])
    case parameterOutOfBounds(String, value: Double, min: Double?, max: Double?, surrogate: String)
    case noKernel(surrogate: String, dtype: DType, backend: Backend, available: [Backend])
    case lengthMismatch(operation: String, expected: Int, got: Int)
    case forwardOutputRequired(surrogate: String)
    /// A kernel provider (the JIT) could not make kernels; `message` is the compiler's diagnostic text.
    case compileFailed(surrogate: String, backend: Backend, message: String)

    public var description: String {
        switch self {
        case .unknownSurrogate(let name, let known):
            return "unknown surrogate `\(name)`\(Self.suggestion(name, known)); known: \(known.joined(separator: ", "))"
        case .unknownParameter(let name, let surrogate, let known):
            let expected = known.isEmpty ? "it takes no parameters" : "expected one of: \(known.joined(separator: ", "))"
            return "`\(surrogate)` has no parameter `\(name)`\(Self.suggestion(name, known)); \(expected)"
        case .parameterOutOfBounds(let name, let value, let min, let max, let surrogate):
            return "parameter `\(name)` of `\(surrogate)` is \(value); expected a finite value in [\(min.map { "\($0)" } ?? "-inf"), \(max.map { "\($0)" } ?? "inf")]"
        case .noKernel(let surrogate, let dtype, let backend, let available):
            let have = available.isEmpty ? "none" : available.map(\.rawValue).joined(separator: ", ")
            return "no \(backend.rawValue) kernel for `\(surrogate)` in \(dtype.rawValue); available backends: \(have)"
        case .lengthMismatch(let operation, let expected, let got):
            return "\(operation): a buffer holds \(got) elements; expected at least \(expected) (the input's count)"
        case .compileFailed(let surrogate, let backend, let message):
            return "\(backend.rawValue) compilation of `\(surrogate)` failed: \(message)"
        case .forwardOutputRequired(let surrogate):
            return "the backward of `\(surrogate)` reads the forward output y; pass y (the forward's result)"
        }
    }

    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        Suggestion.didYouMean(word, in: candidates)
    }
}

import NameSuggestion

/// Errors of the runtime API: each says what was asked, what is wrong and what would be accepted.
public enum SurrogateError: Error, Equatable, CustomStringConvertible {
    /// `known`: the surrogates listed (registered); `resolvable`: names a resolver serves without listing them (the
    /// JIT's catalogue), counted in the "did you mean" but not printed (they are many).
    case unknownSurrogate(String, known: [String], resolvable: [String] = [])
    case unknownParameter(String, surrogate: String, known: [String])
    case parameterOutOfBounds(String, value: Double, min: Double?, max: Double?, surrogate: String)
    /// A value of an integer parameter that is not an integer.
    case parameterNotInteger(String, value: Double, surrogate: String)
    /// Finite in Double, infinite in the kernels' element type.
    case parameterNotRepresentable(String, value: Double, dtype: DType, surrogate: String)
    /// The surrogate was replaced by a spec with other formulas; `backend`'s kernels were made from the old one.
    case replacedSpec(surrogate: String, backend: Backend)
    /// `available`: the backends that serve the surrogate in `dtype`, a provider's (the JIT's, which compiles
    /// kernels for any spec) included; the message says how to get the JIT when it is not among them.
    case noKernel(surrogate: String, dtype: DType, backend: Backend, available: [Backend])
    case lengthMismatch(operation: String, expected: Int, got: Int)
    case forwardOutputRequired(surrogate: String)
    /// `primitive` was called on a surrogate whose spec has no `primitive:`.
    case noPrimitive(surrogate: String)
    /// A kernel provider (the JIT) could not make kernels; `message` is the compiler's diagnostic text.
    case compileFailed(surrogate: String, backend: Backend, message: String)
    /// A neuron name no descriptor (and no resolver) has.
    case unknownNeuron(String, known: [String])
    /// No kernels of `backend` for the neuron with the surrogate in `dtype`; `available`: the backends that serve
    /// the pair (registered, or a provider's).
    case noNeuronKernel(neuron: String, surrogate: String, dtype: DType, backend: Backend, available: [Backend])
    /// The neuron or the surrogate was replaced by a spec with other formulas; `backend`'s kernels compute the old ones.
    case replacedNeuronSpec(neuron: String, surrogate: String, backend: Backend)
    /// Arrays that are not of the shapes an operation needs (`message` says which and what was expected).
    case invalidShape(operation: String, String)

    public var description: String {
        switch self {
        case .unknownSurrogate(let name, let known, let resolvable):
            let more = resolvable.isEmpty ? "" : " (and \(resolvable.count) more catalogue surrogates the JIT serves: docs/catalogue.md, kernelgen list --catalogue)"
            return "unknown surrogate `\(Self.shown(name))`\(Self.suggestion(name, known + resolvable)); known: \(known.joined(separator: ", "))\(more)"
        case .unknownParameter(let name, let surrogate, let known):
            let expected = known.isEmpty ? "it takes no parameters" : "expected one of: \(known.joined(separator: ", "))"
            return "`\(Self.shown(surrogate))` has no parameter `\(Self.shown(name))`\(Self.suggestion(name, known)); \(expected)"
        case .parameterOutOfBounds(let name, let value, let min, let max, let surrogate):
            return "parameter `\(Self.shown(name))` of `\(Self.shown(surrogate))` is \(value); expected a finite value in [\(min.map { "\($0)" } ?? "-inf"), \(max.map { "\($0)" } ?? "inf")]"
        case .parameterNotInteger(let name, let value, let surrogate):
            return "parameter `\(Self.shown(name))` of `\(Self.shown(surrogate))` is \(value); expected an integer (it is an integer parameter)"
        case .parameterNotRepresentable(let name, let value, let dtype, let surrogate):
            let largest = dtype == .f32 ? "\(Float.greatestFiniteMagnitude)" : "\(Double.greatestFiniteMagnitude)"
            return "parameter `\(Self.shown(name))` of `\(Self.shown(surrogate))` is \(value), which is infinite in \(dtype.rawValue); expected a magnitude of at most \(largest)"
        case .replacedSpec(let surrogate, let backend):
            return "`\(Self.shown(surrogate))` was replaced by a spec whose text differs from the one its \(backend.rawValue) kernels were made from; expected backend jit (which compiles the new spec), or another name for the new spec"
        case .noKernel(let surrogate, let dtype, let backend, let available):
            let have = available.isEmpty ? "none" : available.map(\.rawValue).joined(separator: ", ")
            let asked = "no \(backend.rawValue) kernel for `\(Self.shown(surrogate))` in \(dtype.rawValue); available backends: \(have)"
            if !available.contains(.jit) {
                return asked + "; backend jit serves any surrogate (a catalogue one or a spec loaded at run time too) once `SurrogateJIT.install(in:)` has installed the JIT in this table"
            }
            if available == [.jit] {
                return asked + " (a catalogue surrogate or a spec loaded at run time has no ahead-of-time c or swift kernels; the JIT compiles them for it)"
            }
            return asked
        case .lengthMismatch(let operation, let expected, let got):
            return "\(operation): a buffer holds \(got) elements; expected at least \(expected) (the input's count)"
        case .compileFailed(let surrogate, let backend, let message):
            return "\(backend.rawValue) compilation of `\(Self.shown(surrogate))` failed: \(message)"
        case .noPrimitive(let surrogate):
            return "`\(Self.shown(surrogate))` has no primitive (its spec gives no `primitive:` formula); expected a surrogate whose spec has one, or the forward"
        case .unknownNeuron(let name, let known):
            return "unknown neuron `\(Self.shown(name))`\(Self.suggestion(name, known)); known: \(known.joined(separator: ", ")) (or load a neuron spec with the JIT)"
        case .noNeuronKernel(let neuron, let surrogate, let dtype, let backend, let available):
            let have = available.isEmpty ? "none" : available.map(\.rawValue).joined(separator: ", ")
            let asked = "no \(backend.rawValue) kernels for neuron `\(Self.shown(neuron))` with surrogate `\(Self.shown(surrogate))` in \(dtype.rawValue); available backends: \(have)"
            if backend != .jit {
                return asked + " (ahead-of-time neuron kernels exist for the built-in neurons with the built-in surrogates of Specs/); expected backend jit, which compiles any pair (from Swift once `SurrogateJIT.install(in:)` has installed the JIT)"
            }
            return asked
        case .replacedNeuronSpec(let neuron, let surrogate, let backend):
            return "neuron `\(Self.shown(neuron))` or surrogate `\(Self.shown(surrogate))` was replaced by a spec whose text differs from the one the \(backend.rawValue) kernels were made from; expected backend jit (which compiles the new spec), or another name for the new spec"
        case .invalidShape(let operation, let message):
            return "\(operation): \(message)"
        case .forwardOutputRequired(let surrogate):
            return "the backward of `\(Self.shown(surrogate))` reads the forward output y; pass y (the forward's result)"
        }
    }

    /// A name as quoted in a message: invisible characters (controls, bidi controls) as `\u{..}`, so the message
    /// shows what was asked, not text reordered or broken by it.
    static func shown(_ name: String) -> String { VisibleText.escaped(name) }

    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        Suggestion.didYouMean(word, in: candidates)
    }
}

import NameSuggestion

/// How bad a finding is. Kept apart from the text, as swift-syntax does, so that a message never says "error:".
public enum Severity: String, Sendable, Comparable {
    /// Information that needs no action (say, a formula the emitters rewrote into a stable form).
    case note
    case warning
    case error

    private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One finding about a spec: where, how bad, a stable id for tests and tooling, and the text.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var severity: Severity
    public var id: ID
    /// What is wrong and what was expected, without the severity or location.
    public var message: String
    /// The edit the message's "did you mean" proposes, as data (a tool can apply it; the message says it in prose).
    public var fixIt: FixIt?

    public init(_ id: ID, _ severity: Severity = .error, at location: SourceLocation, _ message: String, fixIt: FixIt? = nil) {
        self.id = id
        self.severity = severity
        self.location = location
        self.message = message
        self.fixIt = fixIt
    }

    /// `file:line:column: error: message [id]`, the form compilers print.
    public var description: String { "\(location): \(severity.rawValue): \(message) [\(id.rawValue)]" }

    /// Stable identifiers of every kind of finding.
    public enum ID: String, Sendable, CaseIterable {
        case yamlSyntax = "yaml-syntax"
        case notAMapping = "not-a-mapping"
        case missingField = "missing-field"
        case unknownField = "unknown-field"
        case wrongFieldType = "wrong-field-type"
        case duplicateKey = "duplicate-key"
        case badName = "bad-name"
        case nameMismatch = "name-mismatch"
        case duplicateSurrogate = "duplicate-surrogate"
        case formulaSyntax = "formula-syntax"
        case unknownIdentifier = "unknown-identifier"
        case unknownFunction = "unknown-function"
        case wrongArity = "wrong-arity"
        case reservedParamName = "reserved-param-name"
        case missingDefault = "missing-default"
        case nonNumericValue = "non-numeric-value"
        case defaultOutOfBounds = "default-out-of-bounds"
        case emptyBounds = "empty-bounds"
        case forwardOutputOutsideBackward = "y-outside-backward"
        /// `grad_out` (the incoming gradient) in a formula other than `backward`.
        case gradOutOutsideBackward = "grad-out-outside-backward"
        /// `grad_out` in a backward that draws noise (its sampling kernel multiplies by the incoming gradient).
        case noiseWithGradOut = "noise-with-grad-out"
        case noiseOutsideTrainForward = "noise-outside-train-forward"
        case trainForwardWithoutBackward = "train-forward-without-backward"
        case nonFiniteBackward = "non-finite-backward"
        case notNormalised = "not-normalised"
        case limitExceeded = "limit-exceeded"
        case reservedName = "reserved-name"
        case nameCollision = "name-collision"
        case unreadableFile = "unreadable-file"
        case yamlTag = "yaml-tag"
        /// Accuracy report (`kernelgen check`): NaN/inf in a dtype where the true value is finite.
        case nonFiniteInDType = "non-finite-in-dtype"
        /// Accuracy report: error above the threshold (ulps plus the formula's condition number).
        case inaccurate = "inaccurate"
        /// Accuracy report: the error comes from a subtraction of nearly equal numbers.
        case cancellation = "cancellation"
        /// Accuracy report (note): the formula as written fails, the emitters' stable form does not.
        case stableRewrite = "stable-rewrite"
        case lintSkipped = "lint-skipped"
        case badSumIndex = "bad-sum-index"
        case nonIntegerBound = "non-integer-bound"
        case noiseInSum = "noise-in-sum"
        case nonIntegerValue = "non-integer-value"
        case missingIntegerBounds = "missing-integer-bounds"
        /// `primitive` calls a function without a derivative rule, and no `backward` is given.
        case noDerivativeRule = "no-derivative-rule"
        /// `backward` and `primitive` are both given and the backward is not the primitive's derivative.
        case backwardNotDerivative = "backward-not-derivative"
        /// A neuron's step reads a name before the line that assigns it (only state variables carry a value over).
        case readBeforeAssigned = "read-before-assigned"
        /// A neuron's state variable no line of the step assigns.
        case stateNeverUpdated = "state-never-updated"
        /// `spike(...)` inside the argument of another `spike`.
        case spikeInSpike = "spike-in-spike"
        case spikeInSum = "spike-in-sum"
        case detachOfSumIndex = "detach-of-sum-index"
        /// A learnable parameter no gradient reaches (unread by the step, or read only under `detach`).
        case learnableWithoutGradient = "learnable-without-gradient"
        /// A state variable's initial value reads a learnable parameter.
        case learnableInInitialValue = "learnable-in-initial-value"
    }
}

/// A suggested edit (swift-syntax's Fix-It): replace `original`, which starts at the diagnostic's location, with
/// `replacement`.
public struct FixIt: Hashable, Sendable, Codable {
    public var original: String
    public var replacement: String

    public init(original: String, replacement: String) {
        self.original = original
        self.replacement = replacement
    }

    /// The closest of `candidates` to `word` as a fix-it with its prose (`; did you mean `scale`?`), or nil and "".
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> (text: String, fixIt: FixIt?) {
        guard let hit = Suggestion.closest(to: word, in: candidates) else { return ("", nil) }
        return (Suggestion.didYouMean(word, in: [hit]), FixIt(original: word, replacement: hit))
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by location, then id, so output is stable.
    public func sortedForDisplay() -> [Diagnostic] {
        sorted { ($0.location, $0.id.rawValue, $0.message) < ($1.location, $1.id.rawValue, $1.message) }
    }
}

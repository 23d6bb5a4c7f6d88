/// One checked surrogate: what `Specs/<name>.yaml` says, with formulas parsed.
public struct Spec: Sendable {
    public var name: String
    public var summary: String
    public var doc: String?
    /// Where the formula comes from (catalogue specs: library, version, module path and the formula as the library
    /// writes it); one line, shown by `kernelgen list --catalogue`.
    public var provenance: String?
    /// In file order, which is the order of runtime arguments.
    public var params: [Parameter]
    /// Eval-mode forward (the hard spike by default).
    public var forward: Formula
    /// The surrogate gradient factor: grad_in = grad_out * backward.
    public var backward: Formula
    /// Training-mode forward (stochastic spikes); nil when training uses `forward`.
    public var trainForward: Formula?
    /// The smooth function whose derivative is the surrogate (SpikingJelly's `spiking=False` forward); also
    /// emitted as a kernel of its own (`primitive`). Nil when the spec gives none.
    public var primitive: Formula?
    /// True when `backward` was derived from `primitive` by `Derivative` (the spec gave no `backward`): its
    /// text and source are then the primitive's, and its nodes point into the primitive.
    public var backwardIsDerived = false
    /// The spec's file as given to the loader (e.g. `Specs/sigmoid.yaml`).
    public var file: String
    /// The YAML text the spec was read from (embedded in generated code for the JIT).
    public var source: String
    /// Where the `name` value sits in the file (nil for specs built in code).
    public var nameLocation: SourceLocation?

    public init(name: String, summary: String, doc: String?, params: [Parameter], forward: Formula,
                backward: Formula, trainForward: Formula?, file: String, source: String = "") {
        self.name = name
        self.summary = summary
        self.doc = doc
        self.params = params
        self.forward = forward
        self.backward = backward
        self.trainForward = trainForward
        self.file = file
        self.source = source
    }

    /// A digest of the spec's text (128-bit FNV-1a, hex): two specs with one name compute the same kernels
    /// only when their fingerprints are equal. Built-in descriptors carry it, so a runtime spec that changes a
    /// built-in is never served by the built-in's ahead-of-time kernels.
    public var fingerprint: String { Fingerprint.of(source.isEmpty ? "\(name)\n\(summary)\n\(forward.text)\n\(backward.text)\n\(trainForward?.text ?? "")" + (primitive.map { "\nprimitive \($0.text)" } ?? "") : source) }

    /// True when training draws noise, in the training forward or the backward (so a training kernel takes a
    /// seed and an element offset).
    public var isStochastic: Bool { (trainForward?.expr.usesNoise ?? false) || hasTrainBackward }

    /// True when `backward` draws noise: the spec then has a sampling backward (`train_backward`, its own noise
    /// stream) besides `backward`, which is the mean-field backward (every noise source at its mean).
    public var hasTrainBackward: Bool { backward.expr.usesNoise }
    /// ` (at grad_out = 1)` when the backward reads `grad_out`, else empty: what every tool that shows or checks the
    /// backward as a function of x (check, the accuracy report, plot, tune) appends, since it evaluates it for an
    /// incoming gradient of 1.
    public var backwardGradOutNote: String { backward.expr.usesGradOut ? " (at grad_out = 1)" : "" }

    public var defaults: [String: Double] {
        Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.defaultValue) })
    }
}

public struct Parameter: Sendable, Equatable {
    public var name: String
    public var defaultValue: Double
    public var min: Double?
    public var max: Double?
    public var doc: String?
    /// `integer: true`: values are integers (checked where they are given), `min` and `max` are required, and the
    /// parameter may bound a `sum`. Kernels take it like any parameter (in their element type, exactly).
    public var integer: Bool
    /// `learnable: true` (neuron specs only): the neuron's backward sums the gradient of the loss with respect to
    /// it over time steps and neurons, so it can be a trained `nn.Parameter` (SpikingJelly's `ParametricLIFNode`).
    public var learnable = false

    public init(name: String, defaultValue: Double, min: Double? = nil, max: Double? = nil, doc: String? = nil, integer: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.min = min
        self.max = max
        self.doc = doc
        self.integer = integer
    }

    public func contains(_ value: Double) -> Bool {
        !value.isNaN && value >= (min ?? -.infinity) && value <= (max ?? .infinity) && (!integer || value == value.rounded())
    }

    /// `[min, max]` with open ends shown as infinities.
    public var boundsDescription: String {
        "[\(min.map { "\($0)" } ?? "-inf"), \(max.map { "\($0)" } ?? "inf")]"
    }
}

/// A parsed formula with its source text and where it sits in the spec file.
public struct Formula: Sendable {
    public var text: String
    public var expr: Expr
    public var source: FormulaSource

    public init(text: String, expr: Expr, source: FormulaSource) {
        self.text = text
        self.expr = expr
        self.source = source
    }
}

/// Maps an offset inside a formula back to `file:line:column`. Plain and quoted scalars sit on their key's
/// line; block scalars (`|`, `>`) start on the next line at their content indentation.
public struct FormulaSource: Sendable {
    /// Location of the formula's first character for each line of its text.
    public var lineStarts: [SourceLocation]
    /// Where each Unicode scalar of the formula's text sits in the file, when known (a scalar YAML folded
    /// over several lines: `FormulaPositions`); `lineStarts` serves otherwise.
    public var positions: [SourceLocation]?

    public init(lineStarts: [SourceLocation]) { self.lineStarts = lineStarts }

    public init(at start: SourceLocation) { self.lineStarts = [start] }

    public init(positions: [SourceLocation]) {
        self.lineStarts = [positions.first!]
        self.positions = positions
    }

    public func location(ofOffset offset: Int, in text: String) -> SourceLocation {
        if let positions, !positions.isEmpty {
            return offset < positions.count ? positions[max(offset, 0)] : positions[positions.count - 1].advanced(by: 1)
        }
        var line = 0, column = 0
        for (i, c) in text.unicodeScalars.enumerated() {
            if i == offset { break }
            if c == "\n", line + 1 < lineStarts.count { line += 1; column = 0 } else { column += 1 }
        }
        return lineStarts[line].advanced(by: column)
    }
}

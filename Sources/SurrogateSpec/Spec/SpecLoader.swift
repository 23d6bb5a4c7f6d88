import NameSuggestion
import Foundation
import Yams

/// Reads one spec file (YAML) into a checked `Spec`, collecting every diagnostic on the way.
/// Structure errors (missing or unknown fields, bad numbers) and formula errors are all reported in one
/// pass; a spec with any error yields no `Spec`.
public struct SpecLoader {
    public static let fields = ["name", "summary", "doc", "provenance", "params", "forward", "backward", "train_forward", "primitive"]
    public static let paramFields = ["default", "doc", "min", "max", "integer"]
    public static let defaultForward = "heaviside(x)"

    let file: String
    let lines: [Substring]
    var diagnostics: [Diagnostic] = []
    /// Where the spec's `name` value is (collisions between specs are reported there).
    var nameLocation: SourceLocation?
    var specName: String?
    /// Every parameter name declared, valid or not: a formula using a parameter whose declaration has an
    /// error gets no second, false "unknown identifier" error.
    var declaredParams: [String] = []
    /// libyaml's marks as editor lines and columns.
    let lineMap: YAMLLineMap
    /// The fields a parameter's mapping may have (a neuron's parameters may also be `learnable`).
    var paramFieldNames = SpecLoader.paramFields
    /// What the document describes, for messages (`surrogate`, `neuron`).
    var kind = "surrogate"
    /// Checked whole by `generate` already (see `load(yaml:file:verified:)`).
    var verified = false

    /// Largest spec file accepted (a spec is a few hundred bytes; this bounds the work on hostile input).
    public static let maximumFileSize = 1 << 20

    /// Loads the spec at `path`; `file` is the name used in diagnostics (defaults to `path`). A path that is
    /// missing, a folder, a special file (FIFO, device: never opened), unreadable, larger than
    /// `maximumFileSize` or not UTF-8 is one located `unreadable-file` error saying which.
    public static func load(path: String, displayName: String? = nil) -> (Spec?, [Diagnostic]) {
        let name = displayName ?? path
        switch SpecFile.read(path) {
        case .success(let text):
            return load(yaml: text, file: name)
        case .failure(let problem):
            return (nil, [Diagnostic(.unreadableFile, at: SourceLocation(file: name, line: problem.line, column: problem.column),
                                     problem.message)])
        }
    }

    /// Loads a spec from text; `file` names it in diagnostics, and its base name must equal `name`
    /// unless it is empty or `<string>`. CRLF and CR line ends and a leading byte-order mark are accepted
    /// (lines and columns are those an editor shows).
    /// `verified`: the text is one `kernelgen generate` already checked whole (a built-in spec embedded in the
    /// package), so the numeric check that `backward` is the derivative of `primitive` (about 6 ms, most of the
    /// load) is not run again; every other check is.
    public static func load(yaml: String, file: String, verified: Bool = false) -> (Spec?, [Diagnostic]) {
        let text = SpecFile.normalised(yaml)
        var loader = SpecLoader(file: file, lines: text.split(separator: "\n", omittingEmptySubsequences: false),
                                lineMap: YAMLLineMap(text))
        loader.verified = verified
        let spec = loader.run(text)
        let diagnostics = loader.diagnostics.sortedForDisplay()
        return (diagnostics.hasErrors ? nil : spec, diagnostics)
    }

    // MARK: - Steps

    func location(_ mark: Mark?) -> SourceLocation {
        lineMap.location(line: mark?.line ?? 1, column: mark?.column ?? 1, file: file)
    }

    mutating func report(_ id: Diagnostic.ID, _ severity: Severity = .error, at mark: Mark?, _ message: String, fixIt: FixIt? = nil) {
        diagnostics.append(Diagnostic(id, severity, at: location(mark), message, fixIt: fixIt))
    }

    /// The document's root mapping, or nil with the YAML error (or "not a mapping: `expected`") reported.
    mutating func rootMapping(_ yaml: String, expected: String) -> Node.Mapping? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            for key in duplicates { duplicateKey(key, mappingAt: context.mark) }
            return nil
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, file: file, lineMap: lineMap))
            return nil
        } catch {
            report(.yamlSyntax, at: nil, "cannot parse YAML: \(error)")
            return nil
        }
        guard let root, let mapping = root.mapping else {
            report(.notAMapping, at: root?.mark, expected)
            return nil
        }
        return mapping
    }

    /// `name`, `summary` (a warning when missing), `doc` and `provenance`: the fields surrogate and neuron specs share.
    mutating func headerFields(_ fields: [String: (key: Node, value: Node)], mapping: Node.Mapping)
        -> (name: String?, summary: String?, doc: String?, provenance: String?) {
        let name = nameField(fields["name"], rootMark: mapping.mark)
        let summary = textField(fields["summary"], field: "summary", singleLine: true)
        if fields["summary"] == nil {
            report(.missingField, .warning, at: mapping.mark, "missing `summary`; expected a one-line description shown by `kernelgen list`")
        }
        let doc = textField(fields["doc"], field: "doc", singleLine: false)
        let provenance = textField(fields["provenance"], field: "provenance", singleLine: true)
        return (name, summary, doc, provenance)
    }

    private mutating func run(_ yaml: String) -> Spec? {
        guard let mapping = rootMapping(yaml, expected: "a spec must be a YAML mapping with at least `name` and `backward`") else { return nil }
        let fields = uniqueFields(mapping, allowed: Self.fields, context: "spec")

        let (name, summary, doc, provenance) = headerFields(fields, mapping: mapping)
        let params = paramsField(fields["params"])
        let paramNames = declaredParams
        let integerParams = Dictionary(uniqueKeysWithValues: params.filter(\.integer).map { ($0.name, $0.min!...$0.max!) })

        let forward = formula(fields["forward"]?.value, field: "forward", text: Self.defaultForward,
                              scope: FormulaScope(field: "forward", params: paramNames, allowsForwardOutput: false, allowsNoise: false,
                                                 integerParams: integerParams),
                              fallback: mapping.mark)
        let trainForward = fields["train_forward"].flatMap {
            formula($0.value, field: "train_forward", text: nil,
                    scope: FormulaScope(field: "train_forward", params: paramNames, allowsForwardOutput: false, allowsNoise: true,
                                        integerParams: integerParams),
                    fallback: mapping.mark)
        }
        // The smooth forward whose derivative is the surrogate (`PrimitiveAnalysis`): no `y`, no noise.
        let primitive = fields["primitive"].flatMap {
            formula($0.value, field: "primitive", text: nil,
                    scope: FormulaScope(field: "primitive", params: paramNames, allowsForwardOutput: false, allowsNoise: false),
                    fallback: mapping.mark)
        }
        var backward: Formula?
        var backwardIsDerived = false
        if fields["backward"] == nil, let primitive = primitive ?? nil {
            // No `backward`: the derivative of the primitive is the spec's backward in every backend.
            let (derived, found) = PrimitiveAnalysis.derive(primitive, field: "primitive")
            diagnostics += found
            backward = derived
            backwardIsDerived = true
        } else if fields["backward"] == nil, fields["primitive"] != nil {
            // The primitive has errors (reported); no second error about the missing backward.
        } else if let node = fields["backward"]?.value {
            backward = formula(node, field: "backward", text: nil,
                               scope: FormulaScope(field: "backward", params: paramNames, allowsForwardOutput: true, allowsNoise: true,
                                                   integerParams: integerParams, allowsGradOut: true),
                               fallback: mapping.mark)
        } else if let train = fields["train_forward"] {
            report(.trainForwardWithoutBackward, at: train.key.mark,
                   "`train_forward` is given but `backward` is missing; expected a `backward` formula (it may use `y`, the training forward's output)")
        } else {
            report(.missingField, at: mapping.mark, "missing `backward`; expected the surrogate gradient formula, e.g. `backward: scale * sigmoid(scale * x) * (1 - sigmoid(scale * x))`, or a `primitive` to derive it from, e.g. `primitive: sigmoid(scale * x)`")
        }

        guard let name, let forward, let backward, !diagnostics.hasErrors else { return nil }
        var spec = Spec(name: name, summary: summary ?? "", doc: doc, params: params, forward: forward,
                        backward: backward, trainForward: trainForward ?? nil, file: file, source: yaml)
        spec.nameLocation = nameLocation
        spec.primitive = primitive ?? nil
        spec.backwardIsDerived = backwardIsDerived
        spec.provenance = provenance
        if !backwardIsDerived, spec.primitive != nil, !verified {
            // Both given: the backward must be the primitive's derivative (checked numerically).
            diagnostics += PrimitiveAnalysis.verify(spec)
            if diagnostics.hasErrors { return nil }
        }
        return spec
    }

    /// Yams rejects duplicate keys before we see the mapping, naming only the mapping: find the key's
    /// first and second lines at the mapping's indentation (block style; flow style falls back to the mapping).
    mutating func duplicateKey(_ key: String, mappingAt mark: Mark) {
        let start = location(mark)
        let indent = start.column - 1
        var found: [Int] = []
        for index in Swift.min(start.line - 1, lines.count)..<lines.count {
            let line = lines[index]
            let content = line.drop { $0 == " " }
            if content.isEmpty || content.hasPrefix("#") { continue }
            let lineIndent = line.count - content.count
            if lineIndent < indent { break }
            if lineIndent == indent, content.hasPrefix(key),
               content.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") {
                found.append(index + 1)
            }
        }
        let at = found.count >= 2 ? SourceLocation(file: file, line: found[1], column: indent + 1) : location(mark)
        let first = found.first.map { " (first at line \($0))" } ?? ""
        diagnostics.append(Diagnostic(.duplicateKey, at: at, "duplicate key `\(key)`\(first); expected each key once"))
    }

    /// Keys of a mapping, with unknown keys reported (Yams has already rejected duplicates).
    mutating func uniqueFields(_ mapping: Node.Mapping, allowed: [String], context: String) -> [String: (key: Node, value: Node)] {
        var seen: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let k = key.scalar?.string else {
                report(.wrongFieldType, at: key.mark, "a \(context) key must be a plain name")
                continue
            }
            if !allowed.contains(k) {
                let suggestion = FixIt.didYouMean(k, in: allowed)
                report(.unknownField, at: key.mark,
                       "unknown \(context) field `\(k)`" + suggestion.text + "; expected one of: \(allowed.joined(separator: ", "))",
                       fixIt: suggestion.fixIt)
                continue
            }
            seen[k] = (key, value)
        }
        return seen
    }

    mutating func nameField(_ field: (key: Node, value: Node)?, rootMark: Mark?) -> String? {
        guard let field else {
            report(.missingField, at: rootMark, "missing `name`; expected the \(kind)'s name, equal to the file's base name")
            return nil
        }
        guard let scalar = field.value.scalar else {
            report(.wrongFieldType, at: field.value.mark, "`name` must be a string")
            return nil
        }
        let name = scalar.string
        guard Self.isIdentifier(name, allowUpper: false) else {
            report(.badName, at: scalar.mark, "invalid name `\(name)`; expected lowercase letters, digits and `_`, starting with a letter ([a-z][a-z0-9_]*)")
            return nil
        }
        if let problem = EmittedNames.problem(specName: name) {
            report(.reservedName, at: scalar.mark, problem)
            return nil
        }
        if !file.isEmpty, file != "<string>", let expected = Self.expectedName(file: file), expected != name {
            report(.nameMismatch, at: scalar.mark, "name `\(name)` does not match the file name; expected `\(VisibleText.escaped(expected))` (or rename the file to `\(name).yaml`)")
        }
        nameLocation = location(scalar.mark)
        specName = name
        return name
    }

    /// The name a spec file must declare: its base name, or for a catalogue spec
    /// (`Catalogue/<library>/<function>.yaml`) `<library>_<function>`.
    public static func expectedName(file: String) -> String? {
        let url = URL(fileURLWithPath: file)
        let base = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent()
        if folder.deletingLastPathComponent().lastPathComponent == "Catalogue" {
            return "\(folder.lastPathComponent)_\(base)"
        }
        return base
    }

    mutating func textField(_ field: (key: Node, value: Node)?, field name: String, singleLine: Bool) -> String? {
        guard let field else { return nil }
        guard let scalar = field.value.scalar else {
            report(.wrongFieldType, at: field.value.mark, "`\(name)` must be text")
            return nil
        }
        guard !isCustomTag(scalar, field: name) else { return nil }
        let s = scalar.string
        let text = singleLine ? s.trimmingCharacters(in: .whitespacesAndNewlines) : s
        if singleLine, text.contains("\n") {
            report(.wrongFieldType, at: field.value.mark, "`\(name)` must be one line; put longer text in `doc`")
        }
        return text
    }

    mutating func paramsField(_ field: (key: Node, value: Node)?) -> [Parameter] {
        guard let field else { return [] }
        if let s = field.value.scalar, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
        guard let mapping = field.value.mapping else {
            report(.wrongFieldType, at: field.value.mark, "`params` must be a mapping from parameter names to `{default, doc, min, max}`")
            return []
        }
        var params: [Parameter] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report(.wrongFieldType, at: key.mark, "a parameter name must be a plain name")
                continue
            }
            guard Self.isIdentifier(name, allowUpper: true) else {
                report(.badName, at: key.mark, "invalid parameter name `\(name)`; expected letters, digits and `_`, starting with a letter")
                continue
            }
            declaredParams.append(name)
            // A surrogate's parameters become members of its Swift wrapper; a neuron's are only array entries and
            // Python attributes with a prefix (`p_<name>`), so only their length is limited.
            let problem = kind == "surrogate" ? EmittedNames(spec: specName ?? "").problem(parameter: name)
                : name.count > EmittedNames.maximumNameLength ? "parameter name is \(name.count) characters long; expected at most \(EmittedNames.maximumNameLength)" : nil
            if let problem {
                report(.reservedName, at: key.mark, problem)
                continue
            }
            // Functions and values live in separate namespaces (a name followed by `(` is a call, a bare name a
            // value), so a parameter may be named like a function: a spec stays valid when the language gains one.
            let gradOut = Expr.Variable.gradOut.rawValue
            if name == "x" || name == "y" || name == gradOut || FormulaConstant.values[name] != nil {
                let what = name == "x" ? "the input `x`" : name == "y" ? "the forward output `y`"
                    : name == gradOut ? "the incoming gradient `grad_out`" : "the constant `\(name)`"
                report(.reservedParamName, at: key.mark, "parameter `\(name)` is named like \(what); expected a name that is not a constant, `x`, `y` or `grad_out`")
                continue
            }
            if let p = param(name, value, keyMark: key.mark) { params.append(p) }
        }
        return params
    }

    mutating func param(_ name: String, _ node: Node, keyMark: Mark?) -> Parameter? {
        // Shorthand: `scale: 5.0` is a parameter with only a default.
        if let scalar = node.scalar {
            guard let v = number(scalar, what: "default of `\(name)`") else { return nil }
            return Parameter(name: name, defaultValue: v)
        }
        guard let mapping = node.mapping else {
            report(.wrongFieldType, at: node.mark, "parameter `\(name)` must be a number or a mapping with `default` (and optional `doc`, `min`, `max`)")
            return nil
        }
        let fields = uniqueFields(mapping, allowed: paramFieldNames, context: "parameter")
        guard let d = fields["default"] else {
            report(.missingDefault, at: keyMark, "parameter `\(name)` has no `default`; expected a number, e.g. `default: 1.0`")
            return nil
        }
        let minValue = fields["min"].flatMap { number($0.value.scalar, mark: $0.value.mark, what: "`min` of `\(name)`") }
        let maxValue = fields["max"].flatMap { number($0.value.scalar, mark: $0.value.mark, what: "`max` of `\(name)`") }
        let doc = fields["doc"].flatMap { $0.value.scalar?.string }
        var integer = false
        if let field = fields["integer"] {
            switch field.value.scalar.flatMap({ $0.style == .plain || $0.style == .any ? $0.string : nil }) {
            case "true": integer = true
            case "false": integer = false
            default:
                report(.wrongFieldType, at: field.value.mark, "`integer` of `\(name)` must be `true` or `false`")
                return nil
            }
        }
        var learnable = false
        if let field = fields["learnable"] {
            switch field.value.scalar.flatMap({ $0.style == .plain || $0.style == .any ? $0.string : nil }) {
            case "true": learnable = true
            case "false": learnable = false
            default:
                report(.wrongFieldType, at: field.value.mark, "`learnable` of `\(name)` must be `true` or `false`")
                return nil
            }
        }
        guard let value = number(d.value.scalar, mark: d.value.mark, what: "default of `\(name)`") else { return nil }
        if integer {
            guard let lo = minValue, let hi = maxValue else {
                report(.missingIntegerBounds, at: keyMark, "integer parameter `\(name)` needs both `min` and `max`; expected integer bounds such as `min: 1` and `max: 64`")
                return nil
            }
            for (what, v, mark) in [("default", value, d.value.mark), ("`min`", lo, fields["min"]?.value.mark), ("`max`", hi, fields["max"]?.value.mark)] {
                if v != v.rounded() {
                    report(.nonIntegerValue, at: mark, "\(what) \(v) of integer parameter `\(name)` is not an integer; expected a whole number such as `\(Int64(v.rounded()))`")
                    return nil
                }
                if v.magnitude > FormulaParser.maximumSumBound {
                    report(.limitExceeded, at: mark, "\(what) \(Int64(v)) of integer parameter `\(name)` is beyond 2^24; expected integer values within [-16777216, 16777216] (exact in float32)")
                    return nil
                }
            }
        }
        var p = Parameter(name: name, defaultValue: value, min: minValue, max: maxValue, doc: doc, integer: integer)
        p.learnable = learnable
        if let lo = minValue, let hi = maxValue, lo > hi {
            report(.emptyBounds, at: fields["min"]?.value.mark, "`min` (\(lo)) of `\(name)` is above its `max` (\(hi)); expected min <= max")
            return nil
        }
        if !p.contains(value) {
            report(.defaultOutOfBounds, at: d.value.mark, "default \(value) of `\(name)` is outside \(p.boundsDescription); expected a default within [min, max]")
            return nil
        }
        return p
    }

    mutating func number(_ scalar: Node.Scalar, what: String) -> Double? {
        number(scalar, mark: scalar.mark, what: what)
    }

    mutating func number(_ scalar: Node.Scalar?, mark: Mark?, what: String) -> Double? {
        guard let scalar, scalar.style == .plain || scalar.style == .any,
              let v = Double(scalar.string.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            let shown = scalar.map { "`\($0.string)`" } ?? "a non-scalar"
            report(.nonNumericValue, at: mark, "\(what) is \(shown); expected a finite number such as `1.0`")
            return nil
        }
        return v
    }

    mutating func formula(_ node: Node?, field: String, text defaultText: String?, scope: FormulaScope, fallback: Mark?) -> Formula? {
        let text: String
        let source: FormulaSource
        if let node {
            guard let scalar = node.scalar, !scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                report(.wrongFieldType, at: node.mark, "`\(field)` must be a formula such as `scale * x`")
                return nil
            }
            guard !isCustomTag(scalar, field: field) else { return nil }
            text = scalar.string
            source = formulaSource(scalar)
        } else if let defaultText {
            text = defaultText
            source = FormulaSource(at: location(fallback))
        } else {
            return nil
        }
        let (expr, issues) = FormulaParser.parse(text, scope: scope)
        for issue in issues {
            diagnostics.append(Diagnostic(issue.id, at: source.location(ofOffset: issue.offset, in: text), "in `\(field)`: " + issue.message,
                                          fixIt: issue.fixIt))
        }
        guard let expr, issues.isEmpty else { return nil }
        return Formula(text: text, expr: expr, source: source)
    }

    /// Where each line of a scalar's text starts in the file.
    func formulaSource(_ scalar: Node.Scalar) -> FormulaSource {
        let start = location(scalar.mark)
        if let positions = FormulaPositions.align(scalar.string, style: scalar.style, start: start, lines: lines), !positions.isEmpty {
            return FormulaSource(positions: positions)
        }
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
            return FormulaSource(at: start.advanced(by: 1))
        case .literal, .folded:
            // Content starts on the line after the indicator; libyaml strips the block's indentation,
            // which is that of its first non-empty line.
            let count = scalar.string.split(separator: "\n", omittingEmptySubsequences: false).count
            let first = (start.line..<lines.count).first { !lines[$0].trimmingCharacters(in: .whitespaces).isEmpty }
            guard let first else { return FormulaSource(at: start) }
            let indent = lines[first].prefix { $0 == " " }.count
            let starts = (0..<count).map { SourceLocation(file: file, line: first + 1 + $0, column: indent + 1) }
            return FormulaSource(lineStarts: starts)
        default:
            return FormulaSource(at: start)
        }
    }

    /// YAML reads a value starting with `!` as a tag (`backward: !(x < 0)` is the tag `!(x` on `< 0)`):
    /// report that, with the quoting that fixes it, instead of a confusing error about what is left.
    mutating func isCustomTag(_ scalar: Node.Scalar, field: String) -> Bool {
        let tag = scalar.tag.rawValue
        guard !tag.isEmpty, tag != "!", !tag.hasPrefix("tag:yaml.org,2002:") else { return false }
        report(.yamlTag, at: scalar.mark,
               "YAML reads `\(tag)` as a tag, not as part of `\(field)`; expected the value in quotes, e.g. `\(field): '\(tag) \(scalar.string)'`")
        return true
    }

    static func isIdentifier(_ s: String, allowUpper: Bool) -> Bool {
        guard let first = s.unicodeScalars.first, ("a"..."z").contains(first) || (allowUpper && ("A"..."Z").contains(first)) else { return false }
        return s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || (allowUpper && ("A"..."Z").contains($0))
        }
    }

    static func diagnostic(for error: YamlError, file: String, lineMap: YAMLLineMap) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { lineMap.location(line: mark.line, column: mark.column, file: file) }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return Diagnostic(.yamlSyntax, at: at(mark), "YAML syntax: \(problem)\(detail); expected a valid YAML mapping")
        default:
            return Diagnostic(.yamlSyntax, at: SourceLocation(file: file, line: 1, column: 1), "YAML syntax: \(error)")
        }
    }
}

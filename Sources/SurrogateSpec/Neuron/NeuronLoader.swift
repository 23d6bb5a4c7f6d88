import Foundation
import NameSuggestion
import Yams

/// Reads one neuron spec (`Neurons/<name>.yaml`) into a checked `NeuronSpec`, with the surrogate loader's
/// machinery (located diagnostics, parameters, formulas) and the neuron's own checks: names, the order of the
/// step, a state never updated, `spike` inside `spike`, learnable parameters that receive no gradient
/// (`NeuronGraph`). A spec with any error yields no `NeuronSpec`.
///
/// ```yaml
/// name: lif
/// params:
///   tau: {default: 2.0, min: 1.0, learnable: false}
///   v_threshold: 1.0
///   v_reset: 0.0
/// state:
///   v: v_reset              # initial value, a formula of the parameters
/// step:
///   - h = v + (x - (v - v_reset)) / tau
///   - s = spike(h - v_threshold)
///   - v = h * (1 - s) + v_reset * s
/// output: s
/// ```
public enum NeuronLoader {
    public static let fields = ["name", "summary", "doc", "provenance", "params", "state", "step", "output"]
    public static let stateFields = ["initial", "doc"]
    /// Largest number of step lines and state variables (a neuron has a handful; this bounds the work).
    public static let maximumAssignments = 256

    public static func load(path: String, displayName: String? = nil) -> (NeuronSpec?, [Diagnostic]) {
        let name = displayName ?? path
        switch SpecFile.read(path) {
        case .success(let text):
            return load(yaml: text, file: name)
        case .failure(let problem):
            return (nil, [Diagnostic(.unreadableFile, at: SourceLocation(file: name, line: problem.line, column: problem.column),
                                     problem.message)])
        }
    }

    /// Whether the file at `path` is a neuron spec (a YAML mapping with a `step` key) rather than a surrogate spec;
    /// false for anything unreadable (the surrogate loader then reports the problem with the file).
    public static func isNeuronSpec(path: String) -> Bool {
        guard case .success(let text) = SpecFile.read(path), let root = try? Yams.compose(yaml: SpecFile.normalised(text)),
              let mapping = root.mapping else { return false }
        // `step` is the neuron's own field; `state`, `output` or a misspelt `steps` also say what the file is meant
        // to be, so its errors are a neuron's ("unknown neuron field `steps`; did you mean `step`?").
        return mapping.keys.contains { ["step", "steps", "state", "output"].contains($0.scalar?.string ?? "") }
    }

    public static func load(yaml: String, file: String) -> (NeuronSpec?, [Diagnostic]) {
        let text = SpecFile.normalised(yaml)
        var loader = SpecLoader(file: file, lines: text.split(separator: "\n", omittingEmptySubsequences: false),
                                lineMap: YAMLLineMap(text))
        loader.paramFieldNames = SpecLoader.paramFields.filter { $0 != "integer" } + ["learnable"]
        loader.kind = "neuron"
        var spec = loader.runNeuron(text)
        if spec != nil, !loader.diagnostics.hasErrors {
            // The derived backward's own checks (learnable parameters that get no gradient, missing derivative rules).
            loader.diagnostics += NeuronGraph.check(spec!)
        }
        if loader.diagnostics.hasErrors { spec = nil }
        return (spec, loader.diagnostics.sortedForDisplay())
    }
}

extension SpecLoader {
    mutating func runNeuron(_ yaml: String) -> NeuronSpec? {
        guard let mapping = rootMapping(yaml, expected: "a neuron spec must be a YAML mapping with `name`, `state`, `step` and `output`") else {
            return nil
        }
        let fields = uniqueFields(mapping, allowed: NeuronLoader.fields, context: "neuron")
        let (name, summary, doc, provenance) = headerFields(fields, mapping: mapping)
        let params = paramsField(fields["params"])
        let paramNames = declaredParams

        // State: names first (the step may read any of them), then the initial values (formulas of the parameters).
        var stateNodes: [(name: String, key: Node, value: Node)] = []
        if let field = fields["state"] {
            if let m = field.value.mapping, m.count > 0 {
                for (key, value) in m {
                    guard let n = key.scalar?.string else {
                        report(.wrongFieldType, at: key.mark, "a state variable's name must be a plain name, e.g. `v`")
                        continue
                    }
                    guard variableName(n, at: key.mark, what: "state variable", params: paramNames) else { continue }
                    stateNodes.append((n, key, value))
                }
            } else {
                report(.wrongFieldType, at: field.value.mark,
                       "`state` must be a mapping from state variable names to initial values, e.g. `state: {v: v_reset}`")
            }
        } else {
            report(.missingField, at: mapping.mark, "missing `state`; expected the state variables and their initial values, e.g. `state: {v: 0.0}`")
        }
        if stateNodes.count > NeuronLoader.maximumAssignments {
            report(.limitExceeded, at: fields["state"]?.value.mark,
                   "\(stateNodes.count) state variables; expected at most \(NeuronLoader.maximumAssignments)")
            return nil
        }
        var state: [StateVariable] = []
        for (n, key, value) in stateNodes {
            var initialNode: Node? = value
            var stateDoc: String?
            if let m = value.mapping {
                let f = uniqueFields(m, allowed: NeuronLoader.stateFields, context: "state variable")
                initialNode = f["initial"]?.value
                stateDoc = f["doc"]?.value.scalar?.string
                if initialNode == nil {
                    report(.missingDefault, at: key.mark, "state variable `\(n)` has no `initial`; expected its value before the first step, e.g. `initial: 0.0`")
                    continue
                }
            }
            let scope = FormulaScope(field: "initial value of `\(n)`", params: paramNames, allowsForwardOutput: false, allowsNoise: false)
            guard let initial = formula(initialNode, field: "initial value of `\(n)`", text: nil, scope: scope, fallback: key.mark) else { continue }
            if initial.expr.contains(where: { $0.kind == .variable(.x) }) {
                report(.unknownIdentifier, at: initialNode?.mark, "the initial value of `\(n)` reads `x`; expected a formula of the parameters (the input arrives with the first step)")
                continue
            }
            state.append(StateVariable(name: n, initial: initial, doc: stateDoc, location: location(key.mark)))
        }

        // The step: `target = formula` lines, in order.
        var lines: [(target: String, targetMark: Mark?, rhs: String, rhsStart: Int, scalar: Node.Scalar)] = []
        if let field = fields["step"] {
            if let sequence = field.value.sequence, sequence.count > 0 {
                if sequence.count > NeuronLoader.maximumAssignments {
                    report(.limitExceeded, at: field.value.mark,
                           "\(sequence.count) step lines; expected at most \(NeuronLoader.maximumAssignments)")
                    return nil
                }
                for item in sequence {
                    guard let scalar = item.scalar, !isCustomTag(scalar, field: "step") else {
                        if item.scalar == nil {
                            report(.wrongFieldType, at: item.mark, "a step line must be text `name = formula`, e.g. `- v = v + x`")
                        }
                        continue
                    }
                    guard let (target, rhsStart) = Self.splitAssignment(scalar.string) else {
                        report(.formulaSyntax, at: item.mark,
                               "step line `\(VisibleTextShort.of(scalar.string))` is not an assignment; expected `name = formula`, e.g. `v = v + x`")
                        continue
                    }
                    let rhs = String(String.UnicodeScalarView(scalar.string.unicodeScalars.dropFirst(rhsStart)))
                    lines.append((target, item.mark, rhs, rhsStart, scalar))
                }
            } else {
                report(.wrongFieldType, at: field.value.mark, "`step` must be a list of assignments, e.g. `step: [\"v = v + x\", \"s = spike(v - 1)\"]`")
            }
        } else {
            report(.missingField, at: mapping.mark, "missing `step`; expected the assignments of one time step, e.g. `step: [\"v = v + x\", \"s = spike(v - 1)\"]`")
        }
        let stateNames = state.map(\.name) + stateNodes.map(\.name).filter { n in !state.contains { $0.name == n } }
        var assignedNames: [String] = []
        for line in lines where !assignedNames.contains(line.target) && !stateNames.contains(line.target) {
            assignedNames.append(line.target)
        }
        let variables = stateNames + assignedNames
        var step: [Assignment] = []
        var assignedSoFar = Set<String>()
        for line in lines {
            let targetOK = variableName(line.target, at: line.targetMark, what: "step variable", params: paramNames, quiet: stateNames.contains(line.target))
            let scope = { () -> FormulaScope in
                var s = FormulaScope(field: "step", params: paramNames, allowsForwardOutput: false, allowsNoise: false)
                s.variables = variables
                s.allowsStepFunctions = true
                return s
            }()
            let whole = formulaSource(line.scalar)
            let positions = (0...line.scalar.string.unicodeScalars.count).map { whole.location(ofOffset: $0, in: line.scalar.string) }
            let source = FormulaSource(positions: Array(positions[line.rhsStart...]))
            let (expr, issues) = FormulaParser.parse(line.rhs, scope: scope)
            for issue in issues {
                diagnostics.append(Diagnostic(issue.id, at: source.location(ofOffset: issue.offset, in: line.rhs), "in `step`: " + issue.message,
                                              fixIt: issue.fixIt))
            }
            guard let expr, issues.isEmpty, targetOK else { assignedSoFar.insert(line.target); continue }
            // A name assigned later in the step (not a state variable) has no value yet.
            expr.walk { node in
                guard case .local(let n) = node.kind, !stateNames.contains(n), !assignedSoFar.contains(n) else { return }
                diagnostics.append(Diagnostic(.readBeforeAssigned, at: source.location(ofOffset: node.offset, in: line.rhs),
                    "in `step`: `\(n)` is read before it is assigned; expected the line assigning `\(n)` above this one (only state variables keep a value from the previous step)"))
            }
            checkSpikeNesting(expr, source: source, text: line.rhs)
            assignedSoFar.insert(line.target)
            step.append(Assignment(target: line.target, formula: Formula(text: line.rhs, expr: expr, source: source),
                                   location: location(line.targetMark)))
        }
        for s in state where !lines.contains(where: { $0.target == s.name }) {
            diagnostics.append(Diagnostic(.stateNeverUpdated, at: s.location,
                "state variable `\(s.name)` is never updated in `step`; expected a line `\(s.name) = ...` (a constant is a parameter)"))
        }

        var output: String?
        var outputLocation: SourceLocation?
        if let field = fields["output"] {
            if let scalar = field.value.scalar {
                let n = scalar.string.trimmingCharacters(in: .whitespaces)
                outputLocation = location(scalar.mark)
                if lines.contains(where: { $0.target == n }) {
                    output = n
                } else if !lines.isEmpty {
                    var known: [String] = []
                    for line in lines where !known.contains(line.target) { known.append(line.target) }
                    let suggestion = FixIt.didYouMean(n, in: known)
                    report(.unknownIdentifier, at: scalar.mark,
                           "`output` names `\(VisibleTextShort.of(n))`, which `step` does not assign" + suggestion.text
                           + "; expected one of: \(known.joined(separator: ", "))", fixIt: suggestion.fixIt)
                }
            } else {
                report(.wrongFieldType, at: field.value.mark, "`output` must be the name of the spikes, e.g. `output: s`")
            }
        } else {
            report(.missingField, at: mapping.mark, "missing `output`; expected the name of the spikes the step assigns, e.g. `output: s`")
        }

        guard let name, let output, !diagnostics.hasErrors else { return nil }
        var spec = NeuronSpec(name: name, summary: summary ?? "", doc: doc, provenance: provenance, params: params, state: state,
                              step: step, output: output, file: file, source: yaml)
        spec.outputLocation = outputLocation
        return spec
    }

    /// `name = formula` -> the name and the offset (in Unicode scalars) where the formula starts; nil when the line
    /// does not start with a name followed by a single `=` (`==` is a comparison).
    static func splitAssignment(_ line: String) -> (String, Int)? {
        let scalars = Array(line.unicodeScalars)
        var i = 0
        while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
        let start = i
        while i < scalars.count, ("a"..."z").contains(scalars[i])
                || ("A"..."Z").contains(scalars[i]) || scalars[i] == "_" || ("0"..."9").contains(scalars[i]) { i += 1 }
        guard i > start else { return nil }
        let name = String(String.UnicodeScalarView(scalars[start..<i]))
        while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
        guard i < scalars.count, scalars[i] == "=", i + 1 >= scalars.count || scalars[i + 1] != "=" else { return nil }
        return (name, i + 1)
    }

    /// A state or step variable's name: an identifier that is no parameter, constant or input. It may be named like a
    /// function (`exp`, `spike`, `sum`): `name(` is a call and a bare name a value, so a neuron spec stays valid when
    /// the language gains a function (the emitters name variables by their place in the step, never by this name).
    mutating func variableName(_ n: String, at mark: Mark?, what: String, params: [String], quiet: Bool = false) -> Bool {
        if quiet { return true }
        guard Self.isIdentifier(n, allowUpper: true) else {
            report(.badName, at: mark, "invalid \(what) name `\(VisibleTextShort.of(n))`; expected letters, digits and `_`, starting with a letter")
            return false
        }
        let clash: String? = params.contains(n) ? "the parameter `\(n)`"
            : n == "x" ? "the input `x`"
            : ["y", "grad_out"].contains(n) ? "`\(n)`, which surrogate formulas use"
            : FormulaConstant.values[n] != nil ? "the constant `\(n)`" : nil
        if let clash {
            report(.reservedName, at: mark, "\(what) `\(n)` is named like \(clash); expected another name")
            return false
        }
        if n.count > EmittedNames.maximumNameLength {
            report(.limitExceeded, at: mark, "\(what) name is \(n.count) characters long; expected at most \(EmittedNames.maximumNameLength)")
            return false
        }
        return true
    }

    /// `spike(...spike(...)...)`: the surrogate's argument must be a smooth membrane quantity, not a spike.
    mutating func checkSpikeNesting(_ e: Expr, source: FormulaSource, text: String) {
        func visit(_ node: Expr, insideSpike: Bool) {
            if case .call("spike", let args, _) = node.kind {
                if insideSpike {
                    diagnostics.append(Diagnostic(.spikeInSpike, at: source.location(ofOffset: node.offset, in: text),
                        "in `step`: `spike` inside the argument of another `spike`; expected the surrogate applied to a membrane quantity, e.g. `spike(v - v_threshold)`, and its result used outside"))
                    return
                }
                args.forEach { visit($0, insideSpike: true) }
                return
            }
            switch node.kind {
            case .unary(_, let a): visit(a, insideSpike: insideSpike)
            case .binary(_, let a, let b): visit(a, insideSpike: insideSpike); visit(b, insideSpike: insideSpike)
            case .call(_, let args, _): args.forEach { visit($0, insideSpike: insideSpike) }
            case .sum(_, let f, let t, let b): [f, t, b].forEach { visit($0, insideSpike: insideSpike) }
            default: break
            }
        }
        visit(e, insideSpike: false)
    }
}

/// A name as shown in a message: invisible characters escaped, at most 40 characters.
enum VisibleTextShort {
    static func of(_ s: String) -> String {
        let shown = VisibleText.escaped(s)
        return shown.count > 40 ? String(shown.prefix(40)) + "..." : shown
    }
}

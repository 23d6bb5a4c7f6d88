import Testing
@testable import SurrogateSpec

/// `grad_out` in `backward`: read as the incoming gradient (the spec's backward is then grad_in itself), a located
/// error anywhere else, and a reserved name for parameters and sum indices. Messages exact, with file:line:column.
@Suite struct GradOutTests {
    let file = "Specs/demo.yaml"

    func expectDiagnostic(_ marked: String, _ id: Diagnostic.ID, _ message: String, fixIt: FixIt? = nil,
                          sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let source = MarkedSource(marked)
        let (spec, diagnostics) = SpecLoader.load(yaml: source.text, file: file)
        let expected = Diagnostic(id, .error, at: source.location(file: file), message, fixIt: fixIt)
        #expect(diagnostics.contains(expected), "got:\n\(diagnostics.map(\.description).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
        #expect(spec == nil, sourceLocation: sourceLocation)
    }

    @Test func backwardReadsGradOut() throws {
        let yaml = "name: demo\nsummary: d.\nparams:\n  clip: 0.5\nbackward: clamp(grad_out, -clip, clip) / (1 + abs(x))\n"
        let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let s = try #require(spec)
        #expect(s.backward.expr.usesGradOut)
        #expect(s.backwardGradOutNote == " (at grad_out = 1)")
        // The reference takes grad_out = 1 unless told otherwise: min(1, 0.5) / (1 + 1) at x = -1.
        var reference = FormulaEvaluator<Double>(params: ["clip": 0.5])
        #expect(reference.evaluate(s.backward.expr, x: -1) == 0.25)
        reference.gradOut = -3
        #expect(reference.evaluate(s.backward.expr, x: 1) == -0.25)
        reference.gradOut = 0.2
        #expect(reference.evaluate(s.backward.expr, x: 3) == 0.2 / 4)
        // A backward without grad_out says nothing.
        let plain = try #require(SpecLoader.load(yaml: "name: demo\nsummary: d.\nbackward: x\n", file: file).0)
        #expect(!plain.backward.expr.usesGradOut && plain.backwardGradOutNote.isEmpty)
    }

    @Test func gradOutOutsideBackwardIsLocated() {
        expectDiagnostic("name: demo\nforward: x > ⟦grad_out\nbackward: x\n", .gradOutOutsideBackward,
                         "in `forward`: `grad_out` (the incoming gradient) used in `forward`; it is allowed only in `backward`")
        expectDiagnostic("name: demo\ntrain_forward: ⟦grad_out * uniform()\nbackward: x\n", .gradOutOutsideBackward,
                         "in `train_forward`: `grad_out` (the incoming gradient) used in `train_forward`; it is allowed only in `backward`")
        expectDiagnostic("name: demo\nprimitive: x * ⟦grad_out\n", .gradOutOutsideBackward,
                         "in `primitive`: `grad_out` (the incoming gradient) used in `primitive`; it is allowed only in `backward`")
    }

    @Test func misspelledGradOutSuggestsIt() {
        expectDiagnostic("name: demo\nbackward: ⟦grad_ot * x\n", .unknownIdentifier,
                         "in `backward`: unknown identifier `grad_ot`; did you mean `grad_out`?", fixIt: FixIt(original: "grad_ot", replacement: "grad_out"))
    }

    /// Called like a function, `grad_out` is named as a variable, as `x` and `y` are (it was "unknown function").
    @Test func gradOutCalledIsNotAFunction() {
        expectDiagnostic("name: demo\nbackward: ⟦grad_out(x)\n", .unknownFunction,
                         "in `backward`: `grad_out` is not a function; expected one of the functions: \(FunctionTable.names.joined(separator: ", "))")
    }

    @Test func gradOutIsReserved() {
        expectDiagnostic("name: demo\nparams:\n  ⟦grad_out: 1.0\nbackward: x\n", .reservedParamName,
                         "parameter `grad_out` is named like the incoming gradient `grad_out`; expected a name that is not a constant, `x`, `y` or `grad_out`")
        expectDiagnostic("name: demo\nparams:\n  n: {default: 2, integer: true, min: 0, max: 4}\nbackward: sum(⟦grad_out, 0, n, x)\n", .badSumIndex,
                         "in `backward`: summation index `grad_out` is named like the incoming gradient `grad_out`; expected a new name (not `x`, `y`, `grad_out`, a parameter, a neuron's state or step variable, a constant or an enclosing index)")
    }

    @Test func gradOutWithNoiseInTheBackwardIsRefused() {
        expectDiagnostic("name: demo\nbackward: uniform() * ⟦grad_out\n", .noiseWithGradOut,
                         "in `backward`: `grad_out` in a `backward` that draws noise; expected one or the other (a backward with noise is multiplied by `grad_out` in the kernels: drop `grad_out` and write the factor it multiplies)")
    }
}

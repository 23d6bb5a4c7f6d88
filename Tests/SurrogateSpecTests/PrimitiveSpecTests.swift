import Foundation
import Testing
@testable import SurrogateSpec

/// `primitive:` in the loader: parsed and checked like the other formulas, the backward derived when absent,
/// checked against the primitive when present (exact messages and `file:line:column`).
@Suite struct PrimitiveSpecTests {
    let file = "Specs/demo.yaml"

    func load(_ marked: String) -> (spec: Spec?, diagnostics: [Diagnostic], marker: SurrogateSpec.SourceLocation) {
        guard marked.contains("⟦") else {
            let (spec, diagnostics) = SpecLoader.load(yaml: marked, file: file)
            return (spec, diagnostics, SurrogateSpec.SourceLocation(file: file, line: 0, column: 0))
        }
        let source = MarkedSource(marked)
        let (spec, diagnostics) = SpecLoader.load(yaml: source.text, file: file)
        return (spec, diagnostics, source.location(file: file))
    }

    @Test func aPrimitiveOnlySpecGetsTheDerivativeAsItsBackward() throws {
        let (spec, diagnostics, _) = load("name: demo\nsummary: s\nparams:\n  scale: 5\nprimitive: sigmoid(scale * x)\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let s = try #require(spec)
        #expect(s.backwardIsDerived)
        #expect(s.primitive?.text == "sigmoid(scale * x)")
        #expect(s.backward.expr.description == "((sigmoid((scale * x)) * (1 - sigmoid((scale * x)))) * scale)")
        // The derived backward's text and nodes point into the primitive.
        #expect(s.backward.source.location(ofOffset: s.backward.expr.offset, in: s.backward.text)
                == SurrogateSpec.SourceLocation(file: file, line: 5, column: 12))
        #expect(!s.backward.expr.readsY)
    }

    @Test func primitiveRejectsYAndNoiseWhereTheyAre() {
        let y = load("name: demo\nsummary: s\nprimitive: x * ⟦y\n")
        #expect(y.diagnostics == [Diagnostic(.forwardOutputOutsideBackward, at: y.marker,
                                             "in `primitive`: `y` (the forward output) used in `primitive`; it is allowed only in `backward`")])
        #expect(y.spec == nil)
        let noise = load("name: demo\nsummary: s\nbackward: x\nprimitive: x + ⟦uniform()\n")
        #expect(noise.diagnostics == [Diagnostic(.noiseOutsideTrainForward, at: noise.marker,
                                                 "in `primitive`: noise source `uniform()` used in `primitive`; noise is allowed only in `train_forward` and `backward`")])
        let unknown = load("name: demo\nsummary: s\nprimitive: ⟦sigmod(x)\n")
        #expect(unknown.diagnostics.map(\.id) == [.unknownFunction])
        #expect(unknown.diagnostics.first?.location == unknown.marker)
    }

    /// A function without a derivative rule (here `atan`, removed from a copy of the table): a located error at
    /// its call, naming it.
    @Test func aFunctionWithoutARuleIsALocatedError() throws {
        let source = MarkedSource("name: demo\nsummary: s\nprimitive: 0.5 + ⟦atan(2 * x) / pi\n")
        let (spec, _) = SpecLoader.load(yaml: source.text.replacingOccurrences(of: "primitive: ", with: "backward:  "), file: file)
        let primitive = try #require(spec).backward           // the same text, parsed at the same place
        var rules = Derivative.rules
        rules["atan"] = nil
        let (derived, diagnostics) = PrimitiveAnalysis.derive(primitive, rules: rules)
        #expect(derived == nil)
        #expect(diagnostics == [Diagnostic(.noDerivativeRule, at: source.location(file: file),
            "in `primitive`: no derivative rule for `atan`, so kernelgen cannot derive `backward` from this primitive; expected a `backward` formula (or a rule for `atan` in `Derivative.rules`)")])
        // With the rule: derived.
        #expect(PrimitiveAnalysis.derive(primitive).0 != nil)
    }

    /// Every function a spec may call that has no rule: a primitive-only spec calling it gets that error.
    @Test func everyFunctionWithoutARuleIsRefusedInAPrimitiveOnlySpec() {
        var derivable = 0
        for f in FunctionTable.all where !f.isNoise && Derivative.rules[f.name] == nil {
            let args = Array(repeating: "x", count: f.arity).joined(separator: ", ")
            let r = load("name: demo\nsummary: s\nprimitive: x + ⟦\(f.name)(\(args))\n")
            #expect(r.diagnostics.contains { $0.id == .noDerivativeRule && $0.location == r.marker }, "\(f.name): \(r.diagnostics)")
        }
        // and every function with one derives
        for f in FunctionTable.all where !f.isNoise && Derivative.rules[f.name] != nil {
            let args = Array(repeating: "x", count: f.arity).joined(separator: ", ")
            #expect(SpecLoader.load(yaml: "name: demo\nsummary: s\nprimitive: x + \(f.name)(\(args))\n", file: file).0 != nil, "\(f.name)")
            derivable += 1
        }
        #expect(derivable == Derivative.rules.count)
    }

    /// A deliberately wrong backward (1% too large): at the defaults (scale 5) the derivative's peak is
    /// scale / 4 = 1.25 at x = 0, the backward's 1.2625.
    @Test func checkCatchesABackwardThatIsNotTheDerivative() {
        let r = load("name: demo\nsummary: s\nparams:\n  scale: 5\nbackward: ⟦scale * sigmoid(scale * x) * (1 - sigmoid(scale * x)) * 1.01\nprimitive: sigmoid(scale * x)\n")
        #expect(r.spec == nil)
        #expect(r.diagnostics == [Diagnostic(.backwardNotDerivative, at: r.marker,
            "`backward` is not the derivative of `primitive` with scale = 5: they differ by up to 0.0125 at x = 0 (backward 1.2625, d/dx primitive 1.25), beyond 1e-06 relative; expected backward = d/dx primitive (drop `backward` to have it derived, or correct one of the two)")])
    }

    /// A backward right at the defaults but wrong at another value (the slope hard-coded as 5): caught at the
    /// moved parameter, scale 7.5, where at x = 0 the derivative is 7.5 / 4 = 1.875 and the backward 5 / 4 = 1.25.
    @Test func checkCatchesABackwardRightOnlyAtTheDefaults() {
        let r = load("name: demo\nsummary: s\nparams:\n  scale: 5\nbackward: ⟦5 * sigmoid(scale * x) * (1 - sigmoid(scale * x))\nprimitive: sigmoid(scale * x)\n")
        #expect(r.diagnostics == [Diagnostic(.backwardNotDerivative, at: r.marker,
            "`backward` is not the derivative of `primitive` with scale = 7.5: they differ by up to 0.625 at x = 0 (backward 1.25, d/dx primitive 1.875), beyond 1e-06 relative; expected backward = d/dx primitive (drop `backward` to have it derived, or correct one of the two)")])
    }

    /// One-sided derivatives at a kink are both right: a window whose backward excludes its ends passes.
    @Test func aKinkIsNotADifference() {
        let r = load("name: demo\nsummary: s\nparams:\n  gamma: 1\nbackward: ((x > -gamma) && (x < gamma)) / (2 * gamma)\nprimitive: clamp(x / (2 * gamma) + 1 / 2, 0, 1)\n")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        #expect(r.spec?.backwardIsDerived == false)
    }

    /// The built-in specs give both, and each backward is its primitive's derivative.
    @Test func theBuiltInSpecsVerify() throws {
        let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs")
        let specSet = try SpecSet.load(directory: specs.path)
        #expect(!specSet.hasErrors, "\(specSet.diagnostics)")
        for name in ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold"] {
            let spec = try #require(specSet.specs.first { $0.name == name })
            #expect(spec.primitive != nil && !spec.backwardIsDerived, "\(name)")
            #expect(PrimitiveAnalysis.verify(spec).isEmpty, "\(name)")
        }
    }
}

import Testing
@testable import SurrogateSpec

/// Diagnostics located from libyaml's marks stay on the file's lines. libyaml (YAML 1.1) ends a line at NEL,
/// U+2028 and U+2029 too, editors do not: found by the generated-spec property test (a summary holding
/// U+0085 U+2028 put a later formula error on line 11 of a 10-line file). An error at the end of a file with
/// no final newline was on the line after the last: found by the loader fuzzer (scripts/fuzz.sh).
@Suite struct YAMLMarkLocationTests {
    let file = "Specs/demo.yaml"

    @Test(arguments: ["\u{85}", "\u{2028}", "\u{2029}", "\u{85}\u{2028}"])
    func diagnosticsAfterAUnicodeLineBreakPointAtTheEditorsLine(_ breaks: String) {
        let yaml = "name: demo\nsummary: |\n  a\(breaks)\nparams:\n  k: 1\nbackward: 'sigmoid(k, 1)'\n"
        let (_, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        let arity = diagnostics.first { $0.id == .wrongArity }
        #expect(arity?.location == SourceLocation(file: file, line: 6, column: 12), "\(diagnostics)")
    }

    @Test func aYamlErrorAfterAUnicodeLineBreakIsOnTheEditorsLine() {
        // Column 14 of line 2 as an editor shows it: `x` then U+2028 then the unclosed flow sequence.
        let yaml = "name: demo\nsummary: \"x\u{2028}\"\nbackward: [x\n"
        let (_, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(diagnostics.count == 1)
        for d in diagnostics {
            #expect(d.location.line <= lines.count && d.location.column <= lines[d.location.line - 1].unicodeScalars.count + 1, "\(d)")
        }
    }

    @Test func anErrorAtTheEndOfAFileWithoutFinalNewlineIsOnItsLastLine() {
        // The fuzzer's input, reduced: a plain scalar that needs a `:` at the end of the stream.
        let yaml = "name: gaussian\ndoc: |\n  name: sigmoid\nsFou"
        let (_, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        #expect(diagnostics.map(\.id) == [.yamlSyntax])
        #expect(diagnostics.first?.location == SourceLocation(file: file, line: 4, column: 5), "\(diagnostics)")
    }

    /// A formula written as a plain scalar over two lines (YAML folds the break into a space): an error on
    /// the second line is put on the first, past its end (`FormulaSource` has one line start for plain and
    /// quoted scalars). Found by the loader fuzzer.
    @Test
    func anErrorOnTheSecondLineOfAPlainFormulaIsOnThatLine() {
        let yaml = "name: demo\nsummary: s\nbackward: x +\n  'oops'\n"
        let (_, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
        #expect(diagnostics.map(\.id) == [.formulaSyntax])
        #expect(diagnostics.first?.location == SourceLocation(file: file, line: 4, column: 3), "\(diagnostics)")
    }
}

/// Regressions from the loader fuzzer: a formula's errors stay on the character they are about when YAML
/// puts properties before the value or folds blank lines into it.
@Suite struct FormulaLocationFuzzRegressionTests {
    let file = "Specs/demo.yaml"

    func firstError(_ yaml: String) -> SurrogateSpec.SourceLocation? {
        SpecLoader.load(yaml: yaml, file: file).1.first { $0.severity == .error }?.location
    }

    @Test func anAnchorBeforeTheFormula() {
        // libyaml's mark is the anchor's `&`, not the formula's first character.
        #expect(firstError("name: demo\nsummary: s\nbackward: &a\t\tx +\n    oops\n") == SurrogateSpec.SourceLocation(file: file, line: 4, column: 5))
        #expect(firstError("name: demo\nsummary: s\nbackward: !!str 'x + oops'\n") == SurrogateSpec.SourceLocation(file: file, line: 3, column: 22))
    }

    @Test func blankLinesFoldedIntoAPlainFormula() {
        // Two blank lines inside a plain scalar become two newlines; `oops` is on line 6.
        #expect(firstError("name: demo\nsummary: s\nbackward: x +\n\n\n  oops\n") == SurrogateSpec.SourceLocation(file: file, line: 6, column: 3))
    }
}

/// From the fuzzer's hour: an anchor's name stops at the first character that is not a letter, digit, `-` or
/// `_`, and the value may follow at once (`&a?x`: the anchor `a`, the value `?x`).
@Suite struct AnchorFollowedByValueTests {
    @Test func theValueRightAfterAnAnchorNameIsLocated() {
        let file = "Specs/demo.yaml"
        let (_, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: &a?x\n", file: file)
        let first = diagnostics.first { $0.severity == .error }
        #expect(first?.location == SurrogateSpec.SourceLocation(file: file, line: 3, column: 13), "\(diagnostics)")
    }
}

/// A file name is shown, not obeyed: a newline or an escape sequence in it cannot break a diagnostic's
/// `file:line:column` line (a name given to `kg_load_spec_text` or `kernelgen.load_spec(file=...)`).
struct DiagnosticFileNameTests {
    @Test func invisibleCharactersOfTheFileNameAreEscaped() {
        let (spec, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: scael * x\n", file: "a\nb\u{1B}[31m/demo.yaml")
        #expect(spec == nil)
        let text = diagnostics.map(\.description).joined(separator: "\n")
        #expect(text.contains("a\\u{0A}b\\u{1B}[31m/demo.yaml:3:11: error:"), "\(text)")
        // and where the name itself is quoted
        let (_, mismatch) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: x\n", file: "dir/de\u{1B}mo.yaml")
        #expect(mismatch.contains { $0.id == .nameMismatch && $0.description.contains("expected `de\\u{1B}mo`") }, "\(mismatch)")
        #expect(mismatch.allSatisfy { !$0.description.contains("\u{1B}") })
        #expect(diagnostics.allSatisfy { !$0.description.contains("\n") && !$0.description.contains("\u{1B}") })
    }
}

import Foundation
import Testing
@testable import SurrogateSpec

/// Hostile and odd input: stated limits with located errors, never a crash or a hang; CRLF, BOM and tabs
/// read with the lines and columns an editor shows.
@Suite struct InputLimitTests {
    let file = "Specs/demo.yaml"

    @Test func deepNestingIsALocatedErrorNotAStackOverflow() {
        let deep = String(repeating: "(", count: 100_000) + "x" + String(repeating: ")", count: 100_000)
        let (spec, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: '\(deep.prefix(FormulaParser.maximumLength))'\n", file: file)
        #expect(spec == nil)
        #expect(diagnostics.map(\.id) == [.limitExceeded], "\(diagnostics)")
        #expect(diagnostics.first?.message.hasPrefix("in `backward`: formula nests deeper than 1000 levels here") == true)
        // Over the length limit: one error at the formula's start.
        let (_, long) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: '\(deep)'\n", file: file)
        #expect(long == [Diagnostic(.limitExceeded, at: SourceLocation(file: file, line: 3, column: 12),
                                    "in `backward`: formula is 200001 characters long; expected at most 16384 (split it over parameters or specs)")])
    }

    /// Just under the depth limit, parentheses and unary operators parse (no stack overflow, also on a test
    /// runner's thread in a debug build: the parser recurses on a thread of its own, `DeepStack`).
    @Test func nestingJustUnderTheLimitParses() throws {
        for depth in [950, 990, 998] {
            let parens = String(repeating: "(", count: depth) + "x" + String(repeating: ")", count: depth)
            let (expr, issues) = FormulaParser.parse(parens, scope: FormulaScope(field: "backward", params: [], allowsForwardOutput: false, allowsNoise: false))
            #expect(issues.isEmpty && expr?.kind == .variable(.x), "\(depth) parentheses: \(issues.prefix(1))")
            let minus = String(repeating: "-", count: depth - 2) + "x"
            let (negated, found) = FormulaParser.parse(minus, scope: FormulaScope(field: "backward", params: [], allowsForwardOutput: false, allowsNoise: false))
            #expect(negated != nil || found.map(\.id).contains(.limitExceeded), "\(depth) minus signs: \(found.prefix(1))")
        }
    }

    @Test func aLongSumIsAcceptedUpToTheDepthLimit() throws {
        let sum = (0..<258).map { "\($0) * x" }.joined(separator: " + ")
        let (spec, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: \(sum)\n", file: file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(try #require(spec).backward.expr.height > 258)
        let tooLong = (0..<1001).map { _ in "x" }.joined(separator: "+")
        let (_, errors) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: \(tooLong)\n", file: file)
        #expect(errors.map(\.id) == [.limitExceeded])
    }

    @Test func manyIssuesAreCapped() {
        let formula = (0..<200).map { "u\($0)" }.joined(separator: " + ")
        let (_, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: \(formula)\n", file: file)
        #expect(diagnostics.count == FormulaParser.maximumIssues + 1, "\(diagnostics.suffix(3))")
        #expect(diagnostics.last?.message == "in `backward`: 150 more issues in this formula not shown")
    }

    /// CRLF with a folded block scalar crashed the loader (Swift reads "\r\n" as one Character).
    @Test func crlfBlockScalarsAndBOMAreLocatedLikeLF() {
        for (prefix, newline) in [("", "\r\n"), ("\u{FEFF}", "\n"), ("", "\r")] {
            let yaml = prefix + ["name: demo", "summary: s", "backward: >", "  scale *", "    sclae * x", ""].joined(separator: newline)
            let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: file)
            #expect(spec == nil)
            // `scale` and `sclae` are both unknown (no params): at the lines and columns an editor shows.
            #expect(diagnostics.map(\.location) == [SourceLocation(file: file, line: 4, column: 3), SourceLocation(file: file, line: 5, column: 5)],
                    "\(newline.debugDescription): \(diagnostics)")
        }
        let tabs = "name: demo\nsummary: s\nparams:\n  k: 2\nbackward: k\t*\tx\n"
        #expect(SpecLoader.load(yaml: tabs, file: file).0 != nil)
    }

    @Test func aBadDefaultIsReportedOnceNotAtEveryUse() {
        let (_, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nparams:\n  k: abc\nbackward: k * x * k\n", file: file)
        #expect(diagnostics.map(\.id) == [.nonNumericValue], "\(diagnostics)")
    }

    @Test func aFormulaReadAsAYAMLTagSaysToQuoteIt() {
        let (_, diagnostics) = SpecLoader.load(yaml: "name: demo\nsummary: s\nbackward: !(x < 0)\n", file: file)
        #expect(diagnostics == [Diagnostic(.yamlTag, at: SourceLocation(file: file, line: 3, column: 11),
            "YAML reads `!(x` as a tag, not as part of `backward`; expected the value in quotes, e.g. `backward: '!(x < 0)'`")])
    }

    @Test func unreadableFilesSayWhatWasFound() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func message(_ path: String) -> Diagnostic? { SpecLoader.load(path: path).1.first }
        #expect(message(dir.appendingPathComponent("missing.yaml").path)?.message == "cannot read the spec: no such file; expected a readable YAML file")
        #expect(message(dir.path)?.message == "is a folder; expected a spec file (*.yaml)")
        let fifo = dir.appendingPathComponent("fifo.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(message(fifo)?.message == "is not a regular file (a FIFO, socket or device); expected a spec file (*.yaml)")
        let latin1 = dir.appendingPathComponent("latin1.yaml")
        try Data("name: demo\nsummary: caf".utf8 + [0xE9] + Data("\nbackward: x\n".utf8)).write(to: latin1)
        let bad = try #require(message(latin1.path))
        #expect(bad.id == .unreadableFile)
        #expect((bad.location.line, bad.location.column) == (2, 13))
        let big = dir.appendingPathComponent("big.yaml")
        try Data(repeating: 0x20, count: SpecLoader.maximumFileSize + 1).write(to: big)
        #expect(message(big.path)?.message.hasSuffix("expected a spec of at most 1048576 bytes") == true)
    }
}

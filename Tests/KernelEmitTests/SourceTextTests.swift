import Testing
@testable import KernelEmit

/// The escapers one by one, on the cases that broke generated code, and the string literal's exact value.
@Suite struct SourceTextTests {
    @Test func ordinaryTextIsUnchanged() {
        let prose = "Sigmoid-derivative surrogate; smooth tails (kappa = 5, 1/x, a*b, \\sigma, ¿qué? \u{1F600})."
        #expect(SourceText.cComment(prose) == prose)
        #expect(SourceText.lineComment(prose) == prose)
        #expect(SourceText.swiftComment(prose) == prose)
        #expect(SourceText.lineComment("Specs/*.yaml") == "Specs/*.yaml")
    }

    @Test func cCommentsCannotBeEndedOrNested() {
        #expect(SourceText.cComment("applied as g*/2 on both sides.") == "applied as g* /2 on both sides.")
        #expect(SourceText.cComment("a /* b") == "a / * b")
        #expect(SourceText.cComment("*/*/") == "* / * /")
        #expect(!SourceText.cComment("**//**").contains("*/"))
        #expect(!SourceText.cComment("//**/").contains("/*"))
    }

    @Test func nothingCanSpliceTheNextLine() {
        #expect(SourceText.cComment("ends in \\") == "ends in \\u{5C}")
        #expect(SourceText.lineComment("ends in \\  ") == "ends in \\u{5C}  ")
        #expect(SourceText.cComment("tab then \\\t") == "tab then \\u{5C} ")
        #expect(SourceText.cComment("a ??/") == "a ?\\u{3F}/")
        #expect(SourceText.cComment("???/") == "??\\u{3F}/")
        #expect(SourceText.cComment("a \\ b") == "a \\ b")
    }

    @Test func lineEndsAndControlsAreVisible() {
        let nasty = "a\nb\rc\r\nd\0e\u{7F}f\u{85}g\u{2028}h\u{2029}i\u{202E}j\u{2066}k\u{FEFF}l\u{1B}"
        let shown = "a\\u{0A}b\\u{0D}c\\u{0D}\\u{0A}d\\u{00}e\\u{7F}f\\u{85}g\\u{2028}h\\u{2029}i\\u{202E}j\\u{2066}k\\u{FEFF}l\\u{1B}"
        #expect(SourceText.cComment(nasty) == shown)
        #expect(SourceText.lineComment(nasty) == shown)
        #expect(SourceText.swiftComment(nasty) == shown)
        #expect(SourceText.swiftComment("a\tb") == "a b")
    }

    @Test func multiLineTextSplitsOnEveryLineEnd() {
        #expect(SourceText.lines("a\nb\r\nc\rd") == ["a", "b", "c", "d"])
        #expect(SourceText.lines("a\r\n\r\nb\n") == ["a", "", "b", ""])
        #expect(SourceText.lines("a\n\rb") == ["a", "", "b"])
        #expect(SourceText.lines("a\u{2028}b") == ["a\u{2028}b"])
        #expect(SourceText.lines("") == [""])
    }

    @Test func swiftStringLiteralsAreOneLineAndEscaped() {
        #expect(SourceText.swiftStringLiteral("say \"hi\" \\(x)") == "\"say \\\"hi\\\" \\\\(x)\"")
        #expect(SourceText.swiftStringLiteral("a\0\t\n\r\u{1B}\u{2028}") == "\"a\\0\\t\\n\\r\\u{1B}\\u{2028}\"")
        #expect(SourceText.swiftStringLiteral("\"\"\"") == "\"\\\"\\\"\\\"\"")
    }

    /// The literal's value is the input, scalar for scalar (checked with an unescaper written from Swift's
    /// grammar; `SourceTextCompileTests` asks the real compiler).
    @Test func swiftStringLiteralsRoundTrip() throws {
        var random = NastyText(seed: 42)
        for _ in 0..<500 {
            let text = random.text()
            let literal = SourceText.swiftStringLiteral(text)
            #expect(!literal.unicodeScalars.contains { $0 == "\n" || $0 == "\r" })
            let value = try #require(Self.unescape(literal), "not a literal: \(literal.debugDescription)")
            #expect(Array(value.unicodeScalars) == Array(text.unicodeScalars), "\(text.debugDescription)")
        }
    }

    /// The value of a one-line Swift string literal (nil when it is not one): escapes `\0 \\ \t \n \r \" \'
    /// \u{n}`, no interpolation, no unescaped `"` inside.
    static func unescape(_ literal: String) -> String? {
        var s = Array(literal.unicodeScalars)
        guard s.count >= 2, s.first == "\"", s.last == "\"" else { return nil }
        s = Array(s.dropFirst().dropLast())
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\"" || c == "\n" || c == "\r" { return nil }
            guard c == "\\" else { out.append(c); i += 1; continue }
            guard i + 1 < s.count else { return nil }
            let simple: [Unicode.Scalar: Unicode.Scalar] = ["0": "\0", "\\": "\\", "t": "\t", "n": "\n", "r": "\r", "\"": "\"", "'": "'"]
            if let e = simple[s[i + 1]] {
                out.append(e)
                i += 2
            } else if s[i + 1] == "u", i + 2 < s.count, s[i + 2] == "{", let close = s[(i + 3)...].firstIndex(of: "}") {
                let hex = String(String.UnicodeScalarView(s[(i + 3)..<close]))
                guard (1...8).contains(hex.count), let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else { return nil }
                out.append(u)
                i = close + 1
            } else {
                return nil
            }
        }
        return String(out)
    }
}

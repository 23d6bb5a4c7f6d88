import Foundation
@testable import SurrogateSpec

/// Hostile free text for spec fields: fragments that end or open comments and literals, line ends of every
/// kind, controls, trigraphs, bidi overrides, astral characters, and random Unicode scalars, from a fixed seed.
struct NastyText {
    /// Each one has broken a generator somewhere: C and Swift comment and literal delimiters, line splicing
    /// (also by trigraph), every line end and control, Trojan-source bidi controls, interpolation.
    static let fragments = [
        "*/", "/*", "//", "*", "/", "\"", "\"\"\"", "'", "\\", "\\\n", "\\ \n", "??/", "??/\n", "???/", "??=", "??'",
        "\n", "\r", "\r\n", "\n\r", "\0", "\t", "\u{0B}", "\u{0C}", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{9F}",
        "\u{2028}", "\u{2029}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{200F}", "\u{FEFF}", "\u{0301}", "e\u{0301}",
        "\\(x)", "#\"", "\"#", "#endif", "#error boom\n", "}\n#error boom\n", "\"); fatalError(\"", "*/ int evil; /*",
        "\n#include <evil.h>\n", "\r\nlet evil = 1\r\n", "\u{1F600}", "\u{10FFFF}", "<U+000D>", "\\u{0D}", "g*/2", " ", "{{ surrogate.name }}", "{% endfor %}",
    ]

    /// The worst of them in one text, for the real-compiler test.
    static let all = fragments.joined(separator: "x") + "\\"

    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// A random scalar: half from the control and separator ranges, half from anywhere in Unicode.
    mutating func scalar() -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [0...0x1F, 0x7F...0x9F, 0x20...0x7E, 0x2000...0x206F, 0xA0...0xD7FF, 0xE000...0x10FFFF]
        let range = ranges[below(ranges.count)]
        let value = range.lowerBound + UInt32(below(Int(range.upperBound - range.lowerBound) + 1))
        return Unicode.Scalar(value) ?? "?"
    }

    /// A text of up to a dozen pieces (fragments, random scalars, plain words), sometimes a very long line.
    mutating func text() -> String {
        var out = ""
        for _ in 0..<below(12) {
            switch below(4) {
            case 0, 1: out += Self.fragments[below(Self.fragments.count)]
            case 2: out.unicodeScalars.append(scalar())
            default: out += ["word", "g", "x", "Sharpness (kappa).", "??"][below(5)]
            }
        }
        if below(20) == 0 { out += String(repeating: "long line */ ", count: 2000) + "\\" }
        return out
    }

    /// The golden fixture's spec with `text` in every free-text field: summary, doc, each param's doc, the
    /// embedded YAML source and the spec's file name. Formulas and names stay the fixture's.
    static func fixture(summary: String, doc: String, paramDocs: [String], source: String, fileName: String) throws -> Spec {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let (loaded, diagnostics) = SpecLoader.load(path: here.appendingPathComponent("Golden/fixture.yaml").path, displayName: "fixture.yaml")
        guard var spec = loaded, !diagnostics.hasErrors else { throw FixtureError(diagnostics: "\(diagnostics)") }
        spec.summary = summary
        spec.doc = doc
        for i in spec.params.indices { spec.params[i].doc = paramDocs[i % paramDocs.count] }
        spec.source = source
        spec.file = "/some/folder/" + fileName
        return spec
    }

    struct FixtureError: Error { var diagnostics: String }
}

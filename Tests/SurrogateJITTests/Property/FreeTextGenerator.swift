/// Free text (summary, doc, parameter doc) that generated comments and string literals must carry safely:
/// comment terminators of both languages, Swift's multi-line string delimiter, backslashes (a C line splice
/// at the end of a `//` comment), trigraphs, CR and CRLF, NUL and other control characters, Unicode line
/// separators, bidi overrides, template syntax, and very long lines.
enum FreeTextGenerator {
    static let fragments = [
        "*/", "/*", "//", "\"\"\"", "\"", "\\", "\\\n", "??/", "\r", "\r\n", "\n", "\t", "\u{0}", "\u{7}", "\u{1B}[31m",
        "\u{7F}", "\u{85}", "\u{2028}", "\u{2029}", "\u{202E}", "\u{200F}", "\u{2066}", "\u{FEFF}", "#if 0", "#endif",
        "\\(x)", "#\"", "{{ surrogate.name }}", "{% for %}", "%s%n", "é", "🧠", "e\u{301}", "'", "`", "$0", "<!--",
        "*/ int kg_evil; /*", "\"); evil(); (\"", "- item", ": colon", "# hash", "&anchor", "!tag", "|", ">",
    ]

    /// Text the current escaping is meant to carry already: printable, no comment or string delimiters,
    /// no backslashes, no line breaks.
    static let benign = ["plain words", "A surrogate", " ", "x < 0", "1.5e-3", "é", "🧠", "- item", ": colon", "# hash",
                         "'", "`", "$0", "%s", "{x}", "a/b", "(1 - y)", "&", "!", "|", ">"]

    /// `hostile`: from `fragments` and `benign`; else from `benign` only.
    static func text(_ rng: inout SplitMix64, hostile: Bool) -> String {
        if rng.chance(0.05) { return String(repeating: "long line ", count: rng.int(500...2_000)) }
        var out = ""
        for _ in 0..<rng.int(1...6) {
            out += hostile && rng.chance(0.6) ? rng.pick(fragments) : rng.pick(benign)
        }
        return out
    }

    /// `text` as a YAML double-quoted scalar: every character arrives in the loaded value, whatever it is.
    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += scalar.value <= 0xFFFF ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return out + "\""
    }

    /// `text` written into YAML as a spec author might: escaped in double quotes (any text), or raw in a
    /// literal block or plain (then YAML itself may refuse control characters, which must be located).
    static func yamlValue(_ text: String, _ rng: inout SplitMix64, indent: String) -> String {
        switch rng.int(0...5) {
        case 0:
            let body = text.split(separator: "\n", omittingEmptySubsequences: false).map { indent + "  " + $0 }
            return "|\n" + body.joined(separator: "\n")
        case 1: return text
        default: return doubleQuoted(text)
        }
    }
}

import NameSuggestion

/// Escapers that make spec text (summaries, docs, file names: data, never code) safe in one context of
/// generated source. Each is total: any Swift string gives text that cannot end its comment or literal,
/// and ordinary prose comes out unchanged so generated comments stay readable.
///
/// Characters a reader cannot see or that a compiler treats as line ends (C0 and C1 controls incl. NUL,
/// CR, LF and NEL, DEL, U+2028/U+2029, bidi controls, the BOM) are written visibly as `\u{XX}`, Swift's
/// own spelling, in comments as well as in literals.
public enum SourceText {
    /// One line of text in a C block comment (`/* ... */`). Besides the visible characters above:
    /// - `*/` and `/*` get a space between their characters (clang's -Wcomment rejects a nested `/*`);
    /// - a backslash at the end (line splicing) is `\u{5C}`, the trigraph `??/` (a backslash where trigraphs
    ///   are on) `?\u{3F}/`, so no line end after the text can be spliced away;
    /// - a tab becomes a space.
    /// The caller writes a space or line end, never `*` or `/`, right before and after the text.
    public static func cComment(_ text: String) -> String { comment(text, block: true) }

    /// Text in a `//` line comment of C or Swift (the header line of every generated file is both): as
    /// `cComment`, but `*/` and `/*` stay as written (a line comment ends only at a line end).
    public static func lineComment(_ text: String) -> String { comment(text, block: false) }

    private static func comment(_ text: String, block: Bool) -> String {
        var out = ""
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            let last = out.unicodeScalars.last
            switch scalar {
            case "\t": out += " "
            case "/" where block && last == "*", "*" where block && last == "/": out += " " + String(scalar)
            case "?" where last == "?" && i + 1 < scalars.count && scalars[i + 1] == "/": out += visible("?")
            case _ where isInvisible(scalar): out += visible(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        var trailingSpaces = 0
        while out.unicodeScalars.last == " " {
            out.unicodeScalars.removeLast()
            trailingSpaces += 1
        }
        if out.unicodeScalars.last == "\\" {
            out.unicodeScalars.removeLast()
            out += visible("\\")
        }
        return out + String(repeating: " ", count: trailingSpaces)
    }

    /// One line of a Swift comment (`/// ...` doc comments): nothing can end the line early; tabs become spaces.
    public static func swiftComment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\t" { out += " " } else if isInvisible(scalar) { out += visible(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// A Swift string literal, quotes included, whose value is exactly `text` (scalar for scalar): `\` and
    /// `"` escaped, `\0 \t \n \r` and every other invisible character as an escape, so the literal is
    /// one line whatever the text (`"""` or `\(` in the text are only characters).
    public static func swiftStringLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\0": out += "\\0"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where isInvisible(scalar): out += visible(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// One line of a Python `#` comment: nothing can end the line early (CR, LF, form feed, NUL and every
    /// other invisible character are written `\u{..}`), a tab becomes a space, and the `:` or `=` after
    /// `coding` is written `\u{3A}`/`\u{3D}`, so no text is ever a PEP 263 encoding declaration (which
    /// Python reads from a comment on a file's first two lines, header line included).
    public static func pythonComment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\t": out += " "
            case ":" where out.hasSuffix("coding"), "=" where out.hasSuffix("coding"): out += visible(scalar)
            case _ where isInvisible(scalar): out += visible(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The inside of a Python string literal (ordinary, not raw; single-, double- or triple-quoted alike)
    /// whose value is exactly `text`: `\` and `"` and `'` escaped (so no quote can end the literal and no
    /// backslash can escape or join anything), NUL, tab, CR, LF and every other invisible character as a
    /// Python escape (`\x00`, `\t`, `\r`, `\n`, `\x85`, `\u2028`, `\U000e0001`), so the text stays on one line.
    public static func pythonStringBody(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "'": out += "\\'"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where isInvisible(scalar): out += pythonEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A double-quoted Python string literal whose value is exactly `text` (`pythonStringBody`).
    public static func pythonStringLiteral(_ text: String) -> String { "\"" + pythonStringBody(text) + "\"" }

    /// `\x0d`, `\u2028`, `\U0010ffff`: Python's escapes, by the scalar's size.
    static func pythonEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        switch scalar.value {
        case ..<0x100: return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        case ..<0x10000: return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
    }

    /// The lines of multi-line text, split on LF, CRLF and CR alike (a spec file saved with CRLF or CR line
    /// ends has the same lines as with LF). Other line separators stay in their line, written visibly by
    /// the escapers.
    public static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n", afterCR {
                afterCR = false
                continue
            }
            afterCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(line))
                line = String.UnicodeScalarView()
            } else {
                line.append(scalar)
            }
        }
        lines.append(String(line))
        return lines
    }

    /// Characters written as escapes: `VisibleText`'s (shared with the runtime's error messages).
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool { VisibleText.isInvisible(scalar) }

    /// `\u{0D}`: Swift's escape, at least two hex digits, upper case (`VisibleText.escape`).
    static func visible(_ scalar: Unicode.Scalar) -> String { VisibleText.escape(scalar) }
}

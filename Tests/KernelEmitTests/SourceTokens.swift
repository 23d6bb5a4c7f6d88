/// The code tokens of generated C, Swift or Python: comments and the contents of string and character literals
/// dropped (a literal is one `"…"` token), line ends kept (they end C directives and Swift statements) but
/// runs of them collapsed, so two files with the same code and different comment text compare equal.
/// A comment or literal that does not end is a token of its own (`<unterminated …>`), so it shows as a
/// difference. Deliberately small: enough lexing to tell code from comments and literals, not a parser.
enum SourceTokens {
    enum Language { case c, swift, python }

    /// - Parameter trigraphs: C only: replace the nine trigraphs first, as a compiler with `-trigraphs` does.
    static func tokens(_ text: String, _ language: Language, trigraphs: Bool = false) -> [String] {
        var s = Array(text.unicodeScalars)
        if language == .c {
            if trigraphs { s = replacingTrigraphs(s) }
            s = splicingLines(s)
        }
        var tokens: [String] = []
        var i = 0
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func isLineEnd(_ c: Unicode.Scalar?) -> Bool { c == "\n" || c == "\r" }
        func lineEnd() { if tokens.last != "\n" { tokens.append("\n") } }
        while i < s.count {
            let c = s[i]
            if isLineEnd(c) {
                lineEnd()
                i += 1
            } else if c == " " || c == "\t" {
                i += 1
            } else if language == .python, c == "#" {
                while i < s.count, !isLineEnd(s[i]) { i += 1 }
            } else if language != .python, c == "/", at(i + 1) == "/" {
                while i < s.count, !isLineEnd(s[i]) { i += 1 }
            } else if language != .python, c == "/", at(i + 1) == "*" {
                // C block comments end at the first `*/`; Swift's nest.
                var depth = 0
                var closed = false
                while i < s.count {
                    if s[i] == "/", at(i + 1) == "*", language == .swift || depth == 0 {
                        depth += 1
                        i += 2
                    } else if s[i] == "*", at(i + 1) == "/" {
                        depth -= 1
                        i += 2
                        if depth == 0 { closed = true; break }
                    } else {
                        i += 1
                    }
                }
                if !closed { tokens.append("<unterminated comment>") }
            } else if language == .swift && c == "\"" || language == .python && (c == "\"" || c == "'"),
                      at(i + 1) == c, at(i + 2) == c {
                i += 3
                var closed = false
                while i < s.count {
                    if s[i] == "\\" { i += 2; continue }
                    if s[i] == c, at(i + 1) == c, at(i + 2) == c { i += 3; closed = true; break }
                    i += 1
                }
                tokens.append(closed ? "<string>" : "<unterminated string>")
            } else if c == "\"" || (language != .swift && c == "'") {
                i += 1
                var closed = false
                while i < s.count, !isLineEnd(s[i]) {
                    if s[i] == "\\" { i += 2; continue }
                    if s[i] == c { i += 1; closed = true; break }
                    i += 1
                }
                tokens.append(closed ? "<string>" : "<unterminated string>")
            } else if isWordStart(c) {
                let start = i
                while i < s.count, isWordStart(s[i]) || ("0"..."9").contains(s[i]) { i += 1 }
                tokens.append(String(String.UnicodeScalarView(s[start..<i])))
            } else if ("0"..."9").contains(c) {
                // A pp-number: digits, letters, `.`, `_` and a sign after an exponent letter (0x1.8p-3).
                let start = i
                i += 1
                while i < s.count {
                    if isWordStart(s[i]) || ("0"..."9").contains(s[i]) || s[i] == "." { i += 1 } else if (s[i] == "+" || s[i] == "-"), "eEpP".unicodeScalars.contains(s[i - 1]) { i += 1 } else { break }
                }
                tokens.append(String(String.UnicodeScalarView(s[start..<i])))
            } else {
                tokens.append(String(c))
                i += 1
            }
        }
        return tokens
    }

    static func isWordStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }

    /// Translation phase 2: a backslash, optional spaces or tabs (clang accepts them, with a warning), then
    /// a line end (LF, CR or CRLF) joins the two lines.
    static func splicingLines(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if s[i] == "\\" {
                var j = i + 1
                while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                if j < s.count, s[j] == "\n" || s[j] == "\r" {
                    i = j + (s[j] == "\r" && j + 1 < s.count && s[j + 1] == "\n" ? 2 : 1)
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    static func replacingTrigraphs(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let map: [Unicode.Scalar: Unicode.Scalar] = ["=": "#", "/": "\\", "'": "^", "(": "[", ")": "]", "!": "|", "<": "{", ">": "}", "-": "~"]
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if s[i] == "?", i + 2 < s.count, s[i + 1] == "?", let replaced = map[s[i + 2]] {
                out.append(replaced)
                i += 3
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }
}

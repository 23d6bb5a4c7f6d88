/// Tokens of the formula language; `offset` counts Unicode scalars from the start of the formula.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case identifier(String)
        case symbol(String)
        case end
    }
    var kind: Kind
    var offset: Int
    var text: String
}

struct LexError: Error {
    var offset: Int
    var message: String
}

enum Lexer {
    private static let symbols = ["<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "!", "?", ":"]

    static func tokenize(_ text: String) throws(LexError) -> [Token] {
        let s = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            let start = i
            if isDigit(c) || (c == "." && i + 1 < s.count && isDigit(s[i + 1])) {
                while i < s.count, isDigit(s[i]) || s[i] == "." { i += 1 }
                if i < s.count, s[i] == "e" || s[i] == "E" {
                    var j = i + 1
                    if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
                    if j < s.count, isDigit(s[j]) {
                        i = j
                        while i < s.count, isDigit(s[i]) { i += 1 }
                    }
                }
                let text = String(String.UnicodeScalarView(s[start..<i]))
                guard let value = Double(text) else {
                    throw LexError(offset: start, message: "malformed number `\(text)`; expected digits with at most one `.` and an optional exponent, e.g. `1.5e-3`")
                }
                guard value.isFinite else {
                    throw LexError(offset: start, message: "number `\(text)` is too large for a Double; expected a finite number (at most about 1.8e308)")
                }
                tokens.append(Token(kind: .number(value), offset: start, text: text))
                continue
            }
            if isIdentStart(c) {
                while i < s.count, isIdentStart(s[i]) || isDigit(s[i]) { i += 1 }
                let text = String(String.UnicodeScalarView(s[start..<i]))
                tokens.append(Token(kind: .identifier(text), offset: start, text: text))
                continue
            }
            let rest = String(String.UnicodeScalarView(s[i..<Swift.min(i + 2, s.count)]))
            if let sym = symbols.first(where: { rest.hasPrefix($0) }) {
                tokens.append(Token(kind: .symbol(sym), offset: start, text: sym))
                i += sym.unicodeScalars.count
                continue
            }
            let hints: [Unicode.Scalar: String] = ["=": " (use `==` to compare)", "&": " (use `&&`)", "|": " (use `||`)"]
            let hint = hints[c] ?? ""
            throw LexError(offset: start, message: "unexpected character `\(c)`\(hint)")
        }
        tokens.append(Token(kind: .end, offset: s.count, text: ""))
        return tokens
    }
}

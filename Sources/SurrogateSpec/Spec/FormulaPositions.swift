import Yams

/// Where each character of a scalar's value sits in the file. YAML folds line breaks (a plain or quoted
/// scalar over several lines reads as one line; `>` joins lines), strips indentation and trailing blanks, and
/// turns escapes (`\"`, `''`) into one character, so the value's offsets are not the file's. This walks the
/// file from the scalar's start and matches the value's characters one by one; nil when the two cannot be
/// aligned (the caller then falls back to line starts).
enum FormulaPositions {
    /// libyaml's `IS_ALPHA`: ASCII letters, digits, `-` and `_` (what an anchor's name is made of).
    static func isAnchorCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
    }

    static func align(_ value: String, style: Node.Scalar.Style, start: SourceLocation, lines: [Substring]) -> [SourceLocation]? {
        let text = lines.map { Array($0.unicodeScalars) }
        var line = start.line - 1, column = start.column - 1
        let isBlock = style == .literal || style == .folded
        var blockIndent = 0
        // libyaml's mark is the node's start: an anchor (`&a`) or a tag (`!t`) may stand before the value, and
        // whitespace (line breaks too) after them.
        while line < text.count, column < text[line].count, text[line][column] == "&" || text[line][column] == "!" {
            // libyaml's anchor names are letters, digits, `-` and `_` (the value may follow at once); a tag runs to
            // the next blank.
            let isAnchor = text[line][column] == "&"
            column += 1
            while column < text[line].count, text[line][column] != " ", text[line][column] != "\t",
                  !isAnchor || isAnchorCharacter(text[line][column]) { column += 1 }
            while line < text.count {
                while column < text[line].count, text[line][column] == " " || text[line][column] == "\t" { column += 1 }
                guard column >= text[line].count else { break }
                line += 1
                column = 0
            }
        }
        switch style {
        case .singleQuoted, .doubleQuoted:
            guard line < text.count, column < text[line].count, text[line][column] == "'" || text[line][column] == "\"" else { return nil }
            column += 1
        case .literal, .folded:
            // Content starts on the first non-blank line after the indicator, at that line's indentation.
            let firstContentLine = line + 1
            line = firstContentLine
            while line < text.count, text[line].allSatisfy({ $0 == " " }) { line += 1 }
            guard line < text.count else { return nil }
            blockIndent = text[line].prefix { $0 == " " }.count
            line = firstContentLine
            column = 0
            skipIndentation()
        default: break
        }
        func current() -> Unicode.Scalar? {
            guard line < text.count else { return nil }
            return column < text[line].count ? text[line][column] : "\n"
        }
        func here() -> SourceLocation { SourceLocation(file: start.file, line: line + 1, column: column + 1) }
        func skipIndentation() {
            var skipped = 0
            while line < text.count, column < text[line].count, text[line][column] == " " || text[line][column] == "\t",
                  !isBlock || skipped < blockIndent {
                column += 1
                skipped += 1
            }
        }
        func nextLine() {
            line += 1
            column = 0
            skipIndentation()
        }
        var positions: [SourceLocation] = []
        positions.reserveCapacity(value.unicodeScalars.count)
        var steps = 0
        let limit = 4 * (value.unicodeScalars.count + text.count + 16) + text.reduce(0) { $0 + $1.count }
        for c in value.unicodeScalars {
            while true {
                steps += 1
                guard steps < limit, let f = current() else { return nil }
                if style == .doubleQuoted, f == "\\" {
                    let next = column + 1 < text[line].count ? text[line][column + 1] : "\n"
                    if next == "\n" { nextLine(); continue }       // an escaped line break: no character
                    positions.append(here())
                    let width: Int = switch next { case "x": 4; case "u": 6; case "U": 10; default: 2 }
                    column += width
                    break
                }
                if style == .singleQuoted, f == "'", column + 1 < text[line].count, text[line][column + 1] == "'" {
                    positions.append(here())
                    column += 2
                    break
                }
                if f == "\n" {
                    // A break folded to a space, or one of the newlines that blank lines become: either way one
                    // line break of the file (a break YAML drops is skipped below, before the next character).
                    if c == " " || c == "\n" {
                        positions.append(here())
                        nextLine()
                        break
                    }
                    nextLine()
                    continue
                }
                if f == c {
                    positions.append(here())
                    column += 1
                    break
                }
                if f == " " || f == "\t" { column += 1; continue }   // trailing blanks YAML dropped before a fold
                return nil
            }
        }
        return positions
    }
}

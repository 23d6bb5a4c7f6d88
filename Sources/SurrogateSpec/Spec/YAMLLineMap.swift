/// libyaml's marks as the lines and columns an editor shows. libyaml (YAML 1.1) also ends a line at NEL,
/// U+2028 and U+2029, which editors show inside a line, and it puts an error at the end of a file that has
/// no final newline on the line after the last; both are mapped here before any diagnostic uses a mark.
struct YAMLLineMap: Sendable {
    /// Where each line libyaml counts starts, as (editor line, editor column).
    private var starts: [(line: Int, column: Int)] = [(1, 1)]
    /// Just past the last character.
    private var end = (line: 1, column: 1)

    /// `text` with CR and CRLF already normalised to LF.
    init(_ text: String) {
        var line = 1, column = 1
        for s in text.unicodeScalars {
            switch s {
            case "\n": line += 1; column = 1; starts.append((line, 1))
            case "\u{85}", "\u{2028}", "\u{2029}": column += 1; starts.append((line, column))
            default: column += 1
            }
        }
        end = (line, column)
    }

    /// libyaml's 1-based (line, column) in `file`, as the editor's; past the end of the text, the end.
    func location(line: Int, column: Int, file: String) -> SourceLocation {
        guard line >= 1, line <= starts.count else { return SourceLocation(file: file, line: end.line, column: end.column) }
        let start = starts[line - 1]
        let at = SourceLocation(file: file, line: start.line, column: start.column + Swift.max(column, 1) - 1)
        return at > SourceLocation(file: file, line: end.line, column: end.column) ? SourceLocation(file: file, line: end.line, column: end.column) : at
    }
}

@testable import SurrogateSpec

/// Test input with the expected diagnostic location marked by `⟦` (swift-syntax style): the marker is
/// removed and its line and column remembered.
struct MarkedSource {
    var text: String
    var line: Int
    var column: Int

    init(_ marked: String) {
        var line = 1, column = 1
        var found: (Int, Int)?
        var text = ""
        var scalars = Array(marked.unicodeScalars)[...]
        while let c = scalars.first {
            if c == "⟦" {
                found = (line, column)
                scalars = scalars.dropFirst()
                continue
            }
            text.unicodeScalars.append(c)
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
            scalars = scalars.dropFirst()
        }
        precondition(found != nil, "test source has no ⟦ marker")
        self.text = text
        self.line = found!.0
        self.column = found!.1
    }

    func location(file: String) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }
}

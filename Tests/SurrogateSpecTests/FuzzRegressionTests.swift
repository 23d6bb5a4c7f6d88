import Foundation
import Testing
@testable import SurrogateSpec

/// Every input the loader fuzzer (scripts/fuzz.sh) ever stopped on, kept in Fuzz/regressions: each must load
/// without a crash and with every diagnostic located inside the input (the fuzzer's own check, lines counted
/// on Unicode scalars with LF, CRLF and CR as line ends, as the loader counts them).
@Suite struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("crash-") }.sorted()
    }

    @Test func thereAreInputs() { #expect(Self.inputs.count >= 20) }

    @Test(arguments: inputs)
    func everyDiagnosticIsInsideTheInput(_ name: String) throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let text = String(decoding: data, as: UTF8.self)
        let (_, diagnostics) = SpecLoader.load(yaml: text, file: "fuzz.yaml")
        var scalars = String.UnicodeScalarView()
        var afterCR = false
        for s in text.unicodeScalars {
            if s == "\n", afterCR { afterCR = false; continue }
            afterCR = s == "\r"
            scalars.append(s == "\r" ? "\n" : s)
        }
        let lines = scalars.split(separator: "\n", omittingEmptySubsequences: false)
        for d in diagnostics {
            let (line, column) = (d.location.line, d.location.column)
            #expect(line >= 1 && line <= lines.count && column >= 1 && column <= lines[line - 1].count + 1,
                    "\(name): \(d) (\(lines.count) lines)")
        }
    }
}

// libFuzzer entry point for the spec loader (built by scripts/fuzz.sh, not part of the package).
// Any input goes through the YAML parser, the field checks, the formula lexer and parser, the naming
// authority and, when a spec loads, the numerical analysis and emitted-name collisions. Besides crashes,
// hangs and ASan reports, it traps when a diagnostic points outside the input (the contract: every error
// is located at a line and column of the file).
import SurrogateSpec

@_cdecl("LLVMFuzzerTestOneInput")
public func specLoaderFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (spec, diagnostics) = SpecLoader.load(yaml: text, file: "fuzz.yaml")
    // Lines as an editor counts them: LF, CRLF and CR end a line (as the loader normalises), counted on Unicode
    // scalars. (Foundation's replacingOccurrences is not used: on Linux it merged a CR with a following line break
    // that the loader, rightly, keeps apart, and reported false positives.)
    var scalars = String.UnicodeScalarView()
    var afterCR = false
    for s in text.unicodeScalars {
        if s == "\n", afterCR { afterCR = false; continue }
        afterCR = s == "\r"
        scalars.append(s == "\r" ? "\n" : s)
    }
    let lines = scalars.split(separator: "\n", omittingEmptySubsequences: false)
    for d in diagnostics {
        let line = d.location.line
        guard line >= 1, line <= lines.count, d.location.column >= 1, d.location.column <= lines[line - 1].count + 1 else {
            fatalError("diagnostic outside the input (\(lines.count) lines): \(d)")
        }
    }
    if let spec {
        _ = SpecAnalysis.check(spec)
        _ = EmittedNames.collisions([(spec.name, spec.trainForward != nil), (spec.name + "_train", false)])
        _ = spec.fingerprint
    }
    return 0
}

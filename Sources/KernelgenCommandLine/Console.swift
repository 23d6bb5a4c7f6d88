import Foundation
import SurrogateSpec

/// Output helpers: diagnostics to stderr in compiler form, results to stdout.
public enum Console {
    public static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    public static func report(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { error(d.description) }
    }

    public static func summary(_ diagnostics: [Diagnostic], specs: Int) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        let notes = diagnostics.count - errors - warnings
        return "\(specs) spec\(specs == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            + (notes > 0 ? ", \(notes) note\(notes == 1 ? "" : "s")" : "")
    }
}

/// A bad command-line value found while running (not while parsing): printed as one `Error: ...` line,
/// without the usage text ArgumentParser adds to a `ValidationError` (the root command's, from `run()`).
public struct InputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

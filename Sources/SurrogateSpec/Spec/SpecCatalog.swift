import Foundation

/// All specs of a folder (or a list of files), loaded and checked together: every error of every file is
/// collected, and names must be unique across files.
public struct SpecCatalog: Sendable {
    public var specs: [Spec]
    public var diagnostics: [Diagnostic]
    /// Every file read, including those with errors.
    public var files: [String]

    public var hasErrors: Bool { diagnostics.hasErrors }

    /// `*.yaml` and `*.yml` files of `directory`, sorted by name.
    public static func specFiles(in directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    public static func load(directory: String) throws -> SpecCatalog {
        load(files: try specFiles(in: directory))
    }

    public static func load(files: [String]) -> SpecCatalog {
        var specs: [Spec] = []
        var diagnostics: [Diagnostic] = []
        var firstFile: [String: String] = [:]
        for file in files {
            let (spec, found) = SpecLoader.load(path: file)
            diagnostics += found
            guard let spec else { continue }
            if let other = firstFile[spec.name] {
                diagnostics.append(Diagnostic(.duplicateSurrogate, at: SourceLocation(file: file, line: 1, column: 1),
                    "surrogate `\(spec.name)` is already defined in \(other); expected each name once"))
                continue
            }
            firstFile[spec.name] = file
            diagnostics += SpecAnalysis.check(spec)
            specs.append(spec)
        }
        return SpecCatalog(specs: specs.sorted { $0.name < $1.name }, diagnostics: diagnostics.sortedForDisplay(), files: files)
    }
}

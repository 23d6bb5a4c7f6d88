import Foundation
import SurrogateSpec

/// The specs present in the repository's `Specs/` folder, read from disk (not from the generated code), so
/// that tests about "every surrogate" follow the folder: adding `Specs/<name>.yaml` adds it to them.
public enum SpecFiles {
    /// `<repository>/Specs`, found from this file's own path (Tests/SurrogateTestSupport/SpecFiles.swift).
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Specs")

    /// The surrogates' names (the files' base names, which the loader requires to equal `name`), sorted.
    public static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }.sorted()
    }

    /// Every spec of the folder, parsed and checked; throws when the folder has an error, so that a broken
    /// spec fails the tests that enumerate specs instead of silently shrinking them.
    public static func specs() throws -> [Spec] {
        let specSet = try SpecSet.load(directory: directory.path)
        if specSet.diagnostics.hasErrors { throw SpecFolderError(description: "\(specSet.diagnostics)") }
        return specSet.specs
    }

    public struct SpecFolderError: Error, CustomStringConvertible { public var description: String }
}

/// The catalogue (`<repository>/Catalogue/<library>/<function>.yaml`).
public enum CatalogueFiles {
    public static let directory = SpecFiles.directory.deletingLastPathComponent().appendingPathComponent("Catalogue")

    /// Every catalogue spec, parsed and checked; throws when one has an error.
    public static func specs() throws -> [Spec] {
        let specSet = SpecSet.load(files: try SpecSet.catalogueFiles(in: directory.path))
        if specSet.diagnostics.hasErrors { throw SpecFiles.SpecFolderError(description: "\(specSet.diagnostics)") }
        return specSet.specs
    }
}

import Foundation

/// All specs of a folder (or a list of files), loaded and checked together: every error of every file is
/// collected, and names must be unique across files.
public struct SpecSet: Sendable {
    public var specs: [Spec]
    public var diagnostics: [Diagnostic]
    /// Every file read, including those with errors.
    public var files: [String]

    public var hasErrors: Bool { diagnostics.hasErrors }

    /// A spec folder that cannot be listed: one line saying where kernelgen looked and how to point it.
    public struct FolderError: Error, CustomStringConvertible {
        public var directory: String
        public var reason: String
        public init(directory: String, reason: String) {
            self.directory = directory
            self.reason = reason
        }
        public var description: String {
            let full = URL(fileURLWithPath: directory).standardizedFileURL.path
            return "cannot read the spec folder `\(directory)` (\(full)): \(reason); expected a folder of *.yaml specs (run from the project root, or pass --specs FOLDER)"
        }
    }

    /// `*.yaml` and `*.yml` files of `directory`, sorted by name.
    /// - Throws: `FolderError` when `directory` is missing, not a folder or unreadable.
    public static func specFiles(in directory: String) throws(FolderError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw FolderError(directory: directory, reason: "no such folder")
        }
        guard isDirectory.boolValue else { throw FolderError(directory: directory, reason: "not a folder") }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw FolderError(directory: directory, reason: "cannot list it (permission denied?)")
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The catalogue's spec files: `*.yaml` of each library folder of `directory` (`Catalogue/<library>/<function>.yaml`),
    /// sorted by path. A missing `directory` has none.
    /// - Throws: `FolderError` when `directory` exists but cannot be listed, or is not a folder.
    public static func catalogueFiles(in directory: String) throws(FolderError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw FolderError(directory: directory, reason: "not a folder") }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw FolderError(directory: directory, reason: "cannot list it (permission denied?)")
        }
        var files: [String] = []
        for name in names.sorted() {
            let folder = (directory as NSString).appendingPathComponent(name)
            var sub: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &sub), sub.boolValue else { continue }
            files += try specFiles(in: folder)
        }
        return files
    }

    /// - Throws: `FolderError` when `directory` cannot be listed.
    public static func load(directory: String) throws(FolderError) -> SpecSet {
        load(files: try specFiles(in: directory))
    }

    public static func load(files: [String]) -> SpecSet {
        load(files.map { file in (file, { SpecLoader.load(path: file) }) })
    }

    /// Specs given as texts, each with the file name its diagnostics carry (e.g. the built-in specs embedded
    /// in a program).
    public static func load(texts: [(file: String, yaml: String)]) -> SpecSet {
        load(texts.map { item in (item.file, { SpecLoader.load(yaml: item.yaml, file: item.file) }) })
    }

    private static func load(_ sources: [(file: String, load: () -> (Spec?, [Diagnostic]))]) -> SpecSet {
        let files = sources.map(\.file)
        var specs: [Spec] = []
        var diagnostics: [Diagnostic] = []
        var firstFile: [String: String] = [:]
        for (file, loadSpec) in sources {
            let (spec, found) = loadSpec()
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
        // Emitted names two specs would share (`nt`'s training forward and `nt_train`'s forward are both
        // `kg_nt_train_forward_f32`): an error at the second spec's name, so check accepts only what generate
        // can emit.
        let collisions = EmittedNames.collisions(specs.map { ($0.name, $0.kernelOps) })
        for c in collisions {
            guard let spec = specs.first(where: { $0.name == c.spec }) else { continue }
            diagnostics.append(Diagnostic(.nameCollision, at: spec.nameLocation ?? SourceLocation(file: spec.file, line: 1, column: 1),
                "surrogate `\(c.spec)` would emit the \(c.kind) `\(c.name)`, which `\(c.other)` (\(firstFile[c.other] ?? "another spec")) emits too; expected names whose emitted symbols, types and files differ"))
        }
        let colliding = Set(collisions.map(\.spec))
        specs.removeAll { colliding.contains($0.name) }
        return SpecSet(specs: specs.sorted { $0.name < $1.name }, diagnostics: diagnostics.sortedForDisplay(), files: files)
    }
}

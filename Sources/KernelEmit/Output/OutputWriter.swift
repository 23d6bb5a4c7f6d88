import Foundation

/// Writes generated files deterministically: unchanged files are not touched, files kernelgen wrote
/// before that no spec produces any more are removed, and `--check` reports instead of writing.
public struct OutputWriter {
    public struct Plan: Sendable, Equatable {
        /// New or different files (paths below the output folder), sorted.
        public var changed: [String]
        public var unchanged: [String]
        /// Files carrying kernelgen's header that nothing generates any more.
        public var obsolete: [String]

        public var isUpToDate: Bool { changed.isEmpty && obsolete.isEmpty }
    }

    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func plan(_ files: [GeneratedFile]) -> Plan {
        var changed: [String] = [], unchanged: [String] = []
        for file in files {
            let existing = try? String(contentsOfFile: full(file.path), encoding: .utf8)
            if existing == file.contents { unchanged.append(file.path) } else { changed.append(file.path) }
        }
        let produced = Set(files.map(\.path))
        let obsolete = ownedFiles().filter { !produced.contains($0) }
        return Plan(changed: changed.sorted(), unchanged: unchanged.sorted(), obsolete: obsolete.sorted())
    }

    /// Writes the changed files (atomically) and removes obsolete ones.
    public func apply(_ plan: Plan, _ files: [GeneratedFile]) throws {
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) })
        for path in plan.changed {
            let url = URL(fileURLWithPath: full(path))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(byPath[path]!.contents.utf8).write(to: url, options: .atomic)
        }
        for path in plan.obsolete { try FileManager.default.removeItem(atPath: full(path)) }
    }

    private func full(_ path: String) -> String { (directory as NSString).appendingPathComponent(path) }

    /// Files below the folder whose first line is kernelgen's header.
    private func ownedFiles() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var owned: [String] = []
        while let path = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full(path), isDirectory: &isDir), !isDir.boolValue,
                  let handle = FileHandle(forReadingAtPath: full(path)) else { continue }
            let head = handle.readData(ofLength: GeneratedFile.markerPrefix.utf8.count)
            try? handle.close()
            if String(decoding: head, as: UTF8.self) == GeneratedFile.markerPrefix { owned.append(path) }
        }
        return owned
    }
}

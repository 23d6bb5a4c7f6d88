#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension OutputWriter {
    /// Applies a plan made under the same lock, all or nothing. New contents go into a unique staging
    /// folder inside the output folder (same filesystem, so the renames are atomic); the files about to be
    /// replaced or removed are kept there too (hard links, or moved), so a failure at any step renames
    /// them back. The manifest is renamed last: until then, the previous one still describes the folder.
    /// The staging folder is removed on the way out, success or failure.
    /// `beforeRename` runs just before each file is renamed into place: the tests' way to make a foreign
    /// process act at the worst moment.
    /// - Throws: `OutputError.io` naming the output path whose write, rename or removal failed.
    func apply(_ plan: Plan, _ files: [GeneratedFile], beforeRename: (String) throws -> Void = { _ in }) throws {
        let targets = plan.changed + (plan.manifest == .current ? [] : [Self.manifestName])
        guard !targets.isEmpty || !plan.obsolete.isEmpty else { return }
        let contents = Dictionary(files.map { ($0.path, $0.contents) }, uniquingKeysWith: { first, _ in first })
        let staging = try makeStagingFolder()
        defer { PosixFiles.removeTree(staging) }
        let fresh = staging + "/new", previous = staging + "/previous"
        try PosixFiles.makeFolder(fresh, for: staging)
        try PosixFiles.makeFolder(previous, for: staging)
        for path in targets {
            try makeParents(of: path, under: fresh)
            let text = path == Self.manifestName ? plan.manifestText : contents[path]!
            try PosixFiles.createFile(fresh + "/" + path, Array(text.utf8), shownAs: full(path))
        }
        var undo: [() -> Void] = []
        do {
            for path in targets {
                for parent in OutputPath.parents(of: path) where try PosixFiles.makeFolder(full(parent), for: full(path)) {
                    undo.append { [full = full(parent)] in _ = rmdir(full) }
                }
            }
            for path in targets {
                try makeParents(of: path, under: previous)
                if link(full(path), previous + "/" + path) != 0 && errno != ENOENT {
                    throw OutputError.io(action: "replace", path: full(path), reason: PosixFiles.reason())
                }
            }
            for path in plan.obsolete {
                try makeParents(of: path, under: previous)
                try PosixFiles.move(full(path), previous + "/" + path, action: "remove", shownAs: full(path))
                undo.append { [full = full(path)] in _ = rename(previous + "/" + path, full) }
            }
            for path in targets {
                try beforeRename(path)
                try PosixFiles.move(fresh + "/" + path, full(path), action: "replace", shownAs: full(path))
                undo.append { [full = full(path)] in
                    if rename(previous + "/" + path, full) != 0 { _ = unlink(full) }
                }
            }
        } catch {
            for step in undo.reversed() { step() }
            throw error
        }
    }

    /// `.kernelgen-staging-XXXXXX`, unique per run.
    private func makeStagingFolder() throws -> String {
        var template = Array(full(OutputPath.stagingPrefix + "XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else {
            throw OutputError.io(action: "create a staging folder in", path: directory, reason: PosixFiles.reason())
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func makeParents(of path: String, under root: String) throws {
        for parent in OutputPath.parents(of: path) { try PosixFiles.makeFolder(root + "/" + parent, for: full(path)) }
    }
}

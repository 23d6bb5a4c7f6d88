/// Writes generated files into an output folder and owns only what it wrote there.
///
/// - Ownership: `.kernelgen-manifest` lists every file the writer wrote with the SHA-256 of its contents.
///   Only listed files are ever removed, only when nothing produces them any more, and only while they
///   still hold what the writer wrote; a listed file edited since is kept and reported (`Plan.kept`), run
///   after run, until someone removes it by hand. Without a manifest (a first run) nothing is removed. A file the manifest
///   does not list where an output goes is never replaced (an error), unless it already holds that output.
/// - Safety: every existing path is `lstat`ed before it is read; a link, FIFO, socket, device or folder
///   where a generated file goes is an error, never opened, followed or replaced.
/// - All or nothing: changed files are written into a staging folder inside the output folder, then
///   renamed into place, the manifest last; a failure at any step puts the previous output back.
/// - Concurrency: a run holds a `flock` on the folder from plan to apply, so runs into one folder take turns.
public struct OutputWriter: Sendable {
    public enum ManifestState: Sendable, Equatable {
        case current, stale, missing
    }

    public struct Plan: Sendable, Equatable {
        /// New or different files (paths below the output folder), sorted.
        public var changed: [String] = []
        public var unchanged: [String] = []
        /// Files the manifest lists, nothing produces any more and that still hold what kernelgen wrote:
        /// applying the plan removes them.
        public var obsolete: [String] = []
        /// Files the manifest lists and nothing produces any more, but changed since kernelgen wrote them
        /// (or no longer regular files): never removed, reported, and kept in the manifest so every run
        /// says so until someone deals with them.
        public var kept: [String] = []
        /// Whether the manifest on disk is the one this plan writes.
        public var manifest: ManifestState = .missing
        /// The manifest this plan writes.
        var manifestText = ""

        public var isUpToDate: Bool { changed.isEmpty && obsolete.isEmpty && kept.isEmpty && manifest == .current }
    }

    /// The manifest's file name in the output folder.
    public static let manifestName = OutputPath.manifestName

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// What `write` would do, without writing (`generate --check`). Holds a shared lock while it reads, so
    /// it never sees a concurrent run half applied.
    /// - Throws: `OutputError` for an invalid or duplicate path, a special file or non-folder in the way,
    ///   a malformed manifest, or a failed read.
    public func plan(_ files: [GeneratedFile]) throws -> Plan {
        guard try rootKind() == .directory else { return try makePlan(files) }
        return try DirectoryLock.holding(directory, exclusive: false) { try makePlan(files) }
    }

    /// Brings the folder up to date (creating it if needed) and returns what was done.
    /// - Throws: what `plan` throws, and `OutputError.io` when a write, rename or removal fails, in which
    ///   case the folder holds its previous output.
    @discardableResult
    public func write(_ files: [GeneratedFile]) throws -> Plan {
        try makeRoot()
        return try DirectoryLock.holding(directory, exclusive: true) {
            let plan = try makePlan(files)
            try apply(plan, files)
            return plan
        }
    }

    /// `path` below the output folder, as shown to the user and passed to the system.
    func full(_ path: String) -> String { directory.hasSuffix("/") ? directory + path : directory + "/" + path }

    func makePlan(_ files: [GeneratedFile]) throws -> Plan {
        let files = files.sorted { $0.path < $1.path }
        try checkPaths(files.map(\.path))
        var plan = Plan(), manifest = Manifest()
        let (previous, previousText) = try readManifest()
        for file in files {
            let bytes = Array(file.contents.utf8)
            manifest.entries[file.path] = SHA256.hex(bytes)
            let existing = try existingContents(file.path)
            if existing == bytes {
                plan.unchanged.append(file.path)
            } else {
                // A file kernelgen did not write (its manifest does not list it) where a new output goes: never
                // replaced (a new spec or neuron must not take the place of someone's file).
                if existing != nil, previous?.entries[file.path] == nil { throw OutputError.notWrittenByKernelgen(path: full(file.path)) }
                plan.changed.append(file.path)
            }
        }
        for (path, hash) in (previous?.entries ?? [:]).sorted(by: { $0.key < $1.key }) where manifest.entries[path] == nil {
            guard let stillAsWritten = try holdsAsWritten(path, hash) else { continue }
            if stillAsWritten {
                plan.obsolete.append(path)
            } else {
                plan.kept.append(path)
                manifest.entries[path] = hash
            }
        }
        plan.manifestText = manifest.text
        plan.manifest = previousText == nil ? .missing : previousText == plan.manifestText ? .current : .stale
        return plan
    }

    /// Every path valid, none twice, none both a file and another's folder.
    private func checkPaths(_ sortedPaths: [String]) throws {
        for path in sortedPaths { try OutputPath.validate(path) }
        for (path, next) in zip(sortedPaths, sortedPaths.dropFirst()) {
            if path == next { throw OutputError.invalidPath(path, reason: "produced twice") }
        }
        let paths = Set(sortedPaths)
        for path in sortedPaths {
            if let folder = OutputPath.parents(of: path).first(where: paths.contains) {
                throw OutputError.invalidPath(folder, reason: "is both a generated file and the folder of `\(path)`")
            }
        }
    }

    /// The bytes at a generated file's path, nil when nothing is there.
    /// - Throws: `OutputError.notAFolder` / `.notARegularFile` when something else is in the way.
    private func existingContents(_ path: String) throws -> [UInt8]? {
        for parent in OutputPath.parents(of: path) {
            switch try PosixFiles.kind(full(parent)) {
            case .absent: return nil
            case .directory: continue
            case let found: throw OutputError.notAFolder(path: full(path), blocker: full(parent), found: found.phrase)
            }
        }
        switch try PosixFiles.kind(full(path)) {
        case .absent: return nil
        case .regular: return try PosixFiles.readRegularFile(full(path))
        case let found: throw OutputError.notARegularFile(path: full(path), found: found.phrase)
        }
    }

    /// For a file the manifest lists: nil when it is gone, else whether it still holds what was written
    /// (a link or special file there, or on the way, does not).
    private func holdsAsWritten(_ path: String, _ hash: String) throws -> Bool? {
        for parent in OutputPath.parents(of: path) {
            switch try PosixFiles.kind(full(parent)) {
            case .absent: return nil
            case .directory: continue
            default: return false
            }
        }
        switch try PosixFiles.kind(full(path)) {
        case .absent: return nil
        case .regular: return SHA256.hex(try PosixFiles.readRegularFile(full(path))) == hash
        default: return false
        }
    }

    /// The previous manifest and its text; nil for both when there is none.
    private func readManifest() throws -> (Manifest?, String?) {
        let path = full(Self.manifestName)
        switch try PosixFiles.kind(path) {
        case .absent: return (nil, nil)
        case .regular:
            guard let text = String(validating: try PosixFiles.readRegularFile(path), as: UTF8.self) else {
                throw OutputError.malformedManifest(path: path, line: 1)
            }
            return (try Manifest.parse(text, shownAs: path), text)
        case let found: throw OutputError.notARegularFile(path: path, found: found.phrase)
        }
    }

    /// The output folder itself may be a link to a folder (the user's choice); only what is below it is
    /// held to the no-links rule.
    private func rootKind() throws -> FileKind { try PosixFiles.kind(directory, followingLinks: true) }

    /// `mkdir -p` of the output folder.
    private func makeRoot() throws {
        switch try rootKind() {
        case .directory: return
        case .absent: try PosixFiles.makeFolders(directory)
        case let found: throw OutputError.notAFolder(path: directory, blocker: directory, found: found.phrase)
        }
    }
}

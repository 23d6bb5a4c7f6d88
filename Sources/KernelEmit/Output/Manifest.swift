/// `.kernelgen-manifest`: the files `kernelgen generate` wrote into an output folder, each with the SHA-256
/// of what it wrote. It is how the writer knows what it owns: it removes only files listed here, and only
/// while they still hold what it wrote. Deterministic text (sorted, no timestamps), because Generated/ and
/// its manifest are committed and `generate --check` must be reproducible; the lines are `sha256sum`'s.
struct Manifest: Equatable {
    /// Relative path -> SHA-256 (hex) of the contents kernelgen wrote there.
    var entries: [String: String] = [:]

    static let heading = "# kernelgen generate: the files it wrote here (sha256sum format); it removes only these. Do not edit."

    var text: String {
        ([Self.heading] + entries.keys.sorted().map { "\(entries[$0]!)  \($0)" }).joined(separator: "\n") + "\n"
    }

    /// - Throws: `OutputError.malformedManifest` for a line that is not `<64 hex digits>  <valid path>`
    ///   (so a damaged or hostile manifest can never make the writer remove a path outside the folder).
    static func parse(_ text: String, shownAs path: String) throws -> Manifest {
        var manifest = Manifest()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let hash = line.prefix(64), rest = line.dropFirst(64)
            let entryPath = String(rest.dropFirst(2))
            guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }), rest.hasPrefix("  "),
                  (try? OutputPath.validate(entryPath)) != nil, manifest.entries[entryPath] == nil else {
                throw OutputError.malformedManifest(path: path, line: index + 1)
            }
            manifest.entries[entryPath] = String(hash)
        }
        return manifest
    }
}

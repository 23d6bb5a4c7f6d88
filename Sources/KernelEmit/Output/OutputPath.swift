/// The rules for a generated file's path below the output folder. The generator makes these paths, so a
/// violation is a bug caught here (defensively) before anything is read or written, rather than a write
/// outside the folder or a manifest line that cannot be read back.
enum OutputPath {
    /// Names at the top of the output folder that belong to the writer itself.
    static let manifestName = ".kernelgen-manifest"
    static let stagingPrefix = ".kernelgen-staging-"

    /// - Throws: `OutputError.invalidPath` when the path is empty, absolute, has an empty, `.` or `..`
    ///   component, a control character, or is one of the writer's own names.
    static func validate(_ path: String) throws {
        func invalid(_ reason: String) -> OutputError { .invalidPath(path, reason: reason) }
        guard !path.isEmpty else { throw invalid("empty") }
        guard !path.hasPrefix("/") else { throw invalid("absolute; output paths are relative to the output folder") }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw invalid("contains a control character")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw invalid("has an empty, `.` or `..` component")
        }
        guard path != manifestName, !components[0].hasPrefix(stagingPrefix) else {
            throw invalid("is a name the writer keeps for itself")
        }
    }

    /// The folders on the way to `path`, outermost first: `C/include/k.h` -> `C`, `C/include`.
    static func parents(of path: String) -> [String] {
        let components = path.split(separator: "/")
        return (1..<max(components.count, 1)).map { components[0..<$0].joined(separator: "/") }
    }
}

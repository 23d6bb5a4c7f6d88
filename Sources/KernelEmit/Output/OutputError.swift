/// Why `OutputWriter` refused or failed; every description is one line naming the path concerned, so the
/// command line can print it as is.
public enum OutputError: Error, Equatable, CustomStringConvertible {
    /// A generated file's path is empty, absolute, has an empty, `.` or `..` component, a control
    /// character, or a name the writer reserves for itself (the manifest, its staging folders).
    case invalidPath(String, reason: String)
    /// Something other than a regular file (a symbolic link, FIFO, socket, device or folder) is where a
    /// generated file or the manifest goes; the writer neither opens nor replaces it.
    case notARegularFile(path: String, found: String)
    /// A folder on the way to a generated file is something else (a regular file, a symbolic link, ...).
    case notAFolder(path: String, blocker: String, found: String)
    /// A system call failed: `action` is what was being done ("write", "read", "replace", ...).
    case io(action: String, path: String, reason: String)
    /// The manifest has a line that is neither a comment nor `<sha256>  <relative path>`.
    case malformedManifest(path: String, line: Int)
    /// A regular file the manifest does not list (kernelgen did not write it) is where a generated file goes, with
    /// other contents: it is not replaced.
    case notWrittenByKernelgen(path: String)

    public var description: String {
        switch self {
        case let .invalidPath(path, reason):
            "invalid output path `\(path)`: \(reason)"
        case let .notARegularFile(path, found):
            "cannot write \(path): \(found) is there; kernelgen only replaces regular files (remove it)"
        case let .notAFolder(path, blocker, found):
            "cannot write \(path): \(blocker) is \(found), not a folder"
        case let .io(action, path, reason):
            "cannot \(action) \(path): \(reason)"
        case let .notWrittenByKernelgen(path):
            "cannot write \(path): a file kernelgen did not write (its manifest does not list it) is there; move it away or remove it, then run again"
        case let .malformedManifest(path, line):
            "\(path):\(line): not a manifest entry (`<sha256>  <path>`); delete the manifest to start over (nothing is removed without one)"
        }
    }
}

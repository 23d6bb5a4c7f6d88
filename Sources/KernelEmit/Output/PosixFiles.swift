#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `lstat` finds at a path. A symbolic link is reported as one, never followed.
enum FileKind: Equatable {
    case absent, regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, unknown

    /// "a FIFO", for one-line errors.
    var phrase: String {
        switch self {
        case .absent: "nothing"
        case .regular: "a regular file"
        case .directory: "a folder"
        case .symbolicLink: "a symbolic link"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .unknown: "a special file"
        }
    }
}

/// The few POSIX calls the writer needs, each failing with a one-line `OutputError` (not a Foundation
/// error dump) and none following a symbolic link or blocking on a FIFO.
enum PosixFiles {
    static func reason(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// `lstat`, or `stat` when `followingLinks`.
    /// - Throws: `OutputError.io` when the call fails for another reason than the path being absent.
    static func kind(_ path: String, followingLinks: Bool = false) throws -> FileKind {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else {
            if errno == ENOENT { return .absent }
            throw OutputError.io(action: "inspect", path: path, reason: reason())
        }
        return kind(mode: info.st_mode)
    }

    static func kind(mode: mode_t) -> FileKind {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symbolicLink
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        default: .unknown
        }
    }

    /// The bytes of a regular file. Opened without following a link and without blocking, then checked
    /// to be a regular file through the open descriptor, so a file swapped in after `lstat` is refused too.
    /// - Throws: `OutputError.notARegularFile` or `OutputError.io`.
    static func readRegularFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { throw OutputError.notARegularFile(path: path, found: FileKind.symbolicLink.phrase) }
            throw OutputError.io(action: "read", path: path, reason: reason())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw OutputError.io(action: "read", path: path, reason: reason()) }
        let found = kind(mode: info.st_mode)
        guard found == .regular else { throw OutputError.notARegularFile(path: path, found: found.phrase) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw OutputError.io(action: "read", path: path, reason: reason()) }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
    }

    /// Creates `path` (which must not exist) with `bytes` and flushes it to disk, so the rename that
    /// publishes it never exposes a partly written file. Errors name `shownAs` (the destination the
    /// staged file stands for), which is what the user knows.
    /// - Throws: `OutputError.io`.
    static func createFile(_ path: String, _ bytes: [UInt8], shownAs: String) throws {
        func failure() -> OutputError { .io(action: "write", path: shownAs, reason: reason()) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure() }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { let error = failure(); close(fd); throw error }
            written += n
        }
        guard fsync(fd) == 0 else { let error = failure(); close(fd); throw error }
        guard close(fd) == 0 else { throw failure() }
    }

    /// Creates the folder if it is absent; returns whether it did.
    /// - Throws: `OutputError.io`, or `OutputError.notAFolder` when something else is there.
    @discardableResult
    static func makeFolder(_ path: String, for target: String) throws -> Bool {
        if mkdir(path, 0o777) == 0 { return true }
        guard errno == EEXIST else { throw OutputError.io(action: "create folder", path: path, reason: reason()) }
        let found = try kind(path)
        guard found == .directory else { throw OutputError.notAFolder(path: target, blocker: path, found: found.phrase) }
        return false
    }

    /// `mkdir -p`.
    /// - Throws: `OutputError.io` naming the first folder that cannot be created.
    static func makeFolders(_ path: String) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for end in 1...components.count where !components[end - 1].isEmpty {
            let prefix = components[0..<end].joined(separator: "/")
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw OutputError.io(action: "create folder", path: prefix, reason: reason())
            }
        }
    }

    /// `rename(2)`: atomic within one filesystem, and it replaces a link itself, never its target.
    /// - Throws: `OutputError.io` naming `shownAs` with `action`.
    static func move(_ from: String, _ to: String, action: String, shownAs: String) throws {
        guard rename(from, to) == 0 else { throw OutputError.io(action: action, path: shownAs, reason: reason()) }
    }

    /// Removes a folder tree the writer made itself (its staging folder): regular files and folders only,
    /// never following a link. Best effort: it runs on the way out of success and failure alike.
    static func removeTree(_ path: String) {
        if (try? kind(path)) == .directory, let dir = opendir(path) {
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

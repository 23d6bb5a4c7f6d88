#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory `flock` on the output folder itself, held while a run plans and applies, so concurrent
/// runs into one folder take turns: the second waits, then finds everything up to date. Locking the
/// folder's own descriptor (not a lock file inside it) leaves nothing behind to commit or ignore. Each
/// lock opens the folder anew, so two threads of one process exclude each other as two processes do.
enum DirectoryLock {
    /// Runs `body` holding the lock; blocks until it is granted. Shared locks (readers: `--check`)
    /// exclude only exclusive ones.
    /// - Throws: `OutputError.io` when the folder cannot be opened or locked, or what `body` throws.
    static func holding<T>(_ directory: String, exclusive: Bool, _ body: () throws -> T) throws -> T {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError.io(action: "lock", path: directory, reason: PosixFiles.reason()) }
        defer { close(fd) }     // closing the descriptor releases the lock
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else { throw OutputError.io(action: "lock", path: directory, reason: PosixFiles.reason()) }
        }
        return try body()
    }
}

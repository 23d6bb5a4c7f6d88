import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a spec file safely: what it is is checked before it is opened (a FIFO would block, a device
/// never end), its size is bounded, and every failure is one line saying what was found.
enum SpecFile {
    struct Problem: Error {
        var message: String
        var line = 1
        var column = 1
    }

    static func read(_ path: String) -> Result<String, Problem> {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            return .failure(Problem(message: "cannot read the spec: \(reason); expected a readable YAML file"))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(Problem(message: "is a folder; expected a spec file (*.yaml)"))
        default: return .failure(Problem(message: "is not a regular file (a FIFO, socket or device); expected a spec file (*.yaml)"))
        }
        guard Int(info.st_size) <= SpecLoader.maximumFileSize else {
            return .failure(Problem(message: "is \(info.st_size) bytes; expected a spec of at most \(SpecLoader.maximumFileSize) bytes"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = access(path, R_OK) != 0 ? String(cString: strerror(errno)) : "cannot open"
            return .failure(Problem(message: "cannot read the spec: \(reason); expected a readable YAML file"))
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: SpecLoader.maximumFileSize + 1)) ?? Data()
        guard data.count <= SpecLoader.maximumFileSize else {
            return .failure(Problem(message: "is larger than \(SpecLoader.maximumFileSize) bytes; expected a smaller spec"))
        }
        return decode([UInt8](data))
    }

    /// UTF-8 text, or where the first byte that is not UTF-8 sits.
    static func decode(_ bytes: [UInt8]) -> Result<String, Problem> {
        if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
        // Find the first invalid sequence: decode scalar by scalar, counting lines and columns.
        var line = 1, column = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput: break loop
            case .error:
                return .failure(Problem(message: "is not UTF-8 text (an invalid byte here); expected a UTF-8 YAML file",
                                        line: line, column: column))
            }
        }
        return .failure(Problem(message: "is not UTF-8 text; expected a UTF-8 YAML file"))
    }

    /// CRLF and lone CR as LF, and no byte-order mark: libyaml counts the same lines and columns then, and
    /// so do the loader's own line tables (Swift treats "\r\n" as one Character, which `split("\n")` misses).
    static func normalised(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var previousCR = false
        var first = true
        for s in text.unicodeScalars {
            defer { first = false }
            if first && s == "\u{FEFF}" { continue }
            if s == "\r" { scalars.append("\n"); previousCR = true; continue }
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            scalars.append(s)
        }
        return String(scalars)
    }
}

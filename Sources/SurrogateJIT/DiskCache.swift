import Foundation
import Logging

/// Compiled objects on disk, so a second process skips the compiler. One file per key:
/// magic, the full key material (compared exactly, so a foreign or colliding entry is never used), the
/// vector widths, the object, and a checksum over everything before it. Writes go to a temporary file
/// renamed into place (atomic); a bad entry is reported as a miss and overwritten by the recompile.
struct DiskCache: Sendable {
    let directory: URL
    private static let magic = Array("KGJIT1\n".utf8)
    private static let logger = Logger(label: "kernelgen.jit.cache")

    struct Entry: Equatable {
        var object: [UInt8]
        var vectorWidths: [String: Int]
    }

    /// `KERNELGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/kernelgen`, else `$HOME/.cache/kernelgen`. A relative
    /// `XDG_CACHE_HOME` is ignored, as the XDG Base Directory specification says ("If an implementation encounters a
    /// relative path in any of these variables it should consider the path invalid and ignore it").
    static var defaultDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["KERNELGEN_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return URL(fileURLWithPath: xdg).appendingPathComponent("kernelgen") }
        // The specification's default is $HOME/.cache (Foundation's home directory is the password database's).
        let home = env["HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
        return (home ?? FileManager.default.homeDirectoryForCurrentUser).appendingPathComponent(".cache/kernelgen")
    }

    func url(for key: String) -> URL { directory.appendingPathComponent("\(key).kgjit") }

    func read(key: String, material: String) -> Entry? {
        guard let data = FileManager.default.contents(atPath: url(for: key).path) else { return nil }
        guard let entry = Self.decode([UInt8](data), material: material) else {
            Self.logger.warning("ignoring corrupt or foreign JIT cache entry \(url(for: key).path); recompiling")
            return nil
        }
        return entry
    }

    func write(key: String, material: String, entry: Entry) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Data.write(options: .atomic) writes a temporary file in the same folder and renames it.
            try Data(Self.encode(entry, material: material)).write(to: url(for: key), options: .atomic)
        } catch {
            Self.logger.warning("cannot write JIT cache entry \(url(for: key).path): \(error)")
        }
    }

    static func encode(_ entry: Entry, material: String) -> [UInt8] {
        var out = magic
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func put(_ bytes: [UInt8]) { put(UInt64(bytes.count)); out += bytes }
        put(Array(material.utf8))
        put(UInt64(entry.vectorWidths.count))
        for (name, width) in entry.vectorWidths.sorted(by: { $0.key < $1.key }) {
            put(Array(name.utf8))
            put(UInt64(bitPattern: Int64(width)))
        }
        put(entry.object)
        put(Hash.fnv1a(out))
        return out
    }

    static func decode(_ bytes: [UInt8], material: String) -> Entry? {
        var position = 0
        // Every length comes from the file: compared with what is left, never added to (a length near
        // Int.max would overflow `position + count`).
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, count <= bytes.count - position else { return nil }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func number() -> UInt64? {
            guard let raw = take(8) else { return nil }
            return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        func blob() -> [UInt8]? {
            guard let n = number(), n <= UInt64(bytes.count - position), let raw = take(Int(n)) else { return nil }
            return Array(raw)
        }
        guard take(magic.count).map(Array.init) == magic, blob() == Array(material.utf8),
              let count = number(), count < 64 else { return nil }
        var widths: [String: Int] = [:]
        for _ in 0..<count {
            guard let name = blob(), let width = number() else { return nil }
            widths[String(decoding: name, as: UTF8.self)] = Int(Int64(bitPattern: width))
        }
        guard let object = blob() else { return nil }
        let checked = position
        guard let checksum = number(), position == bytes.count, checksum == Hash.fnv1a(Array(bytes[..<checked])) else { return nil }
        return Entry(object: object, vectorWidths: widths)
    }
}

enum Hash {
    /// FNV-1a, 64 bits.
    static func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// A 128-bit hex name for cache files (two FNV-1a lanes with different seeds).
    static func key(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let a = fnv1a(bytes), b = fnv1a(bytes, seed: 0x84222325cbf29ce4)
        return String(format: "%016llx%016llx", a, b)
    }
}

import Foundation
@testable import KernelEmit

/// A scratch output folder for the writer's tests, removed by `remove()`; paths are relative to it.
struct OutputFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kg-writer-\(UUID().uuidString)")
    var path: String { url.path }
    var writer: OutputWriter { OutputWriter(directory: path) }

    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func full(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: full(relative)) }

    func text(_ relative: String) throws -> String { try String(contentsOfFile: full(relative), encoding: .utf8) }

    func put(_ relative: String, _ text: String) throws {
        let url = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    /// Every file below the folder (relative path -> bytes), links not followed: to compare before/after.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for relative in try FileManager.default.subpathsOfDirectory(atPath: path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: full(relative))
            switch attributes[.type] as? FileAttributeType {
            case .typeRegular?: files[relative] = try Data(contentsOf: URL(fileURLWithPath: full(relative)))
            case .typeDirectory?: files[relative + "/"] = Data()
            case let other: files[relative] = Data("\(String(describing: other))".utf8)
            }
        }
        return files
    }

    /// Leftover staging folders of the writer (there must be none after any run).
    func stagingFolders() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix(".kernelgen-staging-") }
    }
}

/// A generated file with kernelgen's header, as the generator makes them.
func generated(_ path: String, _ body: String) -> GeneratedFile {
    GeneratedFile(path: path, contents: GeneratedFile.headerLine(source: "Specs/test.yaml") + "\n" + body + "\n")
}

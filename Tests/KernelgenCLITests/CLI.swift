import Foundation

/// Runs the `kernelgen` binary built next to the test bundle.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The surrogates of the repository's Specs/ (the files' base names, sorted), so that tests of what
    /// `check`, `list` and `eval` report follow the folder when a spec is added.
    static var specNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Specs").path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }.sorted()
    }

    /// The neurons of the repository's Neurons/ (checked by `check` with no files, beside the surrogates).
    static var neuronNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Neurons").path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    /// The number of files under `directory` (recursively), e.g. of the committed Generated/.
    /// Generated files below `directory` (the writer's manifest, a dot-file, is not one of them).
    static func fileCount(under directory: URL) -> Int {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true && !$0.lastPathComponent.hasPrefix(".")
        }.count
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kernelgen")
    }

    static func run(_ arguments: [String], stdin: String = "", in directory: URL = root, environment: [String: String] = [:]) throws -> Result {
        try run(executable, arguments, stdin: stdin, in: directory, environment: environment)
    }

    static func run(_ program: URL, _ arguments: [String], stdin: String = "", in directory: URL = root,
                    environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.currentDirectoryURL = directory
        // The package is built: `kernelgen eval ...` hands over to the kernelgen-tools beside it without a rebuild.
        // A debug build of the tests runs unoptimised kernels on purpose: no warning, and `bench` runs.
        process.environment = ProcessInfo.processInfo.environment
            .merging(["KERNELGEN_TOOLS_NO_BUILD": "1", "KERNELGEN_ALLOW_UNOPTIMIZED": "1"]) { $1 }
            .merging(environment) { $1 }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes while the process runs, so a large output cannot block it.
        nonisolated(unsafe) var out = Data(), err = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { out = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { err = error.fileHandleForReading.readDataToEndOfFile() }
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

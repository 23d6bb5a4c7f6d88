import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// The real compilers on the fixture rendered with the nastiest text in every free-text field: the C
/// files and the JIT's source under `-Wall -Werror` (trigraphs off and on), the Swift files parsed, and
/// the embedded sources' literals compiled and run, their values compared with the spec's text byte for byte.
@Suite struct SpecTextCompileTests {
    static let cc = "/usr/bin/cc"

    static func nastySpec() throws -> Spec {
        let text = NastyText.all
        return try NastyText.fixture(summary: text, doc: text + "\n" + text + "\r\n" + text, paramDocs: [text, "\\"],
                                     source: text, fileName: "fixture.yaml" + text)
    }

    /// Renders the nasty fixture's files (and the JIT source as `jit.c`) into a new temporary folder.
    static func renderedFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-spectext-\(UUID().uuidString)")
        let spec = try nastySpec()
        for (path, text) in try SpecTextPropertyTests.rendered(spec, Generator(templatesDirectory: GoldenTests.templates)) {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// Runs a compiler; nil when it is missing (the caller records the skip).
    static func run(_ tool: String, _ arguments: [String], in dir: URL) throws -> (status: Int32, output: String)? {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// A tool on PATH.
    static func onPath(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The C compilers: the system's `cc` (GCC on Debian) and the clang beside `swiftc` (the JIT's dialect).
    static func cCompilers() -> [String] {
        let swiftc = onPath("swiftc").map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
        return [cc, swiftc.map { $0.deletingLastPathComponent().appendingPathComponent("clang").path } ?? "clang beside swiftc"]
    }

    @Test func cFilesCompileWithWarningsAsErrors() throws {
        let dir = try Self.renderedFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for compiler in Self.cCompilers() {
            for file in ["C/kernelgen_fixture.c", "C/kernelgen_noise.c", "jit.c"] {
                for mode in [["-std=gnu17"], ["-std=c11", "-trigraphs"]] {
                    // The JIT source is one translation unit with the prelude's helpers as statics: unused ones are expected.
                    let jit = file == "jit.c" ? ["-Wno-unused-function"] : []
                    let arguments = ["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-IC", "-IC/include"] + jit + mode + [file]
                    guard let (status, output) = try Self.run(compiler, arguments, in: dir) else {
                        Issue.record("skipped: no C compiler at \(compiler)")
                        continue
                    }
                    #expect(status == 0, "\(compiler) \(arguments.joined(separator: " ")):\n\(output)")
                }
            }
        }
        // The nasty text is there, shown: the test would pass vacuously on a fixture without it.
        let header = try String(contentsOf: dir.appendingPathComponent("C/include/kernelgen_fixture.h"), encoding: .utf8)
        #expect(header.contains("g* /2") && header.contains("\\u{2028}") && header.contains("?\\u{3F}/"))
    }

    @Test func swiftFilesParseAndTheirLiteralsHoldTheSpecText() throws {
        let dir = try Self.renderedFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard let swiftc = Self.onPath("swiftc") else {
            Issue.record("skipped: no swiftc on PATH")
            return
        }
        // The kernels and registry import the runtime: parsing checks every comment and literal of theirs.
        let parsed = try #require(try Self.run(swiftc, ["-parse", "Swift/FixtureKernels.swift", "Swift/GeneratedRegistry.swift"], in: dir))
        #expect(parsed.status == 0, "swiftc -parse:\n\(parsed.output)")

        // The embedded sources stand alone: compile them with a main that prints each value's UTF-8 bytes.
        let spec = try Self.nastySpec()
        let main = """
            for name in EmbeddedSources.specs.keys.sorted() { print(name, Array(EmbeddedSources.specs[name]!.utf8)) }
            print("summary", Array(GeneratedSummary.text.utf8))
            """
        try main.write(to: dir.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        try "enum GeneratedSummary { static let text = \(SourceText.swiftStringLiteral(spec.summary)) }\n"
            .write(to: dir.appendingPathComponent("Summary.swift"), atomically: true, encoding: .utf8)
        let built = try #require(try Self.run(swiftc, ["-Onone", "-o", "embedded", "main.swift", "Summary.swift", "Embedded/EmbeddedSources.swift"], in: dir))
        #expect(built.status == 0, "swiftc:\n\(built.output)")
        guard built.status == 0 else { return }
        let ran = try #require(try Self.run(dir.appendingPathComponent("embedded").path, [], in: dir))
        #expect(ran.output == "fixture \(Array(spec.source.utf8))\nsummary \(Array(spec.summary.utf8))\n")
    }
}

import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// Specs `check` accepts whose kernels do not read every argument: the emitted C (files and the JIT's source)
/// must still compile under the C library's `-Wall -Wextra -Werror` (examples/c-client/test.sh builds it so).
/// A formula that ignores `x`, and a deterministic training forward beside a backward that samples (the
/// training forward's kernel then takes a seed it must not use and draws no Philox block).
@Suite struct UnusedKernelArgumentTests {
    static let specs: [(name: String, yaml: String)] = [
        ("no_x", """
            name: no_x
            summary: Formulas that do not read x.
            forward: "0.5"
            train_forward: "uniform()"
            primitive: "0.25"
            backward: "0"
            """),
        ("quiet_forward", """
            name: quiet_forward
            summary: A deterministic training forward; only the backward samples.
            params:
              a: {default: 1.0}
            train_forward: heaviside(x - a)
            backward: a * uniform()
            """),
    ]

    static func spec(_ yaml: String, _ name: String) throws -> Spec {
        let (spec, diagnostics) = SpecLoader.load(yaml: yaml, file: "\(name).yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(spec)
    }

    @Test(arguments: specs.map(\.name))
    func cCompilesWithWarningsAsErrors(name: String) throws {
        let yaml = try #require(Self.specs.first { $0.name == name }).yaml
        let spec = try Self.spec(yaml, name)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-unused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (path, text) in try SpecTextPropertyTests.rendered(spec, Generator(templatesDirectory: GoldenTests.templates)) {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        for compiler in SpecTextCompileTests.cCompilers() {
            for file in ["C/kernelgen_\(name).c", "jit.c"] {
                let jit = file == "jit.c" ? ["-Wno-unused-function"] : []
                let arguments = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-IC", "-IC/include"] + jit + [file]
                guard let (status, output) = try SpecTextCompileTests.run(compiler, arguments, in: dir) else {
                    Issue.record("skipped: no C compiler at \(compiler)")
                    continue
                }
                #expect(status == 0, "\(compiler) \(arguments.joined(separator: " ")):\n\(output)")
            }
        }
    }

    /// Swift warns of an unused `let` ("immutable value 'xs' was never used"): a training forward that ignores x
    /// declares no `xs` for its whole-block loop.
    @Test func swiftTrainingForwardWithoutXDeclaresNoXs() throws {
        let spec = try Self.spec(Self.specs[0].yaml, "no_x")
        let files = try SpecTextPropertyTests.rendered(spec, Generator(templatesDirectory: GoldenTests.templates), jit: false)
        let swift = try #require(files.first { $0.path == "Swift/NoXKernels.swift" }).text
        #expect(swift.contains("let ys = y + i"))
        #expect(!swift.contains("let xs"))
    }

    /// The deterministic training forward is the plain loop: no Philox block, the seed marked unused.
    @Test func deterministicTrainingForwardDrawsNoBlock() throws {
        let spec = try Self.spec(Self.specs[1].yaml, "quiet_forward")
        let files = try SpecTextPropertyTests.rendered(spec, Generator(templatesDirectory: GoldenTests.templates), jit: false)
        let c = try #require(files.first { $0.path == "C/kernelgen_quiet_forward.c" }).text
        let trainForward = try #require(c.components(separatedBy: "kg_quiet_forward_train_forward_f32(").dropFirst().first)
            .components(separatedBy: "KG_KERNEL").first ?? ""
        #expect(trainForward.contains("(void)seed;"))
        #expect(!trainForward.contains("kg_philox"))
        // The backward still samples, on stream 2.
        #expect(c.contains("kg_philox_stream(seed, block, 0u, 2u)"))
    }
}

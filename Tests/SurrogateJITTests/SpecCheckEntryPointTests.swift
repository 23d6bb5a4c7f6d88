import Foundation
import KernelEmit
import Surrogates
import SurrogateSpec
import Testing
@testable import SurrogateJIT

/// `kernelgen check`, the JIT's `load` and (through it) the ABI run one check (`SpecCheck`), so they say the same
/// about a spec: the same diagnostics, ids and locations, the numeric lint's findings included.
@Suite struct SpecCheckEntryPointTests {
    /// `exp(x) - 1` cancels near 0 (a numeric-lint warning the loader and the shape check cannot see); `sigmaa` is a
    /// misspelt parameter (an error with a fix-it).
    static let warns = "name: cancels\nsummary: s\nbackward: (exp(x) - 1) * exp(-x^2) / 2\n"
    static let misspelt = "name: misspelt\nsummary: s\nparams:\n  sigma: 1.0\nbackward: exp(-x^2 / sigmaa) / 2\n"

    func file(_ text: String, named name: String) throws -> (path: String, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("\(name).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, dir)
    }

    @Test func theJITsLoadSaysWhatKernelgenCheckSays() throws {
        let (path, dir) = try file(Self.warns, named: "cancels")
        defer { try? FileManager.default.removeItem(at: dir) }
        // What `kernelgen check FILE` runs.
        let cli = SpecCheck.check(specSet: SpecSet.load(files: [path])).diagnostics
        #expect(cli.contains { $0.id == .cancellation && $0.severity == .warning }, "\(cli)")
        let (fresh, cache) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: cache) }
        let jit = try fresh.loadReporting(specAt: path, into: DispatchTable()).warnings
        #expect(jit == cli)
        let text = try fresh.loadReporting(yaml: Self.warns, file: path, into: DispatchTable()).warnings
        #expect(text == cli)
    }

    @Test func errorsCarryTheirFixIt() throws {
        let (path, dir) = try file(Self.misspelt, named: "misspelt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cli = SpecCheck.check(specSet: SpecSet.load(files: [path])).diagnostics
        let error = try #require(cli.first { $0.id == .unknownIdentifier })
        #expect(error.fixIt == FixIt(original: "sigmaa", replacement: "sigma"))
        #expect(error.message.contains("did you mean `sigma`?"))
        let (fresh, cache) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: cache) }
        #expect(throws: JITError.invalidSpec(cli)) { try fresh.load(specAt: path, into: DispatchTable()) }
    }
}

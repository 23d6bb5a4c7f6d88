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

    /// Loading lints every shipped and catalogue spec as `check` does (they are within the load's budget), and a spec
    /// whose sums make the lint take minutes is loaded at once with a `lint-skipped` note.
    @Test func theLoadsBudgetCoversTheShippedSpecsAndSkipsHugeSums() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try SpecSet.load(directory: root.appendingPathComponent("Specs").path).specs
        let catalogue = SpecSet.load(files: try SpecSet.catalogueFiles(in: root.appendingPathComponent("Catalogue").path)).specs
        let budget = try #require(SpecCheck.Options().numericBudget)
        let largest = (shipped + catalogue).map { ($0.name, SpecCheck.operations(of: $0, values: $0.defaults)) }.max { $0.1 < $1.1 }!
        #expect(largest.1 <= budget, "\(largest)")
        let huge = "name: huge_sum\nsummary: s\nparams:\n  n: {default: 40, integer: true, min: 1, max: 4096}\n"
            + "backward: sum(k, 1, n, exp(-(x * k)^2) * k / sqrt(pi)) / (n * (n + 1) / 2)\n"
        let report = SpecCheck.check(yaml: huge, file: "huge_sum.yaml")
        #expect(report.spec != nil && report.accuracy.isEmpty)
        #expect(report.diagnostics.contains { $0.id == .lintSkipped && $0.severity == .note }, "\(report.diagnostics)")
    }
}

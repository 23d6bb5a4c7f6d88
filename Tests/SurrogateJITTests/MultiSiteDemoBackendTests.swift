import Foundation
import KernelEmit
import Surrogates
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// `MultiSiteDemo`'s sampling backward (five noise sites on stream 2, reading `y`) in the ahead-of-time C kernels
/// (rendered, built by cc): bit for bit against `MultiSiteDemo.expected` (the runtime's Philox draws), whole and at
/// an offset that starts mid-block, in float and double, at the default `keep` and another. The JIT:
/// `MultiSiteBackwardJITTests`; the Swift kernels: `MultiSiteDemoSwiftTests` (SurrogatesTests), whose committed
/// source is checked fresh here.
@Suite struct MultiSiteDemoBackendTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func spec() throws -> Spec {
        let (spec, diagnostics) = SpecLoader.load(yaml: MultiSiteDemo.yaml, file: "Specs/multi_site_demo.yaml")
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        return try #require(spec)
    }

    func misses<T: KernelScalar>(_: T.Type, keep: T, run: ([T], [T], [T], UInt64, UInt64) throws -> [T]) throws -> [String] {
        let seed: UInt64 = 0xC0DE_5EED
        let (x, y, gradOut) = MultiSiteDemo.inputs(T.self)
        var found: [String] = []
        for offset: UInt64 in [0, 13] {
            let want = MultiSiteDemo.expected(x: x, y: y, gradOut: gradOut, seed: seed, offset: offset, keep: keep)
            found += BernoulliDemo.bitMisses(try run(x, y, gradOut, seed, offset), want, x: x, label: "C \(T.self) keep \(keep) offset \(offset)")
        }
        return found
    }

    @Test func aheadOfTimeC() throws {
        let cc = try #require(ExternalTools.find("cc") ?? ExternalTools.find("clang"), "no C compiler")
        let spec = try Self.spec()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kg-multi-site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try SpecSetChecks.generate([spec], into: out).isEmpty)
        let library = try AOTLibrary(cc: cc, generated: out, specs: [spec])
        let name = MultiSiteDemo.name
        var found: [String] = []
        for keep in [0.9, 0.25] {
            found += try misses(Float.self, keep: Float(keep)) { try library.trainBackward(name, $0, y: $1, gradOut: $2, seed: $3, offset: $4, [keep]) }
            found += try misses(Double.self, keep: keep) { try library.trainBackward(name, $0, y: $1, gradOut: $2, seed: $3, offset: $4, [keep]) }
        }
        #expect(found.isEmpty, "\(found.count) misses: \(found.prefix(5))")
    }

    /// The Swift kernels SurrogatesTests compiles are what the generator emits for the spec now.
    @Test func swiftKernelsInTheTestsAreFresh() throws {
        let committed = Self.root.appendingPathComponent("Tests/SurrogatesTests/MultiSiteDemo/MultiSiteDemoKernels.swift")
        let rendered = try Generator(templatesDirectory: Self.root.appendingPathComponent("Templates").path).render([try Self.spec()])
        let file = try #require(rendered.first { $0.path == "Swift/MultiSiteDemoKernels.swift" })
        let expected = "import SurrogateKernelsSwift\n" + file.contents
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try expected.write(to: committed, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOf: committed, encoding: .utf8) == expected,
                "stale: run KERNELGEN_RECORD_GOLDEN=1 swift test --filter MultiSiteDemoBackendTests")
    }
}

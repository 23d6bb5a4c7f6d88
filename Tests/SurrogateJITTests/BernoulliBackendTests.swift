import Foundation
import KernelEmit
import Surrogates
import SurrogateJIT
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// `bernoulli(p)` in the JIT and the ahead-of-time C kernels (rendered, built by cc): the sample is `u < p ? 1 :
/// 0` for the call site's uniform draw, bit for bit against `BernoulliDemo.expectedSample` (the runtime's own
/// uniform draws) for any chunking; the mean field is `clamp(p, 0, 1)` exactly; many samples average to p.
/// The Swift kernels: `BernoulliDemoSwiftTests` (SurrogatesTests), against the same reference.
@Suite(.serialized) struct BernoulliBackendTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func spec() throws -> Spec {
        let (spec, diagnostics) = SpecLoader.load(yaml: BernoulliDemo.yaml, file: "Specs/bernoulli_demo.yaml")
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        return try #require(spec)
    }

    /// A table with the spec loaded by a JIT with a cache of its own (the disk cache's key covers the spec and
    /// the templates, not the emitters' code, so a shared cache could serve kernels of an older emitter).
    /// The caller removes the cache folder (`dir`) when done.
    static func jitTable() throws -> (table: DispatchTable, dir: URL) {
        let (jit, table, dir) = try EverySpecJITAccuracyTests.jitTable()
        try jit.load(yaml: BernoulliDemo.yaml, file: "Specs/bernoulli_demo.yaml", into: table)
        return (table, dir)
    }

    /// The JIT's sample, whole and in chunks of odd sizes at their offsets, and its mean field.
    func jit<T: KernelScalar>(_: T.Type, table: DispatchTable) throws -> [String] {
        let seed: UInt64 = 0x5EED_B0B
        let x = BernoulliDemo.points(T.self)
        let sampling: BoundSurrogate<T> = try table.surrogate(BernoulliDemo.name, backend: .jit, mode: .train(sample: true, seed: seed))
        let want = BernoulliDemo.expectedSample(x, seed: seed)
        var misses = BernoulliDemo.bitMisses(try sampling.forward(x, step: 0), want, x: x, label: "jit \(T.self) sample")
        var chunked: [T] = []
        var start = 0
        for size in [1, 3, 7, 100, 1_000, x.count] where start < x.count {
            let end = min(x.count, start + size)
            chunked += try sampling.forward(Array(x[start..<end]), step: 0, offset: UInt64(start))
            start = end
        }
        misses += BernoulliDemo.bitMisses(chunked, want, x: x, label: "jit \(T.self) chunked")
        let mean: BoundSurrogate<T> = try table.surrogate(BernoulliDemo.name, backend: .jit, mode: .train(sample: false, seed: seed))
        misses += BernoulliDemo.bitMisses(try mean.forward(x, step: 0), x.map(BernoulliDemo.expectedMean), x: x, label: "jit \(T.self) mean field")
        return misses
    }

    @Test func jitSampleAndMeanField() throws {
        let (table, dir) = try Self.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        let misses = try jit(Float.self, table: table) + jit(Double.self, table: table)
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    @Test func aheadOfTimeC() throws {
        let cc = try #require(ExternalTools.find("cc") ?? ExternalTools.find("clang"), "no C compiler")
        let spec = try Self.spec()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kg-bernoulli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try SpecSetChecks.generate([spec], into: out).isEmpty)
        let library = try AOTLibrary(cc: cc, generated: out, specs: [spec])
        let seed: UInt64 = 77
        let xf = BernoulliDemo.points(Float.self), xd = BernoulliDemo.points(Double.self)
        var misses = BernoulliDemo.bitMisses(try library.trainForward(BernoulliDemo.name, xf, seed: seed, [1]),
                                             BernoulliDemo.expectedSample(xf, seed: seed), x: xf, label: "C f32 sample")
        misses += BernoulliDemo.bitMisses(try library.trainForward(BernoulliDemo.name, xd, seed: seed, offset: 13, [1]),
                                          BernoulliDemo.expectedSample(xd, seed: seed, offset: 13), x: xd, label: "C f64 sample")
        misses += BernoulliDemo.bitMisses(try library.forward(BernoulliDemo.name, op: "train_forward_mean", xf, [1]),
                                          xf.map(BernoulliDemo.expectedMean), x: xf, label: "C f32 mean field")
        misses += BernoulliDemo.bitMisses(try library.forward(BernoulliDemo.name, op: "train_forward_mean", xd, [1]),
                                          xd.map(BernoulliDemo.expectedMean), x: xd, label: "C f64 mean field")
        // scale is folded in the JIT and a runtime argument here: p = 0.25 * x.
        misses += BernoulliDemo.bitMisses(try library.trainForward(BernoulliDemo.name, xf, seed: seed, [0.25]),
                                          BernoulliDemo.expectedSample(xf.map { 0.25 * $0 }, seed: seed), x: xf, label: "C f32 scale 0.25")
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    /// The sample's mean over n = 2^20 draws of one p is within 6 standard errors sqrt(p (1 - p) / n) of p
    /// (a correct sampler fails this with probability about 2e-9; the seed is fixed, so it either always passes or
    /// never does), and every value is 0 or 1; p = 0 and 1 (and beyond) give constants.
    @Test(arguments: [0.0, 0.001, 0.1, 0.25, 0.5, 0.7, 0.999, 1.0, -3.0, 4.0])
    func meanOfManySamplesIsP(p: Double) throws {
        let (table, dir) = try Self.jitTable()
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 1 << 20
        let s: BoundSurrogate<Float> = try table.surrogate(BernoulliDemo.name, backend: .jit, mode: .train(sample: true, seed: 2024))
        let y = try s.forward([Float](repeating: Float(p), count: n), step: 3)
        #expect(y.allSatisfy { $0 == 0 || $0 == 1 })
        let mean = y.reduce(0.0) { $0 + Double($1) } / Double(n)
        let target = min(max(Double(Float(p)), 0), 1)
        let bound = 6 * (target * (1 - target) / Double(n)).squareRoot()
        #expect(abs(mean - target) <= bound, "mean \(mean) of \(n) samples at p = \(p); expected within \(bound) of \(target)")
    }

    /// The Swift kernels SurrogatesTests compiles are what the generator emits for the spec now.
    @Test func swiftKernelsInTheTestsAreFresh() throws {
        let committed = Self.root.appendingPathComponent("Tests/SurrogatesTests/BernoulliDemo/BernoulliDemoKernels.swift")
        let rendered = try Generator(templatesDirectory: Self.root.appendingPathComponent("Templates").path).render([try Self.spec()])
        let file = try #require(rendered.first { $0.path == "Swift/BernoulliDemoKernels.swift" })
        let expected = "import SurrogateKernelsSwift\n" + file.contents
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try expected.write(to: committed, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOf: committed, encoding: .utf8) == expected,
                "stale: run KERNELGEN_RECORD_GOLDEN=1 swift test --filter BernoulliBackendTests")
    }
}

import Foundation
import KernelEmit
import Surrogates
import SurrogateJIT
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// A spec that gives only `primitive:` runs in every backend, its backward the derivative kernelgen derived:
/// the JIT (through a dispatch table), the ahead-of-time C (rendered, built by cc, dlopen'ed) and Swift
/// (`Tests/SurrogatesTests/PrimitiveDemo`, compiled into SurrogatesTests; checked fresh here), each against
/// the primitive and its derivative written by hand in Float80 (`PrimitiveDemo`). PyTorch: python/tests.
@Suite struct PrimitiveEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func spec() throws -> Spec {
        let (spec, diagnostics) = SpecLoader.load(yaml: PrimitiveDemo.yaml, file: "Specs/primitive_demo.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(spec)
    }

    @Test func theBackwardIsDerived() throws {
        let s = try Self.spec()
        #expect(s.backwardIsDerived)
        #expect(s.primitive != nil)
    }

    @Test(arguments: [false, true]) func jit(double: Bool) throws {
        let table = DispatchTable()
        QuietLogs.bootstrap()
        SurrogateJIT.shared.install(in: table)
        try SurrogateJIT.shared.load(yaml: PrimitiveDemo.yaml, file: "Specs/primitive_demo.yaml", into: table)
        func run<T: KernelScalar>(_: T.Type) throws -> [String] {
            let bound: BoundSurrogate<T> = try table.surrogate(PrimitiveDemo.name, backend: .jit)
            let x = PrimitiveDemo.points(T.self)
            let misses = PrimitiveDemo.misses(x: x, primitive: try bound.primitive(x),
                                              gradient: try bound.backward(x, gradOut: [T](repeating: 1, count: x.count)), label: "jit \(T.self)")
            // The generic every-spec check as well (primitive and derived backward against the spec's own formulas).
            let generic = try SpecCase.cases(for: try Self.spec()).flatMap { c -> [String] in
                let b: BoundSurrogate<T> = try table.surrogate(PrimitiveDemo.name, backend: .jit, parameters: c.parameters)
                return try c.check(b).misses
            }
            return misses + generic
        }
        let misses = double ? try run(Double.self) : try run(Float.self)
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    @Test func aheadOfTimeC() throws {
        let cc = "/usr/bin/cc"
        try #require(FileManager.default.isExecutableFile(atPath: cc), "no C compiler at \(cc)")
        let spec = try Self.spec()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kg-primitive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        for file in try Generator(templatesDirectory: Self.root.appendingPathComponent("Templates").path).render([spec]) {
            let url = out.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
        let library = try AOTLibrary(cc: cc, generated: out, specs: [spec])
        let p = [2.0, 0.5]
        let xf = PrimitiveDemo.points(Float.self), xd = PrimitiveDemo.points(Double.self)
        let misses = PrimitiveDemo.misses(x: xf, primitive: try library.forward(PrimitiveDemo.name, op: "primitive", xf, p),
                                          gradient: try library.backward(PrimitiveDemo.name, xf, y: xf, p), label: "C f32")
            + PrimitiveDemo.misses(x: xd, primitive: try library.forward(PrimitiveDemo.name, op: "primitive", xd, p),
                                   gradient: try library.backward(PrimitiveDemo.name, xd, y: xd, p), label: "C f64")
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    /// The Swift kernels SurrogatesTests compiles are what the generator emits for the spec now.
    @Test func swiftKernelsInTheTestsAreFresh() throws {
        let committed = Self.root.appendingPathComponent("Tests/SurrogatesTests/PrimitiveDemo/PrimitiveDemoKernels.swift")
        let rendered = try Generator(templatesDirectory: Self.root.appendingPathComponent("Templates").path).render([try Self.spec()])
        let file = try #require(rendered.first { $0.path == "Swift/PrimitiveDemoKernels.swift" })
        // In the package this file is part of SurrogateKernelsSwift; in the test target it imports it (KernelMath).
        let expected = "import SurrogateKernelsSwift\n" + file.contents
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try expected.write(to: committed, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOf: committed, encoding: .utf8) == expected,
                "stale: run KERNELGEN_RECORD_GOLDEN=1 swift test --filter PrimitiveEndToEndTests")
    }
}

import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// Formulas at the language's limits emit code inside the compilers' limits: no expression nests deeper
/// than `boundNesting`'s height (clang allows 256 brackets), and the C compiles with warnings as errors.
@Suite struct DeepFormulaTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Templates").path

    /// A 258-term sum (left-nested 258 deep) and a 300-deep right-nested product.
    static var deepSpec: Spec {
        let sum = (0..<258).map { "\($0 % 7 + 1) * x" }.joined(separator: " + ")
        let product = String(repeating: "(x * ", count: 300) + "x" + String(repeating: ")", count: 300)
        let yaml = "name: deep\nsummary: deep formulas\nforward: \(product) > 0\nbackward: \(sum)\n"
        return SpecLoader.load(yaml: yaml, file: "Specs/deep.yaml").0!
    }

    /// The deepest bracket nesting of a C or Swift text (comments and literals of generated code hold none).
    static func bracketDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        for c in text.unicodeScalars {
            if c == "(" { depth += 1; deepest = max(deepest, depth) } else if c == ")" { depth -= 1 }
        }
        return deepest
    }

    @Test func emittedExpressionsNestBoundedly() throws {
        let files = try Generator(templatesDirectory: Self.templates).render([Self.deepSpec], only: ["C/surrogate.c.stencil", "Swift/Kernels.swift.stencil"])
        #expect(files.count == 2)
        for file in files {
            #expect(Self.bracketDepth(file.contents) <= 40, "\(file.path): \(Self.bracketDepth(file.contents))")
        }
    }

    /// Hoisting keeps the value: the locals, substituted back, give the original tree.
    @Test func boundNestingKeepsTheExpression() throws {
        let e = Self.deepSpec.backward.expr
        let (locals, body) = Simplifier.boundNesting([], e, maximumHeight: 8)
        var values: [String: Expr] = [:]
        func inline(_ node: Expr) -> Expr {
            if case .local(let name) = node.kind { return values[name]! }
            return Simplifier.map(node, inline)
        }
        for local in locals {
            #expect(local.value.height <= 8)
            values[local.name] = inline(local.value)
        }
        #expect(body.height <= 8)
        #expect(inline(body).isSame(as: e))
    }

    @Test func theCCompilesWithWarningsAsErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-deep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Generator(templatesDirectory: Self.templates).render([Self.deepSpec])
        for f in files {
            let url = dir.appendingPathComponent(f.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try f.contents.write(to: url, atomically: true, encoding: .utf8)
        }
        for compiler in SpecTextCompileTests.cCompilers() {
            guard let r = try SpecTextCompileTests.run(compiler, ["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-IC/include", "C/kernelgen_deep.c"], in: dir) else {
                Issue.record("skipped: no C compiler at \(compiler)")
                continue
            }
            #expect(r.status == 0, "\(compiler):\n\(r.output.prefix(2000))")
        }
    }
}

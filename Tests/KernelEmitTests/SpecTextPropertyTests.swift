import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// Spec text is data: whatever a spec's free-text fields hold, the code of every generated file (its tokens
/// outside comments and literals) is that of the same spec with plain text, and no invisible character or
/// line end other than LF reaches a file.
@Suite struct SpecTextPropertyTests {
    static let templates = GoldenTests.templates

    static func plainSpec() throws -> Spec {
        try NastyText.fixture(summary: "Plain summary.", doc: "Plain doc.", paramDocs: ["Plain param."],
                              source: "name: fixture\n", fileName: "fixture.yaml")
    }

    /// The ahead-of-time files of `templates` (all when nil) and, with `jit`, the JIT's C source (its header
    /// names the spec file) as `jit.c`.
    static func rendered(_ spec: Spec, _ generator: Generator, templates: Set<String>? = nil, jit: Bool = true) throws -> [(path: String, text: String)] {
        var files = try generator.render([spec], only: templates).map { (path: $0.path, text: $0.contents) }
        if jit {
            let context = SurrogateContext(spec: spec, specFile: generator.specFile(spec), storages: [.float32], parametersAreConstants: true)
            let source = try generator.jitSource(cacheKey: UUID().uuidString, constants: spec.params.map { ($0.name, $0.defaultValue) },
                                                 element: .float32) { context }
            files.append((path: "jit.c", text: source))
        }
        return files
    }

    static func language(_ path: String) -> SourceTokens.Language { path.hasSuffix(".swift") ? .swift : .c }

    /// The templates whose output depends on a spec's free text: the others (prelude, math: most of the
    /// rendering time) are rendered only in the first cases.
    static func textDependentTemplates(_ generator: Generator) throws -> Set<String> {
        let marked = try NastyText.fixture(summary: "MARK", doc: "MARK", paramDocs: ["MARK"], source: "MARK", fileName: "MARK")
        let plain = try generator.render([plainSpec()]), changed = try generator.render([marked])
        let differing = Set(zip(plain, changed).filter { $0 != $1 }.map(\.0.path))
        let path = { (output: Generator.Output) -> String in
            switch output.destination {
            case .fixed(let path): path
            case .perSpec(let file): file.path(EmittedNames(spec: "fixture"))
            case .perNeuron: EmittedNames.neuronCSource("fixture")
            }
        }
        return Set(Generator.outputs.filter { differing.contains(path($0)) }.map(\.template))
    }

    @Test func arbitraryTextInEveryFreeTextFieldLeavesTheCodeUnchanged() throws {
        let generator = Generator(templatesDirectory: Self.templates)
        let textTemplates = try Self.textDependentTemplates(generator)
        #expect(textTemplates.contains("Swift/Embedded.swift.stencil") && textTemplates.contains("C/surrogate.h.stencil"))
        let plainFull = try Self.rendered(Self.plainSpec(), generator)
        let plainText = try Self.rendered(Self.plainSpec(), generator, templates: textTemplates, jit: false)
        // Tokens of the plain files by path and C mode (trigraphs off, clang's default, and on).
        var plainTokens: [String: [[String]]] = [:]
        for file in plainFull {
            plainTokens[file.path] = [false, true].map { SourceTokens.tokens(file.text, Self.language(file.path), trigraphs: $0) }
        }
        var random = NastyText(seed: 0x5EED_2026)
        for round in 0..<200 {
            // Every file and the JIT source in the first rounds, then the files free text reaches.
            let full = round < 12
            let plain = full ? plainFull : plainText
            let spec = try NastyText.fixture(summary: random.text(), doc: random.text(), paramDocs: [random.text(), random.text()],
                                             source: random.text(), fileName: random.text())
            let files = try Self.rendered(spec, generator, templates: full ? nil : textTemplates, jit: full)
            #expect(files.map(\.path) == plain.map(\.path))
            for (file, plainFile) in zip(files, plain) where file.text != plainFile.text {
                let language = Self.language(file.path)
                let expected = try #require(plainTokens[file.path])
                var same = SourceTokens.tokens(file.text, language) == expected[0]
                if language == .c, file.text.contains("??") {
                    same = same && SourceTokens.tokens(file.text, .c, trigraphs: true) == expected[1]
                }
                #expect(same, "code of \(file.path) changed for summary \(spec.summary.debugDescription), doc \(spec.doc.debugDescription), param docs \(spec.params.map(\.doc).debugDescription), file \(spec.file.debugDescription)")
                let hidden = file.text.unicodeScalars.filter { $0 != "\n" && SourceText.isInvisible($0) }
                #expect(hidden.isEmpty, "\(file.path) holds \(hidden.map { String($0.value, radix: 16) })")
                if !same || !hidden.isEmpty { return }
            }
        }
    }

    /// The tokenizer sees what the property relies on: text that escapes a comment changes the tokens.
    @Test func theTokenizerSeesTextThatEscapesAComment() {
        let c = SourceTokens.tokens("/* a */ int x;\n", .c)
        #expect(SourceTokens.tokens("/* a */ int x; */ int evil; /* */\n", .c) != c)
        #expect(SourceTokens.tokens("// a\\\nint x;\n", .c) == ["\n"])
        #expect(SourceTokens.tokens("// a??/\nint x;\n", .c, trigraphs: true) == ["\n"])
        #expect(SourceTokens.tokens("// a??/\nint x;\n", .c) == ["\n", "int", "x", ";", "\n"])
        #expect(SourceTokens.tokens("/// a\rlet x = 1\n", .swift) == ["\n", "let", "x", "=", "1", "\n"])
        #expect(SourceTokens.tokens("let s = \"a\\\"b\" /* x /* y */ z */ + 1\n", .swift) == ["let", "s", "=", "<string>", "+", "1", "\n"])
        #expect(SourceTokens.tokens("let s = \"a\n", .swift) == ["let", "s", "=", "<unterminated string>", "\n"])
    }
}

import Foundation
import Testing

/// The Swift snippets of README.md and docs/*.md and examples/SwiftClient stay in step: the example holds each snippet verbatim
/// between `// README snippet begins` and `// README snippet ends` (indented into a function), compiles it and
/// checks its values (`scripts/check-swift-client.sh`, run by CI). Here: every ```swift block of README.md and
/// of the DocC articles is one of those regions line for line (imports: at the top of that file), and every
/// region is in README.md or a page of docs/.
struct ReadmeSnippetTests {
    struct Snippet: Equatable {
        var imports: [String]
        var body: [String]
    }

    /// The ```swift blocks of a Markdown text: imports apart, lines right-trimmed, leading blank lines dropped.
    static func swiftBlocks(_ markdown: String) -> [Snippet] {
        var blocks: [Snippet] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```swift" { current = []; continue }
            guard var lines = current else { continue }
            if line == "```" {
                let imports = lines.filter { $0.hasPrefix("import ") }
                let body = normalized(lines.filter { !$0.hasPrefix("import ") })
                blocks.append(Snippet(imports: imports, body: body))
                current = nil
            } else {
                lines.append(line)
                current = lines
            }
        }
        return blocks
    }

    /// The regions of an example source file, each dedented by its marker's indentation.
    static func regions(_ source: String) -> [[String]] {
        var regions: [[String]] = []
        var current: [String]?
        var indent = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.drop { $0 == " " }
            if trimmed == "// README snippet begins" { current = []; indent = line.count - trimmed.count; continue }
            if trimmed == "// README snippet ends" { regions.append(normalized(current ?? [])); current = nil; continue }
            current?.append(line.count >= indent && line.prefix(indent).allSatisfy { $0 == " " } ? String(line.dropFirst(indent)) : line)
        }
        return regions
    }

    static func normalized(_ lines: [String]) -> [String] {
        var out = lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }
        while out.first?.isEmpty == true { out.removeFirst() }
        while out.last?.isEmpty == true { out.removeLast() }
        return out
    }

    static var exampleFiles: [(path: String, text: String)] {
        let folder = CLI.root.appendingPathComponent("examples/SwiftClient/Sources/SwiftClient")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".swift") }.sorted().compactMap { name in
            (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)).map { (name, $0) }
        }
    }

    /// README.md and docs/*.md (the pages a user reads), then the DocC articles.
    static func pages() throws -> [(name: String, text: String)] {
        let docs = CLI.root.appendingPathComponent("docs")
        let names = ["README.md"] + ((try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? [])
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        return try names.map { name in (name, try String(contentsOf: CLI.root.appendingPathComponent(name), encoding: .utf8)) }
    }

    static func documents() throws -> [(name: String, text: String)] {
        var docs = try pages()
        for catalogue in ["Sources/Surrogates/Surrogates.docc", "Sources/SurrogateJIT/SurrogateJIT.docc"] {
            let folder = CLI.root.appendingPathComponent(catalogue)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where name.hasSuffix(".md") {
                docs.append(("\(catalogue)/\(name)", try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)))
            }
        }
        return docs
    }

    @Test func everySwiftSnippetIsCompiledByTheExample() throws {
        let files = Self.exampleFiles
        #expect(files.count >= 2, "examples/SwiftClient/Sources/SwiftClient not found")
        let pages = try Self.pages()
        #expect(pages.count >= 10, "README.md and docs/*.md: \(pages.map(\.name))")
        let pageBlocks = pages.flatMap { Self.swiftBlocks($0.text) }
        #expect(pageBlocks.count >= 4, "the docs have their Swift API, JIT, catalogue and neuron snippets")
        for (name, text) in try Self.documents() {
            for (index, block) in Self.swiftBlocks(text).enumerated() {
                let holder = files.first { Self.regions($0.text).contains(block.body) }
                #expect(holder != nil, "\(name): Swift block \(index + 1) (`\(block.body.first ?? "")`...) is not a region of examples/SwiftClient; copy it there (or fix the difference)")
                for line in block.imports {
                    #expect(holder?.text.split(separator: "\n").contains { $0 == line } != false, "\(name): `\(line)` missing from \(holder?.path ?? "")")
                }
            }
        }
        // And back: no region the pages have lost.
        let bodies = pageBlocks.map(\.body)
        for file in files {
            for region in Self.regions(file.text) {
                #expect(bodies.contains(region), "\(file.path): a snippet region no longer in README.md or docs/*.md (`\(region.first ?? "")`...)")
            }
        }
    }
}

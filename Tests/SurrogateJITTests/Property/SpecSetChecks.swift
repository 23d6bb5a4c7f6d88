import Foundation
import KernelEmit
import SurrogateSpec
import SurrogateTestSupport

/// The stages of the generator's contract the property test runs on one generated set, each returning the
/// problems it found (empty when the stage holds). Kept apart from the test so each stage reads on its own.
enum SpecSetChecks {
    static let repository = SpecFiles.directory.deletingLastPathComponent()

    /// Loads a folder through `SpecSet` on another thread, so a hang is a failure and not a stuck test.
    static func load(_ folder: URL, timeout: Double = 30) -> (SpecSet?, [String]) {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        DispatchQueue.global().async {
            box.specSet = try? SpecSet.load(directory: folder.path)
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return (nil, ["loading hangs (> \(Int(timeout)) s)"]) }
        guard let specSet = box.specSet else { return (nil, ["the folder did not load"]) }
        return (specSet, [])
    }

    private final class Box: @unchecked Sendable { var specSet: SpecSet? }

    /// Every diagnostic names one of the files, at a line of it and a column within that line (or just past
    /// its end); a set with an error has a diagnostic for it, and every spec with an error is left out.
    static func locations(_ specSet: SpecSet, texts: [String: String]) -> [String] {
        var problems: [String] = []
        for d in specSet.diagnostics {
            guard let text = texts[d.location.file] else { problems.append("diagnostic names no file of the set: \(d)"); continue }
            let lines = normalisedLines(text)
            guard d.location.line >= 1, d.location.line <= lines.count else {
                problems.append("line out of the file (\(lines.count) lines): \(d)"); continue
            }
            let width = lines[d.location.line - 1].unicodeScalars.count
            if d.location.column < 1 || d.location.column > width + 1 { problems.append("column out of line \(d.location.line) (\(width) wide): \(d)") }
        }
        return problems
    }

    /// Lines as an editor shows them (CRLF and CR end a line, as the loader counts them).
    static func normalisedLines(_ text: String) -> [String] {
        var scalars = String.UnicodeScalarView()
        var previousCR = false
        for s in text.unicodeScalars {
            if s == "\r" { scalars.append("\n"); previousCR = true; continue }
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            scalars.append(s)
        }
        return String(scalars).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Renders `specs` into `out` (every file the naming authority names, none twice) and writes them.
    static func generate(_ specs: [Spec], into out: URL) throws -> [String] {
        let files = try Generator(templatesDirectory: repository.appendingPathComponent("Templates").path).render(specs)
        var problems: [String] = []
        let expected = Set(ReservedNames.files + specs.flatMap { EmittedNames(spec: $0.name).files })
        let paths = files.map(\.path)
        if Set(paths) != expected || paths.count != expected.count {
            problems.append("generated \(paths.sorted()), expected \(expected.sorted())")
        }
        if Set(paths.map { $0.lowercased() }).count != paths.count { problems.append("two generated files differ only in case: \(paths)") }
        for file in files {
            let url = out.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url)
        }
        return problems
    }

    /// The generated C, and the umbrella header on its own, through `cc -std=c11 -Wall -Werror -fsyntax-only`.
    static func compileC(_ cc: String, _ out: URL) throws -> [String] {
        let c = out.appendingPathComponent("C")
        let umbrella = out.appendingPathComponent("umbrella_check.c")
        try "#include \"kernelgen.h\"\n".write(to: umbrella, atomically: true, encoding: .utf8)
        let sources = try FileManager.default.contentsOfDirectory(atPath: c.path).filter { $0.hasSuffix(".c") }.sorted()
            .map { c.appendingPathComponent($0).path }
        let result = try ExternalTools.run(cc, ["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I", c.appendingPathComponent("include").path]
                                           + sources + [umbrella.path])
        if result.timedOut { return ["cc timed out"] }
        return result.status == 0 ? [] : ["generated C does not compile: \(result.output.prefix(3_000))"]
    }

    /// The generated Swift type-checked as one module against the built runtime, with the generated C
    /// headers as `SurrogateKernelsC` (as the package builds them).
    static func typecheckSwift(_ swiftc: String, flags: [String], _ out: URL) throws -> [String] {
        let include = out.appendingPathComponent("C/include")
        try "module SurrogateKernelsC {\n    umbrella header \"kernelgen.h\"\n    export *\n}\n"
            .write(to: include.appendingPathComponent("module.modulemap"), atomically: true, encoding: .utf8)
        let swift = out.appendingPathComponent("Swift")
        let sources = try FileManager.default.contentsOfDirectory(atPath: swift.path).filter { $0.hasSuffix(".swift") }.sorted()
            .map { swift.appendingPathComponent($0).path }
        let result = try ExternalTools.run(swiftc, ["-typecheck", "-module-name", "SurrogateKernelsSwift", "-I", include.path] + flags + sources,
                                           timeout: 300)
        if result.timedOut { return ["swiftc timed out"] }
        return result.status == 0 ? [] : ["generated Swift does not type-check: \(result.output.prefix(3_000))"]
    }

    /// Groups specs into sets that could be generated together (distinct names, no emitted name shared), so
    /// one swiftc or cc run checks many specs: both tools are slow to start.
    static func batches(_ specs: [Spec], size: Int) -> [[Spec]] {
        var batches: [[Spec]] = []
        for spec in specs {
            if let i = batches.indices.first(where: { i in
                batches[i].count < size && !batches[i].contains { $0.name == spec.name }
                    && EmittedNames.collisions((batches[i] + [spec]).map { ($0.name, $0.kernelOps) }).isEmpty
            }) {
                batches[i].append(spec)
            } else {
                batches.append([spec])
            }
        }
        return batches
    }
}

import Foundation
import Testing
@testable import KernelEmit

/// The writer removes only files its manifest lists, nothing produces any more, and that still hold what
/// it wrote.
@Suite struct OutputWriterOwnershipTests {
    @Test func writesOnlyChangesAndRemovesListedLeftovers() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let a = generated("C/a.c", "int a;"), b = generated("Swift/B.swift", "let b = 1")
        let first = try folder.writer.write([a, b])
        #expect(first.changed == ["C/a.c", "Swift/B.swift"] && first.manifest == .missing)
        #expect(try folder.text(".kernelgen-manifest").contains("  C/a.c\n"))
        let before = try FileManager.default.attributesOfItem(atPath: folder.full("C/a.c"))[.modificationDate] as! Date
        Thread.sleep(forTimeInterval: 0.02)

        try folder.put("C/notes.txt", "keep me\n")
        let b2 = generated("Swift/B.swift", "let b = 2")
        let plan = try folder.writer.plan([b2])
        #expect(plan.changed == ["Swift/B.swift"] && plan.unchanged.isEmpty && plan.obsolete == ["C/a.c"] && plan.kept.isEmpty)
        #expect(plan.manifest == .stale && !plan.isUpToDate)

        try folder.writer.write([a, b2])
        let after = try FileManager.default.attributesOfItem(atPath: folder.full("C/a.c"))[.modificationDate] as! Date
        #expect(before == after, "an unchanged file was rewritten")
        let removal = try folder.writer.write([b2])
        #expect(removal.obsolete == ["C/a.c"])
        #expect(!folder.exists("C/a.c"))
        #expect(try folder.text("C/notes.txt") == "keep me\n")
        #expect(try folder.writer.plan([b2]).isUpToDate)
        #expect(!(try folder.text(".kernelgen-manifest")).contains("C/a.c"))
        #expect(try folder.stagingFolders().isEmpty)
    }

    /// The `--output .` accident: files carrying kernelgen's header that this folder's runs did not write
    /// (other outputs, test goldens) are never removed, with or without a manifest.
    @Test func foreignFilesWithTheHeaderAreNotDeleted() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let foreign = generated("Generated/C/kernelgen_x.c", "int x;").contents
        try folder.put("Generated/C/kernelgen_x.c", foreign)
        try folder.put("Tests/Golden/fixture/C/f.c", foreign)
        let a = generated("C/a.c", "int a;")
        let first = try folder.writer.write([a])
        #expect(first.obsolete.isEmpty && first.kept.isEmpty)
        let second = try folder.writer.write([generated("C/b.c", "int b;")])
        #expect(second.obsolete == ["C/a.c"])
        #expect(try folder.text("Generated/C/kernelgen_x.c") == foreign)
        #expect(try folder.text("Tests/Golden/fixture/C/f.c") == foreign)
    }

    /// A file kernelgen did not write (its manifest does not list it) where a new output goes, a new neuron's
    /// C file say: an error, the file untouched, nothing written; the same contents are accepted as its own.
    @Test func anUnlistedFileInTheWayIsNeverReplaced() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let a = generated("C/a.c", "int a;")
        try folder.writer.write([a])
        try folder.put("C/neurons/kernelgen-neuron-mine.c", "/* mine */\n")
        let mine = generated("C/neurons/kernelgen-neuron-mine.c", "int mine;")
        do {
            try folder.writer.write([a, mine])
            Issue.record("an unlisted file was replaced")
        } catch let error as OutputError {
            guard case .notWrittenByKernelgen(let path) = error else { Issue.record("\(error)"); return }
            #expect(path.hasSuffix("C/neurons/kernelgen-neuron-mine.c") && error.description.contains("did not write"))
        }
        #expect(try folder.text("C/neurons/kernelgen-neuron-mine.c") == "/* mine */\n")
        #expect(!(try folder.text(".kernelgen-manifest")).contains("mine"), "nothing was applied")
        try folder.put("C/neurons/kernelgen-neuron-mine.c", mine.contents)
        #expect(try folder.writer.write([a, mine]).unchanged.contains("C/neurons/kernelgen-neuron-mine.c"))
    }

    /// No manifest (a first run, or an output folder from before manifests): nothing is removed.
    @Test func withoutAManifestNothingIsRemoved() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let a = generated("C/a.c", "int a;")
        try folder.writer.write([a])
        try FileManager.default.removeItem(atPath: folder.full(".kernelgen-manifest"))
        let plan = try folder.writer.write([generated("C/b.c", "int b;")])
        #expect(plan.obsolete.isEmpty && plan.manifest == .missing)
        #expect(try folder.text("C/a.c") == a.contents)
    }

    /// A listed file edited by hand is kept and reported on every run, until someone removes it.
    @Test func handEditedListedFileIsKeptAndReported() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let a = generated("C/a.c", "int a;"), b = generated("C/b.c", "int b;")
        try folder.writer.write([a, b])
        try folder.put("C/a.c", a.contents + "// my notes\n")
        let first = try folder.writer.write([b])
        #expect(first.kept == ["C/a.c"] && first.obsolete.isEmpty)
        #expect(try folder.text("C/a.c") == a.contents + "// my notes\n")
        let again = try folder.writer.plan([b])
        #expect(again.kept == ["C/a.c"] && again.manifest == .current && !again.isUpToDate)

        try FileManager.default.removeItem(atPath: folder.full("C/a.c"))
        let resolved = try folder.writer.write([b])
        #expect(resolved.kept.isEmpty && resolved.manifest == .stale)
        #expect(try folder.writer.plan([b]).isUpToDate)
    }

    /// What `generate --check` relies on: a manifest that is not the one a run writes makes the folder stale.
    @Test func staleOrMissingManifestIsNotUpToDate() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let files = [generated("C/a.c", "int a;"), generated("C/b.c", "int b;")]
        try folder.writer.write(files)
        #expect(try folder.writer.plan(files).isUpToDate)
        let manifest = try folder.text(".kernelgen-manifest")
        try folder.put(".kernelgen-manifest", manifest.split(separator: "\n").dropLast().joined(separator: "\n") + "\n")
        let stale = try folder.writer.plan(files)
        #expect(stale.manifest == .stale && stale.changed.isEmpty && !stale.isUpToDate)
        try FileManager.default.removeItem(atPath: folder.full(".kernelgen-manifest"))
        #expect(try folder.writer.plan(files).manifest == .missing)
        try folder.writer.write(files)
        #expect(try folder.text(".kernelgen-manifest") == manifest)
    }

    /// A manifest naming a path outside the folder is refused, and nothing is removed through it.
    @Test func malformedManifestIsRefused() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        try folder.put("victim.txt", "precious\n")
        let hash = String(repeating: "0", count: 64)
        try folder.put("out/.kernelgen-manifest", "# heading\n\(hash)  ../victim.txt\n")
        let writer = OutputWriter(directory: folder.full("out"))
        #expect(throws: OutputError.malformedManifest(path: folder.full("out/.kernelgen-manifest"), line: 2)) {
            try writer.write([generated("C/a.c", "int a;")])
        }
        #expect(try folder.text("victim.txt") == "precious\n")
        #expect(!folder.exists("out/C"))
    }
}

import Foundation
import Testing
@testable import KernelEmit

/// Special files are never opened or written through; a failure leaves the previous output intact;
/// concurrent runs take turns.
@Suite struct OutputWriterSafetyTests {
    @Test func symlinkWhereAnOutputGoesIsAnErrorAndItsTargetUntouched() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        try folder.put("elsewhere/target.c", "precious\n")
        try FileManager.default.createDirectory(atPath: folder.full("out/C"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.full("out/C/a.c"), withDestinationPath: folder.full("elsewhere/target.c"))
        let writer = OutputWriter(directory: folder.full("out"))
        let error = #expect(throws: OutputError.self) { try writer.write([generated("C/a.c", "int a;")]) }
        #expect(error?.description == "cannot write \(folder.full("out/C/a.c")): a symbolic link is there; kernelgen only replaces regular files (remove it)")
        #expect(try folder.text("elsewhere/target.c") == "precious\n")
    }

    @Test func symlinkedFolderOnTheWayIsAnErrorAndNothingIsWrittenThroughIt() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.full("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.full("out"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.full("out/C"), withDestinationPath: folder.full("elsewhere"))
        let writer = OutputWriter(directory: folder.full("out"))
        #expect(throws: OutputError.notAFolder(path: folder.full("out/C/a.c"), blocker: folder.full("out/C"), found: "a symbolic link")) {
            try writer.write([generated("C/a.c", "int a;")])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.full("elsewhere")).isEmpty)
    }

    /// Opening a FIFO for reading blocks until a writer comes; the writer must `lstat` first (and open
    /// without blocking), so the run ends promptly with an error. Bounded: a hang fails after 10 s.
    @Test func fifoWhereAnOutputGoesIsAnErrorWithoutHanging() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.full("C"), withIntermediateDirectories: true)
        #expect(mkfifo(folder.full("C/a.c"), 0o644) == 0)
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let writer = folder.writer
        Thread.detachNewThread {
            do { try writer.write([generated("C/a.c", "int a;")]) } catch { outcome.set("\(error)") }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success, "the writer hung on a FIFO")
        #expect(outcome.get() == "cannot write \(folder.full("C/a.c")): a FIFO is there; kernelgen only replaces regular files (remove it)")
    }

    @Test func folderWhereAnOutputGoesIsAnError() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        try folder.put("C/a.c/inside.txt", "mine\n")
        #expect(throws: OutputError.notARegularFile(path: folder.full("C/a.c"), found: "a folder")) {
            try folder.writer.write([generated("C/a.c", "int a;")])
        }
        #expect(try folder.text("C/a.c/inside.txt") == "mine\n")
    }

    /// Previous output of the failure tests: two files and the manifest.
    func previousOutput(_ folder: OutputFolder) throws -> [String: Data] {
        try folder.writer.write([generated("C/a.c", "int a;"), generated("C/old.c", "int old;")])
        return try folder.snapshot()
    }

    @Test func aProducedPathUnderARegularFileFailsBeforeWritingAnything() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        try folder.put("Z", "a regular file, not a folder\n")
        let before = try previousOutput(folder)
        #expect(throws: OutputError.notAFolder(path: folder.full("Z/z.c"), blocker: folder.full("Z"), found: "a regular file")) {
            try folder.writer.write([generated("C/a.c", "int a = 2;"), generated("Z/z.c", "int z;")])
        }
        #expect(try folder.snapshot() == before)
    }

    /// A bad file name fails while staging, after other files were staged: nothing reaches the folder.
    @Test func aFailedStagingWriteLeavesThePreviousOutput() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let before = try previousOutput(folder)
        let tooLong = "D/" + String(repeating: "x", count: 300) + ".c"
        let error = #expect(throws: OutputError.self) {
            try folder.writer.write([generated("C/a.c", "int a = 2;"), generated("C/new.c", "int n;"), generated(tooLong, "int x;")])
        }
        #expect(error?.description == "cannot write \(folder.full(tooLong)): File name too long")
        #expect(try folder.snapshot() == before)
    }

    /// A failure among the renames (here a folder that a foreign process makes at a new file's path just
    /// before its rename, after other files were replaced and an obsolete one removed) puts them all back.
    @Test func aFailedRenameRestoresThePreviousOutput() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let before = try previousOutput(folder)
        let files = [generated("C/a.c", "int a = 2;"), generated("C/b.c", "int b;")]
        let plan = try folder.writer.makePlan(files)
        #expect(plan.changed == ["C/a.c", "C/b.c"] && plan.obsolete == ["C/old.c"])
        var renamed: [String] = []
        let error = #expect(throws: OutputError.self) {
            try folder.writer.apply(plan, files) { path in
                renamed.append(path)
                if path == "C/b.c" { try folder.put("C/b.c/blocker.txt", "appeared\n") }
            }
        }
        #expect(renamed == ["C/a.c", "C/b.c"], "the failure was not among the renames")
        #expect(error?.description == "cannot replace \(folder.full("C/b.c")): Is a directory")
        try FileManager.default.removeItem(atPath: folder.full("C/b.c"))
        #expect(try folder.snapshot() == before)
        #expect(try folder.stagingFolders().isEmpty)
    }

    /// Runs into one folder take turns: all succeed, exactly one writes, the others find it up to date.
    @Test func concurrentWritersAllSucceedAndTheResultIsComplete() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        let files = (0..<40).map { generated("C/f\($0).c", "int f\($0);") }
        let writer = folder.writer
        let written = Outcome(), failures = Outcome()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { written.add(try writer.write(files).changed.count) } catch { failures.set("\(error)") }
        }
        #expect(failures.get() == nil)
        #expect(written.sum() == files.count, "runs did not take turns")
        #expect(try writer.plan(files).isUpToDate)
        #expect(try folder.stagingFolders().isEmpty)
    }
}

/// What a background run reports back to the test.
final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    private var counts: [Int] = []

    func set(_ value: String) { lock.withLock { text = value } }
    func get() -> String? { lock.withLock { text } }
    func add(_ count: Int) { lock.withLock { counts.append(count) } }
    func sum() -> Int { lock.withLock { counts.reduce(0, +) } }
}

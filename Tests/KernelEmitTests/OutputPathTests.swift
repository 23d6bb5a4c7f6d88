import Testing
@testable import KernelEmit

/// The manifest's hash, its format, and the rules for output paths.
@Suite struct OutputPathTests {
    /// FIPS 180-2 appendix B test vectors.
    @Test func sha256MatchesThePublishedVectors() {
        #expect(SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("".utf8) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func manifestTextRoundTripsSortedAndDeterministic() throws {
        let manifest = Manifest(entries: ["Swift/B.swift": String(repeating: "b", count: 64), "C/a c.c": String(repeating: "a", count: 64)])
        let lines = manifest.text.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("# "))
        #expect(lines[1] == "\(String(repeating: "a", count: 64))  C/a c.c")
        #expect(try Manifest.parse(manifest.text, shownAs: "m") == manifest)
    }

    @Test(arguments: ["\(String(repeating: "0", count: 64)) C/a.c", "\(String(repeating: "0", count: 63))  C/a.c",
                      "\(String(repeating: "A", count: 64))  C/a.c", "\(String(repeating: "0", count: 64))  /etc/passwd",
                      "\(String(repeating: "0", count: 64))  C/../../x"])
    func malformedManifestLinesAreRefused(line: String) {
        #expect(throws: OutputError.malformedManifest(path: "m", line: 2)) { try Manifest.parse("# h\n\(line)\n", shownAs: "m") }
    }

    @Test(arguments: ["", "/abs/a.c", "../a.c", "C/../../a.c", "C//a.c", "./a.c", "C/", "a\nb.c",
                      ".kernelgen-manifest", ".kernelgen-staging-x/a.c"])
    func invalidPathsAreRefusedBeforeAnythingIsWritten(path: String) throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        #expect(throws: OutputError.self) { try folder.writer.write([generated(path, "int a;")]) }
        #expect(try folder.snapshot().isEmpty)
    }

    @Test func duplicateAndFileFolderConflictsAreRefused() throws {
        let folder = try OutputFolder()
        defer { folder.remove() }
        #expect(throws: OutputError.invalidPath("C/a.c", reason: "produced twice")) {
            try folder.writer.write([generated("C/a.c", "1"), generated("C/a.c", "2")])
        }
        #expect(throws: OutputError.invalidPath("C", reason: "is both a generated file and the folder of `C/a.c`")) {
            try folder.writer.write([generated("C", "1"), generated("C/a.c", "2")])
        }
        #expect(try folder.snapshot().isEmpty)
    }
}

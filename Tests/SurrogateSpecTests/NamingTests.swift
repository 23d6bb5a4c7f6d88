import Foundation
import Testing
@testable import SurrogateSpec

/// The naming authority: which names a spec may take, how collisions are located, and that the reserved
/// lists cover what the generated code really defines.
@Suite struct NamingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func load(_ yaml: String, file: String = "Specs/demo.yaml") -> (Spec?, [Diagnostic]) {
        SpecLoader.load(yaml: yaml, file: file)
    }

    @Test func swiftKeywordsAsParametersAreAcceptedAndBackticked() throws {
        let (spec, diagnostics) = load("name: demo\nsummary: s\nparams:\n  in: 1\n  repeat: 2\n  static: 3\nbackward: in * repeat * static * x\n")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(try #require(spec).params.map(\.name) == ["in", "repeat", "static"])
        #expect(EmittedNames.swiftIdentifier("in") == "`in`")
        #expect(EmittedNames.swiftIdentifier("scale") == "scale")
        #expect(EmittedNames.cParameter("static") == "p_static")
    }

    @Test func namesKernelgenWritesForItselfAreRejectedWhereTheyStand() {
        for (name, what) in [("noise", "`C/kernelgen_noise.c`, which kernelgen writes for its own use"),
                             ("prelude", "`C/kernelgen_prelude.c`, which kernelgen writes for its own use"),
                             ("bound", "the Swift type `BoundSurrogate`, which the runtime already defines")] {
            let (spec, diagnostics) = load("name: \(name)\nsummary: s\nbackward: x\n", file: "Specs/\(name).yaml")
            #expect(spec == nil)
            #expect(diagnostics.contains(Diagnostic(.reservedName, at: SourceLocation(file: "Specs/\(name).yaml", line: 1, column: 7),
                                                    "name `\(name)` would emit \(what); expected another name")), "\(diagnostics)")
        }
    }

    @Test func parametersNamedLikeTheWrapperMembersAreRejected() {
        let (spec, diagnostics) = load("name: demo\nsummary: s\nparams:\n  seed: 1\nbackward: seed * x\n")
        #expect(spec == nil)
        #expect(diagnostics == [Diagnostic(.reservedName, at: SourceLocation(file: "Specs/demo.yaml", line: 4, column: 3),
            "parameter `seed` would be emitted as `DemoSurrogate.seed`, which is the wrapper's noise seed; expected another name")])
    }

    @Test func tooLongNamesAreRejected() {
        let long = "a" + String(repeating: "b", count: 64)
        let (_, diagnostics) = load("name: \(long)\nsummary: s\nbackward: x\n", file: "Specs/\(long).yaml")
        #expect(diagnostics.map(\.id) == [.reservedName])
        #expect(diagnostics.first?.message == "name is 65 characters long; expected at most 64")
    }

    /// `nt`'s training forward and `nt_train`'s forward are both `kg_nt_train_forward_f32`; `a_b` and `a__b`
    /// both make the Swift type `AB...`. Reported by the spec set (so by `check`), at the second spec's name.
    @Test func collisionsAcrossSpecsAreLocated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-naming-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files: [String: String] = [
            "nt.yaml": "name: nt\nsummary: s\ntrain_forward: sigmoid(x + logistic())\nbackward: y * (1 - y)\n",
            "nt_train.yaml": "name: nt_train\nsummary: s\nbackward: x\n",
            "a_b.yaml": "name: a_b\nsummary: s\nbackward: x\n",
            "a__b.yaml": "name: a__b\nsummary: s\nbackward: x\n",
        ]
        for (file, text) in files { try text.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        let specSet = try SpecSet.load(directory: dir.path)
        let collisions = specSet.diagnostics.filter { $0.id == .nameCollision }
        let path = { (f: String) in dir.appendingPathComponent(f).path }
        #expect(collisions.map(\.location) == [SourceLocation(file: path("a_b.yaml"), line: 1, column: 7),
                                               SourceLocation(file: path("nt_train.yaml"), line: 1, column: 7)])
        #expect(collisions.first?.message.hasPrefix("surrogate `a_b` would emit the Swift type `ABKernels`, which `a__b`") == true)
        #expect(collisions.last?.message.hasPrefix("surrogate `nt_train` would emit the C symbol `kg_nt_train_forward_f32`, which `nt`") == true)
        #expect(specSet.specs.map(\.name).sorted() == ["a__b", "nt"])
    }

    /// A backward that draws noise emits `train_backward` too: `sb`'s sampling backward and `sb_train`'s backward
    /// are both `kg_sb_train_backward_f32`; without noise in `sb`'s backward the two specs coexist.
    @Test func aSamplingBackwardCollidesWithAnotherSpecsBackward() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-naming-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = "name: sb_train\nsummary: s\nbackward: x\n"
        try other.write(to: dir.appendingPathComponent("sb_train.yaml"), atomically: true, encoding: .utf8)
        let sb = dir.appendingPathComponent("sb.yaml")
        try "name: sb\nsummary: s\nbackward: x * uniform()\n".write(to: sb, atomically: true, encoding: .utf8)
        let specSet = try SpecSet.load(directory: dir.path)
        let collisions = specSet.diagnostics.filter { $0.id == .nameCollision }
        #expect(collisions.count == 1)
        #expect(collisions.first?.message.hasPrefix("surrogate `sb_train` would emit the C symbol `kg_sb_train_backward_f32`, which `sb`") == true)
        try "name: sb\nsummary: s\nbackward: x * 0.5\n".write(to: sb, atomically: true, encoding: .utf8)
        #expect(try SpecSet.load(directory: dir.path).diagnostics.filter { $0.id == .nameCollision }.isEmpty)
    }

    /// The reserved C names cover every `kg_` identifier the fixed C files define (so a new prelude helper
    /// cannot silently become a collision).
    @Test func reservedCIdentifiersCoverTheFixedFiles() throws {
        var found = Set<String>()
        for file in ["Generated/C/kernelgen_prelude.h", "Generated/C/kernelgen_noise.c", "Generated/C/include/kernelgen.h"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: "\\bkg_[a-z0-9_]+\\b")
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                found.insert(String(text[Range(m.range, in: text)!]))
            }
        }
        #expect(!found.isEmpty)
        #expect(found.subtracting(ReservedNames.cIdentifiers).isEmpty, "not reserved: \(found.subtracting(ReservedNames.cIdentifiers).sorted())")
    }
}

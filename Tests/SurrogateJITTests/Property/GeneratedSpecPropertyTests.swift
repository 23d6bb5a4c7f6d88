import Foundation
import Surrogates
import SurrogateSpec
import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// The generator's contract, tested on specs nobody wrote: `SpecSetGenerator` makes sets of hostile specs
/// (keyword and look-alike names, near-collisions, random formulas over the whole function table, free text
/// with control characters), and each set must either come back as located diagnostics or generate C that
/// compiles with `-Wall -Werror`, Swift that type-checks, and JIT and AOT kernels that compute the spec.
///
/// Deterministic: seed `PropertyRun.defaultSeed`, `PropertyRun.defaultCases` sets (about a minute here);
/// `KERNELGEN_PROPERTY_SEED=<n> KERNELGEN_PROPERTY_CASES=<n> swift test --filter GeneratedSpecProperty` explores
/// further. A failure names its seed and case, and the run's folder is kept when anything failed.
@Suite(.serialized) struct GeneratedSpecPropertyTests {
    struct Tally: CustomStringConvertible {
        var sets = 0, specs = 0, acceptedSpecs = 0, rejectedSets = 0, diagnostics = 0, batches = 0, aotSpecs = 0
        var pointsCompared = 0, pointsSkipped = 0
        var description: String {
            "\(sets) sets, \(specs) specs: \(acceptedSpecs) accepted and JIT-compiled, \(rejectedSets) sets with errors (\(diagnostics) diagnostics); "
                + "\(batches) swiftc/cc batches, \(aotSpecs) specs also through the AOT library; \(pointsCompared) values compared, \(pointsSkipped) skipped (undecided or overflowing in the dtype)"
        }
    }

    /// Specs per swiftc run, and how many batches are also built into a shared library for the AOT comparison.
    static let batchSize = 12
    static let aotBatches = 3

    /// Free text is hostile in most sets: it tries to break out of comments and string literals (`*/`, `"""`,
    /// trigraphs, a backslash ending a `//` line, CR, control and bidi characters: `FreeTextGenerator.fragments`).
    @Test func generatedSpecSetsKeepTheGeneratorsContract() throws {
        try run(SpecSetGenerator(hostileText: true))
    }

    func run(_ generator: SpecSetGenerator) throws {
        let seed = PropertyRun.seed, cases = PropertyRun.cases
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kg-property-\(UUID().uuidString)")
        QuietLogs.bootstrap()
        let jit = SurrogateJIT(cacheDirectory: root.appendingPathComponent("jit-cache"))
        let cc = ExternalTools.find("cc")
        let swiftc = ExternalTools.find("swiftc")
        var tally = Tally()
        var failures = 0
        var accepted: [Spec] = []
        let started = ContinuousClock.now

        func fail(_ where: String, _ problems: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            for p in problems.prefix(5) { Issue.record("[seed \(seed) \(`where`)] \(p)", sourceLocation: sourceLocation) }
            failures += problems.count
        }

        for index in 0..<cases {
            var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            let set = generator.set(&rng)
            let folder = root.appendingPathComponent("set-\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var texts: [String: String] = [:]
            for (i, file) in set.enumerated() {
                let base = set[..<i].contains { $0.name == file.name } ? "\(file.name)_dup\(i)" : file.name
                let path = folder.appendingPathComponent("\(base).yaml").path
                try Data(file.yaml.utf8).write(to: URL(fileURLWithPath: path))
                texts[path] = file.yaml
            }
            tally.sets += 1
            tally.specs += set.count
            let label = "case \(index) in \(folder.path)"

            let (loaded, hang) = SpecSetChecks.load(folder)
            fail(label, hang)
            guard let specSet = loaded else { continue }
            fail(label, SpecSetChecks.locations(specSet, texts: texts))
            if specSet.hasErrors { tally.rejectedSets += 1 }
            tally.diagnostics += specSet.diagnostics.count
            if specSet.specs.count < set.count && !specSet.hasErrors {
                fail(label, ["\(set.count - specSet.specs.count) specs left out without an error: \(specSet.diagnostics)"])
            }
            guard !specSet.specs.isEmpty else { continue }

            // What `check` accepted generates: every file, once.
            let out = folder.appendingPathComponent("out")
            fail(label, try SpecSetChecks.generate(specSet.specs, into: out))
            if let cc { fail(label, try SpecSetChecks.compileC(cc, out)) }

            // The JIT computes exactly the spec, in both dtypes (a fresh table: names repeat across sets).
            let table = DispatchTable()
            jit.install(in: table)
            for spec in specSet.specs {
                tally.acceptedSpecs += 1
                do {
                    _ = try jit.load(yaml: texts[spec.file] ?? "", file: spec.file, into: table)
                    let a = try jitMisses(spec, Float.self, table), b = try jitMisses(spec, Double.self, table)
                    tally.pointsCompared += a.compared + b.compared
                    tally.pointsSkipped += a.skipped + b.skipped
                    fail("\(label) spec \(spec.name)", a.misses + b.misses)
                } catch {
                    fail("\(label) spec \(spec.name)", ["JIT: \(error)"])
                }
            }
            accepted += specSet.specs
        }

        // Swift and AOT C of the accepted specs, many per tool run.
        let (flags, reason) = ExternalTools.swiftModuleFlags()
        for (b, batch) in SpecSetChecks.batches(accepted, size: Self.batchSize).enumerated() {
            tally.batches += 1
            let out = root.appendingPathComponent("batch-\(b)")
            let label = "batch \(b) (\(batch.map(\.name))) in \(out.path)"
            fail(label, try SpecSetChecks.generate(batch, into: out))
            if let swiftc, let flags { fail(label, try SpecSetChecks.typecheckSwift(swiftc, flags: flags, out)) }
            guard let cc, b < Self.aotBatches else { continue }
            do {
                let library = try AOTLibrary(cc: cc, generated: out, specs: batch)
                for spec in batch {
                    tally.aotSpecs += 1
                    let p = spec.params.map(\.defaultValue)
                    let a = try KernelOutputs<Float>(aot: library, spec: spec, parameters: p).misses(spec, parameters: spec.defaults, label: "AOT f32")
                    let d = try KernelOutputs<Double>(aot: library, spec: spec, parameters: p).misses(spec, parameters: spec.defaults, label: "AOT f64")
                    tally.pointsCompared += a.compared + d.compared
                    fail("\(label) spec \(spec.name)", a.misses + d.misses)
                }
            } catch {
                fail(label, ["AOT: \(error)"])
            }
        }

        let seconds = (ContinuousClock.now - started).seconds
        print("GeneratedSpecPropertyTests: seed \(seed), \(tally) in \(Int(seconds)) s"
              + (cc == nil ? "; no cc on PATH: C not compiled" : "") + (swiftc == nil ? "; no swiftc on PATH: Swift not type-checked" : "")
              + (flags == nil ? "; Swift not type-checked: \(reason)" : ""))
        #expect(tally.acceptedSpecs > 0, "the generator made no spec that check accepts: the property tested nothing")
        #expect(cc != nil && swiftc != nil && flags != nil,
                "cc, swiftc and the built modules are needed for the compile stages (\(reason))")
        if failures == 0 { try? FileManager.default.removeItem(at: root) } else { print("kept \(root.path)") }
    }

    func jitMisses<T: KernelScalar>(_ spec: Spec, _: T.Type, _ table: DispatchTable) throws -> (misses: [String], compared: Int, skipped: Int) {
        let s: BoundSurrogate<T> = try table.surrogate(spec.name, backend: .jit, parameters: spec.defaults)
        guard s.backend == .jit else { return (["JIT \(T.self): fell back to \(s.backend)"], 0, 0) }
        return try KernelOutputs(jit: s, hasTrainForward: spec.trainForward != nil).misses(spec, parameters: spec.defaults, label: "JIT \(T.self)")
    }
}

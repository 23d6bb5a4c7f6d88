import Foundation
import KernelEmit
import Surrogates
import SurrogateSpec
import SurrogateSources

import SurrogateTestSupport
import Testing
@testable import SurrogateJIT

/// A JIT with a private, empty disk cache (in a new temporary folder the caller removes), the logs quiet: the one
/// way the tests make a JIT.
func freshJIT() throws -> (SurrogateJIT, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kg-jit-\(UUID().uuidString)")
    QuietLogs.bootstrap()
    return (SurrogateJIT(cacheDirectory: dir), dir)
}

@Suite(.serialized) struct JITAccuracyTests {
    typealias R = Float80

    typealias Case = ReferenceCase

    static let cases: [Case] = [
        Case(name: "sigmoid", parameters: [:]) { Reference.sigmoidBackward($0, scale: 5) },
        Case(name: "sigmoid", parameters: ["scale": 2.5]) { Reference.sigmoidBackward($0, scale: 2.5) },
        Case(name: "arctan", parameters: [:]) { Reference.arctanBackward($0, scale: 2) },
        Case(name: "piecewise_linear", parameters: ["gamma": 0.75]) { Reference.piecewiseLinearBackward($0, gamma: 0.75) },
        Case(name: "gaussian", parameters: ["sigma": 1.5]) { Reference.gaussianBackward($0, sigma: 1.5) },
        Case(name: "noisy_threshold", parameters: [:]) { _ in 0 },
    ]

    func check<T: KernelScalar>(_ c: Case, _: T.Type, jit: SurrogateJIT) throws {
        let table = DispatchTable()
        for d in DispatchTable.builtin.descriptors { table.register(d) }
        jit.install(in: table)
        let s: BoundSurrogate<T> = try table.surrogate(c.name, backend: .jit, parameters: c.parameters)
        #expect(s.backend == .jit)
        let (misses, gradients) = try c.misses(s)
        let count = misses.count, first = misses.prefix(3)
        #expect(count == 0, "\(c.name) \(T.self) jit: \(count) misses, first: \(first)")

        // Against the ahead-of-time C kernels: the same bound (constants fold differently in the JIT).
        let aot: BoundSurrogate<T> = try DispatchTable.builtin.surrogate(c.name, backend: .c, parameters: c.parameters)
        let aotGradients = try c.misses(aot).gradients
        let x = Inputs.all(T.self), peak = c.peak
        for i in x.indices where !(gradients[i].isNaN && aotGradients[i].isNaN) {
            #expect(ErrorBound.check(gradients[i], R(aotGradients[i]), peak: peak, x: x[i]) == nil, "\(c.name) vs AOT at \(x[i])")
        }
    }

    @Test(arguments: cases)
    func jitKernelsMatchTheReferenceAndTheAOTKernels(_ c: Case) throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        try check(c, Float.self, jit: jit)
        try check(c, Double.self, jit: jit)
    }

    @Test func stochasticTrainingForwardMatchesAOTBitForBit() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        for d in DispatchTable.builtin.descriptors { table.register(d) }
        jit.install(in: table)
        for mode in [SurrogateMode.train(sample: true, seed: 77), .train(sample: false, seed: 0)] {
            var j: BoundSurrogate<Float> = try table.surrogate("noisy_threshold", backend: .jit)
            var a: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("noisy_threshold", backend: .c)
            j.mode = mode
            a.mode = mode
            let x = Inputs.grid(Float.self)
            // Same operations on the same constants (5 * x needs no folding): identical noise and rounding.
            #expect(try j.forward(x, step: 0, offset: 9) == a.forward(x, step: 0, offset: 9))
        }
    }

    /// The sampling backward (`train_backward`, noise stream 2) of the JIT equals the C kernels' bit for bit, in
    /// both dtypes, for a call, its chunks at their offsets and several threads; the mean field too.
    @Test func stochasticBackwardMatchesAOTBitForBit() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        for d in DispatchTable.builtin.descriptors { table.register(d) }
        jit.install(in: table)
        func check<T: KernelScalar>(_: T.Type) throws {
            for mode in [SurrogateMode.train(sample: true, seed: 2026), .train(sample: false, seed: 0), .eval] {
                var j: BoundSurrogate<T> = try table.surrogate("noisy_gradient", backend: .jit, parameters: ["jitter": 0.25])
                var a: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("noisy_gradient", backend: .c, parameters: ["jitter": 0.25])
                #expect(j.backend == .jit)
                j.mode = mode
                a.mode = mode
                j.threads = 3
                let x = Inputs.grid(T.self)
                let whole = try a.backward(x, step: 5, offset: 3)
                #expect(try j.backward(x, step: 5, offset: 3) == whole, "\(T.self) \(mode)")
                let half = x.count / 2
                let chunks = try j.backward(Array(x[..<half]), step: 5, offset: 3)
                    + j.backward(Array(x[half...]), step: 5, offset: 3 + UInt64(half))
                #expect(chunks == whole, "\(T.self) \(mode) chunked")
            }
        }
        try check(Float.self)
        try check(Double.self)
    }
}

@Suite(.serialized) struct JITBehaviourTests {
    /// A misspelt catalogue name (served by the JIT's resolver, not listed) gets a "did you mean" too; the listed
    /// known names stay the table's own, the catalogue counted after them.
    @Test func misspeltCatalogueNameIsSuggested() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        jit.install(in: table)
        let catalogue = EmbeddedSources.catalogue.count
        do {
            _ = try table.descriptor("sinabs_gausian")
            Issue.record("a misspelt name was found")
        } catch {
            #expect(error.description == "unknown surrogate `sinabs_gausian`; did you mean `sinabs_gaussian`?; known: "
                    + " (and \(catalogue) more catalogue surrogates the JIT serves: docs/catalogue.md, kernelgen list --catalogue)")
        }
        // Without a resolver nothing is suggested from the catalogue.
        do {
            _ = try DispatchTable().descriptor("sinabs_gausian")
            Issue.record("a misspelt name was found")
        } catch {
            #expect(error.description == "unknown surrogate `sinabs_gausian`; known: ")
        }
    }

    @Test func runtimeSpecEndToEnd() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        jit.install(in: table)
        let spec = try jit.load(yaml: """
            name: softsign
            summary: Fast-sigmoid (SuperSpike) surrogate, defined at run time.
            params:
              scale: {default: 4.0, min: 0}
            backward: scale / (2 * (1 + abs(scale * x))^2)
            """, into: table)
        #expect(spec.name == "softsign")
        #expect(table.descriptors.map(\.name) == ["softsign"])
        let s: BoundSurrogate<Double> = try table.surrogate("softsign", backend: .jit, parameters: ["scale": 3])
        let x: [Double] = [-2, -0.25, 0, 0.5, 3, .nan]
        let g = try s.backward(x)
        for i in 0..<5 {
            let expected = 3 / (2 * (1 + abs(3 * x[i])) * (1 + abs(3 * x[i])))
            #expect(abs(g[i] - expected) <= 4 * expected.ulp)
        }
        #expect(g[5].isNaN)
        #expect(try s.forward(x, step: 0) == [0, 0, 1, 1, 1, 0])
        // No ahead-of-time kernels for it: asking for them is a clear error that names the JIT as what serves it.
        #expect(throws: SurrogateError.noKernel(surrogate: "softsign", dtype: .f64, backend: .c, available: [.jit])) {
            let _: BoundSurrogate<Double> = try table.surrogate("softsign", backend: .c)
        }
        do {
            let _: BoundSurrogate<Float> = try table.surrogate("softsign", backend: .swift)
            Issue.record("a run-time spec got swift kernels")
        } catch {
            #expect(error.description == "no swift kernel for `softsign` in f32; available backends: jit (a catalogue surrogate or a spec loaded at run time has no ahead-of-time c or swift kernels; the JIT compiles them for it)")
        }
        // A catalogue surrogate likewise: the JIT serves it.
        let catalogued = try #require(EmbeddedSources.catalogue.keys.sorted().first)
        #expect(throws: SurrogateError.noKernel(surrogate: catalogued, dtype: .f32, backend: .c, available: [.jit])) {
            let _: BoundSurrogate<Float> = try table.surrogate(catalogued, backend: .c)
        }
    }

    @Test func invalidRuntimeSpecReportsEveryDiagnostic() throws {
        let (jit, _) = try freshJIT()
        #expect(throws: JITError.invalidSpec([
            Diagnostic(.unknownIdentifier, at: SourceLocation(file: "<string>", line: 3, column: 15), "in `backward`: unknown identifier `scael`; expected `x`, `y`, a parameter, `pi` or `e`"),
        ])) {
            try jit.load(yaml: "name: broken\nsummary: s\nbackward: 2 * scael\n")
        }
    }

    @Test func invalidRequestsAreClearErrors() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.spec(named: "gaussian")
        #expect(throws: JITError.invalidParameters("`gaussian` has no parameter `sigam`; did you mean `sigma`?; expected one of: sigma")) {
            _ = try jit.compile(spec, parameters: ["sigam": 1], dtype: Float.self)
        }
        #expect(throws: JITError.invalidParameters("parameter `sigma` of `gaussian` is -1.0; expected a finite value in [0.0, inf]")) {
            _ = try jit.compile(spec, parameters: ["sigma": -1], dtype: Float.self)
        }
        #expect(throws: JITError.unknownSurrogate("nope", known: SpecFiles.names)) {
            _ = try jit.spec(named: "nope")
        }
        // The name as asked, its bidi control escaped (not reordering the message).
        #expect(JITError.unknownSurrogate("no\u{202E}pe", known: ["a"]).description
                == "unknown surrogate `no\\u{202E}pe`; known: a (the catalogue: kernelgen list --catalogue; load a spec file for others)")
        // A misspelt catalogue name is suggested, though the catalogue is not listed.
        #expect(JITError.unknownSurrogate("sinabs_gausian", known: ["a"]).description.contains("did you mean `sinabs_gaussian`?"))
    }

    /// The compiler's own diagnostic reaches the caller as a Swift error.
    @Test func compilerErrorsCarryTheDiagnosticText() throws {
        let engine = try JITEngine()
        do {
            _ = try engine.compile(.source("void f(void) { int x = ; }"), functions: ["f"], artefact: nil)
            Issue.record("bad C compiled")
        } catch {
            guard case .compiler(let stage, let message) = error else { Issue.record("\(error)"); return }
            #expect(stage == "frontend")
            #expect(message.contains("kernel.c:1:24: error: expected expression"), "\(message)")
        }
        // Bitcode that is not bitcode, and a parameter global of the wrong type: clear errors too.
        do {
            _ = try engine.compile(.bitcode([1, 2, 3], constants: []), functions: [], artefact: nil)
            Issue.record("garbage bitcode compiled")
        } catch {
            guard case .compiler(let stage, _) = error else { Issue.record("\(error)"); return }
            #expect(stage == "frontend")
        }
        let module = try engine.compile(.source("static int p_k = 1; int f(void) { return p_k; }"), functions: ["f"], artefact: nil, keepBitcode: true)
        do {
            _ = try engine.compile(.bitcode(module.frontendBitcode!, constants: [("p_k", 2)]), functions: ["f"], artefact: nil)
            Issue.record("an int global took a floating-point value")
        } catch {
            guard case .compiler(_, let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("`p_k` is not a floating-point global"), "\(message)")
        }
    }

    @Test func memoryCacheReturnsTheSameKernelsWithoutCompiling() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.spec(named: "arctan")
        let first = try jit.compile(spec, parameters: ["scale": 3], dtype: Float.self)
        let second = try jit.compile(spec, parameters: ["scale": 3], dtype: Float.self)
        #expect(first.report.cacheHit == .none)
        #expect(second.report.cacheHit == .memory)
        #expect(second.report.frontendMs == 0 && second.report.codegenMs == 0)
        #expect(first.loaded === second.loaded)
        #expect(first.loaded.addresses == second.loaded.addresses)
        let other = try jit.compile(spec, parameters: ["scale": 4], dtype: Float.self)
        #expect(other.report.cacheHit == .none)
        #expect(other.report.key != first.report.key)
    }

    /// 0.0 and -0.0 are equal Doubles but fold into different kernels (`1 / a` is inf or -inf): neither the memory
    /// cache nor the dispatch table's key may take one for the other (both did).
    @Test func signedZeroValuesAreDifferentKernels() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.load(yaml: "name: signed_zero\nsummary: S.\nparams:\n  a: 1\nforward: heaviside(x)\nbackward: exp(-x * x) / (1 + 1 / a)\n",
                                file: "signed_zero.yaml")
        let positive = try jit.compile(spec, parameters: ["a": 0.0], dtype: Double.self)
        let negative = try jit.compile(spec, parameters: ["a": -0.0], dtype: Double.self)
        #expect(negative.report.cacheHit == .none && negative.loaded !== positive.loaded)
        // 1 / (1 + 1/a) at x = 0: 1/inf = +0 for a = +0, 1/-inf = -0 for a = -0.
        func backwardAtZero(_ k: JITKernels<Double>) -> Double {
            var out = [Double.nan]
            let x = [0.0], gradOut = [1.0], params = [0.0]
            x.withUnsafeBufferPointer { xp in gradOut.withUnsafeBufferPointer { gp in params.withUnsafeBufferPointer { pp in
                out.withUnsafeMutableBufferPointer { op in k.kernelSet.backward(xp.baseAddress!, nil, gp.baseAddress!, op.baseAddress!, 1, pp.baseAddress!) }
            } } }
            return out[0]
        }
        let (plus, minus) = (backwardAtZero(positive), backwardAtZero(negative))
        #expect(plus == 0 && plus.sign == .plus && minus == 0 && minus.sign == .minus, "\(plus), \(minus)")
        let keys = [KernelKey(surrogate: "s", dtype: .f64, backend: .jit, specialization: [0.0]),
                    KernelKey(surrogate: "s", dtype: .f64, backend: .jit, specialization: [-0.0])]
        #expect(keys[0] != keys[1] && Set(keys).count == 2)
    }

    /// A new value for a spec, dtype and ops compiled before starts from clang's module of that compile with
    /// the parameter replaced (no C frontend), and gives the same kernels as a compile from source.
    @Test func newValuesReuseTheFrontendAndMatchACompileFromSource() throws {
        let (jit, dir) = try freshJIT()
        let (other, otherDir) = try freshJIT()
        defer { for d in [dir, otherDir] { try? FileManager.default.removeItem(at: d) } }
        func gradients(_ k: JITKernels<Double>) -> [Double] {
            let x = Inputs.all(Double.self), g = [Double](repeating: 1, count: x.count)
            var out = [Double](repeating: 0, count: x.count)
            k.backwardKernel!(x, nil, g, &out, x.count)
            return out
        }
        func same(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern } }
        for (name, parameter) in [("sigmoid", "scale"), ("gaussian", "sigma")] {
            let first = try jit.compile(try jit.spec(named: name), parameters: [parameter: 1.25], dtype: Double.self)
            let second = try jit.compile(try jit.spec(named: name), parameters: [parameter: 0.375], dtype: Double.self)
            let fromSource = try other.compile(try other.spec(named: name), parameters: [parameter: 0.375], dtype: Double.self)
            #expect(!first.report.frontendReused && second.report.frontendReused && !fromSource.report.frontendReused, "\(name)")
            #expect(same(gradients(second), gradients(fromSource)), "\(name): reused frontend vs source")
            #expect(!same(gradients(second), gradients(first)), "\(name): the new value must take effect")
        }
        // A parameter no compiled kernel reads is absent from clang's module: still a reuse, still correct.
        let forwardOnly = SurrogateJIT.Options(ops: .forward)
        _ = try jit.compile(try jit.spec(named: "arctan"), parameters: ["scale": 3], dtype: Float.self, options: forwardOnly)
        let again = try jit.compile(try jit.spec(named: "arctan"), parameters: ["scale": 4], dtype: Float.self, options: forwardOnly)
        #expect(again.report.frontendReused)
    }

    @Test func diskCacheServesANewInstanceAndSurvivesCorruption() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.spec(named: "sigmoid")
        let made = try jit.compile(spec, parameters: ["scale": 2], dtype: Double.self)
        #expect(made.report.cacheHit == .none)
        let file = DiskCache(directory: dir).url(for: made.report.key)
        #expect(FileManager.default.fileExists(atPath: file.path))

        func fresh() throws -> JITKernels<Double> {
            try SurrogateJIT(cacheDirectory: dir).compile(spec, parameters: ["scale": 2], dtype: Double.self)
        }
        func works(_ k: JITKernels<Double>) throws -> Bool {
            let s = BoundSurrogate(descriptor: SurrogateJIT.descriptor(spec), backend: .jit, parameterValues: [2], mode: .eval, kernels: k.kernelSet)
            return try s.backward([0.0]) == [0.5]
        }
        let hit = try fresh()
        #expect(hit.report.cacheHit == .disk)
        #expect(try works(hit))

        let good = try Data(contentsOf: file)
        // A flipped byte inside the object, a truncation, and another key's material: all recompiled.
        var flipped = good
        flipped[flipped.count / 2] ^= 0x5a
        let foreign = DiskCache.encode(DiskCache.Entry(object: [0xde, 0xad], vectorWidths: [:]), material: "someone else's key")
        for bad in [flipped, good.prefix(good.count - 9), Data(foreign), Data()] {
            try bad.write(to: file)
            let again = try fresh()
            #expect(again.report.cacheHit == .none)
            #expect(try works(again))
            #expect(try Data(contentsOf: file) == good, "the recompile rewrites the entry")
        }
    }

    /// The disk key: where the binary has a GNU build-id (Linux), the build's identity, the spec's text, the
    /// parameter values' bits, dtype and ops; nothing is rendered for it, so a hit in a new process is a read and
    /// a load. Any change to the templates or emitters is a new build, hence a new identity: an entry made by
    /// another kernelgen is never served. Without an identity the key is the emitted source.
    @Test func theDiskKeyIsTheBuildAndTheSpecElseTheEmittedSource() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.spec(named: "sigmoid")
        let made = try jit.compile(spec, parameters: ["scale": 2], dtype: Double.self)
        let stored = String(decoding: try Data(contentsOf: DiskCache(directory: dir).url(for: made.report.key)), as: UTF8.self)
        #if os(Linux)
        let build = try #require(BuildConfiguration.buildIdentity, "the test bundle should carry a GNU build-id")
        #expect(build.count >= 16 && build.allSatisfy(\.isHexDigit))
        #endif
        if let build = BuildConfiguration.buildIdentity {
            let material = try #require(SurrogateJIT.keyMaterial(spec: spec, values: ["scale": 2], storage: .float64, ops: .all))
            #expect(made.report.key == Hash.key(material))
            #expect(stored.contains(build) && stored.contains(spec.source), "the entry's key material holds the build and the spec")
            // Another value, dtype or spec text is another key.
            #expect(SurrogateJIT.keyMaterial(spec: spec, values: ["scale": 2.0000000000000004], storage: .float64, ops: .all) != material)
            #expect(SurrogateJIT.keyMaterial(spec: spec, values: ["scale": 2], storage: .float32, ops: .all) != material)
            var edited = spec
            edited.source += "\n# edited\n"
            #expect(SurrogateJIT.keyMaterial(spec: edited, values: ["scale": 2], storage: .float64, ops: .all) != material)
            // A formula edited in code with the text kept (Spec's fields are public): another key too.
            var reformulated = spec
            reformulated.backward = spec.forward
            #expect(SurrogateJIT.keyMaterial(spec: reformulated, values: ["scale": 2], storage: .float64, ops: .all) != material)
        }
        // The fallback: the emitted source.
        var anonymous = spec
        anonymous.source = ""
        #expect(SurrogateJIT.keyMaterial(spec: anonymous, values: ["scale": 2], storage: .float64, ops: .all) == nil)
        let source = try Generator(templates: EmbeddedSources.templates).jitSource(
            cacheKey: "test", constants: [("scale", 2)], element: .float64) {
            SurrogateContext(spec: spec, specFile: "Specs/sigmoid.yaml", symbol: "kgj_sigmoid", storages: [.float64],
                             ops: .all, parametersAreConstants: true)
        }
        #expect(SurrogateJIT.keyMaterial(source: source, storage: .float64, ops: .all)
                != SurrogateJIT.keyMaterial(source: source.replacingOccurrences(of: "kg_sigmoid_grad", with: "kg_sigmoid_grad_v2"),
                                            storage: .float64, ops: .all))
        let fallback = try SurrogateJIT(cacheDirectory: dir).compile(anonymous, parameters: ["scale": 2], dtype: Double.self)
        #expect(fallback.report.key == Hash.key(SurrogateJIT.keyMaterial(source: source, storage: .float64, ops: .all)))
    }

    @Test func concurrentRequestsCompileOncePerKernel() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.spec(named: "gaussian")
        let reports = Locked<[CompileReport]>([])
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<3 {
                let sigma = [0.5, 1.0][(worker + round) % 2]
                do {
                    let k = try jit.compile(spec, parameters: ["sigma": sigma], dtype: Float.self)
                    reports.withLock { $0.append(k.report) }
                    let s = BoundSurrogate(descriptor: SurrogateJIT.descriptor(spec), backend: .jit, parameterValues: [sigma],
                                           mode: .eval, kernels: k.kernelSet)
                    let expected = Float(1 / (sigma * (2 * Double.pi).squareRoot()))
                    if abs(try s.backward([Float(0)])[0] - expected) > 4 * expected.ulp { failures.withLock { $0 += 1 } }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        let all = reports.withLock { $0 }
        #expect(failures.withLock { $0 } == 0)
        #expect(all.count == 24)
        #expect(all.filter { $0.cacheHit == .none }.count == 2, "one compile per distinct kernel")
        #expect(Set(all.map(\.key)).count == 2)
    }

    @Test func artefactsAreAvailable() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try jit.spec(named: "arctan")
        let c = try jit.compile(spec, dtype: Float.self, options: .init(artefact: .c, ops: .backward))
        #expect(c.artefact?.contains("void kgj_arctan_backward_f32(const float *__restrict x, const float *__restrict y, const float *__restrict grad_out, float *__restrict grad_in, kg_size n) {") == true)
        #expect(c.artefact?.contains("#include \"") == false && c.artefact?.contains("#include <") == false, "JIT source is freestanding")
        #expect(c.report.vectorWidths.keys.sorted() == ["kgj_arctan_backward_f32"])
        #expect(c.report.vectorWidth >= 4)
        let ir = try jit.compile(spec, dtype: Float.self, options: .init(artefact: .ir, ops: .backward))
        #expect(ir.artefact?.contains("define dso_local void @kgj_arctan_backward_f32") == true)
        let asm = try jit.compile(spec, dtype: Float.self, options: .init(artefact: .asm, ops: .backward))
        #expect(asm.artefact?.contains("kgj_arctan_backward_f32:") == true)
    }
}

/// The dispatch table's fallback when the JIT cannot make kernels.
@Suite struct JITFallbackTests {
    struct Failing: KernelProvider {
        func kernels<T: KernelStorage>(for descriptor: SurrogateDescriptor, parameterValues: [Double], dtype: T.Type) throws(SurrogateError) -> KernelSet<T> {
            throw .compileFailed(surrogate: descriptor.name, backend: .jit, message: "kernel.c:1:1: error: simulated")
        }
    }

    @Test func fallsBackToAOTKernelsWhenTheyExist() throws {
        let table = DispatchTable()
        GeneratedSurrogates.register(into: table)
        table.setProvider(Failing(), for: .jit)
        let s: BoundSurrogate<Float> = try table.surrogate("sigmoid", backend: .jit)
        #expect(s.backend == .c)
        #expect(try s.backward([0]) == [1.25])
    }

    @Test func otherwiseTheCompilerErrorReachesTheCaller() throws {
        let table = DispatchTable()
        table.register(SurrogateDescriptor(name: "runtime_only", summary: "", parameters: [], hasTrainForward: false,
                                           isStochastic: false, backwardReadsY: false))
        table.setProvider(Failing(), for: .jit)
        #expect(throws: SurrogateError.compileFailed(surrogate: "runtime_only", backend: .jit, message: "kernel.c:1:1: error: simulated")) {
            let _: BoundSurrogate<Float> = try table.surrogate("runtime_only", backend: .jit)
        }
    }
}

/// A runtime spec that calls every function of the table compiles in the JIT (whose prelude holds only
/// the sections a spec needs) and agrees with the Double reference evaluator.
@Suite struct JITEveryFunctionTests {
    @Test func everyFunctionCompilesAndEvaluates() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        jit.install(in: table)
        let spec = try jit.load(yaml: """
            name: everything
            summary: Every formula function once.
            params:
              k: 0.75
            forward: heaviside(x) + 0 * (sign(x) + min(x, k) + max(x, k))
            train_forward: sigmoid(k * x + logistic()) * uniform() + 0 * clamp(x, -1, 1)
            backward: exp(-x^2) + expm1(x / 8) + log(1 + x^2) + log1p(abs(x)) + sqrt(abs(x)) + tanh(x) + atan(k * x) + erf(x) + sigmoid(x) + where(x > 0, k, 1 - k) + x^3 / 100 + 2^(x / 4) + y
            """, into: table)
        let evaluator = FormulaEvaluator<Double>(params: ["k": 0.75])
        let xs: [Double] = [-3.5, -1, -0.3, 0, 0.2, 0.9, 2.5, 7]
        func check<T: KernelScalar>(_: T.Type, tolerance: Double) throws {
            var s: BoundSurrogate<T> = try table.surrogate("everything", backend: .jit, mode: .train(sample: false, seed: 0))
            #expect(s.backend == .jit)
            let x = xs.map { T($0) }
            let y = try s.forward(x)
            let g = try s.backward(x, y: y)
            for i in xs.indices {
                let yRef = evaluator.evaluate(spec.trainForward!.expr, x: Double(x[i]))
                let gRef = evaluator.evaluate(spec.backward.expr, x: Double(x[i]), y: Double(y[i]))
                #expect(abs(Double(y[i]) - yRef) <= tolerance * max(1, abs(yRef)), "\(T.self) forward at \(xs[i])")
                #expect(abs(Double(g[i]) - gRef) <= tolerance * max(1, abs(gRef)), "\(T.self) backward at \(xs[i])")
            }
            s.mode = .train(sample: true, seed: 9)
            let sampled = try s.forward(x)
            #expect(sampled.allSatisfy { $0 >= 0 && $0 < 1 })
        }
        try check(Float.self, tolerance: 2e-5)
        try check(Double.self, tolerance: 1e-12)
    }
}

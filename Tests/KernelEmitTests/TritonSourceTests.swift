import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// The Triton module (`TritonSource`): golden file for the fixture spec, the dialect's spellings, and spec text and
/// names as data (its numbers are checked against the C kernels by python/tests/test_triton.py, in Triton's
/// interpreter, and every kernel is compiled there for a CUDA GPU).
/// Re-record the golden file with `KERNELGEN_RECORD_GOLDEN=1 swift test --filter TritonSourceTests`.
@Suite struct TritonSourceTests {
    static let golden = GoldenTests.here.appendingPathComponent("Golden/triton/fixture.py")

    static func render(_ spec: Spec, specFile: String? = nil) throws -> String {
        try TritonSource.render(spec: spec, specFile: specFile, templatesDirectory: GoldenTests.templates)
    }

    @Test func emittedModuleMatchesTheGoldenFile() throws {
        let text = try Self.render(TorchSourceTests.fixture())
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        #expect(text == expected, "the emitted Triton module differs from Golden/triton/fixture.py")
    }

    /// What the dialect must do, spelled out (independent of the golden file).
    @Test func fixtureModuleSpellsEachConstruct() throws {
        let text = try Self.render(TorchSourceTests.fixture())
        // Parameters: constexprs made 0-d values of the element type.
        #expect(text.contains("def forward_f32(x_ptr, out_ptr, n, c_alpha: tl.constexpr, c_beta: tl.constexpr, NEGATIVE_ZEROS: tl.constexpr, BLOCK: tl.constexpr):"))
        #expect(text.contains("p_alpha = tl.full((), c_alpha, tl.float32)") && text.contains("p_alpha = tl.full((), c_alpha, tl.float64)"))
        // sqrt(2 pi) folded per dtype: a plain float32 literal, a typed float64 one; float32 division div_rn.
        #expect(text.contains(".to(tl.float32), float.fromhex('0x1.40d932p+1'))"))
        #expect(text.contains(".to(tl.float64) / tl.full((), float.fromhex('0x1.40d931ff62705p+1'), tl.float64))"))
        #expect(text.contains("tl.where((x >= p_beta), 1.0, "))
        #expect(text.contains("(float.fromhex('0x1p-1') * (x > 0.0).to(tl.float32))"))
        #expect(text.contains("(x * x * x)") && text.contains("_libdevice.pow(tl.full((), 2.0, tl.float32), x)"))
        // the sampling kernels: key and counter, one draw per site from the forward's stream (0)
        #expect(text.contains("@triton.jit(do_not_specialize=[\"seed\", \"offset\"])\ndef train_forward_f32(x_ptr, out_ptr, n, seed, offset, "))
        #expect(text.contains("u0 = _kg_uniformf(seed, _kg_j, 0, 0)\n    u1 = _kg_uniformf(seed, _kg_j, 1, 0)"))
        #expect(text.contains("u0 = _kg_uniform(seed, _kg_j, 0, 0)"))
        #expect(text.contains("_kg_sigmoid_logisticf((p_alpha * x), u0) * u1"))
        #expect(text.contains("(\"train_forward_mean\", \"float64\"): train_forward_mean_f64,"))
        #expect(text.contains("SAMPLING = frozenset((\"train_forward_f32\", \"train_forward_f64\"))"))
    }

    /// float32 division is IEEE (`div_rn`: Triton's `/` is approximate there on CUDA); float64's `/` is IEEE.
    @Test func float32DivisionIsCorrectlyRounded() throws {
        let (spec, _) = SpecLoader.load(yaml: "name: d\nsummary: D.\nparams:\n  k: 3\nbackward: 1 / (1 + k * abs(x))^2\n", file: "d.yaml")
        let text = try Self.render(try #require(spec))
        #expect(text.contains("_libdevice.div_rn(1.0, "))
        #expect(text.contains("(1.0 / ("))
    }

    @Test func literalsAreExactAndTypedWhereTritonWouldRoundThem() {
        let f32 = Dialect(.triton, .float32), f64 = Dialect(.triton, .float64)
        #expect(f32.literal(0.1) == "float.fromhex('0x1.99999ap-4')")
        #expect(f64.literal(0.5) == "float.fromhex('0x1p-1')")  // exact in float32: typed float32 by Triton, exact
        #expect(f64.literal(0.1) == "tl.full((), float.fromhex('0x1.999999999999ap-4'), tl.float64)")
        // a float32 subnormal: Triton would type the Python float float64
        #expect(f32.literal(1e-40).hasPrefix("tl.full((), "))
        #expect(f64.literal(1e300).hasPrefix("tl.full((), "))
        #expect(f32.literal(.infinity) == "float('inf')" && f64.literal(.nan) == "float('nan')")
    }

    /// A select of two literals is typed (Triton makes `tl.where(c, 0.25, 0.5)` float32, and float32 arithmetic
    /// after it in a float64 kernel); sqrt is the correctly rounded one.
    @Test func selectsOfLiteralsAreTypedAndSquareRootsRounded() throws {
        let (spec, _) = SpecLoader.load(yaml: "name: w\nsummary: W.\nbackward: where(x > 0, 0.25, 0.5) / sqrt(1 + x * x)\n", file: "w.yaml")
        let text = try Self.render(try #require(spec))
        #expect(text.contains("tl.where((x > 0.0), tl.full((), float.fromhex('0x1p-2'), tl.float64), float.fromhex('0x1p-1'))"))
        #expect(text.contains("tl.where((x > 0.0), tl.full((), float.fromhex('0x1p-2'), tl.float32), float.fromhex('0x1p-1'))"))
        #expect(text.contains("_libdevice.sqrt_rn(") && !text.contains("_libdevice.sqrt("))
    }

    @Test func sumsAreLoopsBoundedByIntegerConstexprs() throws {
        let (spec, diagnostics) = SpecLoader.load(yaml: """
            name: sums
            summary: A sum.
            params:
              n: {default: 3, min: 1, max: 8, integer: true}
            backward: sum(i, 1, n, exp(-i * x * x)) / n
            """, file: "sums.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let text = try Self.render(try #require(spec))
        #expect(text.contains("s0 = tl.zeros_like(x)\n    for k_i in tl.range(1, c_n + 1):"))
        #expect(text.contains("tl.cast(k_i, tl.float32)"))
        #expect(text.contains("INTEGER_PARAMETERS = (\"n\",)"))
    }

    @Test func everyFunctionHasATritonSpellingThatUsesEachArgumentOnce() {
        for f in FunctionTable.all + FunctionTable.fused {
            #expect(!f.triton.isEmpty, "\(f.name)")
            for i in 0..<f.arity {
                #expect(f.triton.components(separatedBy: "$\(i)").count == 2, "\(f.name): $\(i) must appear once in \(f.triton)")
            }
            #expect(f.triton.contains("{noise}") == f.isNoise, "\(f.name)")
            // Triton's tl.exp, tl.log, tl.sin, tl.cos are approximate on CUDA: the table's math is libdevice's.
            for approximate in ["tl.exp(", "tl.log(", "tl.sin(", "tl.cos(", "tl.sqrt("] {
                #expect(!f.triton.contains(approximate), "\(f.name): \(approximate) is approximate on CUDA")
            }
        }
    }

    /// Python keywords and builtins as parameter names only ever appear as `c_<name>` and `p_<name>`.
    @Test func keywordParametersAreAlwaysPrefixed() throws {
        let (spec, diagnostics) = SpecLoader.load(yaml: TorchSourceTests.keywordSpec, file: "kw.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let text = try Self.render(try #require(spec))
        let tokens = SourceTokens.tokens(text, .python)
        for name in ["lambda", "class", "yield", "print"] {
            #expect(!tokens.contains(name), "`\(name)` is a code token of the module")
            #expect(tokens.contains("p_\(name)") && tokens.contains("c_\(name)"))
        }
        // `in` is the prelude's (`for _ in ...`) only: as many as in a module without parameters.
        let plain = try TritonSource.render(spec: SpecTextPropertyTests.plainSpec(), generator: Generator(templatesDirectory: GoldenTests.templates))
        #expect(tokens.filter { $0 == "in" }.count == SourceTokens.tokens(plain, .python).filter { $0 == "in" }.count)
        #expect(tokens.contains("p_in") && tokens.contains("c_in"))
    }

    /// Spec text is data (the PyTorch module's check, `TorchSourceTests.expectTextIsData`).
    @Test func arbitraryTextLeavesTheCodeUnchanged() throws {
        try TorchSourceTests.expectTextIsData(seed: 0x7217_0, samples: 200) { try TritonSource.render(spec: $0, specFile: $1, generator: $2) }
    }

    /// A neuron bound to a stochastic surrogate: both noise streams drawn as their own locals in the sampled
    /// backward (the forward's recomputed values read stream 0, the adjoints stream 2), the neuron's parameters loaded
    /// at run time, the state carried in a loop over the steps.
    @Test func neuronModuleCarriesTheStateAndDrawsBothStreams() throws {
        let (neuron, neuronIssues) = NeuronLoader.load(path: GoldenTests.root.appendingPathComponent("Neurons/lif.yaml").path)
        let (surrogate, issues) = SpecLoader.load(path: GoldenTests.root.appendingPathComponent("Specs/noisy_gradient.yaml").path)
        #expect(!neuronIssues.hasErrors && !issues.hasErrors)
        let lif = try #require(neuron), noisy = try #require(surrogate)
        let text = try TritonNeuronSource.render(neuron: lif, graph: try NeuronGraph(lif), surrogate: noisy,
                                                 values: Dictionary(uniqueKeysWithValues: noisy.params.map { ($0.name, $0.defaultValue) }),
                                                 learned: [], generator: Generator(templatesDirectory: GoldenTests.templates))
        #expect(text.contains("p_tau = tl.load(params_ptr + 0).to(tl.float32)"))
        #expect(text.contains("for _kg_step in tl.range(0, steps):"))
        #expect(text.contains("_kg_t = tl.cast(steps - 1 - _kg_step, tl.int64)"))
        #expect(text.contains("u0_s2 = _kg_uniformf(seed, _kg_j, 0, 2)"))
        #expect(text.contains("(\"train_backward\", \"float64\"): train_backward_f64,"))
        #expect(text.contains("STATE_COUNT = 1") && text.contains("PARAM_COUNT = 3") && text.contains("STOCHASTIC = True"))
        #expect(text.contains("_kg_next0 = tl.broadcast_to(tl.cast("))
        // No C leaks into the Python: no declarations, no `(void)`.
        #expect(!text.contains("const ") && !text.contains("(void)"))
    }
}

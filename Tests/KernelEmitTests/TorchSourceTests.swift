import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// The PyTorch expression module (`TorchSource`): golden file for the fixture spec, and spec text and names
/// as data (its numbers are checked against the C kernels by python/tests/test_torch_expressions.py).
/// Re-record the golden file with `KERNELGEN_RECORD_GOLDEN=1 swift test --filter TorchSourceTests`.
@Suite struct TorchSourceTests {
    static let golden = GoldenTests.here.appendingPathComponent("Golden/torch/fixture.py")

    static func fixture() throws -> Spec {
        let (spec, diagnostics) = SpecLoader.load(path: GoldenTests.here.appendingPathComponent("Golden/fixture.yaml").path,
                                                  displayName: "fixture.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(spec)
    }

    static func render(_ spec: Spec, specFile: String? = nil) throws -> String {
        try TorchSource.render(spec: spec, specFile: specFile, templatesDirectory: GoldenTests.templates)
    }

    @Test func emittedModuleMatchesTheGoldenFile() throws {
        let text = try Self.render(Self.fixture())
        if ProcessInfo.processInfo.environment["KERNELGEN_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        #expect(text == expected, "the emitted PyTorch module differs from Golden/torch/fixture.py")
    }

    /// What the printer must do, spelled out (independent of the golden file): exact literals per dtype, 1/0 in
    /// the input's dtype, selects as torch.where, small powers as products, one draw per noise site, fusions.
    @Test func fixtureModuleSpellsEachConstruct() throws {
        let text = try Self.render(Self.fixture())
        // 1 / sqrt(2 pi) folded per dtype: two literals, so two branches.
        #expect(text.contains("float.fromhex('0x1.40d931ff62705p+1')") && text.contains("float.fromhex('0x1.40d932p+1')"))
        #expect(text.contains("if x.dtype == _torch.float64:"))
        // a select's branch reads masked leaves (the double where): x itself where the branch is taken
        #expect(text.contains("_kg_c0 = (x >= p_beta)\n    _kg_v0_0f = _kg_keep(~_kg_c0, x)"))
        #expect(text.contains("(_kg_v0_0f > 0.0).to(x.dtype)"))
        #expect(text.contains("_torch.where((x >= p_beta), 1.0, "))
        #expect(text.contains("(x * x * x)") && text.contains("(-(x * x * x * x))") && text.contains("_torch.pow(2.0, x)"))
        #expect(text.contains("_kg_clamp((x * x), -1.0, p_beta)"))
        #expect(text.contains("u0 = _kg_draw(x, generator, draws, 0)\n    u1 = _kg_draw(x, generator, draws, 1)"))
        #expect(text.contains("_kg_sigmoid_logistic((p_alpha * x), u0) * u1"))
        // Mean field: the noise is its mean, no draw, no fusion.
        #expect(text.contains("_torch.sigmoid(((p_alpha * x) + 0.0)) * float.fromhex('0x1p-1')"))
        #expect(text.contains("def backward(x, y, grad_out, p_alpha, p_beta):"))
        #expect(text.contains("def train_forward(x, p_alpha, p_beta, generator=None, draws=None):"))
    }

    @Test func sigmoidBackwardIsFusedAndSharedByBothDtypes() throws {
        let (spec, _) = SpecLoader.load(yaml: "name: s\nsummary: S.\nparams:\n  scale: 5\nbackward: scale * sigmoid(scale * x) * (1 - sigmoid(scale * x))\n",
                                        file: "s.yaml")
        let text = try Self.render(try #require(spec))
        #expect(text.contains("return _kg_result(grad_out * (p_scale * _kg_sigmoid_grad((p_scale * x))), x)"))
        #expect(!text.contains("if x.dtype == _torch.float64:"))
        #expect(!text.contains("def train_forward"))
    }

    /// A backward that draws noise: `backward` is its mean field (no draw; u at 1/2), `train_backward` samples from
    /// the generator, and the module says so.
    @Test func noisyBackwardEmitsMeanFieldAndSamplingBackwards() throws {
        let (loaded, diagnostics) = SpecLoader.load(yaml: "name: nb\nsummary: s\nbackward: x * uniform()\n", file: "nb.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let text = try Self.render(try #require(loaded))
        #expect(text.contains("HAS_TRAIN_BACKWARD = True") && text.contains("STOCHASTIC = True"))
        let backward = try #require(text.range(of: "def backward(x, y, grad_out):"))
        let sampling = try #require(text.range(of: "def train_backward(x, y, grad_out, generator=None, draws=None):"))
        #expect(backward.upperBound < sampling.lowerBound)
        let meanField = String(text[backward.upperBound..<sampling.lowerBound])
        #expect(!meanField.contains("_kg_draw") && meanField.contains("grad_out * (x * float.fromhex('0x1p-1'))"), "\(meanField)")
        #expect(String(text[sampling.upperBound...]).contains("u0 = _kg_draw(x, generator, draws, 0)"))
    }

    @Test func literalsAreExactPythonFloats() {
        #expect(Dialect.pythonFloat(5) == "5.0")
        #expect(Dialect.pythonFloat(-0.0) == "-0.0")
        #expect(Dialect.pythonFloat(0.1) == "float.fromhex('0x1.999999999999ap-4')")
        #expect(Dialect.pythonFloat(0x1p53) == "float.fromhex('0x1p+53')")
        #expect(Dialect.pythonFloat(-.infinity) == "float('-inf')")
        #expect(Dialect.pythonFloat(.nan) == "float('nan')")
        #expect(Dialect(.torch, .float32).literal(0.1) == "float.fromhex('0x1.99999ap-4')")
    }

    @Test func everyFunctionHasATorchSpellingThatUsesEachArgumentOnce() {
        for f in FunctionTable.all + FunctionTable.fused {
            #expect(!f.torch.isEmpty, "\(f.name)")
            for i in 0..<f.arity {
                #expect(f.torch.components(separatedBy: "$\(i)").count == 2, "\(f.name): $\(i) must appear once in \(f.torch)")
            }
            #expect(f.torch.contains("{noise}") == f.isNoise, "\(f.name)")
        }
    }

    static let keywordSpec = """
        name: kw
        summary: Keywords and builtins as parameter names.
        params:
          in: 1
          lambda: 2
          class: 3
          yield: 4
          print: 5
        forward: heaviside(x - in)
        train_forward: sigmoid(lambda * x + logistic()) * yield
        backward: in * lambda * class * yield * print * x
        """

    /// Python keywords and builtins as parameter names only ever appear as `p_<name>` in the code (and as
    /// string literals in PARAMETERS).
    @Test func keywordParametersAreAlwaysPrefixed() throws {
        let (spec, diagnostics) = SpecLoader.load(yaml: Self.keywordSpec, file: "kw.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let text = try Self.render(try #require(spec))
        let tokens = SourceTokens.tokens(text, .python)
        for name in ["in", "lambda", "class", "yield", "print"] {
            #expect(!tokens.contains(name), "`\(name)` is a code token of the module")
            #expect(tokens.contains("p_\(name)"))
        }
        #expect(text.contains("def forward(x, p_in, p_lambda, p_class, p_yield, p_print):"))
    }

    /// Spec text is data: whatever the summary, doc, parameter docs and file name hold, the module's code
    /// tokens are those of the plain spec, and no invisible character or line end other than LF reaches it.
    @Test func arbitraryTextLeavesTheCodeUnchanged() throws {
        try Self.expectTextIsData(seed: 0x70_2C4, samples: 300) { try TorchSource.render(spec: $0, specFile: $1, generator: $2) }
    }

    /// The check of `arbitraryTextLeavesTheCodeUnchanged` for any generated Python module (`render(spec, specFile,
    /// generator)`): the PyTorch module's and the Triton module's.
    static func expectTextIsData(seed: UInt64, samples: Int, render: (Spec, String?, Generator) throws -> String) throws {
        let generator = Generator(templatesDirectory: GoldenTests.templates)
        let plain = try render(SpecTextPropertyTests.plainSpec(), nil, generator)
        let expected = SourceTokens.tokens(plain, .python)
        #expect(!expected.contains { $0.hasPrefix("<unterminated") })
        var random = NastyText(seed: seed)
        var texts = [NastyText.all, "\"\"\"", "'''", "\\", "# -*- coding: latin-1 -*-", "coding=utf-16", "\"\"\"\\"]
        for _ in 0..<samples { texts.append(random.text()) }
        for (k, text) in texts.enumerated() {
            let spec = try NastyText.fixture(summary: text, doc: texts[(k + 1) % texts.count], paramDocs: [text, "\(text)\"\"\""],
                                             source: text, fileName: text)
            let module = try render(spec, text, generator)
            let same = SourceTokens.tokens(module, .python) == expected
            #expect(same, "code changed for text \(text.debugDescription)")
            let hidden = module.unicodeScalars.filter { $0 != "\n" && SourceText.isInvisible($0) }
            #expect(hidden.isEmpty, "holds \(hidden.map { String($0.value, radix: 16) }) for \(text.debugDescription)")
            // PEP 263: a comment line 1 or 2 with `coding:` or `coding=` would change how Python decodes the file.
            let firstLines = module.split(separator: "\n", maxSplits: 2).prefix(2)
                .filter { $0.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }.hasPrefix("#") }
            #expect(!firstLines.contains { $0.contains("coding:") || $0.contains("coding=") }, "\(text.debugDescription)")
            if !same || !hidden.isEmpty { return }
        }
    }

    @Test func pythonStringBodyEscapesEverythingThatCouldEndOrHideIt() {
        #expect(SourceText.pythonStringBody("a\"\"\"b'c\\d") == "a\\\"\\\"\\\"b\\'c\\\\d")
        #expect(SourceText.pythonStringBody("\0\r\n\t\u{85}\u{2028}") == "\\x00\\r\\n\\t\\x85\\u2028")
        #expect(SourceText.pythonComment("coding: latin-1\rx") == "coding\\u{3A} latin-1\\u{0D}x")
        #expect(SourceText.pythonStringLiteral("kw") == "\"kw\"")
    }
}

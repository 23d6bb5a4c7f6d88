import Testing
@testable import KernelEmit
@testable import SurrogateSpec

@Suite struct ExactLiteralTests {
    /// Defaults people read: the shortest decimal that reads back as the same Double, written out by hand here.
    @Test func decimalSpellingsAreShortAndExact() throws {
        let cases: [(Double, String)] = [(5.0, "5.0"), (0.1, "0.1"), (-0.0, "-0.0"), (1e-20, "1e-20"), (0.25, "0.25"),
                                         (1.0 / 3.0, "0.3333333333333333"), (Double.leastNonzeroMagnitude, "5e-324"), (1e16, "1e+16")]
        for (value, text) in cases {
            #expect(ExactLiteral.decimal(value) == text)
            #expect(Double(text)?.bitPattern == value.bitPattern, "\(text) reads back as \(value)")
        }
        // Every built-in default in a generated signature is decimal, never hex.
        let (spec, diagnostics) = SpecLoader.load(yaml: """
            name: demo
            summary: s
            params:
              scale: {default: 0.3}
              width: {default: 2.5e-7}
            backward: scale * width * x
            """, file: "demo.yaml")
        let context = SurrogateContext(spec: try #require(spec, "\(diagnostics)"), specFile: "demo.yaml")
        #expect(context.swiftInitParams == "scale: Double = 0.3, width: Double = 2.5e-07, backend: Backend = .c")
    }

    @Test func hexSpellings() {
        #expect(ExactLiteral.hex(5.0) == "0x1.4p+2")
        #expect(ExactLiteral.hex(-0.0) == "-0x0p+0")
        #expect(ExactLiteral.hex(0.1) == "0x1.999999999999ap-4")
        #expect(ExactLiteral.hex(.pi) == "0x1.921fb54442d18p+1")
        #expect(ExactLiteral.hex(.leastNonzeroMagnitude) == "0x0.0000000000001p-1022")
        #expect(ExactLiteral.hex(0.1, as: .float32) == "0x1.99999ap-4")
    }

    @Test func hexRoundTripsExactly() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let v = Double(bitPattern: generator.next() & ~(0x7ff << 52) | (UInt64.random(in: 0...2046, using: &generator) << 52))
            #expect(Double(ExactLiteral.hex(v)) == v)
            let f = Float(bitPattern: UInt32.random(in: 0...0x7f7f_ffff, using: &generator))
            #expect(Float(ExactLiteral.hex(Double(f), as: .float32)) == f)
        }
    }
}

@Suite struct ExpressionPrinterTests {
    func expr(_ text: String, params: [String] = ["k"]) throws -> Expr {
        let scope = FormulaScope(field: "backward", params: params, allowsForwardOutput: true, allowsNoise: true)
        let (e, issues) = FormulaParser.parse(text, scope: scope)
        #expect(issues.isEmpty)
        return Simplifier.fold(try #require(e))
    }

    func c(_ text: String, _ element: ElementType = .float32) throws -> String {
        ExpressionPrinter(Dialect(.c, element)).print(try expr(text))
    }

    func swift(_ text: String, _ element: ElementType = .float32) throws -> String {
        ExpressionPrinter(Dialect(.swift, element)).print(try expr(text))
    }

    @Test func cSpellings() throws {
        #expect(try c("k * sigmoid(k * x)") == "(p_k * kg_sigmoidf((p_k * xi)))")
        #expect(try c("exp(-x^2)", .float64) == "kg_exp((-(xi * xi)))")
        #expect(try c("(abs(x) <= k) / 2") == "(((__builtin_fabsf(xi) <= p_k) ? 0x1p+0f : 0x0p+0f) / 0x1p+1f)")
        #expect(try c("x >= -k && x <= k") == "(((xi >= (-p_k)) & (xi <= p_k)) ? 0x1p+0f : 0x0p+0f)")
        #expect(try c("where(x, y, 1)") == "((xi != 0x0p+0f) ? yi : 0x1p+0f)")
        #expect(try c("x^k") == "__builtin_powf(xi, p_k)")
        #expect(try c("logistic()") == "kg_logisticf(kg_noise_bitsf(seed, offset + i, 0u))")
    }

    @Test func swiftSpellings() throws {
        #expect(try swift("k * sigmoid(k * x)") == "(p_k * KernelMath.sigmoid((p_k * xi)))")
        #expect(try swift("log1p(x) + sqrt(x)", .float64) == "(KernelMath.log1p(xi) + (xi).squareRoot())")
        #expect(try swift("!(x < 1) || x > 2") == "(((!(xi < (0x1p+0 as Float))) || (xi > (0x1p+1 as Float))) ? (0x1p+0 as Float) : (0x0p+0 as Float))")
        #expect(try swift("uniform()", .float64)
                == "KernelMath.uniform(Philox.bits(seed: seed, element: offset &+ UInt64(truncatingIfNeeded: i), site: 0, as: Double.self), as: Double.self)")
    }

    @Test func constantsFoldInDoubleThenRoundOnce() throws {
        // sqrt(2 pi) = 2.5066282746310002 folded in Double, printed exactly for each element type.
        #expect(try c("x / sqrt(2 * pi)", .float64) == "(xi / 0x1.40d931ff62705p+1)")
        #expect(try c("x / sqrt(2 * pi)", .float32) == "(xi / 0x1.40d932p+1f)")
        #expect(try c("1 / 0 + x") == "(__builtin_inff() + xi)")
    }

    @Test func specialisationAndMeanField() throws {
        let e = try expr("k * x + logistic() + 1 * uniform()")
        let specialised = Simplifier.fold(Simplifier.specialise(e, ["k": 0.5]))
        #expect(ExpressionPrinter(Dialect(.c, .float32)).print(specialised)
                == "(((0x1p-1f * xi) + kg_logisticf(kg_noise_bitsf(seed, offset + i, 0u))) + kg_uniformf(kg_noise_bitsf(seed, offset + i, 1u)))")
        let mean = Simplifier.fold(Simplifier.meanField(specialised))
        // `a + 0` stays (it is not `a` at a = -0); `1 * a` and `a * 1` go (exact for every a).
        #expect(ExpressionPrinter(Dialect(.c, .float32)).print(mean) == "(((0x1p-1f * xi) + 0x0p+0f) + 0x1p-1f)")
    }

    @Test func repeatedCallsBecomeLocalsDefinedBeforeUse() throws {
        let (locals, body) = Simplifier.commonSubexpressions(try expr("exp(sigmoid(x)) + exp(sigmoid(x)) * sigmoid(x)"))
        #expect(locals.map(\.name) == ["t0", "t1"])
        #expect(locals.map(\.value.description) == ["sigmoid(x)", "exp(t0)"])
        #expect(body.description == "(t1 + (t1 * t0))")
        // Each noise call is its own draw: never shared.
        let noisy = Simplifier.commonSubexpressions(try expr("logistic() + logistic()"))
        #expect(noisy.locals.isEmpty)
        let lane = Lane(try expr("k * sigmoid(k * x) * (1 - sigmoid(k * x))"), ExpressionPrinter(Dialect(.c, .float32)))
        #expect(lane.locals == ["const float t0 = kg_sigmoidf((p_k * xi));"])
        #expect(lane.expression == "((p_k * t0) * (0x1p+0f - t0))")
    }

    @Test func sigmoidOfALogisticSampleIsFusedKeepingItsDraw() throws {
        let c = ExpressionPrinter(Dialect(.c, .float32))
        let fused = Simplifier.fuse(try expr("uniform() + sigmoid(k * x + logistic())"))
        #expect(c.print(fused) == "(kg_uniformf(kg_noise_bitsf(seed, offset + i, 0u)) + kg_sigmoid_logisticf((p_k * xi), kg_noise_bitsf(seed, offset + i, 1u)))")
        #expect(Simplifier.fuse(try expr("sigmoid(logistic() + x)")).description == Simplifier.fuse(try expr("sigmoid(x + logistic())")).description)
        // Not the pattern: another sign, another noise, the mean field (no noise left to fuse).
        for text in ["sigmoid(x - logistic())", "sigmoid(x + uniform())", "tanh(x + logistic())"] {
            #expect(Simplifier.fuse(try expr(text)).description == (try expr(text)).description, "\(text)")
        }
        #expect(c.print(Simplifier.fuse(Simplifier.fold(Simplifier.meanField(try expr("sigmoid(x + logistic())"))))) == "kg_sigmoidf((xi + 0x0p+0f))")
        #expect(ExpressionPrinter(Dialect(.swift, .float64)).print(Simplifier.fuse(try expr("sigmoid(x + logistic())")))
                == "KernelMath.sigmoidLogistic(xi, Philox.bits(seed: seed, element: offset &+ UInt64(truncatingIfNeeded: i), site: 0, as: Double.self))")
        // The JIT prelude then holds the fused helper and what it calls, not the log it avoids.
        let needs = PreludeSections.needed(by: [Simplifier.fuse(try expr("sigmoid(x + logistic())"))])
        #expect(needs["sigmoid_logistic"] == true && needs["exp"] == true && needs["uniform"] == true && needs["log"] == false)
    }

    @Test func sigmoidTimesOneMinusSigmoidIsFusedInAnyProductOrder() throws {
        let c = ExpressionPrinter(Dialect(.c, .float32))
        #expect(c.print(Simplifier.fuse(try expr("k * sigmoid(k * x) * (1 - sigmoid(k * x))"))) == "(p_k * kg_sigmoid_gradf((p_k * xi)))")
        #expect(c.print(Simplifier.fuse(try expr("(1 - sigmoid(x)) * 2 * (sigmoid(x) * y)"))) == "((0x1p+1f * kg_sigmoid_gradf(xi)) * yi)")
        // Different arguments, or 1 + sigmoid: left alone.
        for text in ["sigmoid(x) * (1 - sigmoid(2 * x))", "sigmoid(x) * (1 + sigmoid(x))", "sigmoid(x) / (1 - sigmoid(x))"] {
            #expect(Simplifier.fuse(try expr(text)).description == (try expr(text)).description, "\(text)")
        }
        let needs = PreludeSections.needed(by: [Simplifier.fuse(try expr("sigmoid(x) * (1 - sigmoid(x))"))])
        #expect(needs["sigmoid_grad"] == true && needs["exp"] == true && needs["sigmoid"] == false && needs["log"] == false)
    }

    /// Every table function has a spelling in both languages that uses all of its arguments.
    @Test func everyFunctionIsSpelledForEveryBackend() {
        for f in FunctionTable.all + FunctionTable.fused {
            for spelling in [f.c, f.swift] {
                for i in 0..<f.arity { #expect(spelling.contains("$\(i)"), "\(f.name): \(spelling)") }
                #expect(!spelling.contains("$\(f.arity)"), "\(f.name)")
                #expect(f.isNoise == spelling.contains("{noise}"), "\(f.name)")
            }
        }
    }
}

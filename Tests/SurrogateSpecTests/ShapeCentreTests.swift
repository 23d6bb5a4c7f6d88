import Foundation
import Testing
@testable import SurrogateSpec

/// The shape figures' centre, the forward's step (`GradientShape.centre(ofStep:)`), and a narrow bump measured
/// about it (a gaussian of sigma 1e-4 at a threshold of 1 integrates to 1; on the grid about 0 alone it did not).
@Suite struct ShapeCentreTests {
    @Test func theCentreIsWhereTheForwardSteps() {
        #expect(GradientShape.centre { $0 >= 0 ? 1 : 0 } == 0)
        #expect(GradientShape.centre { $0 - 1 >= 0 ? 1 : 0 } == 1)
        #expect(GradientShape.centre { $0 > 2.5 ? 1 : 0 } == 2.5.nextUp)        // the first x whose forward differs
        #expect(GradientShape.centre { $0 >= -3e-300 ? 1 : 0 } == -3e-300)
        #expect(GradientShape.centre { _ in 1 } == 0)                           // no step: 0
        #expect(GradientShape.centre { $0 < 0 ? Double.nan : 1 } == 0)          // NaN at one end: 0
        #expect(GradientShape.centre { $0 >= 0x1p60 ? 1 : 0 } == 0x1p60)       // the grid's reach: still a centre
    }

    /// Forwards that are not one step get the centre 0: a staircase (bisection would stop at its first step,
    /// near -1.8e308), a smooth forward (the first double where it leaves 0), a step beyond the grid (1e300).
    @Test func notOneStepWithinTheGridIsCentredAtZero() {
        #expect(GradientShape.centre { Foundation.floor($0) } == 0)
        #expect(GradientShape.centre { 1 / (1 + Foundation.exp(-$0)) } == 0)
        #expect(GradientShape.centre { $0 >= 1e300 ? 1 : 0 } == 0)
        #expect(GradientShape.centre { $0 >= -0x1p61 ? 1 : 0 } == 0)
    }

    /// A staircase forward with a normalised backward: `check` finds the integral 1 (it was 2e271, the grid's
    /// gap between -1.8e308 and -2^60 filled by the trapezoid rule).
    @Test func aStaircaseForwardIsNormalised() throws {
        let yaml = "name: stairs\nsummary: s.\nforward: floor(x)\nbackward: 1 / (1 + x * x) / pi\n"
        let (loaded, diagnostics) = SpecLoader.load(yaml: yaml, file: "Specs/stairs.yaml")
        let spec = try #require(loaded, "\(diagnostics)")
        #expect(SpecAnalysis.check(spec).isEmpty, "\(SpecAnalysis.check(spec))")
    }

    @Test func aNarrowBumpAtTheThresholdIsNormalised() throws {
        let yaml = "name: demo\nsummary: d.\nparams:\n  sigma: 0.0001\n  thr: 1.0\nforward: x - thr >= 0\n"
            + "backward: exp(-((x - thr)^2) / (2 * sigma^2)) / (sigma * sqrt(2 * pi))\n"
        let (loaded, diagnostics) = SpecLoader.load(yaml: yaml, file: "Specs/demo.yaml")
        let spec = try #require(loaded, "\(diagnostics)")
        #expect(SpecAnalysis.check(spec).isEmpty, "\(SpecAnalysis.check(spec))")
        let evaluator = FormulaEvaluator<Double>(params: spec.defaults)
        let shape = GradientShape.measure(centre: 1) { evaluator.surrogateGradient(spec, x: $0) }
        #expect(abs(shape.integral - 1) < 2e-5 && shape.centre == 1 && abs(shape.centralShare - 1) < 1e-12, "\(shape)")
        // About 0 alone the bump falls between grid points (0.54% of 1 apart, 54 sigma): the figure is wrong.
        let atZero = GradientShape.measure { evaluator.surrogateGradient(spec, x: $0) }
        #expect(abs(atZero.integral - 1) > 0.5, "\(atZero)")
    }
}

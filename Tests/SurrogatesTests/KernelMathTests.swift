import Foundation
import RealModule
import SurrogateTestSupport
import SurrogateKernelsC
import Testing
@testable import Surrogates

/// The vectorisable math against Float80 references over each function's whole domain, both element types:
/// within 4 ulp everywhere (results in the subnormal range: 4 units of the smallest subnormal), special
/// values exact, and the C prelude bit-identical to Swift's KernelMath.
@Suite struct KernelMathTests {
    typealias R = Float80

    struct Function: Sendable, CustomTestStringConvertible {
        var name: String
        var reference: @Sendable (R) -> R
        var float: @Sendable (Float) -> Float
        var double: @Sendable (Double) -> Double
        var c32: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
        var c64: @Sendable (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void
        /// Largest |x| of the domain claimed per element type (float, double): beyond it the kernels return NaN.
        var limit: (float: R, double: R) = (.infinity, .infinity)
        var testDescription: String { name }
    }

    static let functions: [Function] = [
        Function(name: "exp", reference: { R.exp($0) }, float: KernelMath.exp, double: KernelMath.exp,
                 c32: { kg_math_exp_f32($0, $1, $2) }, c64: { kg_math_exp_f64($0, $1, $2) }),
        Function(name: "expm1", reference: { R.expMinusOne($0) }, float: KernelMath.expm1, double: KernelMath.expm1,
                 c32: { kg_math_expm1_f32($0, $1, $2) }, c64: { kg_math_expm1_f64($0, $1, $2) }),
        Function(name: "log", reference: { R.log($0) }, float: KernelMath.log, double: KernelMath.log,
                 c32: { kg_math_log_f32($0, $1, $2) }, c64: { kg_math_log_f64($0, $1, $2) }),
        Function(name: "log1p", reference: { R.log(onePlus: $0) }, float: KernelMath.log1p, double: KernelMath.log1p,
                 c32: { kg_math_log1p_f32($0, $1, $2) }, c64: { kg_math_log1p_f64($0, $1, $2) }),
        Function(name: "tanh", reference: { R.tanh($0) }, float: KernelMath.tanh, double: KernelMath.tanh,
                 c32: { kg_math_tanh_f32($0, $1, $2) }, c64: { kg_math_tanh_f64($0, $1, $2) }),
        Function(name: "atan", reference: { R.atan($0) }, float: KernelMath.atan, double: KernelMath.atan,
                 c32: { kg_math_atan_f32($0, $1, $2) }, c64: { kg_math_atan_f64($0, $1, $2) }),
        Function(name: "erf", reference: { R.erf($0) }, float: KernelMath.erf, double: KernelMath.erf,
                 c32: { kg_math_erf_f32($0, $1, $2) }, c64: { kg_math_erf_f64($0, $1, $2) }),
        Function(name: "sigmoid", reference: { 1 / (1 + R.exp(-$0)) }, float: KernelMath.sigmoid, double: KernelMath.sigmoid,
                 c32: { kg_math_sigmoid_f32($0, $1, $2) }, c64: { kg_math_sigmoid_f64($0, $1, $2) }),
        Function(name: "sigmoid_grad", reference: { Reference.sigmoidBackward($0, scale: 1) },
                 float: KernelMath.sigmoidGrad, double: KernelMath.sigmoidGrad,
                 c32: { kg_math_sigmoid_grad_f32($0, $1, $2) }, c64: { kg_math_sigmoid_grad_f64($0, $1, $2) }),
        // The documented claim (docs/specs.md): within 4 ulp for |x| <= 2^20 (float) and 2^30 (double), NaN beyond.
        Function(name: "sin", reference: { R.sin($0) }, float: KernelMath.sin, double: KernelMath.sin,
                 c32: { kg_math_sin_f32($0, $1, $2) }, c64: { kg_math_sin_f64($0, $1, $2) }, limit: (0x1p20, 0x1p30)),
        Function(name: "cos", reference: { R.cos($0) }, float: KernelMath.cos, double: KernelMath.cos,
                 c32: { kg_math_cos_f32($0, $1, $2) }, c64: { kg_math_cos_f64($0, $1, $2) }, limit: (0x1p20, 0x1p30)),
        Function(name: "erfc", reference: { R.erfc($0) }, float: KernelMath.erfc, double: KernelMath.erfc,
                 c32: { kg_math_erfc_f32($0, $1, $2) }, c64: { kg_math_erfc_f64($0, $1, $2) }),
        Function(name: "floor", reference: { $0.rounded(.down) }, float: KernelMath.floor, double: KernelMath.floor,
                 c32: { kg_math_floor_f32($0, $1, $2) }, c64: { kg_math_floor_f64($0, $1, $2) }),
        Function(name: "ceil", reference: { $0.rounded(.up) }, float: KernelMath.ceil, double: KernelMath.ceil,
                 c32: { kg_math_ceil_f32($0, $1, $2) }, c64: { kg_math_ceil_f64($0, $1, $2) }),
        Function(name: "trunc", reference: { $0.rounded(.towardZero) }, float: KernelMath.trunc, double: KernelMath.trunc,
                 c32: { kg_math_trunc_f32($0, $1, $2) }, c64: { kg_math_trunc_f64($0, $1, $2) }),
        Function(name: "round", reference: { $0.rounded(.toNearestOrEven) }, float: KernelMath.round, double: KernelMath.round,
                 c32: { kg_math_round_f32($0, $1, $2) }, c64: { kg_math_round_f64($0, $1, $2) }),
    ]

    /// Functions exact by definition (rounding to integers): 0 ulp, and the sign of zero kept.
    static let exact: Set<String> = ["floor", "ceil", "trunc", "round"]

    /// Inputs covering the whole domain: random bit patterns (every binade, both signs), a dense sweep of
    /// [-20, 20], and the edges.
    static func inputs<T: KernelScalar & BinaryFloatingPoint>(_: T.Type, count: Int) -> [T] where T.RawSignificand: FixedWidthInteger {
        var generator = SplitMix(seed: 0x5eed)
        var xs: [T] = []
        for _ in 0..<count {
            let exponent = T.RawExponent(truncatingIfNeeded: generator.next() % UInt64((1 << T.exponentBitCount) - 1))
            let significand = T.RawSignificand(truncatingIfNeeded: generator.next()) & ((1 << T.significandBitCount) - 1)
            xs.append(T(sign: generator.next() & 1 == 0 ? .plus : .minus, exponentBitPattern: exponent, significandBitPattern: significand))
        }
        xs += (0...40_000).map { T(-20) + T($0) / 1000 }
        // Halves and near-halves (rounding), the ends of the trigonometric domains, erfc's pieces and tails.
        xs += [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, 3.5, -4.5, 0x1p23 + 1, 0x1p20, -0x1p20, 0x1p30, 0x1.0002p20,
               0.46875, 0.4687, 4, 3.9999, 10.05, -10.05, 26.5, 27.2, 27.3, -27.3]
        xs += [0, -0, T.leastNonzeroMagnitude, -T.leastNonzeroMagnitude, T.leastNormalMagnitude, T.greatestFiniteMagnitude,
               -T.greatestFiniteMagnitude, 1, -1, T.ulpOfOne, 0.5, 88.7, 88.73, -87.3, -103.9, -104, 709.7, 709.8, -745, -746,
               6, -6, 2, 1e-30, 1e30]
        return xs
    }

    func ulpError<T: KernelScalar>(_ got: T, _ reference: R) -> R? {
        if reference.isNaN { return got.isNaN ? 0 : nil }
        if got.isNaN { return nil }
        let rounded = T(reference)
        if rounded.isInfinite || got.isInfinite { return got == rounded ? 0 : nil }
        let unit = R(max(rounded.magnitude.ulp, T.leastNonzeroMagnitude))
        return (R(got) - reference).magnitude / unit
    }

    func check<T: KernelScalar & BinaryFloatingPoint>(_ f: Function, _: T.Type, swift: (T) -> T,
                                                      c: (UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void) where T.RawSignificand: FixedWidthInteger {
        let xs = Self.inputs(T.self, count: 200_000)
        let limit = T.self == Float.self ? f.limit.float : f.limit.double
        let reference = { (x: R) -> R in x.magnitude > limit ? .nan : f.reference(x) }
        var fromC = [T](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { xb in fromC.withUnsafeMutableBufferPointer { c(xb.baseAddress!, $0.baseAddress!, xs.count) } }
        var worst: (error: R, x: T) = (0, 0)
        var mismatches = 0, failures: [String] = []
        for (i, x) in xs.enumerated() {
            let got = swift(x)
            if !(got == fromC[i] && got.sign == fromC[i].sign) && !(got.isNaN && fromC[i].isNaN) { mismatches += 1 }
            guard let error = ulpError(got, reference(R(x))) else {
                if failures.count < 3 { failures.append("x = \(x): got \(got), reference \(reference(R(x)))") }
                continue
            }
            if Self.exact.contains(f.name), !(got == T(reference(R(x))) && got.sign == T(reference(R(x))).sign) && !got.isNaN {
                if failures.count < 3 { failures.append("x = \(x): got \(got), exactly \(reference(R(x)))") }
            }
            if error > worst.error { worst = (error, x) }
        }
        #expect(failures.isEmpty, "\(f.name) \(T.self): \(failures)")
        #expect(worst.error <= 4, "\(f.name) \(T.self): \(worst.error) ulp at x = \(worst.x)")
        if ProcessInfo.processInfo.environment["KERNELGEN_REPORT_ULP"] != nil { print("ulp \(f.name) \(T.self): \(worst.error) at \(worst.x)") }
        #expect(mismatches == 0, "\(f.name) \(T.self): C and Swift differ at \(mismatches) inputs")
    }

    @Test(arguments: functions)
    func accurateWithinFourUlpAndIdenticalInCAndSwift(_ f: Function) {
        check(f, Float.self, swift: f.float, c: f.c32)
        check(f, Double.self, swift: f.double, c: f.c64)
    }

    /// Issue 17: every function with a C99 counterpart is that function at +0, -0, +-inf and NaN, sign of zero
    /// included, in both dtypes and in the C and Swift kernels (`round` is kernelgen's ties-to-even: C's `rint`).
    @Test func edgesAreLibmsInBothDtypesAndBackends() {
        let libm: [String: (float: @Sendable (Float) -> Float, double: @Sendable (Double) -> Double)] = [
            "exp": (Foundation.exp, Foundation.exp), "expm1": (Foundation.expm1, Foundation.expm1),
            "log": (Foundation.log, Foundation.log), "log1p": (Foundation.log1p, Foundation.log1p),
            "tanh": (Foundation.tanh, Foundation.tanh), "atan": (Foundation.atan, Foundation.atan),
            "erf": (Foundation.erf, Foundation.erf), "erfc": (Foundation.erfc, Foundation.erfc),
            "sin": (Foundation.sin, Foundation.sin), "cos": (Foundation.cos, Foundation.cos),
            "floor": (Foundation.floor, Foundation.floor), "ceil": (Foundation.ceil, Foundation.ceil),
            "trunc": (Foundation.trunc, Foundation.trunc), "round": (Foundation.rint, Foundation.rint),
        ]
        for f in Self.functions {
            guard let c99 = libm[f.name] else { continue }
            edges(f.name, Float.self, swift: f.float, c: f.c32, libm: c99.float)
            edges(f.name, Double.self, swift: f.double, c: f.c64, libm: c99.double)
        }
    }

    /// The Swift and C kernels of one function against libm at +0, -0, +-inf and NaN (zeros by sign, NaN as NaN).
    func edges<T: BinaryFloatingPoint>(_ name: String, _: T.Type, swift: (T) -> T,
                                       c: (UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void, libm: (T) -> T) {
        func same(_ a: T, _ b: T) -> Bool { (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign) }
        let xs: [T] = [0, -0.0, .infinity, -.infinity, .nan]
        var fromC = [T](repeating: 1, count: xs.count)
        xs.withUnsafeBufferPointer { x in fromC.withUnsafeMutableBufferPointer { c(x.baseAddress!, $0.baseAddress!, xs.count) } }
        for (i, x) in xs.enumerated() {
            #expect(same(swift(x), libm(x)) && same(fromC[i], libm(x)),
                    "\(name)(\(x)) \(T.self): Swift \(swift(x)), C \(fromC[i]), libm \(libm(x))")
        }
    }

    @Test func specialValues() {
        #expect(KernelMath.exp(-Float.infinity) == 0 && KernelMath.exp(Float.infinity) == .infinity && KernelMath.exp(Float.nan).isNaN)
        #expect(KernelMath.exp(Float(89)) == .infinity && KernelMath.exp(Double(710)) == .infinity && KernelMath.exp(Double(-746)) == 0)
        #expect(KernelMath.log(Float(0)) == -.infinity && KernelMath.log(Float(-1)).isNaN && KernelMath.log(Float.infinity) == .infinity)
        #expect(KernelMath.log(Double(-0.0)) == -.infinity && KernelMath.log(Double.nan).isNaN && KernelMath.log(Double(1)) == 0)
        #expect(KernelMath.log1p(Float(-1)) == -.infinity && KernelMath.log1p(Float(-2)).isNaN && KernelMath.log1p(Double.infinity) == .infinity)
        #expect(KernelMath.expm1(-Double.infinity) == -1 && KernelMath.expm1(Float.infinity) == .infinity)
        #expect(KernelMath.expm1(Float(-0.0)).sign == .minus && KernelMath.tanh(Double(-0.0)).sign == .minus)
        #expect(KernelMath.tanh(Float.infinity) == 1 && KernelMath.tanh(-Double.infinity) == -1 && KernelMath.tanh(Float.nan).isNaN)
        // pi/2 correctly rounded (Swift's Float.pi is rounded down).
        #expect(KernelMath.atan(Double.infinity) == Double.pi / 2 && KernelMath.atan(-Float.infinity) == -Float(Double.pi / 2))
        #expect(KernelMath.erf(Float.infinity) == 1 && KernelMath.erf(-Double.infinity) == -1 && KernelMath.erf(Double.nan).isNaN)
        #expect(KernelMath.sin(Float(-0.0)).sign == .minus && KernelMath.sin(Double(-0.0)).sign == .minus && KernelMath.cos(Float(-0.0)) == 1)
        #expect(KernelMath.sin(Float.infinity).isNaN && KernelMath.cos(-Double.infinity).isNaN && KernelMath.sin(Double.nan).isNaN)
        #expect(KernelMath.sin(Float(0x1.0002p20)).isNaN && KernelMath.cos(Double(0x1.0002p30)).isNaN && !KernelMath.cos(Float(0x1p20)).isNaN)
        #expect(KernelMath.erfc(Float.infinity) == 0 && KernelMath.erfc(-Double.infinity) == 2 && KernelMath.erfc(Float.nan).isNaN)
        #expect(KernelMath.erfc(Double(0)) == 1 && KernelMath.erfc(Float(-0.0)) == 1 && KernelMath.erfc(Double(27.3)) == 0)
        #expect(KernelMath.round(Float(2.5)) == 2 && KernelMath.round(Double(-0.5)).sign == .minus && KernelMath.round(Float(3.5)) == 4)
        #expect(KernelMath.floor(Double(-0.0)).sign == .minus && KernelMath.ceil(Float(-0.5)).sign == .minus && KernelMath.trunc(Double(-1.5)) == -1)
        #expect(KernelMath.sigmoid(Float(-1000)) == 0 && KernelMath.sigmoid(Double(1000)) == 1 && KernelMath.sigmoid(Float.nan).isNaN)
    }
}

/// A small deterministic generator (SplitMix64) so the sampled inputs are the same every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

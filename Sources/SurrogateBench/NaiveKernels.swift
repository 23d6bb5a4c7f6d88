import Foundation
import Surrogates

/// The naive baseline: straightforward scalar Swift loops over SpikeDE's formulas with Foundation's math
/// functions, as one would write them by hand. Only SpikeDE's five surrogates have one.
enum NaiveKernels {
    typealias Forward<T> = (UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void
    typealias Backward<T> = (UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void

    static func forward<T: KernelScalar>(_ name: String, _: T.Type) -> Forward<T>? {
        guard ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold"].contains(name) else { return nil }
        return { x, y, n in for i in 0..<n { y[i] = x[i] >= 0 ? 1 : 0 } }
    }

    /// The noisy threshold's training forward with a per-call scalar generator, as a hand-written loop would.
    static func trainForward<T: KernelScalar>(_ name: String, _: T.Type) -> Forward<T>? {
        guard name == "noisy_threshold" else { return nil }
        return { x, y, n in
            var state: UInt64 = 0x9e37_79b9_7f4a_7c15
            for i in 0..<n {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let u = min(max(Double(state >> 11) * 0x1p-53, 1e-6), 1 - 1e-6)
                let g = Foundation.log(u) - Foundation.log1p(-u)
                y[i] = T(1 / (1 + Foundation.exp(-(5 * Double(x[i]) + g))))
            }
        }
    }

    static func backward<T: KernelScalar>(_ name: String, _: T.Type) -> Backward<T>? {
        switch name {
        case "sigmoid":
            return { x, _, g, out, n in
                for i in 0..<n {
                    let s = 1 / (1 + Foundation.exp(-5 * Double(x[i])))
                    out[i] = g[i] * T(5 * s * (1 - s))
                }
            }
        case "arctan":
            return { x, _, g, out, n in
                for i in 0..<n { out[i] = g[i] * T(2.0 / 2 / (1 + Foundation.pow(Double.pi / 2 * 2 * Double(x[i]), 2))) }
            }
        case "piecewise_linear":
            return { x, _, g, out, n in
                for i in 0..<n { out[i] = g[i] * ((x[i] >= -1 && x[i] <= 1) ? 1 : 0) / 2 }
            }
        case "gaussian":
            return { x, _, g, out, n in
                for i in 0..<n {
                    let v = Double(x[i])
                    out[i] = g[i] * T(Foundation.exp(-(v * v) / 2) / Foundation.sqrt(2 * Double.pi))
                }
            }
        case "noisy_threshold":
            return { _, y, g, out, n in for i in 0..<n { out[i] = g[i] * 5 * y[i] * (1 - y[i]) } }
        default:
            return nil
        }
    }
}

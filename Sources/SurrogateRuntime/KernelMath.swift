#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RealModule

/// The Swift side of the formula functions that are not plain `Real` calls: the same select rules and
/// noise transforms as the C prelude (`Templates/C/prelude.h.stencil`), so both backends round alike.
public enum KernelMath {
    @inlinable public static func heaviside<T: KernelScalar>(_ a: T) -> T { a >= 0 ? 1 : 0 }
    @inlinable public static func sign<T: KernelScalar>(_ a: T) -> T { a > 0 ? 1 : (a < 0 ? -1 : a) }
    @inlinable public static func min<T: KernelScalar>(_ a: T, _ b: T) -> T { b < a ? b : a }
    @inlinable public static func max<T: KernelScalar>(_ a: T, _ b: T) -> T { a < b ? b : a }
    @inlinable public static func clamp<T: KernelScalar>(_ v: T, _ lo: T, _ hi: T) -> T { min(max(v, lo), hi) }
    @inlinable public static func sigmoid<T: KernelScalar>(_ a: T) -> T { 1 / (1 + T.exp(-a)) }

    /// C's pow (RealModule's `pow` differs for negative bases).
    @inlinable public static func pow(_ a: Float, _ b: Float) -> Float { powf(a, b) }
    @inlinable public static func pow(_ a: Double, _ b: Double) -> Double {
        #if canImport(Glibc)
        Glibc.pow(a, b)
        #else
        Darwin.pow(a, b)
        #endif
    }

    /// U[0, 1) from the top 24 (Float) or 53 (Double) of 64 random bits.
    @inlinable public static func uniform(_ bits: UInt64, as: Float.Type) -> Float {
        Float(UInt32(truncatingIfNeeded: bits >> 40)) * 0x1p-24
    }

    @inlinable public static func uniform(_ bits: UInt64, as: Double.Type) -> Double {
        Double(bits >> 11) * 0x1p-53
    }

    /// Logistic(0, 1) by the inverse CDF with u clamped to [1e-6, 1 - 1e-6], as in the seed.
    @inlinable public static func logistic(_ bits: UInt64, as: Float.Type) -> Float {
        let u = clamp(uniform(bits, as: Float.self), 0x1.0c6f7ap-20, 0x1.ffffdep-1)
        return Float.log(u) - Float.log(onePlus: -u)
    }

    @inlinable public static func logistic(_ bits: UInt64, as: Double.Type) -> Double {
        let u = clamp(uniform(bits, as: Double.self), 0x1.0c6f7a0b5ed8dp-20, 0x1.ffffde7210be9p-1)
        return Double.log(u) - Double.log(onePlus: -u)
    }
}

/// Noise samples as the kernels draw them, for checks and for users who want the same stream.
public enum NoiseSampler {
    public static func uniform<T: KernelScalar>(seed: UInt64, offset: UInt64 = 0, site: UInt32 = 0, count: Int, as: T.Type = T.self) -> [T] {
        (0..<count).map { i in
            let bits = Philox.bits(seed: seed, counter: offset &+ UInt64(i), site: site)
            return T.self == Float.self ? KernelMath.uniform(bits, as: Float.self) as! T : KernelMath.uniform(bits, as: Double.self) as! T
        }
    }

    public static func logistic<T: KernelScalar>(seed: UInt64, offset: UInt64 = 0, site: UInt32 = 0, count: Int, as: T.Type = T.self) -> [T] {
        (0..<count).map { i in
            let bits = Philox.bits(seed: seed, counter: offset &+ UInt64(i), site: site)
            return T.self == Float.self ? KernelMath.logistic(bits, as: Float.self) as! T : KernelMath.logistic(bits, as: Double.self) as! T
        }
    }
}

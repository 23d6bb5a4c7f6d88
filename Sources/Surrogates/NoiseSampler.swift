import SurrogateKernelsSwift
import SurrogateRuntime

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

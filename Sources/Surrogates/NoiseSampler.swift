import SurrogateKernelsSwift
import SurrogateRuntime

/// Noise samples as the kernels draw them, for checks and for users who want the same stream.
public enum NoiseSampler {
    public static func uniform<T: KernelScalar>(seed: UInt64, offset: UInt64 = 0, site: UInt32 = 0, count: Int, as: T.Type = T.self) -> [T] {
        (0..<count).map { i in
            let j = offset &+ UInt64(i)
            return T.self == Float.self
                ? KernelMath.uniform(Philox.bits(seed: seed, element: j, site: site, as: Float.self), as: Float.self) as! T
                : KernelMath.uniform(Philox.bits(seed: seed, element: j, site: site, as: Double.self), as: Double.self) as! T
        }
    }

    public static func logistic<T: KernelScalar>(seed: UInt64, offset: UInt64 = 0, site: UInt32 = 0, count: Int, as: T.Type = T.self) -> [T] {
        (0..<count).map { i in
            let j = offset &+ UInt64(i)
            return T.self == Float.self
                ? KernelMath.logistic(Philox.bits(seed: seed, element: j, site: site, as: Float.self), as: Float.self) as! T
                : KernelMath.logistic(Philox.bits(seed: seed, element: j, site: site, as: Double.self), as: Double.self) as! T
        }
    }
}

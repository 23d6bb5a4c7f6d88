import SurrogateKernelsSwift
import SurrogateRuntime

/// Noise samples as the kernels draw them, for checks and for users who want the same stream.
public enum NoiseSampler {
    public static func uniform<T: KernelScalar>(seed: UInt64, offset: UInt64 = 0, site: UInt32 = 0, count: Int, as: T.Type = T.self) -> [T] {
        samples(seed: seed, offset: offset, site: site, count: count,
                float: { KernelMath.uniform($0, as: Float.self) }, double: { KernelMath.uniform($0, as: Double.self) })
    }

    public static func logistic<T: KernelScalar>(seed: UInt64, offset: UInt64 = 0, site: UInt32 = 0, count: Int, as: T.Type = T.self) -> [T] {
        samples(seed: seed, offset: offset, site: site, count: count,
                float: { KernelMath.logistic($0, as: Float.self) }, double: { KernelMath.logistic($0, as: Double.self) })
    }

    /// Element j = offset + i of site `site`'s stream, through the transform for T's element type.
    private static func samples<T: KernelScalar>(seed: UInt64, offset: UInt64, site: UInt32, count: Int,
                                                 float: (UInt64) -> Float, double: (UInt64) -> Double) -> [T] {
        (0..<count).map { i in
            let j = offset &+ UInt64(i)
            if T.self == Float.self { return float(Philox.bits(seed: seed, element: j, site: site, as: Float.self)) as! T }
            return T(double(Philox.bits(seed: seed, element: j, site: site, as: Double.self)))
        }
    }
}

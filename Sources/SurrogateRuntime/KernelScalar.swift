import RealModule

/// Element types with kernels: Float (f32) and Double (f64).
public protocol KernelScalar: BinaryFloatingPoint, Real, Sendable, LosslessStringConvertible {
    static var dtype: DType { get }
}

extension Float: KernelScalar { public static var dtype: DType { .f32 } }
extension Double: KernelScalar { public static var dtype: DType { .f64 } }

public enum DType: String, Sendable, CaseIterable, Hashable, Codable { case f32, f64 }

/// Where a kernel comes from: the ahead-of-time C kernels, the Swift kernels, or the JIT.
public enum Backend: String, Sendable, CaseIterable, Hashable, Codable { case c, swift, jit }

/// Training or eval, as SpikeDE's modules have it. In training, surrogates with a `train_forward`
/// use it; `sample: false` replaces its noise by the noise's mean (SpikeDE's mean field).
public enum SurrogateMode: Sendable, Hashable {
    case eval
    case train(sample: Bool, seed: UInt64)
}

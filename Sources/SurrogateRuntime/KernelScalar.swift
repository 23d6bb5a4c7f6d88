import RealModule

/// What a kernel's arrays hold (`x`, `grad_out` and the outputs): Float or Double, computed in themselves
/// (`KernelScalar`), or a half type, `BFloat16` or `Float16`, computed in `Compute` (Float) and rounded once to
/// nearest even. The `y` a backward reads (the forward output) is `Compute`: the value before rounding.
public protocol KernelStorage: Sendable {
    /// The type the kernels compute in (and the parameters' type).
    associatedtype Compute: KernelScalar
    static var dtype: DType { get }
}

/// Element types computed in themselves: Float (f32) and Double (f64).
public protocol KernelScalar: KernelStorage, BinaryFloatingPoint, Real, LosslessStringConvertible where Compute == Self {}

extension Float: KernelScalar {
    public typealias Compute = Float
    public static var dtype: DType { .f32 }
}

extension Double: KernelScalar {
    public typealias Compute = Double
    public static var dtype: DType { .f64 }
}

/// IEEE float16 (Swift's `Float16`): ahead-of-time C and JIT kernels, computed in Float.
extension Float16: KernelStorage {
    public typealias Compute = Float
    public static var dtype: DType { .f16 }
}

/// Element types of kernels: float32, float64, and the half types bfloat16 and float16 (computed in float32).
public enum DType: String, Sendable, CaseIterable, Hashable, Codable {
    case f32, f64, bf16, f16

    /// PyTorch's and the C ABI's name: `float32`, `float64`, `bfloat16`, `float16`.
    public var name: String {
        switch self {
        case .f32: "float32"
        case .f64: "float64"
        case .bf16: "bfloat16"
        case .f16: "float16"
        }
    }

    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var isHalf: Bool { self == .bf16 || self == .f16 }
}

/// Where a kernel comes from: the ahead-of-time C kernels, the Swift kernels, or the JIT.
public enum Backend: String, Sendable, CaseIterable, Hashable, Codable { case c, swift, jit }

/// Training or eval, as SpikeDE's modules have it. In training, surrogates with a `train_forward`
/// use it; `sample: false` replaces its noise by the noise's mean (SpikeDE's mean field).
public enum SurrogateMode: Sendable, Hashable {
    case eval
    case train(sample: Bool, seed: UInt64)
}

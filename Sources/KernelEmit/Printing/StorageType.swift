/// What a kernel's arrays hold: float32 or float64 (computed in that type), or a half type's bit patterns,
/// bfloat16 or float16, widened to float32 on load, computed as the float32 kernel computes, and rounded once to
/// nearest even on store (`Templates/C/prelude.h.stencil`, section `half`). Half-type kernels are C only (the
/// ahead-of-time C library and the JIT); their `y` (the forward output a backward reads) is float32, the value
/// before rounding, as PyTorch saves it for a half-type model.
public enum StorageType: String, CaseIterable, Sendable {
    case float32 = "f32"
    case float64 = "f64"
    case bfloat16 = "bf16"
    case float16 = "f16"

    /// The type the formulas are computed in.
    public var element: ElementType {
        switch self {
        case .float64: .float64
        case .float32, .bfloat16, .float16: .float32
        }
    }

    public init(_ element: ElementType) { self = element == .float32 ? .float32 : .float64 }

    public var isHalf: Bool { self == .bfloat16 || self == .float16 }

    /// The C type of an array element (`kg_bf16`, `kg_f16`: the prelude's 16-bit bit patterns).
    public var cName: String { isHalf ? "kg_\(rawValue)" : element.cName }

    /// The type a C caller sees in the public headers.
    public var cHeaderName: String { isHalf ? "uint16_t" : element.cName }

    /// C that widens an array element to `element` (identity for float32 and float64).
    public func cLoad(_ value: String) -> String { isHalf ? "kg_\(rawValue)_load(\(value))" : value }

    /// C that rounds a computed value to this storage type.
    public func cStore(_ value: String) -> String { isHalf ? "kg_\(rawValue)_store(\(value))" : value }

    /// Storage types whose kernels are emitted in Swift as well as C.
    public static let swift: [StorageType] = [.float32, .float64]
}

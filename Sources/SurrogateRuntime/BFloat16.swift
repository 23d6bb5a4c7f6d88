/// bfloat16 (Google Brain's 16-bit float: float32's sign, exponent and top 7 fraction bits), as PyTorch's
/// `torch.bfloat16` stores it: the storage type of bfloat16 kernels, which compute in Float. Swift has no
/// bfloat16, so this is its bit pattern with the two conversions the kernels use.
public struct BFloat16: KernelStorage, Hashable, CustomStringConvertible {
    public typealias Compute = Float
    public static var dtype: DType { .bf16 }

    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// `value` rounded to nearest, ties to even (a NaN stays NaN, with its sign), as the kernels' store rounds.
    public init(_ value: Float) {
        let u = value.bitPattern
        bitPattern = value.isNaN ? UInt16(truncatingIfNeeded: u >> 16) | 0x40 : UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
    }

    /// The exact value.
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public var description: String { floatValue.description }
}

extension Float {
    /// The exact value of a bfloat16.
    public init(_ value: BFloat16) { self = value.floatValue }
}

/// The C kernels' view of a half-type array: its bit patterns (the generated registry passes pointers through these).
@inline(__always) public func kgBitPatterns(_ p: UnsafePointer<BFloat16>) -> UnsafePointer<UInt16> {
    UnsafeRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

@inline(__always) public func kgBitPatterns(_ p: UnsafeMutablePointer<BFloat16>) -> UnsafeMutablePointer<UInt16> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

@inline(__always) public func kgBitPatterns(_ p: UnsafePointer<Float16>) -> UnsafePointer<UInt16> {
    UnsafeRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

@inline(__always) public func kgBitPatterns(_ p: UnsafeMutablePointer<Float16>) -> UnsafeMutablePointer<UInt16> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

/// Exact floating-point literals: C99/Swift hexadecimal floats built from the bit pattern, so every
/// constant in generated code is exactly the value the spec means (no decimal rounding, no locale).
public enum ExactLiteral {
    /// `value` rounded to `dtype` and printed as a hex float, e.g. 5.0 -> `0x1.4p+2`.
    public static func hex(_ value: Double, as dtype: ElementType) -> String {
        let v = dtype == .float32 ? Double(Float(value)) : value
        return hex(v)
    }

    /// The shortest decimal spelling of a finite Double that reads back as exactly the same Double (Swift's
    /// `description`: `5.0`, `0.25`, `1e-20`), for values people read (default arguments in public
    /// signatures); the hex spelling when that decimal would not read back bit for bit.
    public static func decimal(_ v: Double) -> String {
        precondition(v.isFinite, "decimal(_:) takes finite values")
        let text = v.description
        guard let back = Double(text), back.bitPattern == v.bitPattern else { return hex(v) }
        return text
    }

    /// The hex-float spelling of a finite Double: `0x1.921fb54442d18p+1`, `-0x0p+0`, subnormals as `0x0.…p-1022`.
    public static func hex(_ v: Double) -> String {
        precondition(v.isFinite, "hex(_:) takes finite values; emitters spell infinities and NaN themselves")
        let sign = v.sign == .minus ? "-" : ""
        let bits = v.bitPattern
        let exponentBits = Int((bits >> 52) & 0x7ff)
        var mantissa = bits & ((1 << 52) - 1)
        if exponentBits == 0 && mantissa == 0 { return "\(sign)0x0p+0" }
        let lead = exponentBits == 0 ? "0" : "1"
        let exponent = exponentBits == 0 ? -1022 : exponentBits - 1023
        var digits = ""
        if mantissa != 0 {
            var hexDigits = String(mantissa, radix: 16)
            hexDigits = String(repeating: "0", count: 13 - hexDigits.count) + hexDigits
            while hexDigits.hasSuffix("0") { hexDigits.removeLast() }
            digits = "." + hexDigits
            mantissa = 0
        }
        return "\(sign)0x\(lead)\(digits)p\(exponent >= 0 ? "+" : "")\(exponent)"
    }
}

/// The element types kernels are generated for.
public enum ElementType: String, CaseIterable, Sendable {
    case float32 = "f32"
    case float64 = "f64"

    public var cName: String { self == .float32 ? "float" : "double" }
    public var swiftName: String { self == .float32 ? "Float" : "Double" }
    /// libm suffix: `expf` vs `exp`.
    public var libmSuffix: String { self == .float32 ? "f" : "" }
}

/// Constants of the noise sources shared by the C prelude and Swift `KernelMath` (SpikeDE clamps u to
/// [1e-6, 1 - 1e-6] before the logistic transform).
public enum KernelNoise {
    public static let low = 0x1.0c6f7a0b5ed8dp-20 // 1e-6, spelled exactly
    public static let high = 0x1.ffffde7210be9p-1 // 1 - 1e-6, spelled exactly
}

/// A stable digest of text (not cryptographic): 128 bits from two FNV-1a lanes, as 32 hex digits.
public enum Fingerprint {
    public static func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    public static func of(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let a = fnv1a(bytes), b = fnv1a(bytes, seed: 0x8422_2325_cbf2_9ce4)
        return hex(a) + hex(b)
    }

    private static func hex(_ v: UInt64) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

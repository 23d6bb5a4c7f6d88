/// Characters a reader cannot see, or that reorder or break what a reader sees (C0 and C1 controls incl. NUL, CR,
/// LF and NEL, DEL, U+2028/U+2029, bidi controls, the BOM), written visibly as `\u{XX}`, Swift's own spelling.
/// One definition for the two places user text is shown: generated source (KernelEmit's `SourceText` builds its
/// comment and literal escapers on it) and error messages that quote a name the user gave (`SurrogateError`,
/// `JITError`), where "sig\u{202E}moid" would otherwise print its end reversed.
public enum VisibleText {
    /// Whether `scalar` is written as an escape: controls (C0 incl. NUL, DEL, C1 incl. NEL), line and paragraph
    /// separators, bidirectional formatting controls and the BOM.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        case 0xFEFF: return true
        default: return false
        }
    }

    /// `\u{0D}`: Swift's escape, at least two hex digits, upper case.
    public static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u{" + (hex.count < 2 ? "0" + hex : hex) + "}"
    }

    /// `text` with every invisible character escaped, the rest as written: for a name quoted in a message.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) { out += escape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}

/// The strings the math templates need for one element type and language: every constant and
/// polynomial of `MathCoefficients`, printed exactly, with the polynomials as FMA Horner chains.
public enum MathContext {
    /// The variable each polynomial is evaluated at in the templates.
    static let variables = ["expQ": "r", "logP": "z", "expm1T": "x", "atanA": "w", "erfE": "v", "erfG": "t"]

    public static func strings(_ language: Dialect.Language, _ element: ElementType) -> [String: String] {
        let dialect = Dialect(language, element)
        var out = MathCoefficients.format(element)
        for (name, value) in MathCoefficients.constants(element) { out[name] = dialect.literal(value) }
        for (name, variable) in variables {
            let coefficients = MathCoefficients.polynomials["\(name).\(element.rawValue)"]!
            out[name] = horner(coefficients.map(dialect.literal), variable, dialect)
        }
        return out
    }

    /// c0 + v (c1 + v (c2 + ...)) with one fused multiply-add per degree.
    static func horner(_ c: [String], _ v: String, _ dialect: Dialect) -> String {
        var acc = c.last!
        for coefficient in c.dropLast().reversed() {
            switch dialect.language {
            case .c: acc = "__builtin_fma\(dialect.element.libmSuffix)(\(acc), \(v), \(coefficient))"
            case .swift: acc = "\(coefficient).addingProduct(\(acc), \(v))"
            }
        }
        return acc
    }
}

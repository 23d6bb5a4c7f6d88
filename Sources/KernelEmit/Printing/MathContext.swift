import SurrogateSpec

/// The strings the math templates need for one element type and language: every constant and
/// polynomial of `MathCoefficients`, printed exactly, with the polynomials as FMA Horner chains.
public enum MathContext {
    /// The variable each polynomial is evaluated at in the templates.
    static let variables = ["expQ": "r", "logP": "z", "expm1T": "x", "atanA": "w", "erfE": "v", "erfG": "t",
                            "sinS": "w", "cosC": "w", "erfcB": "v", "erfcC": "v", "erfcD": "v"]

    public static func strings(_ language: Dialect.Language, _ element: ElementType) -> [String: String] {
        let dialect = Dialect(language, element)
        var out = MathCoefficients.format(element)
        for (name, value) in MathCoefficients.constants(element) { out[name] = dialect.literal(value) }
        for (name, variable) in variables {
            // Some polynomials exist for one element type only (erfc's are double: float erfc rounds the double one).
            guard let coefficients = MathCoefficients.polynomials["\(name).\(element.rawValue)"] else { continue }
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
            // PyTorch has no elementwise fma: two roundings per degree (the torch backend uses torch's own math).
            case .torch, .triton: acc = "(\(coefficient) + \(v) * \(acc))"
            }
        }
        return acc
    }
}

/// Which sections of the C prelude a kernel set needs. The ahead-of-time prelude has them all; the JIT
/// renders only what its formulas call (less for clang to parse on every compile).
public enum PreludeSections {
    /// Sections of the prelude template (`{% if needs.<name> %}`), and what each calls in turn.
    static let dependencies: [String: [String]] = [
        "bits": [], "half": ["bits"], "noise": [], "uniform": [], "atan": [],
        "exp": ["bits"], "log": ["bits"], "log1p": ["log"], "expm1": ["exp"], "tanh": ["expm1"],
        "erf": ["exp"], "sigmoid": ["exp"], "trig": ["bits"], "sin": ["trig"], "cos": ["trig"], "erfc": ["bits", "erf"], "logistic": ["log", "uniform"], "bernoulli": ["uniform"],
        "sigmoid_logistic": ["exp", "uniform"], "sigmoid_grad": ["exp"],
    ]

    public static var all: [String: Bool] { dependencies.mapValues { _ in true } }

    /// The sections the calls in `expressions` need, with their dependencies. A formula function needs the
    /// section named like its C helper (`kg_<section>{f}`), noise sources also the generator.
    /// `halfTypes`: the kernels include bfloat16 or float16 ones (the `half` section's conversions).
    public static func needed(by expressions: [Expr], halfTypes: Bool = false) -> [String: Bool] {
        var direct = Set<String>()
        for e in expressions {
            e.walk { node in
                guard case .call(let name, _, _) = node.kind, let f = FunctionTable.function(named: name) else { return }
                if f.isNoise { direct.insert("noise") }
                if f.c.hasPrefix("kg_"), let end = f.c.range(of: "{f}") {
                    direct.insert(String(f.c[f.c.index(f.c.startIndex, offsetBy: 3)..<end.lowerBound]))
                }
            }
        }
        if halfTypes { direct.insert("half") }
        var needed = Set<String>()
        var pending = Array(direct)
        while let next = pending.popLast() {
            guard dependencies[next] != nil, needed.insert(next).inserted else { continue }
            pending += dependencies[next]!
        }
        return dependencies.mapValues { _ in false }.merging(Dictionary(uniqueKeysWithValues: needed.map { ($0, true) })) { $1 }
    }
}

import SurrogateSpec

/// Random formula text over the whole language: every function of `FunctionTable.all` at its arity,
/// arithmetic, comparisons, logic, `?:` and `where`, constants, numbers from tiny to huge, the parameters,
/// `x`, and `y` or noise where the field allows them. Mostly valid; with `invalid` set, one defect of the
/// kinds a typo makes (wrong arity, unknown name, dangling operator), which must be a located error.
struct FormulaGenerator {
    var params: [String]
    var allowsY: Bool
    var allowsNoise: Bool

    static let numbers = ["0", "1", "2", "0.5", "3", "1e-3", "2.5", "10", "0.25", "1e30", "1e-30", "4", "7.0e0", ".5"]
    static let binary = ["+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "&&", "||"]

    func formula(_ rng: inout SplitMix64, depth: Int = 4) -> String {
        expression(&rng, depth: rng.int(1...depth))
    }

    func expression(_ rng: inout SplitMix64, depth: Int) -> String {
        if depth <= 0 || rng.chance(0.2) { return leaf(&rng) }
        switch rng.int(0...9) {
        case 0, 1, 2:
            let op = rng.pick(Self.binary)
            // Small integral exponents are what specs write (and what the emitters multiply out).
            let rhs = op == "^" && rng.chance(0.7) ? rng.pick(["2", "3", "0.5", "1", "4", "-1"]) : expression(&rng, depth: depth - 1)
            return "(\(expression(&rng, depth: depth - 1)) \(op) \(rhs))"
        case 3:
            return "\(rng.pick(["-", "+", "!"]))(\(expression(&rng, depth: depth - 1)))"
        case 4:
            return "(\(expression(&rng, depth: depth - 1)) ? \(expression(&rng, depth: depth - 1)) : \(expression(&rng, depth: depth - 1)))"
        default:
            let callable = FunctionTable.all.filter { allowsNoise || !$0.isNoise }
            let f = rng.pick(callable)
            let args = (0..<f.arity).map { _ in expression(&rng, depth: depth - 1) }
            return "\(f.name)(\(args.joined(separator: ", ")))"
        }
    }

    func leaf(_ rng: inout SplitMix64) -> String {
        var choices = ["x", "x", "pi", "e", rng.pick(Self.numbers)]
        if allowsY { choices += ["y", "y"] }
        if allowsNoise { choices += ["logistic()", "uniform()"] }
        choices += params
        return rng.pick(choices)
    }

    /// A formula with one deliberate defect.
    func invalid(_ rng: inout SplitMix64) -> String {
        let good = formula(&rng, depth: 2)
        switch rng.int(0...7) {
        case 0: return "sigmoid(\(good), 1)"
        case 1: return "\(good) * scael"
        case 2: return "\(good) +"
        case 3: return "(\(good)"
        case 4: return allowsNoise ? "y + \(good)" : "logistic() + \(good)"
        case 5: return "\(good) = 1"
        case 6: return String(repeating: "(", count: 1_200) + "x" + String(repeating: ")", count: 1_200)
        default: return "\(good) @ 2"
        }
    }
}

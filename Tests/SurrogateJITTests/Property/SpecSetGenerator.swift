/// Sets of one to three spec files (name and YAML text) for the property tests: names and parameter names
/// from `NamePool` (sometimes a near-collision across the set), formulas from `FormulaGenerator`, free text
/// from `FreeTextGenerator`; now and then broken YAML or a broken formula, which must come back as located
/// errors.
struct SpecSetGenerator {
    /// Free text from all of `FreeTextGenerator.fragments`, or only from its benign part.
    var hostileText: Bool

    struct SpecFile { var name: String; var yaml: String }

    func set(_ rng: inout SplitMix64) -> [SpecFile] {
        let count = rng.int(1...3)
        var names = (0..<count).map { _ in NamePool.specName(&rng) }
        if count >= 2, rng.chance(0.25) {
            let group = rng.pick(NamePool.nearCollisions)
            for i in 0..<min(count, group.count) { names[i] = group[i] }
        }
        return names.map { SpecFile(name: $0, yaml: spec(named: $0, &rng)) }
    }

    func spec(named name: String, _ rng: inout SplitMix64) -> String {
        var lines = ["name: \(rng.chance(0.9) ? name : FreeTextGenerator.doubleQuoted(name))"]
        if rng.chance(0.9) { lines.append("summary: " + FreeTextGenerator.yamlValue(FreeTextGenerator.text(&rng, hostile: hostileText), &rng, indent: "")) }
        if rng.chance(0.5) { lines.append("doc: " + FreeTextGenerator.yamlValue(FreeTextGenerator.text(&rng, hostile: hostileText), &rng, indent: "")) }
        var params: [String] = []
        if rng.chance(0.7) {
            lines.append("params:")
            for _ in 0..<rng.int(1...3) {
                let p = NamePool.parameterName(&rng)
                params.append(p)
                lines += param(p, &rng)
            }
        }
        let stochastic = rng.chance(0.3)
        let breakFormula = rng.chance(0.08)
        let forward = FormulaGenerator(params: params, allowsY: false, allowsNoise: false)
        let train = FormulaGenerator(params: params, allowsY: false, allowsNoise: true)
        let backward = FormulaGenerator(params: params, allowsY: stochastic || rng.chance(0.2), allowsNoise: false)
        if rng.chance(0.3) { lines.append("forward: " + quoted(forward.formula(&rng, depth: 3))) }
        if stochastic { lines.append("train_forward: " + quoted(train.formula(&rng))) }
        lines.append("backward: " + quoted(breakFormula ? backward.invalid(&rng) : backward.formula(&rng)))
        var yaml = lines.joined(separator: "\n") + "\n"
        if rng.chance(0.05) { yaml = brokenYAML(yaml, &rng) }
        if rng.chance(0.1) { yaml = yaml.replacingOccurrences(of: "\n", with: rng.pick(["\r\n", "\r"])) }
        return yaml
    }

    func param(_ name: String, _ rng: inout SplitMix64) -> [String] {
        let value = rng.pick(["1.0", "0.5", "2", "5.0", "0.25", "3", "-1", "10", "1e-3", "0"])
        let key = rng.chance(0.9) ? name : FreeTextGenerator.doubleQuoted(name)
        if rng.chance(0.4) { return ["  \(key): \(value)"] }
        var lines = ["  \(key):", "    default: \(value)"]
        if rng.chance(0.5) { lines.append("    doc: " + FreeTextGenerator.yamlValue(FreeTextGenerator.text(&rng, hostile: hostileText), &rng, indent: "    ")) }
        if rng.chance(0.2) { lines.append("    min: \(rng.pick(["-10", "0", "0.5", "100"]))") }
        if rng.chance(0.2) { lines.append("    max: \(rng.pick(["10", "1", "1e3", "-5"]))") }
        return lines
    }

    /// Formulas in single quotes (a YAML plain scalar cannot start with `!`, `?`, `-`... and these may).
    func quoted(_ formula: String) -> String {
        "'" + formula.replacingOccurrences(of: "'", with: "''") + "'"
    }

    func brokenYAML(_ yaml: String, _ rng: inout SplitMix64) -> String {
        switch rng.int(0...5) {
        case 0: return yaml + "backward: x\n" // duplicate key
        case 1: return "  " + yaml.replacingOccurrences(of: "\n", with: "\n ", options: [], range: nil)
        case 2: return yaml + "params: [unclosed\n"
        case 3: return String(yaml.prefix(yaml.count / 2))
        case 4: return "- " + yaml
        default: return yaml + "\u{1}\u{0}\n"
        }
    }
}

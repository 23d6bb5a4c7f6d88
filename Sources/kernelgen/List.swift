import ArgumentParser
import SurrogateSpec

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the surrogates: parameters with defaults, and summary; or the formula functions.")

    @OptionGroup var project: ProjectOptions

    @Flag(help: "List the functions formulas may call (the function table) instead.")
    var functions = false

    func run() throws {
        if functions {
            let rows = FunctionTable.all.map { f -> [String] in
                let args = (0..<f.arity).map { "a\($0)" }.joined(separator: ", ")
                return ["\(f.name)(\(args))", f.isNoise ? "noise, mean \(f.mean!)" : "", f.summary]
            }
            print(TextTable(header: ["function", "kind", "meaning"], rows: rows).rendered)
            return
        }
        let catalog = try SpecCatalog.load(directory: project.specs)
        Console.report(catalog.diagnostics.filter { $0.severity == .error })
        let rows = catalog.specs.map { spec -> [String] in
            let params = spec.params.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: " ")
            return [spec.name, params.isEmpty ? "-" : params, spec.isStochastic ? "stochastic" : "", spec.summary]
        }
        print(TextTable(header: ["name", "params (defaults)", "training", "summary"], rows: rows).rendered)
        if catalog.hasErrors { throw ExitCode.failure }
    }
}

/// A plain left-aligned text table.
struct TextTable {
    var header: [String]
    var rows: [[String]]

    var rendered: String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}

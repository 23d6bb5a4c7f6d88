import ArgumentParser
import Foundation
import KernelEmit
import SurrogateRuntime
import KernelgenCommandLine
import NameSuggestion
import SurrogateSpec

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check spec files and report every error and warning with file:line:column.",
        discussion: """
            Exits non-zero when any spec has an error. Without FILES, checks every spec in --specs. Each formula \
            is also evaluated in float32 and float64 as the kernels compute it (after the emitters' rewrites) and \
            as written, against a Float80 reference, on a grid over the dtype's whole range: warnings where a \
            kernel is NaN/inf and the true value is finite, where its error exceeds --max-ulp ulps plus the \
            formula's own condition number, or where it cancels; a note where only the form as written fails. \
            --accuracy prints the whole table.
            """)

    @OptionGroup var project: ProjectOptions

    @Argument(help: "Spec files to check.")
    var files: [String] = []

    @Flag(help: "Print the accuracy table of every formula, dtype and form.")
    var accuracy = false

    @Flag(help: "Print one JSON object (diagnostics and the accuracy table) on stdout instead of text.")
    var json = false

    @Option(name: .customLong("max-ulp"), help: "Errors up to this many ulps (plus the condition number) are not reported.")
    var maxUlp: Double = 8

    @Option(name: .customLong("param"), help: ArgumentHelp("NAME=VALUE: analyse with this parameter value instead of the default (every spec that has NAME).", valueName: "name=value"))
    var params: [ParameterArgument] = []

    struct JSONDiagnostic: Codable {
        var location: String, severity: String, id: String, message: String
        /// The "did you mean" edit: `original` at `location` replaced by `replacement`.
        var fixIt: FixIt?

        enum CodingKeys: String, CodingKey {
            case location, severity, id, message
            case fixIt = "fix_it"
        }
    }
    struct JSONReport: Codable {
        var specs: Int
        var diagnostics: [JSONDiagnostic]
        var accuracy: [FormulaAccuracy]
    }

    func run() throws {
        guard maxUlp.isFinite, maxUlp >= 0.5 else {
            Console.error("Error: --max-ulp \(maxUlp): expected a finite number of ulps >= 0.5")
            throw ExitCode.failure
        }
        let overrides: [String: Double]
        do {
            overrides = try params.values()
        } catch {
            Console.error("Error: \(error)")
            throw ExitCode.failure
        }
        // No files: the specs and the catalogue, checked together, and the neuron specs. Files: each is a neuron spec
        // (it has a `step`) or a surrogate spec.
        let neuronFiles = files.filter(NeuronLoader.isNeuronSpec(path:))
        let surrogateFiles = files.filter { !neuronFiles.contains($0) }
        let specSet = files.isEmpty ? try project.specSetWithCatalogue() : SpecSet.load(files: surrogateFiles)
        let neuronDiagnostics = files.isEmpty ? try project.neurons().diagnostics : neuronFiles.flatMap { NeuronLoader.load(path: $0).1 }
        let neuronCount = files.isEmpty ? (try? SpecSet.specFiles(in: project.neuronsFolder).count) ?? 0 : neuronFiles.count
        try Self.checkParameters(overrides, of: specSet.specs)
        let report = SpecCheck.check(specSet: specSet, options: .init(parameters: overrides, maxUlp: maxUlp, numericBudget: nil))
        let diagnostics = (report.diagnostics + neuronDiagnostics).sortedForDisplay()
        let rows = report.accuracy
        if json {
            let report = JSONReport(
                specs: specSet.files.count + neuronCount,
                diagnostics: diagnostics.map { JSONDiagnostic(location: $0.location.description, severity: $0.severity.rawValue,
                                                              id: $0.id.rawValue, message: $0.message, fixIt: $0.fixIt) },
                accuracy: rows)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            if specSet.hasErrors || neuronDiagnostics.hasErrors { throw ExitCode.failure }
            return
        }
        Console.report(diagnostics)
        if accuracy { print(Self.table(rows)) }
        let summary = Console.summary(diagnostics, specs: specSet.files.count + neuronCount)
        if specSet.hasErrors || neuronDiagnostics.hasErrors {
            Console.error(summary)
            throw ExitCode.failure
        }
        print(summary)
    }

    /// `--param` values: each name one of the checked specs has (did you mean), each value one the runtime accepts
    /// for every spec that has the name, in both dtypes the lint analyses (`SurrogateDescriptor.resolve`: the one
    /// check of parameter values, as `eval` and Python make it).
    static func checkParameters(_ values: [String: Double], of specs: [Spec]) throws {
        let known = Set(specs.flatMap { $0.params.map(\.name) })
        for name in values.keys.sorted() where !known.contains(name) {
            Console.error("Error: --param \(VisibleText.escaped(name)): none of the checked specs has this parameter"
                          + Suggestion.didYouMean(name, in: known) + "; expected one of: \(known.sorted().joined(separator: ", "))")
            throw ExitCode.failure
        }
        for spec in specs {
            let mine = values.filter { name, _ in spec.params.contains { $0.name == name } }
            guard !mine.isEmpty else { continue }
            do {
                let descriptor = SurrogateDescriptor(spec: spec)
                _ = try descriptor.resolve(mine, for: Double.self)
                _ = try descriptor.resolve(mine, for: Float.self)
            } catch {
                Console.error("Error: --param: \(error)")
                throw ExitCode.failure
            }
        }
    }

    static func table(_ rows: [FormulaAccuracy]) -> String {
        let t = TextTable(
            header: ["spec", "formula", "dtype", "form", "points", "max ulp", "worst x", "NaN/inf where finite", "inaccurate", "cause"],
            rows: rows.map { r in
                [r.spec, r.formula, r.dtype, r.form, String(r.points), ShortDecimal.format(r.maxUlp, digits: 3),
                 r.worstX.map { ShortDecimal.format($0, digits: 5) } ?? "-",
                 r.nonFinite.isEmpty ? "-" : r.nonFinite.map(\.description).joined(separator: ", "),
                 r.inaccurate.isEmpty ? "-" : r.inaccurate.map(\.description).joined(separator: ", "),
                 r.cause.map { "`\(r.responsible ?? "")` \($0)" } ?? "-"]
            })
        return t.rendered
    }
}

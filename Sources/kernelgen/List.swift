import ArgumentParser
import Foundation
import SurrogateSources
import KernelgenCommandLine
import SurrogateSpec

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the surrogates: parameters with defaults, and summary; or the formula functions.")

    @OptionGroup var project: ProjectOptions

    @Flag(help: "List the functions formulas may call (the function table) instead.")
    var functions = false

    @Flag(name: .customLong("catalogue"), help: "List the catalogue (library surrogates run by name through the JIT) with each one's provenance.")
    var catalogueOnly = false

    @Flag(name: .customLong("neurons"), help: "List the neuron specs (Neurons/): parameters, state, what each matches.")
    var neurons = false

    /// `sum` is a construct of the parser (it binds a new name), not an entry of the function table, but it is
    /// called like one: listed with the functions so `--functions` shows everything a formula may call.
    static let sumRow = ["sum(i, from, to, expr)", "construct",
                         "expr added for i = from ... to in order, from +0; from and to integer expressions of integer parameters (at most \(FormulaParser.maximumSumTerms) terms per element)"]

    func run() throws {
        if functions {
            let rows = FunctionTable.all.map { f -> [String] in
                let args = FunctionTable.argumentNames.prefix(f.arity).joined(separator: ", ")
                return ["\(f.name)(\(args))", f.meanDescription.map { "noise, mean \($0)" } ?? "", f.summary]
            } + [Self.sumRow]
            print(TextTable(header: ["function", "kind", "meaning"], rows: rows).rendered)
            return
        }
        if neurons {
            let (specs, diagnostics) = try project.neurons()
            Console.report(diagnostics.filter { $0.severity == .error })
            for spec in specs.sorted(by: { $0.name < $1.name }) {
                let params = spec.params.map { "\($0.name)=\($0.defaultValue)\($0.learnable ? " (learnable)" : "")" }.joined(separator: " ")
                print("\(spec.name)  (\(params.isEmpty ? "no parameters" : params); state: \(spec.state.map(\.name).joined(separator: ", ")))")
                print("    \(spec.summary)")
                print("    provenance: \(spec.provenance ?? "-")")
            }
            print("\(specs.count) neurons (Python: kernelgen.torch.Neuron(NAME, surrogate=...); see docs/neurons.md)")
            if diagnostics.hasErrors { throw ExitCode.failure }
            return
        }
        if catalogueOnly {
            // From the folder (the generator reads no generated source but the built-in specs' YAML).
            guard FileManager.default.fileExists(atPath: project.catalogueFolder) else {
                let full = URL(fileURLWithPath: project.catalogueFolder).standardizedFileURL.path
                Console.error("error: no catalogue folder `\(project.catalogueFolder)` (\(full)); run from the project root, or pass --catalogue-folder FOLDER")
                throw ExitCode.failure
            }
            let catalogue = try project.catalogue()
            Console.report(catalogue.diagnostics.filter { $0.severity == .error })
            for spec in catalogue.specs {
                let params = spec.params.map { "\($0.name)=\($0.integer ? String(Int($0.defaultValue)) : "\($0.defaultValue)")" }.joined(separator: " ")
                print("\(spec.name)  (\(params.isEmpty ? "no parameters" : params))")
                print("    \(spec.summary)")
                print("    provenance: \(spec.provenance ?? "-")")
            }
            print("\(catalogue.specs.count) catalogue surrogates (run one: kernelgen eval NAME; Swift: SurrogateJIT.shared.spec(named:); Python: kernelgen.Surrogate(NAME, backend=\"jit\"))")
            if catalogue.hasErrors { throw ExitCode.failure }
            return
        }
        let specSet: SpecSet
        if project.specsOption == nil, !FileManager.default.fileExists(atPath: project.specs) {
            // Outside a project: the built-in surrogates, as embedded in this executable.
            let full = URL(fileURLWithPath: project.specs).standardizedFileURL.path
            Console.error("note: no Specs/ folder here (\(full)); listing the built-in surrogates (pass --specs FOLDER for others)")
            specSet = SpecSet.load(texts: EmbeddedSources.specs.sorted { $0.key < $1.key }.map { ("Specs/\($0.key).yaml", $0.value) })
        } else {
            specSet = try project.specSet()
        }
        Console.report(specSet.diagnostics.filter { $0.severity == .error })
        let rows = specSet.specs.map { spec -> [String] in
            let params = spec.params.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: " ")
            return [spec.name, params.isEmpty ? "-" : params, spec.isStochastic ? "stochastic" : "", spec.summary]
        }
        print(TextTable(header: ["name", "params (defaults)", "training", "summary"], rows: rows).rendered)
        if specSet.hasErrors { throw ExitCode.failure }
    }
}

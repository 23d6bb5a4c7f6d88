import ArgumentParser
import Foundation
import KernelgenCommandLine
import SurrogateSpec

/// The generator: reads specs and templates, writes Generated/. It links neither the generated kernels nor
/// the JIT, so a Generated/ that does not compile (a bad template, a bad spec) never stops it from
/// regenerating Generated/. The commands that run kernels (`eval`, `jit`, `tune`, `bench`) live in
/// `kernelgen-tools`; `kernelgen` hands them over (`ToolForwarding`).
@main
enum KernelgenMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, ToolForwarding.commands.contains(first) {
            ToolForwarding.run(arguments)
        }
        Kernelgen.main()
    }
}

struct Kernelgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernelgen",
        abstract: "Surrogate-gradient spike kernels from declarative specs.",
        discussion: """
            With no subcommand, regenerates Generated/ from Specs/ through Templates/. \
            The commands that run kernels, \(ToolForwarding.commands.joined(separator: ", ")), are those of \
            kernelgen-tools (`kernelgen eval ...` runs `kernelgen-tools eval ...`; see `kernelgen-tools --help`).
            """,
        subcommands: [Generate.self, Check.self, List.self, Plot.self],
        defaultSubcommand: Generate.self)
}

/// Where the project's folders are; shared by the subcommands that read specs.
struct ProjectOptions: ParsableArguments {
    @Option(name: .customLong("specs"), help: "Folder of spec files (*.yaml). (default: Specs)")
    var specsOption: String?

    var specs: String { specsOption ?? "Specs" }

    @Option(name: .customLong("catalogue-folder"), help: "Folder of the catalogue (<library>/<function>.yaml). (default: Catalogue)")
    var catalogueOption: String?

    var catalogueFolder: String { catalogueOption ?? "Catalogue" }

    /// The catalogue's specs (none when the default folder is missing; an error when a given one is).
    func catalogue() throws -> SpecSet {
        do {
            if let given = catalogueOption, !FileManager.default.fileExists(atPath: given) {
                throw SpecSet.FolderError(directory: given, reason: "no such folder")
            }
            return SpecSet.load(files: try SpecSet.catalogueFiles(in: catalogueFolder))
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
    }

    @Option(name: .customLong("neurons-folder"), help: "Folder of neuron specs (*.yaml). (default: Neurons)")
    var neuronsOption: String?

    var neuronsFolder: String { neuronsOption ?? "Neurons" }

    /// The neuron specs (none when the default folder is missing; an error when a given one is).
    func neurons() throws -> (specs: [NeuronSpec], diagnostics: [Diagnostic]) {
        do {
            if neuronsOption == nil, !FileManager.default.fileExists(atPath: neuronsFolder) { return ([], []) }
            var specs: [NeuronSpec] = []
            var diagnostics: [Diagnostic] = []
            for file in try SpecSet.specFiles(in: neuronsFolder) {
                let (spec, found) = NeuronLoader.load(path: file)
                diagnostics += found
                if let spec {
                    if let other = specs.first(where: { $0.name == spec.name }) {
                        diagnostics.append(Diagnostic(.duplicateSurrogate, at: SourceLocation(file: file, line: 1, column: 1),
                            "neuron `\(spec.name)` is already defined in \(other.file); expected each name once"))
                    }
                    specs.append(spec)
                }
            }
            return (specs, diagnostics)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
    }

    /// The specs and the catalogue checked together (names unique across both).
    func specSetWithCatalogue() throws -> SpecSet {
        let files: [String]
        do {
            files = try SpecSet.specFiles(in: specs) + SpecSet.catalogueFiles(in: catalogueFolder)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        return SpecSet.load(files: files)
    }

    /// The spec set of `specs`; a folder that cannot be read is one line on stderr and exit status 1.
    func specSet() throws -> SpecSet {
        do {
            return try SpecSet.load(directory: specs)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
    }
}

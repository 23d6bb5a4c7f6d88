import ArgumentParser
import KernelgenCommandLine
import Foundation
import KernelEmit
import SurrogateSpec

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate the C and Swift kernels from the specs (the default command).")

    @OptionGroup var project: ProjectOptions

    @Option(help: "Folder of Stencil templates.")
    var templates = "Templates"

    @Option(help: "Folder the generated files go to.")
    var output = "Generated"

    @Option(help: "Folder of the plot gallery (kernelgen plot --gallery), refreshed with the output. (default: docs/gallery when it exists and --output is Generated)")
    var gallery: String?

    @Flag(help: "Write nothing; exit non-zero and name the files when the output folder is stale.")
    var check = false

    func run() throws {
        let specSet = try project.specSet()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: templates, isDirectory: &isFolder), isFolder.boolValue else {
            let full = URL(fileURLWithPath: templates).standardizedFileURL.path
            Console.error("error: cannot read the templates folder `\(templates)` (\(full)): no such folder; expected kernelgen's Templates/ (run from the project root, or pass --templates FOLDER)")
            throw ExitCode.failure
        }
        // The catalogue is embedded (YAML only, for the JIT): every spec of it must load with no error.
        let catalogue = try project.catalogue()
        var diagnostics = specSet.diagnostics + catalogue.diagnostics.filter { $0.severity == .error }
        let builtIn = Set(specSet.specs.map(\.name))
        for spec in catalogue.specs where builtIn.contains(spec.name) {
            diagnostics.append(Diagnostic(.duplicateSurrogate, at: spec.nameLocation ?? SourceLocation(file: spec.file, line: 1, column: 1),
                "surrogate `\(spec.name)` is already defined in \(project.specs)/; expected each name once across the specs and the catalogue"))
        }
        let neurons = try project.neurons()
        diagnostics += neurons.diagnostics
        Console.report(diagnostics.sortedForDisplay())
        guard !diagnostics.hasErrors else {
            Console.error(Console.summary(diagnostics, specs: specSet.files.count + catalogue.files.count))
            throw ExitCode.failure
        }
        let files = try Generator(templatesDirectory: templates).render(specSet.specs, catalogue: catalogue.specs, neurons: neurons.specs)
        let writer = OutputWriter(directory: output)
        do {
            if check { try checkOutput(writer.plan(files), fileCount: files.count, specCount: specSet.specs.count) }
            else { report(try writer.write(files), specCount: specSet.specs.count) }
        } catch let error as OutputError {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        try refreshGallery(specSet.specs)
    }

    /// The gallery is derived from the specs like Generated/, so the main job keeps it current too (a new spec
    /// gets its picture; `--check` fails on a stale one). Only the project's own gallery by default: a run
    /// into another output folder (a test's, a user's) leaves it alone.
    private func refreshGallery(_ specs: [Spec]) throws {
        let folder = gallery ?? (output == "Generated" && FileManager.default.fileExists(atPath: "docs/gallery") ? "docs/gallery" : nil)
        guard let folder else { return }
        let stale = try Plot.gallery(specs, into: folder, check: check)
        guard check else { return }
        guard stale.isEmpty else {
            Console.error("the gallery is stale: \(stale.joined(separator: ", ")); run `swift run kernelgen` and commit the result")
            throw ExitCode.failure
        }
        print("\(folder)/ is up to date (\(specs.count) pictures)")
    }

    private func checkOutput(_ plan: OutputWriter.Plan, fileCount: Int, specCount: Int) throws {
        guard plan.isUpToDate else {
            for path in plan.changed { Console.error("stale: \(output)/\(path)") }
            for path in plan.obsolete { Console.error("obsolete: \(output)/\(path)") }
            for path in plan.kept { Console.error("obsolete, edited by hand: \(output)/\(path)") }
            if plan.manifest != .current { Console.error("\(plan.manifest == .missing ? "missing" : "stale"): \(output)/\(OutputWriter.manifestName)") }
            Console.error("\(output)/ is out of date with \(project.specs)/ and \(templates)/; run `swift run kernelgen` and commit the result")
            throw ExitCode.failure
        }
        print("\(output)/ is up to date (\(fileCount) files from \(specCount) specs)")
    }

    /// Kept files are reported on every run (the manifest keeps listing them) until someone removes them.
    private func report(_ plan: OutputWriter.Plan, specCount: Int) {
        for path in plan.changed { print("wrote \(output)/\(path)") }
        for path in plan.obsolete { print("removed \(output)/\(path)") }
        for path in plan.kept {
            Console.error("warning: kept \(output)/\(path): no longer generated, but edited since kernelgen wrote it; remove it by hand if it is not needed")
        }
        if plan.manifest != .current { print("wrote \(output)/\(OutputWriter.manifestName)") }
        print("\(specCount) specs: \(plan.changed.count) files written, \(plan.unchanged.count) unchanged, \(plan.obsolete.count) removed")
    }
}

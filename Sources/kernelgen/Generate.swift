import ArgumentParser
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

    @Flag(help: "Write nothing; exit non-zero and name the files when the output folder is stale.")
    var check = false

    func run() throws {
        let catalog = try SpecCatalog.load(directory: project.specs)
        Console.report(catalog.diagnostics)
        guard !catalog.hasErrors else {
            Console.error(Console.summary(catalog.diagnostics, specs: catalog.files.count))
            throw ExitCode.failure
        }
        let files = try Generator(templatesDirectory: templates).render(catalog.specs)
        let writer = OutputWriter(directory: output)
        let plan = writer.plan(files)
        if check {
            guard plan.isUpToDate else {
                for path in plan.changed { Console.error("stale: \(output)/\(path)") }
                for path in plan.obsolete { Console.error("obsolete: \(output)/\(path)") }
                Console.error("\(output)/ is out of date with \(project.specs)/ and \(templates)/; run `swift run kernelgen` and commit the result")
                throw ExitCode.failure
            }
            print("\(output)/ is up to date (\(files.count) files from \(catalog.specs.count) specs)")
            return
        }
        try writer.apply(plan, files)
        for path in plan.changed { print("wrote \(output)/\(path)") }
        for path in plan.obsolete { print("removed \(output)/\(path)") }
        print("\(catalog.specs.count) specs: \(plan.changed.count) files written, \(plan.unchanged.count) unchanged, \(plan.obsolete.count) removed")
    }
}

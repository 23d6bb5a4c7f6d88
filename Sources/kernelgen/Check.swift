import ArgumentParser
import KernelgenCommandLine
import SurrogateSpec

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check spec files and report every error and warning with file:line:column.",
        discussion: "Exits non-zero when any spec has an error. Without FILES, checks every spec in --specs.")

    @OptionGroup var project: ProjectOptions

    @Argument(help: "Spec files to check.")
    var files: [String] = []

    func run() throws {
        let catalog = files.isEmpty ? try project.catalog() : SpecCatalog.load(files: files)
        Console.report(catalog.diagnostics)
        let summary = Console.summary(catalog.diagnostics, specs: catalog.files.count)
        if catalog.hasErrors {
            Console.error(summary)
            throw ExitCode.failure
        }
        print(summary)
    }
}

import ArgumentParser

@main
struct Kernelgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernelgen",
        abstract: "Surrogate-gradient spike kernels from declarative specs.",
        discussion: "With no subcommand, regenerates Generated/ from Specs/ through Templates/.",
        subcommands: [Generate.self, Check.self, List.self, Eval.self, Jit.self, Tune.self, Bench.self],
        defaultSubcommand: Generate.self)
}

/// Where the project's folders are; shared by the subcommands that read specs.
struct ProjectOptions: ParsableArguments {
    @Option(help: "Folder of spec files (*.yaml).")
    var specs = "Specs"
}

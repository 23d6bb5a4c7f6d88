import ArgumentParser
import Foundation
import KernelEmit
import KernelgenCommandLine
import NameSuggestion
import SurrogateJIT
import SurrogateSources
import SurrogateSpec

/// `kernelgen-tools torch NAME [--spec FILE]`: the PyTorch expression module of a surrogate (`TorchSource`).
struct Torch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the PyTorch expression module of a surrogate (for tensors on any device).",
        discussion: """
            The module defines forward(x, <params>), backward(x, y, grad_out, <params>) and, for specs with a \
            training forward, train_forward(x, <params>, generator=None) and train_forward_mean(x, <params>); \
            parameters are the arguments p_<name>, in spec order. It imports only torch and math.
            """)

    @OptionGroup var which: SourceSpec

    func run() throws {
        let (loaded, file) = try which.load()
        FileHandle.standardOutput.write(Data(try TorchSource.render(spec: loaded, specFile: file).utf8))
    }
}

/// `kernelgen-tools triton NAME [--spec FILE]`: the Triton module of a surrogate (`TritonSource`).
struct Triton: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the Triton module of a surrogate (GPU kernels; CPU under TRITON_INTERPRET=1).",
        discussion: """
            The module has one @triton.jit kernel per op and dtype, KERNELS {(op, dtype): kernel}: forward, \
            backward and, as the spec has them, train_forward, train_forward_mean, train_backward and primitive, \
            each over n contiguous elements with the parameters as tl.constexpr c_<name>. kernelgen.torch launches \
            it (backend="triton", and CUDA tensors). It imports only triton.
            """)

    @OptionGroup var which: SourceSpec

    func run() throws {
        if which.spec == nil, EmbeddedSources.neurons[which.name] != nil, EmbeddedSources.source(named: which.name) == nil {
            throw InputError("`\(which.name)` is a neuron: its Triton module depends on the surrogate it is bound to; expected a "
                             + "surrogate's name here, or in Python kernelgen.neuron_triton_source(\"\(which.name)\", surrogate)")
        }
        let (loaded, file) = try which.load()
        FileHandle.standardOutput.write(Data(try TritonSource.render(spec: loaded, specFile: file).utf8))
    }
}

/// The spec a source-printing command prints (`torch`, `triton`): a built-in or catalogue one by name, or a file's.
struct SourceSpec: ParsableArguments {
    @Argument(help: "Surrogate name (see `kernelgen list`).")
    var name: String

    @Option(help: "A spec file outside Specs/ (checked as the runtime checks it); it must define NAME.")
    var spec: String?

    /// The spec and how the module's header names its file.
    func load() throws -> (Spec, String?) {
        let loaded: Spec
        if let spec {
            loaded = try JITSetup.loadSpec(spec)
            guard loaded.name == name else {
                throw InputError("\(spec) defines `\(loaded.name)`, not `\(name)`; expected the name the file defines")
            }
        } else {
            guard let source = EmbeddedSources.source(named: name) else {
                throw InputError("unknown surrogate `\(VisibleText.escaped(name))`"
                    + Suggestion.didYouMean(name, in: Array(EmbeddedSources.specs.keys) + EmbeddedSources.catalogue.keys)
                    + "; the built-in ones are \(EmbeddedSources.specs.keys.sorted().joined(separator: ", ")) and the catalogue's (kernelgen list --catalogue); pass --spec FILE for another")
            }
            let (parsed, diagnostics) = SpecLoader.load(yaml: source.yaml, file: source.file)
            Console.report(diagnostics)
            guard let parsed, !diagnostics.hasErrors else { throw ExitCode.failure }
            loaded = parsed
        }
        let file = spec.map { "Specs/\(URL(fileURLWithPath: $0).lastPathComponent)" } ?? EmbeddedSources.catalogue[name]?.file
        return (loaded, file)
    }
}

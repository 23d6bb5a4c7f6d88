import Foundation
import KernelEmit
import SurrogateSources
import Surrogates
import SurrogateSpec

extension TorchSource {
    /// The PyTorch expression module for `spec` (built in or loaded at run time), from the template embedded
    /// in this build: no file is read.
    /// - Parameter spec: a checked spec (`SurrogateJIT.shared.spec(named:)`, or `SpecLoader`'s result).
    /// - Parameter specFile: how the header line names the spec's file (default: `Specs/<file name>`).
    public static func render(spec: Spec, specFile: String? = nil) throws -> String {
        // A catalogue spec is named by its own path (Catalogue/<library>/<function>.yaml).
        let file = specFile ?? EmbeddedSources.catalogue[spec.name].flatMap { $0.yaml == spec.source ? $0.file : nil }
        return try embedded.withLock { try render(spec: spec, specFile: file, generator: $0) }
    }

    private static let embedded = Locked(Generator(templates: EmbeddedSources.pythonTemplates))
}

extension SurrogateJIT {
    /// The PyTorch expression module of the surrogate `name`: one loaded at run time (`load(specAt:)`,
    /// `load(yaml:)`), else a built-in one.
    public func torchSource(named name: String) throws -> String {
        try TorchSource.render(spec: spec(named: name))
    }
}

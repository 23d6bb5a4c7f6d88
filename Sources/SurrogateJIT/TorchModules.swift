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
        return try embeddedGenerator.withLock { try render(spec: spec, specFile: file, generator: $0) }
    }

    /// A generator over the Python templates embedded in this build (the PyTorch and Triton modules').
    static let embeddedGenerator = Locked(Generator(templates: EmbeddedSources.pythonTemplates))
}

extension TritonSource {
    /// The Triton module for `spec` (built in or loaded at run time), from the template embedded in this build.
    /// - Parameter spec: a checked spec.
    /// - Parameter specFile: how the header line names the spec's file (default: `Specs/<file name>`).
    public static func render(spec: Spec, specFile: String? = nil) throws -> String {
        let file = specFile ?? EmbeddedSources.catalogue[spec.name].flatMap { $0.yaml == spec.source ? $0.file : nil }
        return try TorchSource.embeddedGenerator.withLock { try render(spec: spec, specFile: file, generator: $0) }
    }
}

extension SurrogateJIT {
    /// The Triton module of the surrogate `name`: one loaded at run time, else a built-in one.
    public func tritonSource(named name: String) throws -> String {
        try TritonSource.render(spec: spec(named: name))
    }

    /// The PyTorch expression module of the surrogate `name`: one loaded at run time (`load(specAt:)`,
    /// `load(yaml:)`), else a built-in one.
    public func torchSource(named name: String) throws -> String {
        try TorchSource.render(spec: spec(named: name))
    }
}

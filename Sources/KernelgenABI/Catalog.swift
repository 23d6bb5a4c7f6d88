import Foundation
import SurrogateJIT
import Surrogates
import SurrogateSpec

// Everything of the ABI but the per-call path: versions, the surrogates known, runtime specs, binding,
// settings, release.

enum Version {
    /// KG_ABI_VERSION of kernelgen_abi.h.
    static let abi: Int32 = 9
    /// The library's version, its one home: python/setup.py gives it to the Python package and its wheel,
    /// CMakeLists.txt to the C library, `kernelgen.__version__` reads it from the loaded library.
    static let library = "0.1.0"
    nonisolated(unsafe) static let libraryCString: UnsafeMutablePointer<CChar> = strdup(library)!
}

@_cdecl("kg_abi_version")
public func kg_abi_version() -> Int32 { Version.abi }

@_cdecl("kg_version")
public func kg_version() -> UnsafePointer<CChar> { UnsafePointer(Version.libraryCString) }

@_cdecl("kg_free")
public func kg_free(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

@_cdecl("kg_surrogates_json")
public func kg_surrogates_json(_ json: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        guard let json else { throw ABIError(.invalidArgument, "json is NULL; expected a char ** to receive the JSON text") }
        // The descriptors' Codable form: every field, under the names in `SurrogateDescriptor.CodingKeys`.
        json.pointee = ABI.copy(try ABI.json(encoding: Runtime.table.descriptors))
    }
}

@_cdecl("kg_load_spec_path")
public func kg_load_spec_path(_ path: UnsafePointer<CChar>?, _ name: StringOut?, _ warnings: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let path = try ABI.string(path, "path")
        try SpecLoading.register(name: name, warnings: warnings) { jit, table throws(JITError) in try jit.loadReporting(specAt: path, into: table) }
    }
}

@_cdecl("kg_load_spec_text")
public func kg_load_spec_text(_ text: UnsafePointer<CChar>?, _ file: UnsafePointer<CChar>?, _ name: StringOut?,
                              _ warnings: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let text = try ABI.string(text, "text")
        let file = try file.map { (p) throws(ABIError) in try ABI.string(p, "file") } ?? "<string>"
        try SpecLoading.register(name: name, warnings: warnings) { jit, table throws(JITError) in
            try jit.loadReporting(yaml: text, file: file, into: table)
        }
    }
}

enum SpecLoading {
    /// Loads a spec through the JIT, which runs the one check (`SpecCheck`, what `kernelgen check` runs), and registers
    /// it with the table: `warnings` receives the check's warnings, one diagnostic a line (its notes are left out).
    static func register(name: StringOut?, warnings: StringOut?,
                         _ load: (SurrogateJIT, DispatchTable) throws(JITError) -> (spec: Spec, warnings: [Diagnostic])) throws(ABIError) {
        let loaded: (spec: Spec, warnings: [Diagnostic])
        do {
            loaded = try load(SurrogateJIT.shared, Runtime.table)
        } catch {
            if case .invalidSpec(let diagnostics) = error {
                throw ABIError(.invalidSpec, "the spec has errors:\n" + diagnostics.sortedForDisplay().map(\.description).joined(separator: "\n"))
            }
            throw ABIError(.invalidSpec, error.description)
        }
        ABI.give(loaded.warnings.filter { $0.severity >= .warning }.map(\.description).joined(separator: "\n"), to: warnings)
        ABI.give(loaded.spec.name, to: name)
    }
}

@_cdecl("kg_torch_source")
public func kg_torch_source(_ name: UnsafePointer<CChar>?, _ source: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.moduleSource(name, source, error, what: "PyTorch") { try SurrogateJIT.shared.torchSource(named: $0) }
}

@_cdecl("kg_triton_source")
public func kg_triton_source(_ name: UnsafePointer<CChar>?, _ source: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.moduleSource(name, source, error, what: "Triton") { try SurrogateJIT.shared.tritonSource(named: $0) }
}

extension ABI {
    /// A surrogate's generated module (`render(name)`) into `source`: the name checked against the table first, so
    /// an unknown one gets the table's message (catalogue names among its suggestions).
    static func moduleSource(_ name: UnsafePointer<CChar>?, _ source: StringOut?, _ error: StringOut?, what: String,
                             render: (String) throws -> String) -> Int32 {
        run(error) { () throws(ABIError) in
            let name = try string(name, "name")
            guard let source else { throw ABIError(.invalidArgument, "source is NULL; expected a char ** to receive the module text") }
            // `descriptor` also resolves a catalogue surrogate by name (the JIT is installed in the ABI's table).
            do throws(SurrogateError) {
                _ = try Runtime.table.descriptor(name)
            } catch {
                throw ABIError(error)
            }
            do {
                source.pointee = copy(try render(name))
            } catch {
                throw ABIError(.internalError, "rendering the \(what) module of `\(name)`: \(error)")
            }
        }
    }
}

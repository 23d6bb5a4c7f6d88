import ArgumentParser
import KernelgenCommandLine
import Foundation
import Logging
import SurrogateJIT
import SurrogateSources
import Surrogates
import SurrogateSpec

/// Sizes of the arrays the tools allocate.
enum ArraySizes {
    /// Largest array the tools allocate (three arrays of it in f64 are 6 GiB).
    static let maximumElements = 1 << 28

    static func checkSize(_ n: Int, option: String) throws {
        guard (1...maximumElements).contains(n) else {
            throw InputError("\(option) \(n): expected an element count from 1 to \(maximumElements)")
        }
    }
}

/// Wiring of the JIT for the commands that use it.
enum JITSetup {
    /// Loads a runtime spec (reporting its diagnostics) and installs the JIT as the table's `jit` backend
    /// when needed. Returns the backend to use: jit by default when a spec file is given. The file must define
    /// `name` (a file defining another surrogate would leave `name` to some other kernels).
    static func prepare(name: String, backend: Backend?, spec: String?) throws -> Backend {
        LoggingSystem.bootstrapOnce()
        // jit by default for a spec file and for a catalogue surrogate (which has no ahead-of-time kernels).
        let chosen = backend ?? (spec == nil && EmbeddedSources.catalogue[name] == nil ? .c : .jit)
        if let spec {
            let loaded = try loadSpec(spec)
            guard loaded.name == name else {
                throw InputError("\(spec) defines `\(loaded.name)`, not `\(name)`; expected the name the file defines")
            }
        }
        if chosen == .jit { SurrogateJIT.shared.install(in: .builtin) }
        return chosen
    }

    static func loadSpec(_ path: String) throws -> Spec {
        do {
            return try SurrogateJIT.shared.load(specAt: path)
        } catch let JITError.invalidSpec(diagnostics) {
            Console.report(diagnostics)
            throw ExitCode.failure
        }
    }

    /// The spec to compile: a file, else a built-in one by name.
    static func spec(named name: String, file: String?) throws -> Spec {
        LoggingSystem.bootstrapOnce()
        if let file {
            let spec = try loadSpec(file)
            guard spec.name == name else {
                throw InputError("\(file) defines `\(spec.name)`, not `\(name)`")
            }
            return spec
        }
        do {
            return try SurrogateJIT.shared.spec(named: name)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
    }
}

extension LoggingSystem {
    private static let once: Void = { LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) } }()
    /// Log to stderr (warnings such as a JIT fallback), once per process.
    static func bootstrapOnce() { _ = once }
}

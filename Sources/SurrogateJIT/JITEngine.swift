import CKernelJIT
import Foundation

/// Owner of the LLVM/clang engine (one LLJIT, one target machine). Every call into it is serialised by
/// one lock; handles never leave this file except wrapped in owning types.
final class JITEngine: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()

    /// What compiled code depends on besides its source: LLVM version, triple, CPU and its features.
    static let hostDescription: String = {
        let text = kgjit_host_description()!
        defer { kgjit_free(text) }
        return String(cString: text)
    }()

    init() throws(JITError) {
        var error: UnsafeMutablePointer<CChar>?
        guard let engine = kgjit_engine_create(&error) else { throw .compiler(stage: "setup", message: Self.take(error)) }
        handle = engine
    }

    deinit { kgjit_engine_dispose(handle) }

    /// The result of compiling C source to machine code, before it is loaded.
    struct Object {
        var bytes: [UInt8]
        /// Widest vector (lanes) in each requested function of the optimised IR.
        var vectorWidths: [String: Int]
        var artefact: String?
        /// The unoptimised module as bitcode, when asked for: a later compile of the same source with other
        /// constants can start from it (`Input.bitcode`) instead of from clang.
        var frontendBitcode: [UInt8]?
        var frontendSeconds: Double
        var optimizeSeconds: Double
        var codegenSeconds: Double
    }

    enum Artefact: String, Sendable, CaseIterable { case c, ir, asm }

    /// What a compile starts from: C source (through clang), or the bitcode clang made of such source with
    /// its parameters (`static` floating-point globals, by C name) given new values.
    enum Input {
        case source(String)
        case bitcode([UInt8], constants: [(name: String, value: Double)])
    }

    func compile(_ input: Input, functions: [String], artefact: Artefact?, keepBitcode: Bool = false) throws(JITError) -> Object {
        lock.lock()
        defer { lock.unlock() }
        var error: UnsafeMutablePointer<CChar>?
        let clock = ContinuousClock()
        let t0 = clock.now
        let made: OpaquePointer?
        switch input {
        case .source(let source):
            made = source.withCString { kgjit_frontend(handle, $0, strlen($0), &error) }
        case .bitcode(let bitcode, let constants):
            let names = constants.map { strdup($0.name) }
            defer { names.forEach { free($0) } }
            let values = constants.map(\.value)
            made = bitcode.withUnsafeBytes { bytes in
                names.map { UnsafePointer($0) }.withUnsafeBufferPointer { namePointers in
                    kgjit_module_from_bitcode(bytes.baseAddress, bytes.count, namePointers.baseAddress, values, constants.count, &error)
                }
            }
        }
        guard let module = made else { throw .compiler(stage: "frontend", message: Self.take(error)) }
        defer { kgjit_module_dispose(module) }
        var bitcode: [UInt8]?
        if keepBitcode {
            var length = 0
            let bytes = kgjit_module_bitcode(module, &length)!
            defer { kgjit_free(bytes) }
            bitcode = [UInt8](UnsafeRawBufferPointer(start: bytes, count: length))
        }
        let t1 = clock.now
        guard kgjit_optimize(handle, module, &error) != 0 else { throw .compiler(stage: "optimize", message: Self.take(error)) }
        let t2 = clock.now
        var length = 0
        guard let object = kgjit_codegen(handle, module, 0, &length, &error) else {
            throw .compiler(stage: "codegen", message: Self.take(error))
        }
        defer { kgjit_free(object) }
        let t3 = clock.now
        var widths: [String: Int] = [:]
        for f in functions { widths[f] = Int(kgjit_vector_width(module, f)) }
        var text: String?
        switch artefact {
        case .c:
            if case .source(let source) = input { text = source }
        case .ir: text = Self.take(kgjit_print_ir(module))
        case .asm:
            var asmLength = 0
            guard let asm = kgjit_codegen(handle, module, 1, &asmLength, &error) else { throw .compiler(stage: "codegen", message: Self.take(error)) }
            text = Self.take(asm)
        case nil: break
        }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: object, count: length))
        return Object(bytes: bytes, vectorWidths: widths, artefact: text, frontendBitcode: bitcode, frontendSeconds: (t1 - t0).seconds,
                      optimizeSeconds: (t2 - t1).seconds, codegenSeconds: (t3 - t2).seconds)
    }

    /// Loads an object into a fresh JITDylib and looks up `symbols` in it.
    func load(_ bytes: [UInt8], symbols: [String]) throws(JITError) -> LoadedObject {
        lock.lock()
        defer { lock.unlock() }
        var error: UnsafeMutablePointer<CChar>?
        guard let library = bytes.withUnsafeBytes({ kgjit_load(handle, $0.baseAddress, $0.count, &error) }) else {
            throw .compiler(stage: "load", message: Self.take(error))
        }
        var addresses: [String: UnsafeRawPointer] = [:]
        for symbol in symbols {
            guard let address = kgjit_lookup(handle, library, symbol, &error) else {
                kgjit_library_dispose(handle, library)
                throw .compiler(stage: "lookup", message: Self.take(error))
            }
            addresses[symbol] = UnsafeRawPointer(address)
        }
        return LoadedObject(engine: self, library: library, addresses: addresses)
    }

    fileprivate func dispose(_ library: OpaquePointer) {
        lock.lock()
        defer { lock.unlock() }
        kgjit_library_dispose(handle, library)
    }

    private static func take(_ text: UnsafeMutablePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        defer { kgjit_free(text) }
        return String(cString: text)
    }
}

/// Code loaded into the JIT; removed from it when the last reference goes (kernels capture it).
final class LoadedObject: @unchecked Sendable {
    let engine: JITEngine
    private let library: OpaquePointer
    let addresses: [String: UnsafeRawPointer]

    init(engine: JITEngine, library: OpaquePointer, addresses: [String: UnsafeRawPointer]) {
        self.engine = engine
        self.library = library
        self.addresses = addresses
    }

    deinit { engine.dispose(library) }
}


import Foundation
import KernelEmit
import Logging
import NameSuggestion
import Surrogates
import SurrogateSources
import SurrogateSpec


/// Kernels specialised for concrete parameter values and this CPU, compiled in-process (clang 14 ->
/// LLVM 14 O2 -> ORC LLJIT) from the same templates as the ahead-of-time kernels. Parameters are
/// compile-time constants here (Halide's split): the kernels take only arrays, a count and, for
/// training, the seed and offset.
///
/// Results are cached in memory (same request: same kernels, no work) and on disk (a new process skips
/// the compiler). Concurrent requests for one kernel compile it once; compilation itself is serialised.
public final class SurrogateJIT: Sendable {
    /// The process-wide JIT, caching on disk in `KERNELGEN_CACHE_DIR` (default `~/.cache/kernelgen`).
    public static let shared = SurrogateJIT()

    public struct Options: Sendable {
        /// false: compile even when cached (the result still replaces the cached one).
        public var useCache = true
        /// Keep this artefact of the compile in the result (C source, LLVM IR or assembly).
        public var artefact: Artefact?
        /// Which kernels to compile; the dispatch table needs all of them.
        public var ops: KernelOps = .all

        public init(useCache: Bool = true, artefact: Artefact? = nil, ops: KernelOps = .all) {
            self.useCache = useCache
            self.artefact = artefact
            self.ops = ops
        }
    }

    public enum Artefact: String, Sendable, CaseIterable { case c, ir, asm }

    let diskCache: DiskCache?
    private let engineState = Locked<JITEngine?>(nil)
    /// Clang's unoptimised module (bitcode) per spec, element type and ops: a new parameter value starts from
    /// it with the constants replaced, skipping the C frontend (which otherwise costs 4-9 ms per compile).
    private let frontends = Locked<[String: [UInt8]]>([:])
    private let slots = CompileOnce<RequestKey, Compiled>()
    let neuronSlots = CompileOnce<String, CompiledNeuron>()
    let runtimeNeurons = Locked<[String: NeuronSpec]>([:])
    private let runtimeSpecs = Locked<[String: Spec]>([:])
    private static let logger = Logger(label: "kernelgen.jit")

    /// - Parameter cacheDirectory: where compiled objects persist; nil for no disk cache.
    public init(cacheDirectory: URL? = SurrogateJIT.defaultCacheDirectory) {
        diskCache = cacheDirectory.map { DiskCache(directory: $0) }
    }

    public var cacheDirectory: URL? { diskCache?.directory }

    /// `KERNELGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/kernelgen` (when absolute), else `$HOME/.cache/kernelgen`.
    public static var defaultCacheDirectory: URL { DiskCache.defaultDirectory }

    // MARK: Specs

    /// Loads and checks a spec at run time (no rebuild) with the checks `kernelgen check` runs (`SpecCheck`): errors
    /// throw with every diagnostic, warnings are logged, and the surrogate is registered in `table` so
    /// `backend: .jit` lookups find it.
    @discardableResult
    public func load(specAt path: String, into table: DispatchTable = .builtin, check: SpecCheck.Options = .init()) throws(JITError) -> Spec {
        try loadReporting(specAt: path, into: table, check: check).spec
    }

    /// As `load(specAt:into:check:)`, returning the check's warnings and notes too (sorted for display).
    public func loadReporting(specAt path: String, into table: DispatchTable = .builtin,
                              check: SpecCheck.Options = .init()) throws(JITError) -> (spec: Spec, warnings: [Diagnostic]) {
        try register(SpecCheck.check(path: path, options: check), into: table)
    }

    /// Checks the spec (`SpecCheck`: the checks `kernelgen check` runs; its warnings are logged) and registers it.
    /// - Throws: `JITError.invalidSpec` with every diagnostic when the spec has an error.
    @discardableResult
    public func load(yaml: String, file: String = "<string>", into table: DispatchTable = .builtin,
                     check: SpecCheck.Options = .init()) throws(JITError) -> Spec {
        try loadReporting(yaml: yaml, file: file, into: table, check: check).spec
    }

    /// As `load(yaml:file:into:check:)`, returning the check's warnings and notes too (sorted for display).
    public func loadReporting(yaml: String, file: String = "<string>", into table: DispatchTable = .builtin,
                              check: SpecCheck.Options = .init()) throws(JITError) -> (spec: Spec, warnings: [Diagnostic]) {
        try register(SpecCheck.check(yaml: yaml, file: file, options: check), into: table)
    }

    private func register(_ report: SpecCheck.Report, into table: DispatchTable) throws(JITError) -> (spec: Spec, warnings: [Diagnostic]) {
        guard let spec = report.spec else { throw .invalidSpec(report.diagnostics) }
        for w in report.diagnostics where w.severity >= .warning { Self.logger.warning("\(w)") }
        runtimeSpecs.withLock { $0[spec.name] = spec }
        table.register(Self.descriptor(spec))
        return (spec, report.diagnostics)
    }

    /// A spec by name: one loaded at run time, else a built-in one (its YAML is embedded in the package).
    public func spec(named name: String) throws(JITError) -> Spec {
        if let spec = runtimeSpecs.withLock({ $0[name] }) { return spec }
        guard let source = EmbeddedSources.source(named: name) else {
            // The catalogue's names are not listed here (`kernelgen list --catalogue` does); they count for the suggestion.
            throw .unknownSurrogate(name, known: Set(EmbeddedSources.specs.keys).union(runtimeSpecs.withLock { Array($0.keys) }).sorted())
        }
        // Embedded by `generate`, which refuses a spec with an error: verified then.
        let (spec, diagnostics) = SpecLoader.load(yaml: source.yaml, file: source.file, verified: true)
        guard let spec else { throw .invalidSpec(diagnostics) }
        runtimeSpecs.withLock { $0[name] = $0[name] ?? spec }
        return spec
    }

    /// The runtime's view of `spec` (the one spec -> descriptor function, `SurrogateDescriptor(spec:)`).
    public static func descriptor(_ spec: Spec) -> SurrogateDescriptor { SurrogateDescriptor(spec: spec) }

    // MARK: Compiling

    /// Kernels of `spec` for `T` (Float, Double, or a half type computed in Float) with `parameters` (defaults
    /// filled in) folded in as constants.
    public func compile<T: KernelStorage>(_ spec: Spec, parameters: [String: Double] = [:], dtype: T.Type = T.self,
                                         options: Options = Options()) throws(JITError) -> JITKernels<T> {
        let start = ContinuousClock.now
        let values = try Self.resolve(spec, parameters, T.Compute.self)
        let request = RequestKey(spec: spec.source.isEmpty ? "\(spec.name):\(spec.backward.text)" : spec.source,
                                 values: spec.params.map { values[$0.name]!.bitPattern }, dtype: T.dtype, ops: options.ops.rawValue)
        let slot = slots.slot(request)
        // One compile per request: later callers wait here for the first.
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if options.useCache, options.artefact == nil, let done = slot.value {
            var report = done.report
            report.cacheHit = .memory
            (report.frontendMs, report.optimizeMs, report.codegenMs, report.lookupMs) = (0, 0, 0, 0)
            report.totalMs = (ContinuousClock.now - start).seconds * 1e3
            return JITKernels(loaded: done.loaded, symbols: done.symbols, report: report, artefact: nil)
        }
        let built = try build(spec, values: values, T.self, options: options, start: start)
        slot.value = Compiled(loaded: built.loaded, symbols: built.symbols, report: built.report)
        return built
    }

    private func build<T: KernelStorage>(_ spec: Spec, values: [String: Double], _: T.Type, options: Options,
                                         start: ContinuousClock.Instant) throws(JITError) -> JITKernels<T> {
        let storage = Self.storage(T.dtype)
        let element = storage.element
        let symbol = "kgj_\(spec.name)"
        // The ops asked for that this spec has kernels for (`Spec.formula(for:)`).
        let available = spec.kernelOps
        let symbols = available.filter { options.ops.contains($0) }.map { (op: $0, name: "\(symbol)_\($0.symbolName)_\(storage.rawValue)") }
        guard !symbols.isEmpty else {
            // Asking only for ops the spec has none of compiles nothing: an error, not an empty success.
            throw JITError.invalidParameters(
                "`\(VisibleText.escaped(spec.name))` has no \(options.ops.members.map(\.symbolName).joined(separator: ", ")) kernel; "
                    + "expected one of the ops it has: " + available.map(\.symbolName).joined(separator: ", "))
        }
        let cacheKey = "\(spec.source.isEmpty ? spec.name : spec.source)|\(storage.rawValue)|\(options.ops.rawValue)"
        // The emitted source, rendered once per request (memoised per spec: after the first value it is a
        // concatenation), and only where needed: a compile, or a disk key without the build's identity.
        var rendered: String?
        func source() throws(JITError) -> String {
            if let rendered { return rendered }
            do {
                let text = try Self.generator.withLock { generator in
                    try generator.jitSource(cacheKey: cacheKey, constants: spec.params.map { ($0.name, values[$0.name]!) }, element: element) {
                        SurrogateContext(spec: spec, specFile: "Specs/\(spec.name).yaml", symbol: symbol, storages: [storage],
                                         ops: options.ops, parametersAreConstants: true)
                    }
                }
                rendered = text
                return text
            } catch {
                throw .compiler(stage: "render", message: "\(error)")
            }
        }
        let material: String
        if let identified = Self.keyMaterial(spec: spec, values: values, storage: storage, ops: options.ops) {
            material = identified
        } else {
            material = Self.keyMaterial(source: try source(), storage: storage, ops: options.ops)
        }
        let key = Hash.key(material)
        let engine = try engine()

        var report = CompileReport(surrogate: spec.name, dtype: storage.rawValue, frontendMs: 0, optimizeMs: 0, codegenMs: 0,
                                   lookupMs: 0, totalMs: 0, cacheHit: .none, vectorWidth: 1, vectorWidths: [:], key: key)
        var entry: DiskCache.Entry?
        var artefact: String?
        if options.useCache, options.artefact == nil, let cached = diskCache?.read(key: key, material: material) {
            entry = cached
            report.cacheHit = .disk
        } else {
            let constants = spec.params.map { (name: Dialect(.c, element).paramName($0.name), value: values[$0.name]!) }
            let functions = symbols.map(\.name)
            let artefactKind = options.artefact.map { JITEngine.Artefact(rawValue: $0.rawValue)! }
            var object: JITEngine.Object?
            if artefactKind == nil, let bitcode = frontends.withLock({ $0[cacheKey] }) {
                do {
                    object = try engine.compile(.bitcode(bitcode, constants: constants), functions: functions, artefact: nil)
                    report.frontendReused = true
                } catch {
                    // Not expected; the full compile from source below reports any real problem.
                    Self.logger.debug("reusing the frontend of `\(spec.name)` failed, compiling from source: \(error)")
                }
            }
            if object == nil {
                object = try engine.compile(.source(source()), functions: functions, artefact: artefactKind, keepBitcode: true)
                if let bitcode = object?.frontendBitcode { frontends.withLock { $0[cacheKey] = bitcode } }
            }
            let compiled = object!
            (report.frontendMs, report.optimizeMs, report.codegenMs) =
                (compiled.frontendSeconds * 1e3, compiled.optimizeSeconds * 1e3, compiled.codegenSeconds * 1e3)
            artefact = compiled.artefact
            entry = DiskCache.Entry(object: compiled.bytes, vectorWidths: compiled.vectorWidths)
            diskCache?.write(key: key, material: material, entry: entry!)
        }
        let loadStart = ContinuousClock.now
        let loaded = try engine.load(entry!.object, symbols: symbols.map(\.name))
        report.lookupMs = (ContinuousClock.now - loadStart).seconds * 1e3
        report.vectorWidths = entry!.vectorWidths
        report.vectorWidth = entry!.vectorWidths.values.max() ?? 1
        report.totalMs = (ContinuousClock.now - start).seconds * 1e3
        return JITKernels(loaded: loaded, symbols: Dictionary(uniqueKeysWithValues: symbols.map { ($0.op, $0.name) }),
                          report: report, artefact: artefact)
    }

    /// One generator for the process: its templates are parsed once. Stencil is not thread-safe, hence the lock.
    static let generator = Locked(Generator(templates: EmbeddedSources.templates))

    /// Bumped when the way kernels are built changes in a way the inputs below do not show (the compiler's
    /// flags, the object format). 3: the key became the emitted source. 4: the build's identity and the spec.
    static let format = "kernelgen-jit 4"

    /// The disk cache's key material where the build has an identity (its GNU build-id, which changes with any
    /// change to the templates, emitters or flags) and the spec its text: those, the parameter values' bits, the
    /// element type and ops, and LLVM/CPU. Nothing is rendered, so a disk hit in a new process costs the read and
    /// the load (about 1-2 ms, against 45-55 ms when the key was the rendered source). Nil otherwise.
    static func keyMaterial(spec: Spec, values: [String: Double], storage: StorageType, ops: KernelOps) -> String? {
        guard let build = BuildConfiguration.buildIdentity, !spec.source.isEmpty else { return nil }
        let bits = spec.params.map { "\($0.name)=\(String(values[$0.name]!.bitPattern, radix: 16))\($0.integer ? " integer" : "")" }
        // The parsed formulas as well as the text: `Spec`'s fields are public, and a caller who edits a formula of a
        // loaded spec (keeping its `source`) gets other kernels, so another key.
        let formulas = spec.opFormulas.map { "\($0.op.symbolName) \($0.formula.expr)" }
        return ([format, "build \(build)", JITEngine.hostDescription, "\(storage.rawValue) ops \(ops.rawValue)",
                 "name \(spec.name)", "values \(bits.joined(separator: " "))", "derived backward \(spec.backwardIsDerived)"]
                + formulas + ["spec", spec.source]).joined(separator: "\n")
    }

    /// The disk cache's key material without the build's identity: the emitted source (the templates as rendered
    /// by this version's emitters, the parameter values as exact literals), the element type and ops, and LLVM/CPU.
    static func keyMaterial(source: String, storage: StorageType, ops: KernelOps) -> String {
        [format, JITEngine.hostDescription, "\(storage.rawValue) ops \(ops.rawValue)", source].joined(separator: "\n")
    }

    /// The emitter's storage type of a runtime dtype.
    static func storage(_ dtype: DType) -> StorageType {
        switch dtype {
        case .f32: .float32
        case .f64: .float64
        case .bf16: .bfloat16
        case .f16: .float16
        }
    }

    /// The engine, created on first use (LLJIT creation is part of the first compile's cost).
    func engine() throws(JITError) -> JITEngine {
        try engineState.withLock { (current) throws(JITError) -> JITEngine in
            if let current { return current }
            let made = try JITEngine()
            current = made
            return made
        }
    }

    /// Parameter values with defaults filled in, checked as the dispatch table checks them.
    static func resolve<T: KernelScalar>(_ spec: Spec, _ parameters: [String: Double], _: T.Type) throws(JITError) -> [String: Double] {
        do {
            let values = try descriptor(spec).resolve(parameters, for: T.self)
            return Dictionary(uniqueKeysWithValues: zip(spec.params.map(\.name), values))
        } catch {
            throw .invalidParameters(error.description)
        }
    }

    /// Everything that makes two requests the same, cheap to hash (the memory cache's key).
    private struct RequestKey: Hashable, Sendable {
        var spec: String
        /// The values' bits: as Doubles 0.0 == -0.0 (one hash), but they fold into different kernels (1 / a).
        var values: [UInt64]
        var dtype: DType
        var ops: Int
    }

    /// A compiled request, kept for the callers after the first.
    private struct Compiled {
        var loaded: LoadedObject
        var symbols: [KernelOp: String]
        var report: CompileReport
    }
}

extension SurrogateJIT: KernelProvider {
    /// Serves `backend: .jit` lookups of a dispatch table: `install(in:)` makes this the table's JIT.
    public func kernels<T: KernelStorage>(for descriptor: SurrogateDescriptor, parameterValues: [Double],
                                         dtype: T.Type) throws(SurrogateError) -> KernelSet<T> {
        do {
            let spec = try spec(named: descriptor.name)
            let values = Dictionary(uniqueKeysWithValues: zip(spec.params.map(\.name), parameterValues))
            return try compile(spec, parameters: values, dtype: T.self).kernelSet
        } catch {
            throw .compileFailed(surrogate: descriptor.name, backend: .jit, message: error.description)
        }
    }

    /// Serves `backend: .jit` neuron lookups: the neuron's spec (loaded at run time, else built in) with the
    /// surrogate's, its values folded in.
    public func neuronKernels<T: KernelScalar>(for neuron: NeuronDescriptor, surrogate: SurrogateDescriptor, surrogateValues: [Double],
                                               dtype: T.Type) throws(SurrogateError) -> NeuronKernelSet<T> {
        do {
            let spec = try self.neuron(named: neuron.name)
            let surrogateSpec = try self.spec(named: surrogate.name)
            let values = Dictionary(uniqueKeysWithValues: zip(surrogateSpec.params.map(\.name), surrogateValues))
            return try compileNeuron(spec, surrogate: surrogateSpec, surrogateParameters: values, dtype: T.self).kernels
        } catch {
            throw .compileFailed(surrogate: "\(neuron.name) with \(surrogate.name)", backend: .jit, message: error.description)
        }
    }

    /// Makes this JIT the provider of `backend: .jit` kernels in `table`.
    /// Catalogue surrogates (`EmbeddedSources.catalogue`) are found by name on first lookup (not listed); neurons
    /// by name too, a neuron spec loaded at run time (`loadNeuron`) before a built-in of its name.
    public func install(in table: DispatchTable = .builtin) {
        table.setProvider(self, for: .jit)
        table.setNeuronResolver({ [weak self] name in
            guard let self, let spec = try? self.neuron(named: name) else { return nil }
            return Self.neuronDescriptor(spec)
        }, names: Self.builtinNeuronNames.sorted())
        table.setResolver({ [weak self] name in
            guard let self, EmbeddedSources.catalogue[name] != nil, let spec = try? self.spec(named: name) else { return nil }
            return Self.descriptor(spec)
        }, names: EmbeddedSources.catalogue.keys.sorted())
    }
}

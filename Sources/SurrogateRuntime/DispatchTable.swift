import Logging


/// Makes kernels on demand for a backend, specialised to parameter values (the JIT). Installed with
/// `DispatchTable.setProvider(_:for:)`; the table caches what it returns under the specialisation.
public protocol KernelProvider: Sendable {
    func kernels<T: KernelStorage>(for descriptor: SurrogateDescriptor, parameterValues: [Double], dtype: T.Type) throws(SurrogateError) -> KernelSet<T>
    /// Fused kernels of `neuron` with `surrogate`, its parameter values folded in (they take the neuron's
    /// parameters at run time, nothing after them).
    func neuronKernels<T: KernelScalar>(for neuron: NeuronDescriptor, surrogate: SurrogateDescriptor, surrogateValues: [Double],
                                        dtype: T.Type) throws(SurrogateError) -> NeuronKernelSet<T>
}

extension KernelProvider {
    /// A provider of surrogate kernels only.
    public func neuronKernels<T: KernelScalar>(for neuron: NeuronDescriptor, surrogate: SurrogateDescriptor, surrogateValues: [Double],
                                               dtype: T.Type) throws(SurrogateError) -> NeuronKernelSet<T> {
        throw .noNeuronKernel(neuron: neuron.name, surrogate: surrogate.name, dtype: T.dtype, backend: .jit, available: [])
    }
}

/// Identifies registered kernels: surrogate, element type, backend, and for JIT kernels the parameter
/// values folded into them (nil for kernels that take parameters at run time).
public struct KernelKey: Hashable, Sendable, CustomStringConvertible {
    public var surrogate: String
    public var dtype: DType
    public var backend: Backend
    public var specialization: [Double]?

    public init(surrogate: String, dtype: DType, backend: Backend, specialization: [Double]? = nil) {
        self.surrogate = surrogate
        self.dtype = dtype
        self.backend = backend
        self.specialization = specialization
    }

    public var description: String {
        "\(surrogate)/\(dtype.rawValue)/\(backend.rawValue)" + (specialization.map { "\($0)" } ?? "")
    }

    /// Specialisations compare by their values' bits: 0.0 and -0.0 are equal Doubles (one hash) but fold into
    /// different kernels (`1 / a` is inf or -inf).
    public static func == (a: KernelKey, b: KernelKey) -> Bool {
        a.surrogate == b.surrogate && a.dtype == b.dtype && a.backend == b.backend
            && a.specialization?.map(\.bitPattern) == b.specialization?.map(\.bitPattern)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(surrogate)
        hasher.combine(dtype)
        hasher.combine(backend)
        hasher.combine(specialization?.map(\.bitPattern))
    }
}

/// The thread-safe table of surrogates and their kernels, looked up by name, dtype and backend.
/// Registration and lookup take one lock; calling a kernel takes none.
public final class DispatchTable: Sendable {
    struct State {
        var descriptors: [String: SurrogateDescriptor] = [:]
        /// Surrogates whose descriptor was replaced by one with another fingerprint: their kernels were dropped.
        var replaced: Set<String> = []
        var kernels: [KernelKey: any Sendable] = [:]
        var providers: [Backend: any KernelProvider] = [:]
        /// Finds surrogates that are not registered yet by name (the JIT's catalogue), registered on first lookup.
        var resolver: (@Sendable (String) -> SurrogateDescriptor?)?
        /// The names `resolver` serves, for the "did you mean" of an unknown name.
        var resolvableNames: [String] = []
        /// Neurons (`DispatchTable+Neurons.swift`): descriptors, kernels, and the resolver of neurons by name.
        var neurons: [String: NeuronDescriptor] = [:]
        var neuronKernels: [NeuronKey: NeuronEntry] = [:]
        var neuronResolver: (@Sendable (String) -> NeuronDescriptor?)?
        var neuronResolvableNames: [String] = []
    }

    let state = Locked(State())
    private static let logger = Logger(label: "kernelgen.dispatch")

    /// Installs (or removes, with nil) the provider that makes `backend`'s kernels on demand.
    public func setProvider(_ provider: (any KernelProvider)?, for backend: Backend) {
        state.withLock { $0.providers[backend] = provider }
    }

    public init() {}

    /// Installs (or removes, with nil) a resolver asked for a name no descriptor has; what it returns is registered
    /// (the JIT resolves the catalogue's surrogates this way, so they are found by name without being listed).
    /// `names`: the names it serves, suggested for a misspelt one (`SurrogateError.unknownSurrogate`).
    public func setResolver(_ resolver: (@Sendable (String) -> SurrogateDescriptor?)?, names: [String] = []) {
        state.withLock { s in
            s.resolver = resolver
            s.resolvableNames = resolver == nil ? [] : names
        }
    }

    /// Adds or replaces a surrogate's descriptor. A replacement made from another spec text (another
    /// fingerprint) drops every kernel registered under the name, ahead-of-time and JIT alike: they compute
    /// the old formulas. Kernels registered afterwards (the JIT's, compiled from the new spec) serve it.
    public func register(_ descriptor: SurrogateDescriptor) {
        state.withLock { s in
            if let old = s.descriptors[descriptor.name], old.fingerprint != descriptor.fingerprint {
                s.kernels = s.kernels.filter { $0.key.surrogate != descriptor.name }
                s.replaced.insert(descriptor.name)
            }
            s.descriptors[descriptor.name] = descriptor
        }
    }

    /// Adds or replaces kernels. `specialization`: parameter values folded into the kernels (JIT).
    public func register<T: KernelStorage>(_ kernels: KernelSet<T>, surrogate: String, backend: Backend, specialization: [Double]? = nil) {
        let key = KernelKey(surrogate: surrogate, dtype: T.dtype, backend: backend, specialization: specialization)
        state.withLock { $0.kernels[key] = kernels }
    }

    /// Every surrogate, sorted by name.
    public var descriptors: [SurrogateDescriptor] {
        state.withLock { $0.descriptors.values.sorted { $0.name < $1.name } }
    }

    public func descriptor(_ name: String) throws(SurrogateError) -> SurrogateDescriptor {
        let (found, known, resolver, resolvable) = state.withLock {
            ($0.descriptors[name], $0.descriptors.keys.sorted(), $0.resolver, $0.resolvableNames)
        }
        if let found { return found }
        guard let resolved = resolver?(name), resolved.name == name else {
            throw .unknownSurrogate(name, known: known, resolvable: resolvable.filter { !known.contains($0) })
        }
        state.withLock { s in
            if s.descriptors[name] == nil { s.descriptors[name] = resolved }
        }
        return try descriptor(name)
    }

    /// Backends with kernels (taking runtime parameters) for `name` in `dtype`.
    public func backends(of name: String, dtype: DType) -> [Backend] {
        state.withLock { s in
            Backend.allCases.filter { s.kernels[KernelKey(surrogate: name, dtype: dtype, backend: $0)] != nil }
        }
    }

    public func kernels<T: KernelStorage>(_ name: String, dtype: T.Type = T.self, backend: Backend,
                                         specialization: [Double]? = nil) throws(SurrogateError) -> KernelSet<T> {
        let key = KernelKey(surrogate: name, dtype: T.dtype, backend: backend, specialization: specialization)
        let found = state.withLock { $0.kernels[key] }
        if let set = found as? KernelSet<T> { return set }
        _ = try descriptor(name)
        if backend != .jit, state.withLock({ $0.replaced.contains(name) }) { throw .replacedSpec(surrogate: name, backend: backend) }
        throw .noKernel(surrogate: name, dtype: T.dtype, backend: backend, available: servingBackends(of: name, dtype: T.dtype))
    }

    /// Backends that serve `name` in `dtype`: those with kernels registered and those with a provider (the JIT
    /// makes kernels for any descriptor), so a catalogue surrogate or a run-time spec is not reported as served by
    /// none when the JIT is installed.
    func servingBackends(of name: String, dtype: DType) -> [Backend] {
        let registered = backends(of: name, dtype: dtype)
        let provided = state.withLock { s in Set(s.providers.keys) }
        return Backend.allCases.filter { registered.contains($0) || provided.contains($0) }
    }

    /// A surrogate bound to its kernels and parameter values (defaults filled in, bounds checked).
    /// For a backend with a provider (the JIT), kernels specialised to the values are made on first use;
    /// if that fails, the ahead-of-time C kernels serve instead (logged as a warning) when they exist.
    public func surrogate<T: KernelStorage>(_ name: String, dtype: T.Type = T.self, backend: Backend = .c,
                                           parameters: [String: Double] = [:], mode: SurrogateMode = .eval) throws(SurrogateError) -> BoundSurrogate<T> {
        let descriptor = try descriptor(name)
        let values = try descriptor.resolve(parameters, for: T.Compute.self)
        defer { BuildConfiguration.warnIfUnoptimized(backend) }
        guard let provider = state.withLock({ $0.providers[backend] }) else {
            let set: KernelSet<T> = try kernels(name, backend: backend)
            return BoundSurrogate(descriptor: descriptor, backend: backend, parameterValues: values, mode: mode, kernels: set)
        }
        if let set: KernelSet<T> = try? kernels(name, backend: backend, specialization: values) {
            return BoundSurrogate(descriptor: descriptor, backend: backend, parameterValues: values, mode: mode, kernels: set)
        }
        do {
            let set: KernelSet<T> = try provider.kernels(for: descriptor, parameterValues: values, dtype: T.self)
            register(set, surrogate: name, backend: backend, specialization: values)
            return BoundSurrogate(descriptor: descriptor, backend: backend, parameterValues: values, mode: mode, kernels: set)
        } catch {
            guard let fallback: KernelSet<T> = try? kernels(name, backend: .c) else { throw error }
            Self.logger.warning("\(backend.rawValue) kernels for `\(name)` unavailable, using the ahead-of-time C kernels: \(error)")
            return BoundSurrogate(descriptor: descriptor, backend: .c, parameterValues: values, mode: mode, kernels: fallback)
        }
    }
}

/// Identifies registered neuron kernels: neuron, surrogate, element type, backend, and for JIT kernels the
/// surrogate's parameter values folded into them (nil for kernels that take them at run time).
struct NeuronKey: Hashable, Sendable {
    var neuron: String
    var surrogate: String
    var dtype: DType
    var backend: Backend
    var specialization: [Double]?

    /// By the values' bits, as `KernelKey` (0.0 and -0.0 fold into different kernels).
    static func == (a: NeuronKey, b: NeuronKey) -> Bool {
        a.neuron == b.neuron && a.surrogate == b.surrogate && a.dtype == b.dtype && a.backend == b.backend
            && a.specialization?.map(\.bitPattern) == b.specialization?.map(\.bitPattern)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(neuron)
        hasher.combine(surrogate)
        hasher.combine(dtype)
        hasher.combine(backend)
        hasher.combine(specialization?.map(\.bitPattern))
    }
}

/// Registered neuron kernels and the spec texts they were made from.
struct NeuronEntry: Sendable {
    var kernels: any Sendable
    var neuronFingerprint: String
    var surrogateFingerprint: String
}

extension DispatchTable {
    /// Adds or replaces a neuron's descriptor.
    public func register(_ neuron: NeuronDescriptor) {
        state.withLock { $0.neurons[neuron.name] = neuron }
    }

    /// Adds or replaces neuron kernels made from `neuron`'s and `surrogate`'s spec texts (their fingerprints are
    /// kept: the kernels serve only those texts). `specialization`: surrogate values folded into the kernels (JIT).
    public func register<T: KernelScalar>(_ kernels: NeuronKernelSet<T>, neuron: NeuronDescriptor, surrogate: SurrogateDescriptor,
                                          backend: Backend, specialization: [Double]? = nil) {
        let key = NeuronKey(neuron: neuron.name, surrogate: surrogate.name, dtype: T.dtype, backend: backend, specialization: specialization)
        let entry = NeuronEntry(kernels: kernels, neuronFingerprint: neuron.fingerprint, surrogateFingerprint: surrogate.fingerprint)
        state.withLock { $0.neuronKernels[key] = entry }
    }

    /// Installs (or removes, with nil) the resolver asked for a neuron by name before the registered descriptors (the
    /// JIT's: a neuron spec loaded at run time replaces a built-in of its name). `names`: the names it serves.
    public func setNeuronResolver(_ resolver: (@Sendable (String) -> NeuronDescriptor?)?, names: [String] = []) {
        state.withLock { s in
            s.neuronResolver = resolver
            s.neuronResolvableNames = resolver == nil ? [] : names
        }
    }

    /// Every registered neuron, sorted by name.
    public var neuronDescriptors: [NeuronDescriptor] {
        state.withLock { $0.neurons.values.sorted { $0.name < $1.name } }
    }

    /// The neuron called `name`: the resolver's (when installed and it serves the name), else the registered one.
    /// - Throws: `SurrogateError.unknownNeuron` (with the known names).
    public func neuronDescriptor(_ name: String) throws(SurrogateError) -> NeuronDescriptor {
        let (found, resolver, known) = state.withLock { s in
            (s.neurons[name], s.neuronResolver, Set(s.neurons.keys).union(s.neuronResolvableNames).sorted())
        }
        if let resolved = resolver?(name), resolved.name == name { return resolved }
        guard let found else { throw .unknownNeuron(name, known: known) }
        return found
    }

    /// Backends that serve the pair in `dtype`: those with kernels registered (taking the surrogate's values at run
    /// time) and those with a provider (the JIT).
    public func neuronBackends(of neuron: String, surrogate: String, dtype: DType) -> [Backend] {
        state.withLock { s in
            Backend.allCases.filter {
                s.neuronKernels[NeuronKey(neuron: neuron, surrogate: surrogate, dtype: dtype, backend: $0)] != nil || s.providers[$0] != nil
            }
        }
    }

    /// A neuron layer: the neuron `name` bound to the surrogate `surrogate` (any the table knows), the neuron's
    /// parameter values (defaults filled in, bounds checked) and the surrogate's. For a backend with a provider
    /// (the JIT), kernels specialised to the surrogate's values are made on first use and cached; the
    /// ahead-of-time C kernels (`.c`: the built-in neurons with the built-in surrogates) take them at run time.
    /// - Throws: `SurrogateError.unknownNeuron`, `.unknownSurrogate`, a parameter error, `.noNeuronKernel`,
    ///   `.replacedNeuronSpec` (AOT kernels made from another spec text), `.compileFailed`.
    public func neuron<T: KernelScalar>(_ name: String, surrogate surrogateName: String, dtype: T.Type = T.self, backend: Backend = .c,
                                        parameters: [String: Double] = [:],
                                        surrogateParameters: [String: Double] = [:]) throws(SurrogateError) -> BoundNeuron<T> {
        let neuron = try neuronDescriptor(name)
        let surrogate = try descriptor(surrogateName)
        let values = try neuron.resolve(parameters, for: T.self)
        let surrogateValues = try surrogate.resolve(surrogateParameters, for: T.self)
        defer { BuildConfiguration.warnIfUnoptimized(backend) }
        func entry(_ specialization: [Double]?) -> NeuronEntry? {
            state.withLock { $0.neuronKernels[NeuronKey(neuron: name, surrogate: surrogateName, dtype: T.dtype, backend: backend,
                                                        specialization: specialization)] }
        }
        func current(_ e: NeuronEntry) -> Bool {
            e.neuronFingerprint == neuron.fingerprint && e.surrogateFingerprint == surrogate.fingerprint
        }
        if let provider = state.withLock({ $0.providers[backend] }) {
            if let cached = entry(surrogateValues), current(cached), let set = cached.kernels as? NeuronKernelSet<T> {
                return BoundNeuron(neuron: neuron, surrogate: surrogate, backend: backend, parameterValues: values,
                                   surrogateValues: surrogateValues, kernels: set, trailingArguments: [])
            }
            let set: NeuronKernelSet<T> = try provider.neuronKernels(for: neuron, surrogate: surrogate, surrogateValues: surrogateValues,
                                                                     dtype: T.self)
            register(set, neuron: neuron, surrogate: surrogate, backend: backend, specialization: surrogateValues)
            return BoundNeuron(neuron: neuron, surrogate: surrogate, backend: backend, parameterValues: values,
                               surrogateValues: surrogateValues, kernels: set, trailingArguments: [])
        }
        guard let found = entry(nil), let set = found.kernels as? NeuronKernelSet<T> else {
            let available = neuronBackends(of: name, surrogate: surrogateName, dtype: T.dtype)
            throw .noNeuronKernel(neuron: name, surrogate: surrogateName, dtype: T.dtype, backend: backend, available: available)
        }
        guard current(found) else { throw .replacedNeuronSpec(neuron: name, surrogate: surrogateName, backend: backend) }
        return BoundNeuron(neuron: neuron, surrogate: surrogate, backend: backend, parameterValues: values,
                           surrogateValues: surrogateValues, kernels: set, trailingArguments: surrogateValues)
    }
}

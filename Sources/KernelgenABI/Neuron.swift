import Foundation
import NameSuggestion
import SurrogateJIT
import SurrogateSpec
import Surrogates

// Neuron layers (ABI version 5; a backend since 6): a neuron spec bound to a surrogate, a dtype and a backend, its
// fused multi-step forward and backward through time. Neuron parameters are given per call (a learnable one changes
// every optimiser step); the surrogate's are fixed at bind time (the JIT folds them in; the ahead-of-time kernels
// take them after the neuron's, `trailing`).

/// What a `kg_neuron *` points to.
final class NeuronHandle: Sendable {
    enum Kernels: Sendable {
        case f32(NeuronKernelSet<Float>)
        case f64(NeuronKernelSet<Double>)

        var dtype: String { if case .f32 = self { "float32" } else { "float64" } }
        var isStochastic: Bool { switch self { case .f32(let k): k.isStochastic; case .f64(let k): k.isStochastic } }
    }
    let spec: NeuronSpec
    let surrogate: String
    let backend: Backend
    let kernels: Kernels
    /// Widest vector of JIT-compiled kernels; 0 for the ahead-of-time ones (a clone chosen at load time).
    let vectorWidth: Int
    /// The surrogate's learned parameters (runtime arguments after the neuron's, gradients after its learnable ones).
    let learned: [Parameter]
    /// Runtime arguments after the call's: the surrogate's values for the ahead-of-time kernels.
    let trailing: [Double]

    init(spec: NeuronSpec, surrogate: String, backend: Backend, kernels: Kernels, vectorWidth: Int, learned: [Parameter], trailing: [Double]) {
        self.spec = spec
        self.surrogate = surrogate
        self.backend = backend
        self.kernels = kernels
        self.vectorWidth = vectorWidth
        self.learned = learned
        self.trailing = trailing
    }

    /// The rows of `grad_params`: the neuron's learnable parameters, then the learned surrogate parameters.
    var gradientRows: Int { spec.learnableParams.count + learned.count }

    static func from(_ pointer: OpaquePointer?) throws(ABIError) -> NeuronHandle {
        guard let pointer else { throw ABIError(.invalidArgument, "the neuron handle is NULL; expected one made by kg_neuron_bind") }
        return Unmanaged<NeuronHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    /// The neuron's P parameters and the Q learned surrogate parameters of one call, each checked against its bounds,
    /// then the trailing arguments, then one pad value (the kernels always get a valid pointer).
    func parameters(_ values: UnsafePointer<Double>?) throws(ABIError) -> [Double] {
        try given(values) + trailing + [0]
    }

    private func given(_ values: UnsafePointer<Double>?) throws(ABIError) -> [Double] {
        let all = spec.params + learned
        guard !all.isEmpty else { return [] }
        guard let values else {
            throw ABIError(.invalidArgument, "params is NULL; expected the \(all.count) values of \(all.map(\.name).joined(separator: ", "))")
        }
        let list = Array(UnsafeBufferPointer(start: values, count: all.count))
        for (k, (p, v)) in zip(all, list).enumerated() {
            try NeuronABI.check(v, p, owner: k < spec.params.count ? spec.name : surrogate, float32: kernels.dtype == "float32")
        }
        return list
    }
}

/// A neuron spec as the bindings see it (`kg_neurons_json`).
struct NeuronDescription: Codable {
    struct Parameter: Codable {
        var name: String
        var `default`: Double
        var min: Double?
        var max: Double?
        var doc: String
        var learnable: Bool

        enum CodingKeys: String, CodingKey { case name, `default`, min, max, doc, learnable }

        /// Unbounded ends as JSON null (not left out), as kg_surrogates_json writes them.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(self.default, forKey: .default)
            try c.encode(min, forKey: .min)
            try c.encode(max, forKey: .max)
            try c.encode(doc, forKey: .doc)
            try c.encode(learnable, forKey: .learnable)
        }
    }
    struct State: Codable {
        var name: String
        var doc: String
    }
    var name: String
    var summary: String
    var provenance: String
    var params: [Parameter]
    var state: [State]
    var output: String

    init(_ spec: NeuronSpec) {
        name = spec.name
        summary = spec.summary
        provenance = spec.provenance ?? ""
        params = spec.params.map { Parameter(name: $0.name, default: $0.defaultValue, min: $0.min, max: $0.max, doc: $0.doc ?? "", learnable: $0.learnable) }
        state = spec.state.map { State(name: $0.name, doc: $0.doc ?? "") }
        output = spec.output
    }
}

enum NeuronABI {
    /// The learned surrogate parameters' names of a bind or source call (0...64 of them).
    static func learnedNames(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int) throws(ABIError) -> [String] {
        guard (0...64).contains(count), count == 0 || names != nil else {
            throw ABIError(.invalidArgument, "learned_count is \(count) with learned_names \(names == nil ? "NULL" : "given"); expected 0...64 names")
        }
        var learned: [String] = []
        for i in 0..<count { learned.append(try ABI.string(names![i], "learned_names[\(i)]")) }
        return learned
    }

    /// The parameter values of one call, checked against the spec's bounds.
    static func parameters(_ spec: NeuronSpec, _ values: UnsafePointer<Double>?) throws(ABIError) -> [Double] {
        guard !spec.params.isEmpty else { return [] }
        guard let values else {
            throw ABIError(.invalidArgument, "params is NULL; expected the \(spec.params.count) values of \(spec.params.map(\.name).joined(separator: ", "))")
        }
        let list = Array(UnsafeBufferPointer(start: values, count: spec.params.count))
        for (p, v) in zip(spec.params, list) { try check(v, p, owner: spec.name, float32: false) }
        return list
    }

    /// One value checked by the runtime's one check of parameter values (`ParameterInfo.check`), its error relayed;
    /// `float32`: for float32 kernels (a value infinite there is refused).
    static func check(_ value: Double, _ p: Parameter, owner: String, float32: Bool) throws(ABIError) {
        do throws(SurrogateError) {
            let info = ParameterInfo(p)
            if float32 { try info.check(value, owner: owner, for: Float.self) } else { try info.check(value, owner: owner, for: Double.self) }
        } catch {
            throw ABIError(error)
        }
    }

    static func neuron(_ name: String) throws(ABIError) -> NeuronSpec {
        do throws(JITError) {
            return try SurrogateJIT.shared.neuron(named: name)
        } catch .invalidSpec(let diagnostics) {
            throw ABIError(.invalidSpec, "the neuron spec has errors:\n" + diagnostics.map(\.description).joined(separator: "\n"))
        } catch {
            throw ABIError(.unknownSurrogate, error.description)
        }
    }

    /// Counts and pointers of one call: every array non-NULL unless it is empty.
    static func require(_ pointer: UnsafeRawPointer?, _ what: String, count: Int) throws(ABIError) {
        if pointer == nil, count > 0 { throw ABIError(.invalidArgument, "\(what) is NULL with \(count) elements; expected an array") }
    }

    static func size(_ steps: Int, _ n: Int, _ s: Int) throws(ABIError) -> (Int, Int) {
        guard steps >= 0, n >= 0 else {
            // size_t values of 2^63 or more arrive here negative
            throw ABIError(.invalidArgument, "steps x n = \(UInt(bitPattern: steps)) x \(UInt(bitPattern: n)) is too large")
        }
        let (tn, o1) = steps.multipliedReportingOverflow(by: n)
        let (tsn, o2) = tn.multipliedReportingOverflow(by: max(s, 1))
        guard !o1, !o2, tsn < 1 << 48 else { throw ABIError(.invalidArgument, "steps x n = \(steps) x \(n) is too large") }
        return (tn, tsn)
    }

    static func threads(_ t: Int32) throws(ABIError) -> Int {
        guard (0...256).contains(t) else { throw ABIError(.invalidArgument, "threads is \(t); expected 0 (automatic) or 1...256") }
        return t == 0 ? Parallel.cores : Int(t)
    }
}

@_cdecl("kg_neurons_json")
public func kg_neurons_json(_ json: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        guard let json else { throw ABIError(.invalidArgument, "json is NULL; expected a char ** to receive the JSON text") }
        let names = Set(SurrogateJIT.shared.runtimeNeuronNames + SurrogateJIT.builtinNeuronNames).sorted()
        var list: [NeuronDescription] = []
        for name in names { list.append(NeuronDescription(try NeuronABI.neuron(name))) }
        json.pointee = ABI.copy(try ABI.json(encoding: list))
    }
}

@_cdecl("kg_neuron_load_text")
public func kg_neuron_load_text(_ text: UnsafePointer<CChar>?, _ file: UnsafePointer<CChar>?, _ name: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let text = try ABI.string(text, "text")
        let file = try file.map { (p) throws(ABIError) in try ABI.string(p, "file") } ?? "<string>"
        do throws(JITError) {
            let spec = try SurrogateJIT.shared.loadNeuron(yaml: text, file: file)
            ABI.give(spec.name, to: name)
        } catch .invalidSpec(let diagnostics) {
            throw ABIError(.invalidSpec, "the neuron spec has errors:\n" + diagnostics.map(\.description).joined(separator: "\n"))
        } catch {
            throw ABIError(.invalidSpec, error.description)
        }
    }
}

@_cdecl("kg_neuron_bind")
public func kg_neuron_bind(_ neuron: UnsafePointer<CChar>?, _ surrogate: UnsafePointer<CChar>?, _ dtype: UnsafePointer<CChar>?,
                           _ backend: UnsafePointer<CChar>?,
                           _ paramNames: UnsafePointer<UnsafePointer<CChar>?>?, _ paramValues: UnsafePointer<Double>?, _ count: Int,
                           _ learnedNames: UnsafePointer<UnsafePointer<CChar>?>?, _ learnedCount: Int,
                           _ handle: UnsafeMutablePointer<OpaquePointer?>?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        guard let handle else { throw ABIError(.invalidArgument, "handle is NULL; expected a kg_neuron ** to receive the handle") }
        let spec = try NeuronABI.neuron(try ABI.string(neuron, "neuron"))
        let surrogateName = try ABI.string(surrogate, "surrogate")
        let parameters = try Binding.parameters(paramNames, paramValues, count, surrogate: surrogateName)
        let learned = try NeuronABI.learnedNames(learnedNames, learnedCount)
        let backendName = try backend.map { (p) throws(ABIError) in try ABI.string(p, "backend") } ?? "jit"
        guard backendName == "jit" || backendName == "c" else {
            let shown = backendName.count > 40 ? String(backendName.prefix(40)) + "..." : backendName
            throw ABIError(.invalidArgument, "backend `\(VisibleText.escaped(shown))` of neuron `\(spec.name)` is not one of jit, c")
        }
        let made: NeuronHandle
        if backendName == "c" {
            guard learned.isEmpty else {
                throw ABIError(.invalidArgument, "backend c learns no surrogate parameter (its kernels take them as fixed values); expected backend jit to learn \(learned.joined(separator: ", "))")
            }
            made = try NeuronABI.bindAheadOfTime(spec, surrogate: surrogateName, dtype: try ABI.string(dtype, "dtype"), parameters: parameters)
        } else {
            made = try NeuronABI.bindJIT(spec, surrogate: surrogateName, dtype: try ABI.string(dtype, "dtype"), parameters: parameters, learned: learned)
        }
        handle.pointee = OpaquePointer(Unmanaged.passRetained(made).toOpaque())
    }
}

extension NeuronABI {
    static func bindJIT(_ spec: NeuronSpec, surrogate surrogateName: String, dtype: String, parameters: [String: Double],
                        learned: [String]) throws(ABIError) -> NeuronHandle {
        _ = Runtime.table
        let jit = SurrogateJIT.shared
        guard dtype == "float32" || dtype == "float64" else {
            throw ABIError(.invalidArgument, "dtype `\(VisibleText.escaped(dtype))` of neuron `\(spec.name)` is not one of float32, float64")
        }
        let kernels: NeuronHandle.Kernels
        let width: Int
        do throws(JITError) {
            let surrogateSpec = try jit.spec(named: surrogateName)
            if dtype == "float32" {
                let k = try jit.compileNeuron(spec, surrogate: surrogateSpec, surrogateParameters: parameters, learned: learned, dtype: Float.self)
                (kernels, width) = (.f32(k.kernels), k.vectorWidth)
            } else {
                let k = try jit.compileNeuron(spec, surrogate: surrogateSpec, surrogateParameters: parameters, learned: learned, dtype: Double.self)
                (kernels, width) = (.f64(k.kernels), k.vectorWidth)
            }
        } catch {
            throw ABIError(error)
        }
        // compileNeuron checked the names; the surrogate's own parameter records carry their bounds.
        let surrogateParams = (try? jit.spec(named: surrogateName).params) ?? []
        let learnedParams = learned.compactMap { name in surrogateParams.first { $0.name == name } }
        return NeuronHandle(spec: spec, surrogate: surrogateName, backend: .jit, kernels: kernels, vectorWidth: width, learned: learnedParams,
                            trailing: [])
    }

    /// The ahead-of-time kernels of the dispatch table (`Generated/C/neurons/`): the spec must be the built-in text.
    static func bindAheadOfTime(_ spec: NeuronSpec, surrogate: String, dtype: String, parameters: [String: Double]) throws(ABIError) -> NeuronHandle {
        let table = Runtime.table
        func bound<T: KernelScalar>(_: T.Type) throws(ABIError) -> (NeuronKernelSet<T>, [Double]) {
            do throws(SurrogateError) {
                let b: BoundNeuron<T> = try table.neuron(spec.name, surrogate: surrogate, backend: .c, surrogateParameters: parameters)
                guard b.neuron.fingerprint == spec.fingerprint else {
                    throw SurrogateError.replacedNeuronSpec(neuron: spec.name, surrogate: surrogate, backend: .c)
                }
                return (b.kernels, b.trailingArguments)
            } catch {
                throw ABIError(error)
            }
        }
        switch dtype {
        case "float32":
            let (k, trailing) = try bound(Float.self)
            return NeuronHandle(spec: spec, surrogate: surrogate, backend: .c, kernels: .f32(k), vectorWidth: 0, learned: [], trailing: trailing)
        case "float64":
            let (k, trailing) = try bound(Double.self)
            return NeuronHandle(spec: spec, surrogate: surrogate, backend: .c, kernels: .f64(k), vectorWidth: 0, learned: [], trailing: trailing)
        case let other: throw ABIError(.invalidArgument, "dtype `\(VisibleText.escaped(other))` of neuron `\(spec.name)` is not one of float32, float64")
        }
    }
}

@_cdecl("kg_neuron_json")
public func kg_neuron_json(_ h: OpaquePointer?, _ json: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let handle = try NeuronHandle.from(h)
        guard let json else { throw ABIError(.invalidArgument, "json is NULL; expected a char ** to receive the JSON text") }
        struct Facts: Encodable {
            var neuron: String, surrogate: String, dtype: String, backend: String, stochastic: Bool, vector_width: Int
            var fingerprint: String, state_count: Int, param_count: Int, learnable: [Int], learned: [NeuronDescription.Parameter]
        }
        let spec = handle.spec
        let learnable = spec.params.indices.filter { spec.params[$0].learnable }
            + handle.learned.indices.map { spec.params.count + $0 }
        let learned = handle.learned.map {
            NeuronDescription.Parameter(name: $0.name, default: $0.defaultValue, min: $0.min, max: $0.max, doc: $0.doc ?? "", learnable: true)
        }
        let k = handle.kernels
        let facts = Facts(neuron: spec.name, surrogate: handle.surrogate, dtype: k.dtype, backend: handle.backend.rawValue,
                          stochastic: k.isStochastic, vector_width: handle.vectorWidth, fingerprint: spec.fingerprint, state_count: spec.state.count,
                          param_count: spec.params.count + handle.learned.count, learnable: learnable, learned: learned)
        json.pointee = ABI.copy(try ABI.json(encoding: facts))
    }
}

@_cdecl("kg_neuron_torch_source")
public func kg_neuron_torch_source(_ neuron: UnsafePointer<CChar>?, _ dtype: UnsafePointer<CChar>?, _ source: StringOut?,
                                   _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let spec = try NeuronABI.neuron(try ABI.string(neuron, "neuron"))
        guard let source else { throw ABIError(.invalidArgument, "source is NULL; expected a char ** to receive the Python text") }
        let type: DType
        switch try ABI.string(dtype, "dtype") {
        case "float32": type = .f32
        case "float64": type = .f64
        case let other: throw ABIError(.invalidArgument, "dtype `\(other)` is not one of float32, float64")
        }
        do throws(JITError) {
            source.pointee = ABI.copy(try SurrogateJIT.neuronTorchSource(spec, dtype: type))
        } catch {
            throw ABIError(.invalidSpec, error.description)
        }
    }
}

@_cdecl("kg_neuron_triton_source")
public func kg_neuron_triton_source(_ neuron: UnsafePointer<CChar>?, _ surrogate: UnsafePointer<CChar>?,
                                    _ paramNames: UnsafePointer<UnsafePointer<CChar>?>?, _ paramValues: UnsafePointer<Double>?, _ count: Int,
                                    _ learnedNames: UnsafePointer<UnsafePointer<CChar>?>?, _ learnedCount: Int,
                                    _ source: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        guard let source else { throw ABIError(.invalidArgument, "source is NULL; expected a char ** to receive the Python text") }
        let spec = try NeuronABI.neuron(try ABI.string(neuron, "neuron"))
        let surrogateName = try ABI.string(surrogate, "surrogate")
        let parameters = try Binding.parameters(paramNames, paramValues, count, surrogate: surrogateName)
        let learned = try NeuronABI.learnedNames(learnedNames, learnedCount)
        _ = Runtime.table
        let jit = SurrogateJIT.shared
        do throws(JITError) {
            let surrogateSpec = try jit.spec(named: surrogateName)
            source.pointee = ABI.copy(try jit.tritonNeuronSource(spec, surrogate: surrogateSpec, surrogateParameters: parameters, learned: learned))
        } catch {
            throw ABIError(error, compiler: .internalError)
        }
    }
}

@_cdecl("kg_neuron_release")
public func kg_neuron_release(_ handle: OpaquePointer?) {
    guard let handle else { return }
    Unmanaged<NeuronHandle>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@_cdecl("kg_neuron_initial_state")
public func kg_neuron_initial_state(_ neuron: UnsafePointer<CChar>?, _ params: UnsafePointer<Double>?, _ state: UnsafeMutablePointer<Double>?,
                                    _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let spec = try NeuronABI.neuron(try ABI.string(neuron, "neuron"))
        let values = try NeuronABI.parameters(spec, params)
        guard let state else { throw ABIError(.invalidArgument, "state is NULL; expected room for \(spec.state.count) values") }
        let evaluator = FormulaEvaluator<Double>(params: Dictionary(uniqueKeysWithValues: zip(spec.params.map(\.name), values)))
        for (i, s) in spec.state.enumerated() { state[i] = evaluator.evaluate(s.initial.expr, x: .nan) }
    }
}

@_cdecl("kg_neuron_forward")
public func kg_neuron_forward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ params: UnsafePointer<Double>?,
                              _ state: UnsafeMutableRawPointer?, _ spikes: UnsafeMutableRawPointer?, _ saved: UnsafeMutableRawPointer?,
                              _ steps: Int, _ n: Int, _ threads: Int32, _ sample: Int32, _ seed: UInt64, _ offset: UInt64,
                              _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let handle = try NeuronHandle.from(h)
        let values = try handle.parameters(params)
        let key: (seed: UInt64, offset: UInt64)? = sample != 0 ? (seed, offset) : nil
        let (tn, _) = try NeuronABI.size(steps, n, handle.spec.state.count)
        try NeuronABI.require(x, "x", count: tn)
        try NeuronABI.require(spikes, "spikes", count: tn)
        try NeuronABI.require(state, "state", count: n * handle.spec.state.count)
        let workers = try NeuronABI.threads(threads)
        guard tn > 0 else { return }
        func run<T: KernelScalar>(_ k: NeuronKernelSet<T>) {
            values.withUnsafeBufferPointer { p in
                k.forward(x: x!.assumingMemoryBound(to: T.self), params: p.baseAddress!, state: state!.assumingMemoryBound(to: T.self),
                          spikes: spikes!.assumingMemoryBound(to: T.self), saved: saved?.assumingMemoryBound(to: T.self),
                          steps: steps, n: n, threads: workers, sample: key)
            }
        }
        switch handle.kernels {
        case .f32(let k): run(k)
        case .f64(let k): run(k)
        }
    }
}

@_cdecl("kg_neuron_backward")
public func kg_neuron_backward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ params: UnsafePointer<Double>?, _ saved: UnsafeRawPointer?,
                               _ gradSpikes: UnsafeRawPointer?, _ gradState: UnsafeMutableRawPointer?, _ gradX: UnsafeMutableRawPointer?,
                               _ gradParams: UnsafeMutableRawPointer?, _ steps: Int, _ n: Int, _ threads: Int32, _ sample: Int32,
                               _ seed: UInt64, _ offset: UInt64, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let handle = try NeuronHandle.from(h)
        let values = try handle.parameters(params)
        let key: (seed: UInt64, offset: UInt64)? = sample != 0 ? (seed, offset) : nil
        let (tn, tsn) = try NeuronABI.size(steps, n, handle.spec.state.count)
        try NeuronABI.require(x, "x", count: tn)
        try NeuronABI.require(saved, "saved", count: tsn)
        try NeuronABI.require(gradSpikes, "grad_spikes", count: tn)
        try NeuronABI.require(gradX, "grad_x", count: tn)
        try NeuronABI.require(gradState, "grad_state", count: n * handle.spec.state.count)
        try NeuronABI.require(gradParams, "grad_params", count: n * handle.gradientRows)
        let workers = try NeuronABI.threads(threads)
        guard tn > 0 else { return }
        func run<T: KernelScalar>(_ k: NeuronKernelSet<T>) {
            values.withUnsafeBufferPointer { p in
                k.backward(x: x!.assumingMemoryBound(to: T.self), params: p.baseAddress!, saved: saved!.assumingMemoryBound(to: T.self),
                           gradSpikes: gradSpikes!.assumingMemoryBound(to: T.self), gradState: gradState!.assumingMemoryBound(to: T.self),
                           gradX: gradX!.assumingMemoryBound(to: T.self), gradParams: gradParams?.assumingMemoryBound(to: T.self),
                           steps: steps, n: n, threads: workers, sample: key)
            }
        }
        switch handle.kernels {
        case .f32(let k): run(k)
        case .f64(let k): run(k)
        }
    }
}

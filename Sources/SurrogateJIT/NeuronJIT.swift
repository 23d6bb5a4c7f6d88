import Dispatch
import Foundation
import KernelEmit
import NameSuggestion
import SurrogateSources
import SurrogateSpec
import Surrogates

// Neuron layers: a neuron spec (`Neurons/`, or loaded at run time) bound to any surrogate spec, compiled into one
// fused multi-step forward and one backward through time (`NeuronContext`, `Templates/C/neuron.c.stencil`).

extension SurrogateJIT {
    /// A neuron spec by name: one loaded at run time (`loadNeuron`), else a built-in one (`Neurons/<name>.yaml`).
    /// - Throws: `JITError.unknownSurrogate` (with the known neuron names) or `.invalidSpec`.
    public func neuron(named name: String) throws(JITError) -> NeuronSpec {
        if let spec = runtimeNeurons.withLock({ $0[name] }) { return spec }
        guard let yaml = EmbeddedSources.neurons[name] else {
            let known = Set(EmbeddedSources.neurons.keys).union(runtimeNeurons.withLock { Array($0.keys) }).sorted()
            throw .invalidParameters("unknown neuron `\(VisibleText.escaped(name))`" + Suggestion.didYouMean(name, in: known)
                                     + "; known: \(known.joined(separator: ", ")) (or load a neuron spec file)")
        }
        let (spec, diagnostics) = NeuronLoader.load(yaml: yaml, file: "Neurons/\(name).yaml")
        guard let spec else { throw .invalidSpec(diagnostics) }
        return spec
    }

    /// What the dispatch table knows of a neuron spec (its initial state evaluated from the `state:` formulas).
    public static func neuronDescriptor(_ spec: NeuronSpec) -> NeuronDescriptor {
        let names = spec.params.map(\.name)
        let initial = spec.state.map(\.initial.expr)
        return NeuronDescriptor(
            name: spec.name, summary: spec.summary,
            parameters: spec.params.map(ParameterInfo.init),
            learnable: spec.learnableParams.map(\.name), stateNames: spec.state.map(\.name), fingerprint: spec.fingerprint,
            initialState: { values in
                let evaluator = FormulaEvaluator<Double>(params: Dictionary(uniqueKeysWithValues: zip(names, values)))
                return initial.map { evaluator.evaluate($0, x: .nan) }
            })
    }

    /// Loads and checks a neuron spec at run time; it is then found by name (replacing a built-in of that name).
    @discardableResult
    public func loadNeuron(yaml: String, file: String = "<string>") throws(JITError) -> NeuronSpec {
        let (spec, diagnostics) = NeuronLoader.load(yaml: yaml, file: file)
        guard let spec else { throw .invalidSpec(diagnostics) }
        runtimeNeurons.withLock { $0[spec.name] = spec }
        return spec
    }

    /// The fused kernels of `neuron` with `surrogate` (its parameters folded in, defaults filled in), for `T`.
    /// Compiled once per (neuron text, surrogate text and values, dtype) and cached in memory and on disk.
    /// - Parameters:
    ///   - neuron: a checked neuron spec (`neuron(named:)`, `loadNeuron(yaml:file:)`).
    ///   - surrogate: the surrogate `spike(...)` applies (`spec(named:)`, or any loaded spec).
    ///   - surrogateParameters: the surrogate's parameter values by name; the others take their defaults.
    ///   - learned: surrogate parameters that are runtime arguments after the neuron's (`params[P + j]`, in this
    ///     order) with their gradients in `grad_params` after the neuron's learnable ones: the derivative of the
    ///     surrogate's `primitive` with respect to each (so the surrogate needs a primitive). Their values in
    ///     `surrogateParameters` are ignored.
    ///   - dtype: the element type, `Float` or `Double`.
    /// - Throws: `JITError.invalidParameters` (a value out of bounds, a learned name the surrogate lacks, a learned
    ///   parameter of a surrogate without a primitive), `.invalidSpec`, `.compiler`.
    public func compileNeuron<T: KernelScalar>(_ neuron: NeuronSpec, surrogate: Spec, surrogateParameters: [String: Double] = [:],
                                               learned: [String] = [], dtype: T.Type = T.self) throws(JITError) -> NeuronKernels<T> {
        let values = try Self.resolve(surrogate, surrogateParameters, T.self)
        try Self.checkLearned(learned, of: surrogate)
        let element: ElementType = T.dtype == .f32 ? .float32 : .float64
        let surrogateText = surrogate.source.isEmpty ? "\(surrogate.name):\(surrogate.backward.text)" : surrogate.source
        let request = [neuron.source, surrogateText,
                       surrogate.params.map { learned.contains($0.name) ? "learned" : "\(values[$0.name]!.bitPattern)" }.joined(separator: ","),
                       learned.joined(separator: ","), element.rawValue].joined(separator: "\u{0}")
        let slot = neuronSlots.slot(request)
        slot.lock.lock()
        defer { slot.lock.unlock() }
        if let done = slot.value { return NeuronKernels(done, neuron: neuron, learned: learned) }
        let graph: NeuronGraph
        do {
            graph = try NeuronGraph(neuron)
        } catch {
            throw .invalidSpec(NeuronGraph.check(neuron))
        }
        let symbol = "kgn_\(neuron.name)"
        let source: String
        do {
            let context = NeuronContext(neuron: neuron, graph: graph, surrogate: surrogate, surrogateValues: values, learned: learned,
                                        element: element, symbol: symbol)
            source = try Self.generator.withLock { try $0.neuronSource(context) }
        } catch {
            throw .compiler(stage: "render", message: "\(error)")
        }
        let functions = (surrogate.isStochastic ? ["", "train_"] : [""]).flatMap { prefix in
            ["\(symbol)_\(prefix)forward_\(element.rawValue)", "\(symbol)_\(prefix)backward_\(element.rawValue)"]
        }
        let material = [Self.format, "neuron", JITEngine.hostDescription, source].joined(separator: "\n")
        let key = Hash.key(material)
        let engine = try engine()
        let entry: DiskCache.Entry
        if let cached = diskCache?.read(key: key, material: material) {
            entry = cached
        } else {
            let object = try engine.compile(.source(source), functions: functions, artefact: nil)
            entry = DiskCache.Entry(object: object.bytes, vectorWidths: object.vectorWidths)
            diskCache?.write(key: key, material: material, entry: entry)
        }
        let loaded = try engine.load(entry.object, symbols: functions)
        let value = CompiledNeuron(loaded: loaded, symbols: functions, source: source, vectorWidths: entry.vectorWidths)
        slot.value = value
        return NeuronKernels(value, neuron: neuron, learned: learned)
    }
}

extension SurrogateJIT {
    /// The Triton module of `neuron` with `surrogate` (`TritonNeuronSource`): its parameters checked and folded in as
    /// `compileNeuron` folds them (both element types: values checked as float32's, the narrower), `learned` ones
    /// runtime values. Rendered, not compiled (Triton compiles at a kernel's first launch).
    /// - Throws: `JITError.invalidParameters`, `.invalidSpec`, `.compiler(stage: "render", ...)`.
    public func tritonNeuronSource(_ neuron: NeuronSpec, surrogate: Spec, surrogateParameters: [String: Double] = [:],
                                   learned: [String] = []) throws(JITError) -> String {
        let values = try Self.resolve(surrogate, surrogateParameters, Float.self)
        try Self.checkLearned(learned, of: surrogate)
        let graph: NeuronGraph
        do {
            graph = try NeuronGraph(neuron)
        } catch {
            throw .invalidSpec(NeuronGraph.check(neuron))
        }
        do {
            return try TorchSource.embeddedGenerator.withLock {
                try TritonNeuronSource.render(neuron: neuron, graph: graph, surrogate: surrogate, values: values, learned: learned, generator: $0)
            }
        } catch {
            throw .compiler(stage: "render", message: "\(error)")
        }
    }

    /// Learned surrogate parameters must be the surrogate's, each once, and the surrogate must have a primitive.
    static func checkLearned(_ learned: [String], of surrogate: Spec) throws(JITError) {
        for name in learned where !surrogate.params.contains(where: { $0.name == name }) || learned.filter({ $0 == name }).count > 1 {
            throw .invalidParameters("learned parameter `\(VisibleText.escaped(name))` is not a parameter of surrogate `\(surrogate.name)` (or is given twice); expected one of: "
                                     + surrogate.params.map(\.name).joined(separator: ", "))
        }
        if !learned.isEmpty, surrogate.primitive == nil {
            throw .invalidParameters("surrogate `\(surrogate.name)` has no `primitive`, so its parameters cannot be learned (their gradient is the primitive's derivative); expected fixed values, or a surrogate with a primitive")
        }
    }
}

/// What a compiled neuron request keeps (`CompileOnce`'s value).
struct CompiledNeuron {
    var loaded: LoadedObject
    /// forward, backward, then (stochastic surrogates) train_forward, train_backward.
    var symbols: [String]
    var source: String
    var vectorWidths: [String: Int]
}

/// The compiled kernels of one neuron with one surrogate, for element type `T`. Arrays are time-major and
/// contiguous: `[T, N]` for inputs, spikes and their gradients, `[S, N]` for the state (S state variables in
/// the spec's order), `[T, S, N]` for what the forward saves. The code stays loaded while this value (or its
/// `kernels`) lives.
public struct NeuronKernels<T: KernelScalar>: Sendable {
    /// The kernels behind the runtime's calling convention (each closure keeps the compiled code loaded).
    public let kernels: NeuronKernelSet<T>
    /// Whether the surrogate samples in training (`forward`/`backward` with `sample:` then draw noise).
    public var isStochastic: Bool { kernels.isStochastic }
    /// The kernels' `params` array: the neuron's parameters, then the learned surrogate parameters (`surrogate.<name>`);
    /// the neuron's state variables; the rows of `grad_params`: the neuron's learnable parameters, then the learned
    /// surrogate parameters.
    public let parameterNames: [String]
    public let stateNames: [String]
    public let learnableNames: [String]
    /// The emitted C source (for `--emit c` and the curious).
    public let source: String
    /// Widest vector (lanes) in the compiled kernels, and per kernel (by symbol).
    public let vectorWidth: Int
    public let vectorWidths: [String: Int]

    typealias ForwardFn = @convention(c) (UnsafeRawPointer?, UnsafePointer<Double>?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?,
                                          UnsafeMutableRawPointer?, Int, Int, Int, Int) -> Void
    typealias BackwardFn = @convention(c) (UnsafeRawPointer?, UnsafePointer<Double>?, UnsafeRawPointer?, UnsafeRawPointer?,
                                           UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int, Int, Int, Int) -> Void
    typealias TrainForwardFn = @convention(c) (UnsafeRawPointer?, UnsafePointer<Double>?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?,
                                               UnsafeMutableRawPointer?, Int, Int, Int, Int, UInt64, UInt64) -> Void
    typealias TrainBackwardFn = @convention(c) (UnsafeRawPointer?, UnsafePointer<Double>?, UnsafeRawPointer?, UnsafeRawPointer?,
                                                UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int, Int, Int, Int,
                                                UInt64, UInt64) -> Void

    init(_ value: CompiledNeuron, neuron: NeuronSpec, learned: [String]) {
        let loaded = value.loaded
        let address = { (k: Int) in k < value.symbols.count ? loaded.addresses[value.symbols[k]] : nil }
        let forward = unsafeBitCast(address(0)!, to: ForwardFn.self)
        let backward = unsafeBitCast(address(1)!, to: BackwardFn.self)
        let trainForward = address(2).map { unsafeBitCast($0, to: TrainForwardFn.self) }
        let trainBackward = address(3).map { unsafeBitCast($0, to: TrainBackwardFn.self) }
        // Each closure holds `loaded`, so the code stays mapped while any copy of the set lives.
        let f: NeuronKernelSet<T>.Forward = { x, p, s, y, v, t, n, b, e in
            withExtendedLifetime(loaded) {
                forward(UnsafeRawPointer(x), p, UnsafeMutableRawPointer(s), UnsafeMutableRawPointer(y), v.map(UnsafeMutableRawPointer.init), t, n, b, e)
            }
        }
        let g: NeuronKernelSet<T>.Backward = { x, p, v, gy, gs, gx, gp, t, n, b, e in
            withExtendedLifetime(loaded) {
                backward(UnsafeRawPointer(x), p, UnsafeRawPointer(v), UnsafeRawPointer(gy), UnsafeMutableRawPointer(gs), UnsafeMutableRawPointer(gx),
                         gp.map(UnsafeMutableRawPointer.init), t, n, b, e)
            }
        }
        var tf: NeuronKernelSet<T>.TrainForward?
        if let trainForward {
            tf = { x, p, s, y, v, t, n, b, e, seed, o in
                withExtendedLifetime(loaded) {
                    trainForward(UnsafeRawPointer(x), p, UnsafeMutableRawPointer(s), UnsafeMutableRawPointer(y), v.map(UnsafeMutableRawPointer.init),
                                 t, n, b, e, seed, o)
                }
            }
        }
        var tg: NeuronKernelSet<T>.TrainBackward?
        if let trainBackward {
            tg = { x, p, v, gy, gs, gx, gp, t, n, b, e, seed, o in
                withExtendedLifetime(loaded) {
                    trainBackward(UnsafeRawPointer(x), p, UnsafeRawPointer(v), UnsafeRawPointer(gy), UnsafeMutableRawPointer(gs),
                                  UnsafeMutableRawPointer(gx), gp.map(UnsafeMutableRawPointer.init), t, n, b, e, seed, o)
                }
            }
        }
        kernels = NeuronKernelSet<T>(forward: f, backward: g, trainForward: tf, trainBackward: tg)
        parameterNames = neuron.params.map(\.name) + learned.map { "surrogate.\($0)" }
        stateNames = neuron.state.map(\.name)
        learnableNames = neuron.learnableParams.map(\.name) + learned.map { "surrogate.\($0)" }
        source = value.source
        vectorWidth = value.vectorWidths.values.max() ?? 1
        vectorWidths = value.vectorWidths
    }

    /// Runs `steps` time steps for `n` neurons (`NeuronKernelSet.forward`). `params`: the kernels' `params`
    /// (`parameterNames`), NULL when there are none.
    public func forward(x: UnsafePointer<T>, params: UnsafePointer<Double>?, state: UnsafeMutablePointer<T>,
                        spikes: UnsafeMutablePointer<T>, saved: UnsafeMutablePointer<T>?, steps: Int, n: Int, threads: Int = 1,
                        sample: (seed: UInt64, offset: UInt64)? = nil) {
        withParams(params) { p in
            kernels.forward(x: x, params: p, state: state, spikes: spikes, saved: saved, steps: steps, n: n, threads: threads, sample: sample)
        }
    }

    /// The backward through time (`NeuronKernelSet.backward`).
    public func backward(x: UnsafePointer<T>, params: UnsafePointer<Double>?, saved: UnsafePointer<T>, gradSpikes: UnsafePointer<T>,
                         gradState: UnsafeMutablePointer<T>, gradX: UnsafeMutablePointer<T>, gradParams: UnsafeMutablePointer<T>?,
                         steps: Int, n: Int, threads: Int = 1, sample: (seed: UInt64, offset: UInt64)? = nil) {
        withParams(params) { p in
            kernels.backward(x: x, params: p, saved: saved, gradSpikes: gradSpikes, gradState: gradState, gradX: gradX,
                             gradParams: gradParams, steps: steps, n: n, threads: threads, sample: sample)
        }
    }

    private func withParams(_ params: UnsafePointer<Double>?, _ body: (UnsafePointer<Double>) -> Void) {
        if let params { body(params); return }
        var none = 0.0
        withUnsafePointer(to: &none) { body($0) }
    }
}

extension SurrogateJIT {
    /// The neuron's time step as Python over torch tensors (`NeuronTorchSource`), for tensors off the CPU.
    public static func neuronTorchSource(_ neuron: NeuronSpec, dtype: DType) throws(JITError) -> String {
        do {
            return NeuronTorchSource.render(neuron, graph: try NeuronGraph(neuron), element: dtype == .f32 ? .float32 : .float64)
        } catch {
            throw .invalidSpec(NeuronGraph.check(neuron))
        }
    }

    /// The names of the neurons loaded at run time.
    public var runtimeNeuronNames: [String] { runtimeNeurons.withLock { Array($0.keys) } }
    /// The names of the built-in neurons (`Neurons/*.yaml`, embedded).
    public static var builtinNeuronNames: [String] { Array(EmbeddedSources.neurons.keys) }
}

import SurrogateSpec

/// What the templates see of one surrogate (SwiftGen's "context" stage): names, documentation and the
/// printed kernel expressions per element type. Typed structs, read by Stencil through reflection.
public struct SurrogateContext: Sendable {
    public var name: String
    /// `Sigmoid`, `NoisyThreshold`: prefix of Swift type names.
    public var typeName: String
    /// `kg_sigmoid`: prefix of C symbols.
    public var symbol: String
    /// Free text from the spec, raw: data that templates write only through an escaping filter
    /// (`cComment`, `swiftComment`, `swiftString`; see `SourceText`).
    public var summary: String
    /// The spec's `doc`, split on LF, CRLF and CR alike, each line trimmed, trailing empty lines dropped.
    public var docLines: [String]
    /// `Specs/sigmoid.yaml`, as written in the generated header line (escaped there like free text).
    public var specFile: String
    /// Identifies the spec's text (`Spec.fingerprint`): the runtime tells a runtime spec from the built-in one by it.
    public var fingerprint: String
    public var params: [ParameterContext]
    public var hasParams: Bool
    public var hasTrainForward: Bool
    /// The spec has a `primitive` (emitted as the `primitive` kernel, the smooth forward).
    public var hasPrimitive: Bool
    public var isStochastic: Bool
    /// The training forward itself draws noise: only then is its kernel the whole-block Philox loop (a spec whose
    /// backward alone samples has a deterministic training forward that ignores its seed and offset).
    public var trainForwardDrawsNoise: Bool
    /// The backward draws noise: `backward` is then its mean field and `train_backward` samples (stream 2).
    public var hasTrainBackward: Bool
    /// Training differs from eval (a training forward or a sampling backward): the typed wrapper has `training`.
    public var hasTraining: Bool
    public var backwardReadsY: Bool
    /// The backward reads `grad_out`: the kernels store it as `grad_in` (not `grad_out *` it).
    public var backwardReadsGradOut: Bool
    /// The C kernels, one per storage type (float32, float64, bfloat16, float16 ahead of time).
    public var kernels: [KernelContext]
    /// The Swift kernels: the float32 and float64 ones of `kernels` (Swift has no bfloat16).
    public var swiftKernels: [KernelContext]
    /// The runtime descriptor, as `SurrogateDescriptor(spec:)` makes it (the generated registry prints it).
    public var descriptor: DescriptorContext
    /// Swift initialiser parameters of the typed wrapper: `scale: Double = 5.0, training: Bool = true, ...`.
    public var swiftInitParams: String
    /// `["scale": scale]` (or `[:]`).
    public var swiftParametersLiteral: String
    /// Prelude sections the formulas need (the JIT renders only those).
    public var preludeNeeds: [String: Bool]
    /// Which kernels the templates emit, by `KernelOp.contextKey`: the ops asked for that the spec has.
    public var emit: [String: Bool]

    /// - Parameters:
    ///   - specialised: parameter values folded into the kernels as constants (JIT); the parameters
    ///     named here disappear from the kernels' argument lists.
    ///   - symbol: C symbol prefix (JIT kernels get a unique one per specialisation).
    ///   - storages, ops: which kernels to emit (the JIT compiles one storage type, maybe one op; Swift kernels
    ///     are emitted for the float32 and float64 ones, `swiftKernels`).
    ///   - parametersAreConstants: no parameter is a kernel argument; the source declares them as constants
    ///     (the JIT's compile-time parameters, declared by `Generator.jitSource`).
    public init(spec: Spec, specFile: String, specialised: [String: Double] = [:], symbol: String? = nil,
                storages: [StorageType] = StorageType.allCases, ops: KernelOps = .all, parametersAreConstants: Bool = false) {
        name = spec.name
        let names = EmittedNames(spec: spec.name)
        typeName = names.typeName
        self.symbol = symbol ?? names.cPrefix
        summary = spec.summary
        docLines = SourceText.lines(spec.doc ?? "").map { $0.trimmingCharacters(in: .whitespaces) }
        while docLines.last?.isEmpty == true { docLines.removeLast() }
        self.specFile = specFile
        fingerprint = spec.fingerprint
        let runtime = parametersAreConstants ? [] : spec.params.filter { specialised[$0.name] == nil }
        params = runtime.enumerated().map { ParameterContext(ParameterInfo($1), index: $0) }
        hasParams = !params.isEmpty
        let has = Set(spec.kernelOps)
        hasTrainForward = has.contains(.trainForward)
        hasPrimitive = has.contains(.primitive)
        isStochastic = spec.isStochastic
        trainForwardDrawsNoise = spec.trainForward?.expr.usesNoise ?? false
        hasTrainBackward = has.contains(.trainBackward)
        hasTraining = hasTrainForward || hasTrainBackward
        descriptor = DescriptorContext(SurrogateDescriptor(spec: spec))
        backwardReadsY = spec.backward.expr.readsY
        backwardReadsGradOut = spec.backward.expr.usesGradOut
        // Defaults people read in completion and quick help: shortest round-trip decimals (exact all the same).
        var initParams = params.map { "\($0.swiftName): Double = \($0.defaultValue)" }
        if hasTraining { initParams.append("training: Bool = true") }
        if isStochastic { initParams += ["sample: Bool = true", "seed: UInt64 = 0", "step: UInt64 = 0"] }
        initParams.append("backend: Backend = .c")
        swiftInitParams = initParams.joined(separator: ", ")
        swiftParametersLiteral = params.isEmpty ? "[:]" : "[" + params.map { "\"\($0.name)\": \($0.swiftName)" }.joined(separator: ", ") + "]"
        // What the kernels of every op call once fused (the one op -> formula map, mean fields included).
        preludeNeeds = PreludeSections.needed(by: spec.opFormulas.map { f in
            Simplifier.stabilise(Simplifier.fuse(f.meanField ? Simplifier.meanField(f.formula.expr) : f.formula.expr))
        }, halfTypes: storages.contains(where: \.isHalf))
        kernels = storages.map { KernelContext(spec: spec, storage: $0, runtimeParams: runtime, specialised: specialised) }
        swiftKernels = kernels.filter { !$0.isHalf }
        emit = Dictionary(uniqueKeysWithValues: KernelOp.allCases.map { ($0.contextKey, ops.contains($0) && has.contains($0)) })
    }

    /// `noisy_threshold` -> `NoisyThreshold` (the naming authority's rule).
    public static func typeName(_ name: String) -> String { EmittedNames.typeName(name) }
}

/// One kernel expression as emitted: its common subexpressions as local definitions, then the expression.
public struct Lane: Sendable, Equatable {
    public var locals: [String]
    public var expression: String

    init(locals: [String], expression: String) {
        self.locals = locals
        self.expression = expression
    }

    init(_ e: Expr, _ printer: ExpressionPrinter) {
        var lines: [String] = []
        var sums = 0
        expression = Self.emit(e, printer, prefix: "t", indent: "", lines: &lines, sums: &sums)
        locals = lines
    }

    /// Appends the statements computing `e`'s locals to `lines` and returns the expression over them. Each `sum`
    /// (outermost first, in order) becomes a loop accumulating into a local `s<k>` (+0, then `s = s + term` for
    /// the index from `from` up to `to`), its body emitted the same way inside the loop with its own locals
    /// (`s<k>_t0`, ...); then the common subexpressions of what is left become locals (`t0`, ...). Sums go first:
    /// their bounds read only parameters, and the locals may use them. Nested lines are indented in the strings.
    static func emit(_ e: Expr, _ printer: ExpressionPrinter, prefix: String, indent: String, lines: inout [String], sums: inout Int) -> String {
        let dialect = printer.dialect
        let lifted = Simplifier.rewrite(e) { node in
            guard case .sum(let index, let from, let to, let body) = node.kind else { return nil }
            let name = "s\(sums)"
            sums += 1
            let k = EmittedNames.sumIndex(index)
            let inner = indent + "    "
            let lo = printer.printInteger(from), hi = printer.printInteger(to)
            switch dialect.language {
            case .c:
                lines.append("\(indent)\(dialect.element.cName) \(name) = \(dialect.literal(0));")
                lines.append("\(indent)for (kg_i64 \(k) = \(lo); \(k) <= \(hi); ++\(k)) {")
            case .swift:
                lines.append("\(indent)var \(name): \(dialect.element.swiftName) = 0")
                lines.append("\(indent)do {")
                lines.append("\(inner)var \(k): Int64 = \(lo)")
                lines.append("\(inner)while \(k) <= \(hi) {")
            case .torch:
                lines.append("\(indent)\(name) = \(dialect.inputName).new_zeros(())")
                lines.append("\(indent)for \(k) in range(\(lo), \(hi) + 1):")
                lines.append("\(inner)\(k) = \(dialect.inputName).new_tensor(float(\(k)))")
            case .triton:
                // A block accumulator (its type is the loop's carried type); a loop, not unrolled (bounds may be large).
                lines.append("\(indent)\(name) = tl.zeros_like(\(dialect.inputName))")
                lines.append("\(indent)for \(k) in tl.range(\(lo), \(hi) + 1):")
            }
            let bodyIndent = dialect.language == .swift ? inner + "    " : inner
            let term = emit(body, printer, prefix: "\(name)_t", indent: bodyIndent, lines: &lines, sums: &sums)
            lines.append("\(bodyIndent)\(name) = \(name) + \(term)\(dialect.language == .c ? ";" : "")")
            switch dialect.language {
            case .c: lines.append("\(indent)}")
            case .swift:
                lines.append("\(bodyIndent)\(k) &+= 1")
                lines.append("\(inner)}")
                lines.append("\(indent)}")
            case .torch, .triton: break
            }
            return Expr(.local(name), at: node.offset)
        }
        let shared = Simplifier.commonSubexpressions(lifted, prefix: prefix)
        let (definitions, body) = Simplifier.boundNesting(shared.locals, shared.body, prefix: prefix)
        for (name, value) in definitions {
            switch dialect.language {
            case .c: lines.append("\(indent)const \(dialect.element.cName) \(name) = \(printer.print(value));")
            case .swift: lines.append("\(indent)let \(name): \(dialect.element.swiftName) = \(printer.print(value))")
            case .torch, .triton: lines.append("\(indent)\(name) = \(printer.print(value))")
            }
        }
        return printer.print(body)
    }
}

/// One element's statements in a kernel loop: `xi` loaded from `loadX` (and `yi` from `loadY`; empty: not read),
/// the locals, then `store = value`. Lines are indented by `indent` (the loop's depth).
public struct ElementBody: Sendable {
    public var indent: String
    public var loadX: String
    public var loadY: String
    public var locals: [String]
    public var store: String
    public var value: String
}

/// The kernel expressions of one surrogate for one storage type, printed for C and Swift (Swift: float32 and
/// float64 only).
public struct KernelContext: Sendable {
    /// The symbol suffix: `f32`, `f64`, `bf16`, `f16` (`StorageType`).
    public var element: String
    /// C type of the arrays x, grad_out and the output (`float`, `double`, `kg_bf16`, `kg_f16`), and as the public
    /// headers spell it (`uint16_t` for the half types).
    public var cType: String
    public var cHeaderType: String
    /// C type the element is computed in, of the parameters and of the y array a backward reads (the forward
    /// output, before rounding): `float` for the half types.
    public var cCompute: String
    /// A half-type kernel (C only; its loops interleave four vectors, `KG_INTERLEAVE_4`).
    public var isHalf: Bool
    /// Swift type of the arrays (`BFloat16`, `Float16` for the half types), and the function the generated registry
    /// passes their pointers through to the C kernels (`kgBitPatterns`: UInt16 pointers; empty for Float and Double).
    public var swiftType: String
    public var swiftPointer: String
    /// `, float p_scale`: C parameter declarations after the fixed ones.
    public var cParams: String
    /// `(void)p_scale;` for kernels that do not read a parameter, by `KernelOp.contextKey`.
    public var cUnused: [String: String]
    /// Whether each kernel body reads `x` (so an unread input is not loaded), by `KernelOp.contextKey`.
    public var readsX: [String: Bool]
    public var swiftParams: String
    public var swiftArgs: String
    /// The registry's conversion of packed Double parameters: `, Float(p[0])`.
    public var swiftPackedArgs: String
    /// The Swift backward's `y` parameter, its length check and the pointer passed on (nil when unread).
    public var swiftYParam: String
    public var swiftYCheck: String
    public var swiftYArg: String
    /// The same for C calls (no labels): `, Float(p[0])`.
    public var cPackedArgs: String
    /// The whole-block loops of the sampling kernels: one Philox block per `blockLanes` elements (element j is in
    /// block j >> blockShift), and the noise sites of the training forward and of the sampling backward (whose
    /// blocks come from stream `backwardStream`, `NoiseStream.trainBackward`).
    public var blockLanes: Int
    public var blockShift: Int
    public var blockMask: Int
    public var noiseSites: [Int]
    public var backwardNoiseSites: [Int]
    public var backwardStream = NoiseStream.trainBackward
    /// One element of each op's loops, by `KernelOp.contextKey`, for the one element template of each language
    /// (`C/element.inc.stencil`, `Swift/Element.swift.stencil`): element `i` of the plain loops (a list of one;
    /// empty for an op the spec lacks), and the lanes of a whole Philox block (`trainForward`, `trainBackward`).
    public var elementC: [String: [ElementBody]]
    public var elementSwift: [String: [ElementBody]]
    public var blockC: [String: [ElementBody]]
    public var blockSwift: [String: [ElementBody]]

    init(spec: Spec, storage: StorageType, runtimeParams: [Parameter], specialised: [String: Double]) {
        let element = storage.element
        self.element = storage.rawValue
        cType = storage.cName
        cHeaderType = storage.cHeaderName
        cCompute = element.cName
        isHalf = storage.isHalf
        swiftType = storage == .bfloat16 ? "BFloat16" : storage == .float16 ? "Float16" : element.swiftName
        swiftPointer = storage.isHalf ? "kgBitPatterns" : ""
        let cName = { (p: Parameter) in EmittedNames.cParameter(p.name) }
        let label = { (p: Parameter) in EmittedNames.swiftIdentifier(p.name) }
        cParams = runtimeParams.map { ", \(element.cName) \(cName($0))" }.joined()
        swiftParams = runtimeParams.map { ", \(label($0)) \(cName($0)): \(element.swiftName)" }.joined()
        swiftArgs = runtimeParams.map { ", \(label($0)): \(cName($0))" }.joined()
        let readsY = spec.backward.expr.readsY
        swiftYParam = readsY ? ", y: UnsafeBufferPointer<\(element.swiftName)>" : ""
        swiftYCheck = readsY ? " && y.count >= x.count" : ""
        swiftYArg = readsY ? "y.baseAddress" : ".none"
        cPackedArgs = runtimeParams.indices.map { ", \(element.swiftName)(p[\($0)])" }.joined()
        swiftPackedArgs = runtimeParams.enumerated().map { ", \(label($1)): \(element.swiftName)(p[\($0)])" }.joined()

        // Each op's prepared expression (nil for an op the spec lacks), from the one op -> formula map.
        let ops: [KernelOp: Expr?] = Dictionary(uniqueKeysWithValues: KernelOp.allCases.map { op in
            (op, spec.formula(for: op).map { Self.prepare($0.formula.expr, element: element, specialised: specialised, meanField: $0.meanField) })
        })
        /// A per-op table keyed as the templates read it (`KernelOp.contextKey`).
        func byKey<V>(_ values: [KernelOp: V]) -> [String: V] {
            Dictionary(uniqueKeysWithValues: values.map { ($0.key.contextKey, $0.value) })
        }
        func readsInput(_ e: Expr?) -> Bool { e?.contains { $0.kind == .variable(.x) } ?? false }
        func unused(_ e: Expr?) -> String {
            runtimeParams.filter { p in !(e?.contains { $0.kind == .param(p.name) } ?? false) }
                .map { "(void)\(cName($0));" }.joined(separator: " ")
        }
        readsX = byKey(ops.mapValues(readsInput))
        cUnused = byKey(ops.mapValues(unused))
        blockLanes = element == .float32 ? 4 : 2
        blockShift = element == .float32 ? 2 : 1
        blockMask = blockLanes - 1
        func sites(_ e: Expr?) -> [Int] {
            var found = Set<Int>()
            e?.walk { if case .call(_, _, let site?) = $0.kind { found.insert(site) } }
            return found.sorted()
        }
        noiseSites = sites(ops[.trainForward]!)
        backwardNoiseSites = sites(ops[.trainBackward]!)

        // The statements of one element, the same shape for every op and language: load x (and y for a gradient),
        // the locals, store the value: a gradient's is grad_out times the expression, unless the backward reads
        // grad_out (a gradient that is not a product with the incoming one, such as a clipped one). The sampling
        // backward draws its own noise stream (`KernelOp.noiseStream`), so it never repeats the forward's for one key.
        typealias Arrays = (x: String, y: String, g: String, out: String)
        let readsGradOut = spec.backward.expr.usesGradOut
        func body(_ op: KernelOp, _ e: Expr, _ language: Dialect.Language, lane: Int?, arrays: Arrays, indent: String) -> ElementBody {
            var dialect = Dialect(language, element)
            dialect.noiseStream = op.noiseStream
            if language == .c, storage.isHalf { dialect.gradOutOverride = storage.cLoad(dialect.gradOutName) }
            if let lane { dialect.noiseSource = .blockLane(lane) }
            let printed = Lane(e, ExpressionPrinter(dialect))
            let index = lane.map { language == .c ? "e + \($0)" : "e &+ \($0)" } ?? "i"
            let product = op.isGradient && !(op == .backward && readsGradOut)
            // Half types (C): elements widened on load, the value rounded once on store; y is float32 already.
            let load = { (a: String) in language == .c ? storage.cLoad(a) : a }
            let store = { (v: String) in language == .c ? storage.cStore(v) : v }
            return ElementBody(indent: indent, loadX: readsInput(e) ? load("\(arrays.x)[\(index)]") : "",
                               loadY: op.isGradient && readsY ? "\(arrays.y)[\(index)]" : "", locals: printed.locals,
                               store: "\(op.isGradient ? arrays.out : arrays.y)[\(index)]",
                               value: store((product ? load("\(arrays.g)[\(index)]") + " * " : "") + printed.expression))
        }
        let c: Arrays = (x: "x", y: "y", g: "grad_out", out: "grad_in"), swift: Arrays = (x: "x", y: "y", g: "gradOut", out: "gradIn")
        elementC = byKey(ops.mapValues { _ in [] }.merging(ops.compactMapValues { $0 }.map { op, e in
            (op, [body(op, e, .c, lane: nil, arrays: c, indent: "        ")])
        }) { $1 })
        elementSwift = storage.isHalf ? byKey(ops.mapValues { _ in [] }) : byKey(ops.mapValues { _ in [] }.merging(ops.compactMapValues { $0 }.map { op, e in
            (op, [body(op, e, .swift, lane: nil, arrays: swift, indent: "            ")])
        }) { $1 })
        let lanes = 0..<blockLanes
        func block(_ op: KernelOp, _ language: Dialect.Language) -> [ElementBody] {
            guard let e = ops[op]! else { return [] }
            return lanes.map { k in
                language == .c ? body(op, e, .c, lane: k, arrays: c, indent: "            ")
                    : body(op, e, .swift, lane: k, arrays: (x: "xs", y: "ys", g: "gs", out: "gis"), indent: "                ")
            }
        }
        blockC = ["trainForward": block(.trainForward, .c), "trainBackward": block(.trainBackward, .c)]
        blockSwift = storage.isHalf ? ["trainForward": [], "trainBackward": []]
            : ["trainForward": block(.trainForward, .swift), "trainBackward": block(.trainBackward, .swift)]
    }

    /// The rewrites every backend applies before printing (C, Swift, the JIT and PyTorch alike): parameters
    /// specialised, noise replaced by its mean (mean field), constants folded as `element` computes them,
    /// exact reciprocals, fusions, stable forms (`StableRewrite`). (Common subexpressions become locals when
    /// printing, `Lane`.)
    public static func prepare(_ e: Expr, element: ElementType, specialised: [String: Double] = [:], meanField: Bool = false) -> Expr {
        var e = Simplifier.specialise(e, specialised)
        if meanField { e = Simplifier.meanField(e) }
        return Simplifier.stabilise(Simplifier.fuse(Simplifier.exactReciprocals(Simplifier.fold(e, element: element), element: element)))
    }
}

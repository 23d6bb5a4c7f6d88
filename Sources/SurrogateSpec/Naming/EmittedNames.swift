/// The naming authority: the one place that turns a spec's name and its parameters' names into every
/// identifier and file the backends emit, and that decides whether those names are safe.
///
/// How each language is kept safe:
/// - C: every identifier kernelgen emits carries a prefix no C keyword or reserved identifier has
///   (`kg_`, `kgj_`, `p_`, `KERNELGEN_`), so spec names never need escaping there; what remains are
///   collisions with the fixed names of the prelude, the noise source file and other specs.
/// - Swift: parameter names become argument labels, stored properties and initialiser parameters of the
///   typed wrapper; a keyword is written in backticks (`` `in` ``). Names the wrapper itself uses
///   (`seed`, `mode`, `Double`, ...) cannot be escaped and are rejected.
/// - Files: `C/kernelgen_<name>.c`, `C/include/kernelgen_<name>.h`, `Swift/<Type>Kernels.swift`, compared
///   case-insensitively (macOS file systems) with each other and with the fixed files.
public struct EmittedNames: Sendable, Equatable {
    /// The spec's name (`noisy_threshold`).
    public let spec: String
    /// `NoisyThreshold`: the prefix of the Swift types.
    public let typeName: String
    /// `kg_noisy_threshold`: the prefix of the AOT C kernels.
    public let cPrefix: String
    /// `kgj_noisy_threshold`: the prefix of JIT kernels (each compiled into its own library).
    public let jitPrefix: String

    public init(spec: String) {
        self.spec = spec
        typeName = Self.typeName(spec)
        cPrefix = "kg_\(spec)"
        jitPrefix = "kgj_\(spec)"
    }

    /// Longest accepted spec or parameter name (file names, symbol lengths and messages stay reasonable).
    public static let maximumNameLength = 64

    /// `noisy_threshold` -> `NoisyThreshold` (empty pieces between underscores vanish, so `a__b` and `a_b`
    /// both give `AB`: the collision check catches such pairs).
    public static func typeName(_ name: String) -> String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    // MARK: Emitted names

    /// `kgn3_lif`: the prefix of a built-in neuron's ahead-of-time kernels (`<prefix>_<surrogate>_forward_f32`); the
    /// name's length first, so that no pair of a neuron and a surrogate name spells another pair's symbols.
    public static func neuronSymbolPrefix(_ neuron: String) -> String { "kgn\(neuron.count)_\(neuron)" }
    /// `C/neurons/kernelgen-neuron-lif.c`: a built-in neuron's ahead-of-time kernels (a hyphen, which no spec name
    /// has, so no surrogate's file can take the path).
    public static func neuronCSource(_ neuron: String) -> String { "C/neurons/kernelgen-neuron-\(neuron).c" }

    public var kernelsType: String { "\(typeName)Kernels" }
    public var wrapperType: String { "\(typeName)Surrogate" }
    public var cSource: String { "C/kernelgen_\(spec).c" }
    public var cHeader: String { "C/include/kernelgen_\(spec).h" }
    public var cHeaderName: String { "kernelgen_\(spec).h" }
    public var includeGuard: String { "KERNELGEN_\(spec.uppercased())_H" }
    public var swiftFile: String { "Swift/\(kernelsType).swift" }
    public var files: [String] { [cSource, cHeader, swiftFile] }

    /// The C kernel for `op` and dtype (`f32`): `kg_sigmoid_train_forward_f32`.
    public func cKernel(_ op: KernelOp, _ dtype: String) -> String { "\(cPrefix)_\(op.symbolName)_\(dtype)" }

    /// Every global C symbol the AOT kernels of a spec with `ops` define.
    public func cSymbols(ops: [KernelOp] = KernelOp.allCases) -> [String] {
        ops.flatMap { op in Self.dtypes.map { cKernel(op, $0) } }
    }

    static let dtypes = ["f32", "f64", "bf16", "f16"]

    /// A parameter in C: the AOT kernels' argument and the JIT's constant (`p_scale`).
    /// The emitted local of a sum's index `i` (C, Swift, Python): `k_i`, a prefix no kernel local, helper or
    /// parameter (`p_`) has, so `i` (the element index in the kernels) and `x` stay theirs.
    public static func sumIndex(_ name: String) -> String { "k_\(name)" }

    public static func cParameter(_ name: String) -> String { "p_\(name)" }

    /// A parameter in the PyTorch expression module: the functions' argument and local (`p_scale`, `p_in`,
    /// `p_lambda`). The prefix keeps every parameter off Python's keywords, soft keywords and builtins, off the
    /// module's own names (`x`, `y`, `grad_out`, `generator`, the locals `t<k>` and draws `u<k>`, the helpers
    /// `_kg_*`, `_torch`) and off each other, so no parameter name is rejected for Python.
    public static func pythonParameter(_ name: String) -> String { "p_\(name)" }
    /// A Triton kernel's `tl.constexpr` argument for the parameter `name` (`c_<name>`): the value the kernel is
    /// specialised to; the kernel makes it the 0-d value `p_<name>` of its element type. The prefixes keep the two
    /// apart and off the kernel's own names (`x_ptr`, `n`, `seed`, `offset`, `BLOCK`, `_kg_*`, locals `t<k>`,
    /// `s<k>`, `u<k>`, sum indices `k_<name>`).
    public static func tritonConstant(_ name: String) -> String { "c_\(name)" }

    /// The PyTorch module's name for a spec, for writers that store it as a file (`kernelgen_sigmoid_torch`).
    public var pythonModule: String { "kernelgen_\(spec)_torch" }

    /// A parameter as a Swift identifier (label, property, argument): backticked when it is a keyword.
    public static func swiftIdentifier(_ name: String) -> String {
        SwiftKeywords.all.contains(name) ? "`\(name)`" : name
    }
}

extension EmittedNames {
    /// Why the names a spec called `specName` would emit are unusable (too long, or taken by kernelgen's own
    /// files, runtime types or prelude symbols), or nil when they are fine. Collisions between specs are
    /// `collisions(_:)`.
    public static func problem(specName: String) -> String? {
        let names = EmittedNames(spec: specName)
        if specName.count > maximumNameLength {
            return "name is \(specName.count) characters long; expected at most \(maximumNameLength)"
        }
        if let file = names.files.first(where: ReservedNames.isReservedFile) {
            return "name `\(specName)` would emit `\(file)`, which kernelgen writes for its own use; expected another name"
        }
        if let type = [names.kernelsType, names.wrapperType].first(where: ReservedNames.swiftTypes.contains) {
            return "name `\(specName)` would emit the Swift type `\(type)`, which the runtime already defines; expected another name"
        }
        if let symbol = names.cSymbols().first(where: ReservedNames.cIdentifiers.contains) {
            return "name `\(specName)` would emit the C symbol `\(symbol)`, which the prelude already defines; expected another name"
        }
        return nil
    }

    /// Why a parameter called `name` cannot be emitted for this spec, or nil when it can.
    public func problem(parameter name: String) -> String? {
        if name.count > Self.maximumNameLength {
            return "parameter name is \(name.count) characters long; expected at most \(Self.maximumNameLength)"
        }
        if let what = ReservedNames.swiftWrapperMembers[name] {
            return "parameter `\(name)` would be emitted as `\(wrapperType).\(name)`, which is \(what); expected another name"
        }
        return nil
    }

    /// One emitted name that two specs share.
    public struct Collision: Sendable, Equatable {
        /// The spec emitting it second (in the order given).
        public var spec: String
        public var other: String
        public var name: String
        public var kind: String
    }

    /// Names that two specs of one generated set would both emit (C symbols, Swift types, files; files
    /// case-insensitively). `specs`: name and the ops it has kernels for (`Spec.kernelOps`), in file order:
    /// `a`'s `train_backward` and `a_train`'s `backward` are both `kg_a_train_backward_f32`.
    public static func collisions(_ specs: [(name: String, ops: [KernelOp])]) -> [Collision] {
        var owner: [String: (spec: String, kind: String)] = [:]
        var found: [Collision] = []
        for spec in specs {
            let names = EmittedNames(spec: spec.name)
            let emitted = names.cSymbols(ops: spec.ops).map { ("C symbol", $0, $0) }
                + [("Swift type", names.kernelsType, names.kernelsType), ("Swift type", names.wrapperType, names.wrapperType)]
                + names.files.map { ("file", $0, $0.lowercased()) }
            var reported = false
            for (kind, name, key) in emitted {
                if let first = owner[key], first.spec != spec.name {
                    if !reported { found.append(Collision(spec: spec.name, other: first.spec, name: name, kind: kind)) }
                    reported = true
                } else {
                    owner[key] = (spec.name, kind)
                }
            }
        }
        return found
    }
}


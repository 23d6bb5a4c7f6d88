import Foundation
import Stencil
import SurrogateSpec

/// Renders the templates in `Templates/` for a set of specs. The list of outputs below is the only
/// place that says which template makes which file.
public struct Generator {
    struct Output: Sendable {
        var template: String
        /// Where the file goes: one fixed path (`ReservedNames.files`), or one per spec, named by the naming authority.
        var destination: Destination
    }

    enum Destination: Sendable {
        case fixed(String)
        case perSpec(SpecFile)
        /// One file per built-in neuron spec (`EmittedNames.neuronCSource`).
        case perNeuron
    }

    enum SpecFile: Sendable {
        case cHeader, cSource, swiftFile

        func path(_ names: EmittedNames) -> String {
            switch self {
            case .cHeader: names.cHeader
            case .cSource: names.cSource
            case .swiftFile: names.swiftFile
            }
        }
    }

    static let outputs: [Output] = [
        Output(template: "C/prelude.h.stencil", destination: .fixed("C/kernelgen_prelude.h")),
        Output(template: "C/kernelgen.h.stencil", destination: .fixed("C/include/kernelgen.h")),
        Output(template: "C/noise.c.stencil", destination: .fixed("C/kernelgen_noise.c")),
        Output(template: "C/surrogate.h.stencil", destination: .perSpec(.cHeader)),
        Output(template: "C/surrogate.c.stencil", destination: .perSpec(.cSource)),
        Output(template: "C/neurons.h.stencil", destination: .fixed("C/include/kernelgen-neurons.h")),
        Output(template: "C/neuron_layer.c.stencil", destination: .perNeuron),
        Output(template: "Swift/Kernels.swift.stencil", destination: .perSpec(.swiftFile)),
        Output(template: "Swift/Registry.swift.stencil", destination: .fixed("Swift/GeneratedRegistry.swift")),
        Output(template: "Swift/KernelMath.swift.stencil", destination: .fixed("Swift/KernelMath.swift")),
        Output(template: "Swift/Embedded.swift.stencil", destination: .fixed("Embedded/EmbeddedSources.swift")),
    ]

    /// The paths written once per set (the naming authority keeps spec names off them).
    static var fixedPaths: [String] {
        outputs.compactMap { if case .fixed(let path) = $0.destination { return path } else { return nil } }
    }

    /// Philox-4x32-10: the prelude writes its rounds out.
    static let philoxRounds = Array(0..<10)

    /// The vectorised math functions of the prelude, exported elementwise for tests and benchmarks.
    public static let mathFunctions = ["exp", "expm1", "log", "log1p", "tanh", "atan", "erf", "sigmoid", "sigmoid_grad",
                                       "sin", "cos", "erfc", "floor", "ceil", "trunc", "round"]

    /// The templates the JIT renders at run time (embedded into `EmbeddedSources.swift`).
    public static let jitTemplates = ["C/kernels.inc.stencil", "C/element.inc.stencil", "C/prelude.h.stencil", "C/neuron.c.stencil"]
    /// The templates `TorchSource` renders at run time (embedded into `EmbeddedSources.swift` apart from the
    /// JIT's, so the JIT's cache keys do not depend on them).
    public static let pythonTemplates = [TorchSource.template, TritonSource.template, "Python/triton_prelude.py.stencil",
                                          TritonNeuronSource.template]

    let environment: Environment
    /// When set, every render reports the fields a template reads that its context lacks (tests only).
    public var contextCheck: TemplateContextCheck?
    /// How spec files are named in generated headers: `Specs/<file>` whatever the folder's full path.
    let specsLabel: String
    /// Where templates are read from: a folder, or texts given in memory (the JIT's embedded copy).
    let templateText: @Sendable (String) throws -> String
    /// Rendered JIT prelude and kernels by `jitSource`'s cache key, made on first use.
    private let jitParts: Memo<(prelude: String, kernels: String)>

    /// Templates read from a folder (the `kernelgen` command).
    public init(templatesDirectory: String, specsLabel: String = "Specs") {
        self.init(loader: FileSystemLoader(paths: [.init(templatesDirectory)]), specsLabel: specsLabel) { name in
            try String(contentsOfFile: (templatesDirectory as NSString).appendingPathComponent(name), encoding: .utf8)
        }
    }

    /// Templates given as texts by name (the JIT, from `EmbeddedSources.templates`); each is parsed once
    /// per generator, so a generator kept for many renders pays the parsing once.
    public init(templates: [String: String], specsLabel: String = "Specs") {
        self.init(loader: ParsedTemplateCache(DictionaryLoader(templates: templates)), specsLabel: specsLabel) { name in
            guard let text = templates[name] else { throw TemplateDoesNotExist(templateNames: [name]) }
            return text
        }
    }

    private init(loader: Loader, specsLabel: String, templateText: @escaping @Sendable (String) throws -> String) {
        self.templateText = templateText
        jitParts = Memo()
        let filters = Extension()
        // Spec text is data: every place a template writes it goes through the escaper of its context.
        filters.registerFilter("cComment") { value in SourceText.cComment(Self.text(value)) }
        filters.registerFilter("swiftComment") { value in SourceText.swiftComment(Self.text(value)) }
        filters.registerFilter("swiftString") { value in SourceText.swiftStringLiteral(Self.text(value)) }
        filters.registerFilter("pythonComment") { value in SourceText.pythonComment(Self.text(value)) }
        filters.registerFilter("pythonString") { value in SourceText.pythonStringLiteral(Self.text(value)) }
        filters.registerFilter("pythonDoc") { value in SourceText.pythonStringBody(Self.text(value)) }
        environment = Environment(loader: loader, extensions: [filters], trimBehaviour: .smart)
        self.specsLabel = specsLabel
    }

    /// A filter's input as text (Stencil passes strings as `String`, a missing value as `nil`).
    static func text(_ value: Any?) -> String {
        if let text = value as? String { return text }
        return value.map { "\($0)" } ?? ""
    }

    public func contexts(for specs: [Spec]) -> [SurrogateContext] {
        specs.sorted { $0.name < $1.name }.map { SurrogateContext(spec: $0, specFile: specFile($0)) }
    }

    /// `Catalogue/<library>/<function>.yaml` whatever the folder's full path.
    static func catalogueLabel(_ file: String) -> String {
        let url = URL(fileURLWithPath: file)
        return "Catalogue/\(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent)"
    }

    func specFile(_ spec: Spec) -> String {
        "\(specsLabel)/\(URL(fileURLWithPath: spec.file).lastPathComponent)"
    }

    /// Every file for `specs`, sorted by path.
    /// - Parameter only: render only the outputs of these templates (tests that render one spec many times
    ///   skip the large spec-independent ones).
    /// - Parameter catalogue: the catalogue's specs (`Catalogue/`): not compiled ahead of time, their YAML only
    ///   embedded (for the JIT, by name).
    /// - Parameter neurons: the neuron specs (`Neurons/`): their YAML embedded, for the JIT, by name.
    public func render(_ specs: [Spec], catalogue: [Spec] = [], neurons: [NeuronSpec] = [], only templates: Set<String>? = nil) throws -> [GeneratedFile] {
        let surrogates = contexts(for: specs)
        // The built-in neurons' ahead-of-time kernels, with every built-in surrogate.
        let needsLayers = Self.outputs.contains { o in
            (templates?.contains(o.template) ?? true) && (o.template == "C/neurons.h.stencil" || o.template == "Swift/Registry.swift.stencil"
                                                           || o.template == "C/neuron_layer.c.stencil")
        }
        let layers = needsLayers ? try neurons.sorted { $0.name < $1.name }.map { try NeuronLayerFileContext(neuron: $0, surrogates: specs) } : []
        var files: [GeneratedFile] = []
        for output in Self.outputs where templates?.contains(output.template) ?? true {
            switch output.destination {
            case .perNeuron:
                for layer in layers {
                    files.append(try render(output.template, to: EmittedNames.neuronCSource(layer.name), source: "Neurons/\(layer.name).yaml",
                                            context: ["file": layer]))
                }
            case .perSpec(let path):
                for s in surrogates {
                    files.append(try render(output.template, to: path.path(EmittedNames(spec: s.name)), source: s.specFile,
                                            context: ["surrogate": s, "elements": ElementContext.all]))
                }
            case .fixed(let path):
                let source = output.template == "C/prelude.h.stencil" ? "Templates/\(output.template)" : "\(specsLabel)/*.yaml"
                files.append(try render(output.template, to: path, source: source,
                                        context: ["surrogates": surrogates, "elements": ElementContext.all,
                                                  "mathFunctions": Self.mathFunctions, "philoxRounds": Self.philoxRounds,
                                                  "needs": PreludeSections.all,
                                                  "specs": specs.sorted { $0.name < $1.name }.map { ["name": $0.name, "source": $0.source] },
                                                  "catalogue": catalogue.sorted { $0.name < $1.name }.map { ["name": $0.name, "source": $0.source,
                                                                                                             "file": Self.catalogueLabel($0.file)] },
                                                  "neurons": neurons.sorted { $0.name < $1.name }.map { ["name": $0.name, "source": $0.source] },
                                                  "layers": layers,
                                                  "templates": try Self.jitTemplates.map { ["name": $0, "text": try templateText($0)] },
                                                  "pythonTemplates": try Self.pythonTemplates.map { ["name": $0, "text": try templateText($0)] }]))
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// C source of one kernel set for the JIT: the prelude sections its formulas need, the parameters as
    /// exact values of globals that nothing writes (LLVM folds them), and the kernels from the same template
    /// as the ahead-of-time code. The rendered prelude and kernels depend only on `cacheKey` (spec, element
    /// type, ops) and are made once per generator; a new parameter set only changes the constants.
    /// - Parameter surrogate: made on first use of `cacheKey`, with `parametersAreConstants`.
    public func jitSource(cacheKey: String, constants: [(name: String, value: Double)], element: ElementType,
                          surrogate: () -> SurrogateContext) throws -> String {
        let parts = try jitParts.get(cacheKey) {
            let context = surrogate()
            // Float erfc rounds the double one: its section comes with the double math it calls.
            let needsDouble = context.preludeNeeds["erfc"] == true
            let elements = ElementContext.all.filter { $0.element == element.rawValue || (needsDouble && $0.element == "f64") }
            let prelude = try renderTemplate(
                name: "C/prelude.h.stencil", context: ["elements": elements, "philoxRounds": Self.philoxRounds, "needs": context.preludeNeeds])
            let kernels = try renderTemplate(name: "C/kernels.inc.stencil", context: ["surrogate": context])
            let header = "/* \(context.name) for the JIT (\(SourceText.cComment(context.specFile))): freestanding, parameters are constants. */\n"
            return (prelude: header + "#define KG_JIT 1\n" + prelude, kernels: kernels)
        }
        let dialect = Dialect(.c, element)
        // `static`, not `static const`: clang would fold a const into every use at the frontend, while LLVM folds a
        // global that nothing writes just the same, and the JIT can then give clang's module new values.
        let declarations = constants.map { "static \(element.cName) \(dialect.paramName($0.name)) = \(dialect.literal($0.value));\n" }.joined()
        return parts.prelude + "\n" + declarations + parts.kernels
    }

    /// C source of one neuron bound to one surrogate for the JIT: the prelude sections its formulas need, then
    /// the fused forward and backward through time (`Templates/C/neuron.c.stencil`).
    public func neuronSource(_ neuron: NeuronContext) throws -> String {
        let element = neuron.element
        let needsDouble = neuron.preludeNeeds["erfc"] == true
        let elements = ElementContext.all.filter { $0.element == element || (needsDouble && $0.element == "f64") }
        let prelude = try renderTemplate(
            name: "C/prelude.h.stencil", context: ["elements": elements, "philoxRounds": Self.philoxRounds, "needs": neuron.preludeNeeds])
        let kernels = try renderTemplate(name: "C/neuron.c.stencil", context: ["neuron": neuron])
        return "/* neuron \(neuron.name) x surrogate \(neuron.surrogate) for the JIT */\n#define KG_JIT 1\n" + prelude + "\n" + kernels
    }

    /// Every render goes through here, so `contextCheck` sees every template and context.
    func renderTemplate(name: String, context: [String: Any]) throws -> String {
        try environment.renderTemplate(name: name, context: contextCheck?.wrap(context, template: name) ?? context)
    }

    /// Renders one template to a file with kernelgen's header line.
    public func render(_ template: String, to path: String, source: String, context: [String: Any]) throws -> GeneratedFile {
        let text = Self.normalise(try renderTemplate(name: template, context: context))
        return GeneratedFile(path: path, contents: GeneratedFile.headerLine(source: source) + "\n" + text)
    }

    /// One trailing newline, no trailing spaces, so output is stable across template edits.
    static func normalise(_ rendered: String) -> String {
        var text = rendered.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.last == " " ? String($0.reversed().drop { $0 == " " }.reversed()) : String($0) }
            .joined(separator: "\n")
        while text.hasSuffix("\n\n") || text.hasSuffix("\n \n") { text.removeLast() }
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}

/// Per element type facts the templates loop over (C type, Swift type, libm suffix, uniform conversion).
public struct ElementContext: Sendable {
    public var element: String
    public var cType: String
    public var swiftType: String
    public var suffix: String
    public var one: String
    public var zero: String
    /// Uniform noise: the top `uniformBits` of 64 random bits times 2^-uniformBits, in [0, 1).
    public var uniformBits: Int
    public var uniformShift: Int
    public var uniformScale: String
    /// SpikeDE's clamp of u before the logistic transform: [1e-6, 1 - 1e-6] rounded to the element type.
    public var noiseLow: String
    public var noiseHigh: String
    /// Unsigned and signed integers of the element's width (bit manipulation in the math).
    public var uintType: String
    public var intType: String
    /// Constants and polynomials of the vectorisable math (see `MathContext`), spelled for C and Swift.
    public var math: [String: String]
    public var swiftMath: [String: String]
    public var swiftUInt: String
    public var swiftInt: String
    public var swiftPow: String
    public var swiftUniformScale: String
    public var swiftNoiseLow: String
    public var swiftNoiseHigh: String

    static let all: [ElementContext] = ElementType.allCases.map { element in
        let c = Dialect(.c, element)
        let swift = Dialect(.swift, element)
        let bits = element == .float32 ? 24 : 53
        return ElementContext(element: element.rawValue, cType: element.cName, swiftType: element.swiftName,
                              suffix: element.libmSuffix, one: c.literal(1), zero: c.literal(0),
                              uniformBits: bits, uniformShift: 64 - bits, uniformScale: c.literal(Double(sign: .plus, exponent: -bits, significand: 1)),
                              noiseLow: c.literal(KernelNoise.low), noiseHigh: c.literal(KernelNoise.high),
                              uintType: element == .float32 ? "kg_u32" : "kg_u64", intType: element == .float32 ? "kg_i32" : "kg_i64",
                              math: MathContext.strings(.c, element), swiftMath: MathContext.strings(.swift, element),
                              swiftUInt: element == .float32 ? "UInt32" : "UInt64", swiftInt: element == .float32 ? "Int32" : "Int64",
                              swiftPow: element == .float32 ? "powf" : "libmPow",
                              swiftUniformScale: swift.literal(Double(sign: .plus, exponent: -bits, significand: 1)),
                              swiftNoiseLow: swift.literal(KernelNoise.low), swiftNoiseHigh: swift.literal(KernelNoise.high))
    }
}

/// A loader that keeps the templates it has parsed (Stencil parses on every load otherwise).
final class ParsedTemplateCache: Loader, @unchecked Sendable {
    private let base: Loader
    private var parsed: [String: Template] = [:]
    private let lock = NSLock()

    init(_ base: Loader) { self.base = base }

    func loadTemplate(name: String, environment: Environment) throws -> Template {
        lock.lock()
        defer { lock.unlock() }
        if let t = parsed[name] { return t }
        let t = try base.loadTemplate(name: name, environment: environment)
        parsed[name] = t
        return t
    }
}

/// Values computed once per key, on first use, by the generator that owns them.
final class Memo<Value>: @unchecked Sendable {
    private var values: [String: Value] = [:]
    private let lock = NSLock()

    func get(_ key: String, _ make: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value = values[key] { return value }
        let made = try make()
        values[key] = made
        return made
    }
}

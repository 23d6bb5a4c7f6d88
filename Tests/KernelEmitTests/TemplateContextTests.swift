import Foundation
import Testing
@testable import KernelEmit
@testable import SurrogateSpec

/// Every variable a template reads exists in the context it is rendered with. Stencil reads a missing field as
/// nil (false in `{% if %}`, nothing in `{{ }}`), so a template reading a field its context lacks drops code
/// silently: the registry once tested `p.integer`, which its parameter context did not have, and lost the integer check.
/// Every template is rendered here with every shipped spec, the catalogue, the golden fixture, the compatibility
/// suite and every neuron, through every path that renders (ahead of time, JIT, PyTorch, Triton), against
/// contexts that report each lookup of a missing field (`TemplateContextCheck`).
@Suite struct TemplateContextTests {
    static let root = GoldenTests.root

    static func surrogates() throws -> [Spec] {
        let shipped = try SpecSet.load(directory: root.appendingPathComponent("Specs").path).specs
        let catalogue = SpecSet.load(files: try SpecSet.catalogueFiles(in: root.appendingPathComponent("Catalogue").path)).specs
        let extra = try SpecSet.specFiles(in: root.appendingPathComponent("Tests/Compatibility/0.1/surrogates").path)
            + [GoldenTests.here.appendingPathComponent("Golden/fixture.yaml").path]
        let more = SpecSet.load(files: extra).specs
        // An integer parameter, a sum over it and a sampling backward reading y, which no shipped spec combines.
        let inline = SpecLoader.load(yaml: """
            name: template_probe
            summary: probe
            params:
              n: {default: 3, min: 1, max: 8, integer: true}
              a: {default: 2.0, min: 0.0}
            backward: sum(k, 1, n, a / k) * y * (1 - y) * uniform()
            train_forward: heaviside(x + uniform() - 0.5)
            """, file: "template_probe.yaml").0
        return shipped + catalogue + more + [try #require(inline)]
    }

    static func neurons() throws -> [NeuronSpec] {
        let files = try SpecSet.specFiles(in: root.appendingPathComponent("Neurons").path)
            + SpecSet.specFiles(in: root.appendingPathComponent("Tests/Compatibility/0.1/neurons").path)
        return try files.map { try #require(NeuronLoader.load(path: $0).0, "\($0)") }
    }

    @Test func everyTemplateReadsOnlyFieldsItsContextHas() throws {
        let check = TemplateContextCheck()
        var generator = Generator(templatesDirectory: GoldenTests.templates)
        generator.contextCheck = check
        let specs = try Self.surrogates()
        let neurons = try Self.neurons()
        let shipped = specs.filter { $0.file.contains("/Specs/") }
        #expect(shipped.count >= 6 && specs.count > 50)

        // Ahead of time: every output, the built-in neurons with the shipped surrogates.
        _ = try generator.render(specs, catalogue: specs, neurons: neurons)
        for spec in specs {
            // The JIT's source: parameters as constants, each storage type, every op.
            for storage in StorageType.allCases {
                _ = try generator.jitSource(cacheKey: "\(spec.name)|\(storage)", constants: spec.params.map { ($0.name, $0.defaultValue) },
                                            element: storage.element) {
                    SurrogateContext(spec: spec, specFile: "Specs/\(spec.name).yaml", symbol: "kgt_\(spec.name)", storages: [storage],
                                     parametersAreConstants: true)
                }
            }
            _ = try TorchSource.render(spec: spec, generator: generator)
            _ = try TritonSource.render(spec: spec, generator: generator)
        }
        // Neurons through the JIT (C) and Triton, with a deterministic, a sampling-forward and a sampling-backward
        // surrogate, each also with a learned surrogate parameter.
        let partners = ["sigmoid", "noisy_threshold", "noisy_gradient", "template_probe"].map { name in specs.first { $0.name == name }! }
        for neuron in neurons {
            let graph = try NeuronGraph(neuron)
            for surrogate in partners {
                for learned in [[], Array(surrogate.params.prefix(1).map(\.name))] {
                    for element in ElementType.allCases {
                        _ = try generator.neuronSource(NeuronContext(neuron: neuron, graph: graph, surrogate: surrogate,
                                                                     surrogateValues: surrogate.defaults, learned: learned,
                                                                     element: element, symbol: "kgt"))
                    }
                    _ = try TritonNeuronSource.render(neuron: neuron, graph: graph, surrogate: surrogate, values: surrogate.defaults,
                                                      learned: learned, generator: generator)
                }
            }
        }
        #expect(check.misses.isEmpty, "templates read fields their contexts lack: \(check.misses.sorted())")

        // Every field a template names was found at least once: a field read only in a branch no spec reaches
        // would otherwise go unchecked.
        let named = try Self.fieldNames(inTemplatesAt: GoldenTests.templates)
        let never = named.subtracting(check.found)
        #expect(never.isEmpty, "fields the templates name that no render looked up: \(never.sorted())")
    }

    /// The check itself: a template reading a misspelt field is reported with its path.
    @Test func aMissingFieldIsReported() throws {
        let check = TemplateContextCheck()
        var generator = Generator(templates: ["probe": "{% for p in surrogate.params %}{% if p.integr %}x{% endif %}{{ p.name }}{% endfor %}"])
        generator.contextCheck = check
        let spec = try #require(SpecLoader.load(yaml: "name: probe\nsummary: s\nparams:\n  k: 2\nbackward: k * x\n", file: "probe.yaml").0)
        let text = try generator.renderTemplate(name: "probe", context: ["surrogate": SurrogateContext(spec: spec, specFile: "probe.yaml")])
        #expect(text == "k")
        #expect(check.misses == ["probe: surrogate.params.*.integr"])
        #expect(check.found.isSuperset(of: ["params", "name"]))
    }

    /// `a.b.c` in `{{ }}` and `{% %}` of every template: the names after the first dot (Stencil's own `count`,
    /// `first`, `last` and `forloop`'s fields apart, and array indices).
    static func fieldNames(inTemplatesAt directory: String) throws -> Set<String> {
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".stencil") }
        let tag = try Regex(#"\{[{%](.*?)[}%]\}"#).dotMatchesNewlines()
        let path = try Regex(#"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"#)
        var names = Set<String>()
        for file in files {
            let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: tag) {
                let inside = String(text[match.range])
                // String literals inside tags are not paths.
                let code = inside.replacing(try Regex(#""[^"]*""#), with: "")
                for p in code.matches(of: path) {
                    let parts = code[p.range].split(separator: ".").map(String.init)
                    guard parts[0] != "forloop" else { continue }
                    for name in parts.dropFirst() where Int(name) == nil && !["count", "first", "last"].contains(name) {
                        names.insert(name)
                    }
                }
            }
        }
        return names
    }
}

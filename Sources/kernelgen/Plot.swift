import ArgumentParser
import Foundation
import KernelEmit
import KernelgenCommandLine
import NameSuggestion
import SurrogateSpec

/// `kernelgen plot`: forward and backward curves as SVG (or text), computed as the kernels compute them (the
/// emitted formulas evaluated in float32 or float64 with every operation rounded, `FormulaEvaluator` with `model: .kernel`), so a
/// NaN region of the kernel shows as a gap. No kernel or JIT is linked (this is the generator's executable).
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw surrogates' forward and backward over x as SVG (or text with --ascii).",
        discussion: """
            Several NAMEs are overlaid; --sweep NAME=START:STOP:STEP overlays one curve per value. The training \
            forward (mean field) is drawn where a spec has one. --gallery DIR writes DIR/<name>.svg for every \
            spec (its first parameter at half, once and twice its default); with --check it only compares.
            """)

    @OptionGroup var project: ProjectOptions

    @Argument(help: "Surrogate names (from --specs, or --spec files).")
    var names: [String] = []

    @Option(name: .customLong("spec"), help: "A spec file outside the specs folder (repeatable).")
    var specFiles: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("NAME=VALUE for every surrogate that has NAME.", valueName: "name=value"))
    var params: [ParameterArgument] = []

    @Option(help: ArgumentHelp("NAME=START:STOP:STEP: one curve per value.", valueName: "name=start:stop:step"))
    var sweep: ParameterArgument?

    @Option(help: "The x range, LO:HI.")
    var x: String = "-4:4"

    @Option(help: "Element type the curves are computed in: f32 or f64.")
    var dtype: String = "f32"

    @Option(help: "Write the SVG here (default: standard output).")
    var out: String?

    @Flag(help: "Print a text plot instead of SVG.")
    var ascii = false

    @Option(help: "Write one SVG per spec into this folder.")
    var gallery: String?

    @Flag(help: "With --gallery: fail when a file differs from what would be written, write nothing.")
    var check = false

    func run() throws {
        do {
            try execute()
        } catch let e as InputError {
            Console.error("Error: \(e.description)")
            throw ExitCode.failure
        }
    }

    func execute() throws {
        guard dtype == "f32" || dtype == "f64" else { throw InputError("--dtype \(dtype): expected f32 or f64") }
        let range = try Self.xRange(x)
        var specSet = try project.specSet()
        if !specFiles.isEmpty {
            let extra = SpecSet.load(files: specFiles)
            if extra.hasErrors { Console.report(extra.diagnostics); throw ExitCode.failure }
            specSet.specs += extra.specs
        }
        if specSet.hasErrors { Console.report(specSet.diagnostics); throw ExitCode.failure }
        let fixed = try params.values()
        if let gallery {
            let stale = try Self.gallery(specSet.specs, into: gallery, check: check)
            if check {
                guard stale.isEmpty else {
                    Console.error("the gallery is stale (run `kernelgen plot --gallery \(gallery)`): \(stale.joined(separator: ", "))")
                    throw ExitCode.failure
                }
                print("\(gallery) is up to date (\(specSet.specs.count) files)")
            }
            return
        }
        guard !names.isEmpty else { throw InputError("name at least one surrogate (known: \(specSet.specs.map(\.name).joined(separator: ", ")))") }
        let chosen = try Self.choose(names, from: specSet.specs, catalogue: { try project.catalogue() })
        // At most 12 curves, each value as its shortest decimal.
        let swept = try sweep.map { s throws(InputError) in
            (s.name, try s.rangeValues(option: "--sweep", limit: 12, noun: "curves").map(ShortDecimal.cleaned))
        }
        if let swept, !chosen.contains(where: { s in s.params.contains { $0.name == swept.0 } }) {
            throw InputError("--sweep \(swept.0): none of \(names.joined(separator: ", ")) has a parameter `\(swept.0)`")
        }
        let panels = Self.panels(chosen, fixed: fixed, sweep: swept, x: range, element: dtype == "f32" ? .float32 : .float64)
        let title = names.joined(separator: ", ") + " (\(dtype == "f32" ? "float32" : "float64"))"
        let text = ascii ? SVGPlot.ascii(title: title, panels: panels, x: range)
                         : SVGPlot.render(title: title, panels: panels, x: range)
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } else {
            print(text, terminator: "")
        }
    }

    /// The specs named, from the specs folder and `--spec` files first, else from the catalogue (loaded only
    /// when a name is not found there, since `eval`, `jit` and `tune` take catalogue names too). An unknown name
    /// is an `InputError` with the nearest name of either ("did you mean") and the hint for a spec file.
    static func choose(_ names: [String], from specs: [Spec], catalogue: () throws -> SpecSet) throws -> [Spec] {
        var pool = specs
        var catalogueLoaded = false
        var chosen: [Spec] = []
        for name in names {
            if pool.last(where: { $0.name == name }) == nil, !catalogueLoaded {
                let loaded = try catalogue()
                if loaded.hasErrors { Console.report(loaded.diagnostics); throw ExitCode.failure }
                pool += loaded.specs
                catalogueLoaded = true
            }
            guard let s = pool.last(where: { $0.name == name }) else {
                let builtIn = specs.map(\.name).joined(separator: ", ")
                throw InputError("unknown surrogate `\(name)`\(Suggestion.didYouMean(name, in: pool.map(\.name))); "
                                 + "known: \(builtIn) and the catalogue (`kernelgen list --catalogue`); a spec file: --spec FILE NAME")
            }
            chosen.append(s)
        }
        return chosen
    }

    static func xRange(_ text: String) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo < hi else {
            throw InputError("--x \(text): expected LO:HI with finite LO < HI")
        }
        return lo...hi
    }

    /// Forward (the training forward in mean field, where there is one) and backward panels.
    static func panels(_ specs: [Spec], fixed: [String: Double], sweep: (String, [Double])?, x: ClosedRange<Double>,
                       element: ElementType, samples: Int = 801) -> [PlotPanel] {
        var forward: [PlotSeries] = [], backward: [PlotSeries] = []
        let xs = (0..<samples).map { x.lowerBound + (x.upperBound - x.lowerBound) * Double($0) / Double(samples - 1) }
        var colour = 0
        for spec in specs {
            let own = fixed.filter { k, _ in spec.params.contains { $0.name == k } }
            let variants: [[String: Double]] = {
                guard let (name, values) = sweep, spec.params.contains(where: { $0.name == name }) else { return [own] }
                return values.map { own.merging([name: $0]) { $1 } }
            }()
            for chosen in variants {
                let values = spec.defaults.merging(chosen) { $1 }
                let shown = spec.params.map { "\($0.name)=\(ShortDecimal.format(values[$0.name]!, digits: 12))" }.joined(separator: " ")
                let label = shown.isEmpty ? spec.name : "\(spec.name) \(shown)"
                let (f, b) = curves(spec, values, xs, element)
                forward.append(PlotSeries(label: label, xs: xs, ys: f, colour: colour))
                backward.append(PlotSeries(label: label, xs: xs, ys: b, colour: colour))
                colour += 1
            }
        }
        let anyTrain = specs.contains { $0.trainForward != nil }
        return [PlotPanel(title: anyTrain ? "forward (training forward, mean field, where defined)" : "forward", series: forward),
                PlotPanel(title: "backward (surrogate gradient\(specs.contains { $0.backward.expr.usesGradOut } ? "; at grad_out = 1" : ""))", series: backward)]
    }

    static func curves(_ spec: Spec, _ values: [String: Double], _ xs: [Double], _ element: ElementType) -> ([Double], [Double]) {
        let fExpr = KernelContext.prepare((spec.trainForward ?? spec.forward).expr, element: element, meanField: true)
        let bExpr = KernelContext.prepare(spec.backward.expr, element: element, meanField: true)
        if element == .float32 {
            let ev = FormulaEvaluator<Float>(params: values, model: .kernel)
            let f = xs.map { ev.evaluate(fExpr, x: Float($0)) }
            return (f.map(Double.init), zip(xs, f).map { Double(ev.evaluate(bExpr, x: Float($0), y: $1)) })
        }
        let ev = FormulaEvaluator<Double>(params: values, model: .kernel)
        let f = xs.map { ev.evaluate(fExpr, x: $0) }
        return (f, zip(xs, f).map { ev.evaluate(bExpr, x: $0, y: $1) })
    }

    /// One SVG per spec: its first parameter at 0.5, 1 and 2 times its default (the default alone when it has none).
    /// Writes (or with `check`, compares) `folder/<name>.svg` for every spec; returns the stale paths when checking.
    static func gallery(_ specs: [Spec], into folder: String, check: Bool) throws -> [String] {
        var stale: [String] = []
        if !check { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for spec in specs.sorted(by: { $0.name < $1.name }) {
            var sweep: (String, [Double])?
            if let p = spec.params.first, p.defaultValue != 0 {
                sweep = (p.name, [0.5, 1, 2].map { ShortDecimal.cleaned($0 * p.defaultValue) })
            }
            let range = -4.0...4.0
            let panels = Self.panels([spec], fixed: [:], sweep: sweep, x: range, element: .float32)
            let svg = SVGPlot.render(title: "\(spec.name) (float32)", description: spec.summary, panels: panels, x: range)
            let path = (folder as NSString).appendingPathComponent("\(spec.name).svg")
            if check {
                if (try? String(contentsOfFile: path, encoding: .utf8)) != svg { stale.append(path) }
            } else {
                try Data(svg.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
        return stale
    }
}

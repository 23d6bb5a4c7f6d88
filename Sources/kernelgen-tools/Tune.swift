import ArgumentParser
import KernelgenCommandLine
import Foundation
import KernelEmit
import SurrogateJIT
import Surrogates
import SurrogateSpec

struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep one parameter: JIT-compile per value, measure throughput and the gradient's shape.",
        discussion: """
            For each value of the swept parameter (--param NAME=START:STOP:STEP; other --param NAME=VALUE fix \
            the rest), compiles kernels specialised to it and prints the compile time, the backward's throughput \
            on a fixed array (median of --repeat runs, with the fastest and slowest), and the figures a parameter is \
            picked by: peak gradient, full width at half maximum, integral over the real line, and the share of \
            that integral within 1 of the centre (the forward's step: 0, or a threshold such as sinabs' 1), measured with the compiled kernel itself on a grid that holds at any \
            width (training mode, mean field, for stochastic surrogates), with the x ranges where it is NaN/inf. \
            Each value also gets the accuracy report of `kernelgen check` for the dtype (warnings listed below \
            the table). The throughput depends on the machine's load and, without --flush-subnormals, on how \
            many results are subnormal (0.03-1.4 G/s on the same kernel): read it as a rough guide.
            """)

    @Argument(help: "Surrogate name (built in, or defined by --spec).")
    var name: String

    @Option(help: "A spec file outside Specs/.")
    var spec: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("NAME=START:STOP:STEP for the swept parameter (once), NAME=VALUE for fixed ones.", valueName: "name=value"))
    var params: [ParameterArgument] = []

    @Option(help: "Element type: f32 or f64.")
    var dtype: DType = .f32

    @Option(help: "Array length for the throughput measurement.")
    var size = 1 << 20

    @Flag(help: "Print a JSON array, one object per value.")
    var json = false

    @Flag(help: "Run the kernels in flush-to-zero mode (subnormal results become 0; faster underflowing tails).")
    var flushSubnormals = false

    @Option(help: "Timed runs per value (after one warm-up).")
    var `repeat` = 7

    @Option(help: "Draw the swept forward and backward curves (the compiled kernels' values on x in [-4, 4]) into this SVG file.")
    var plot: String?

    struct Row: Codable {
        var parameter: String
        var value: Double
        var compileMs: Double
        var cacheHit: String
        var elementsPerSecond: Double
        var elementsPerSecondMin: Double
        var elementsPerSecondMax: Double
        var centre: Double
        var peak: Double
        var widthAtHalfMaximum: Double
        var integral: Double
        var centralShare: Double
        var nonFinite: [String]
        var accuracyWarnings: [String]

        enum CodingKeys: String, CodingKey {
            case parameter, value, centre, peak, integral
            case elementsPerSecondMin = "elements_per_second_min", elementsPerSecondMax = "elements_per_second_max"
            case nonFinite = "non_finite", accuracyWarnings = "accuracy_warnings"
            case compileMs = "compile_ms", cacheHit = "cache_hit", elementsPerSecond = "elements_per_second"
            case widthAtHalfMaximum = "width_at_half_maximum", centralShare = "central_share"
        }
    }

    func run() throws {
        _ = try dtype.wide("tune")
        try ArraySizes.checkSize(size, option: "--size")
        guard (1...10_000).contains(`repeat`) else { throw InputError("--repeat \(`repeat`): expected 1 to 10000") }
        let spec = try JITSetup.spec(named: name, file: self.spec)
        let (swept, values, fixed) = try sweep()
        guard spec.params.contains(where: { $0.name == swept }) else {
            throw InputError("`\(spec.name)` has no parameter `\(swept)`; its parameters: \(spec.params.map(\.name).joined(separator: ", "))")
        }
        let progress = isatty(2) != 0 && values.count > 1
        var rows: [Row] = []
        var forward: [PlotSeries] = [], backward: [PlotSeries] = []
        for (i, value) in values.enumerated() {
            if progress { FileHandle.standardError.write(Data("\r[\(i + 1)/\(values.count)] \(swept)=\(value)   ".utf8)) }
            var parameters = fixed
            parameters[swept] = value
            do {
                let (row, curves) = dtype == .f32 ? try measure(spec, parameters, Float.self, swept, value)
                                                   : try measure(spec, parameters, Double.self, swept, value)
                rows.append(row)
                let label = "\(swept)=\(ShortDecimal.format(value, digits: 12))"
                forward.append(PlotSeries(label: label, xs: Self.plotXs, ys: curves.0, colour: i))
                backward.append(PlotSeries(label: label, xs: Self.plotXs, ys: curves.1, colour: i))
            } catch {
                if progress { FileHandle.standardError.write(Data("\n".utf8)) }
                Console.error("error: \(swept)=\(value): \(error)")
                throw ExitCode.failure
            }
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let plot {
            let svg = SVGPlot.render(title: "\(spec.name) (\(dtype == .f32 ? "float32" : "float64"), JIT kernels)",
                                     panels: [PlotPanel(title: "forward (training forward, mean field, where defined)", series: forward),
                                              PlotPanel(title: "backward (surrogate gradient\(spec.backwardGradOutNote))", series: backward)],
                                     x: -4...4)
            try Data(svg.utf8).write(to: URL(fileURLWithPath: plot), options: .atomic)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print("\(spec.name) \(dtype.rawValue), backward\(spec.backwardGradOutNote) throughput on \(size) elements (median of \(`repeat`), fastest-slowest\(flushSubnormals ? ", flush-to-zero" : "")), shape over the real line")
        let table = TextTable(
            header: [swept, "compile ms", "cache", "G elem/s", "centre", "peak", "FWHM", "integral", "within 1", "NaN/inf", "accuracy"],
            rows: rows.map { r in
                [ShortDecimal.format(r.value, digits: 12), String(format: "%.2f", r.compileMs), r.cacheHit,
                 String(format: "%.2f (%.2f-%.2f)", r.elementsPerSecond / 1e9, r.elementsPerSecondMin / 1e9, r.elementsPerSecondMax / 1e9),
                 ShortDecimal.format(r.centre, digits: 12), String(format: "%.4g", r.peak), String(format: "%.4g", r.widthAtHalfMaximum), String(format: "%.4f", r.integral),
                 String(format: "%.1f%%", r.centralShare * 100), r.nonFinite.isEmpty ? "-" : r.nonFinite.joined(separator: ", "),
                 r.accuracyWarnings.isEmpty ? "ok" : "\(r.accuracyWarnings.count) warning\(r.accuracyWarnings.count == 1 ? "" : "s")"]
            })
        print(table.rendered)
        for r in rows { for w in r.accuracyWarnings { print("\(swept)=\(ShortDecimal.format(r.value, digits: 12)): \(w)") } }
        let total = rows.map(\.compileMs).reduce(0, +)
        print(String(format: "%d values, %.1f ms compiling in all", rows.count, total))
    }

    static let plotXs = (0...800).map { -4 + Double($0) / 100 }

    /// The swept parameter, its values (START to STOP inclusive, by STEP), and the fixed ones.
    func sweep() throws -> (String, [Double], [String: Double]) {
        let ranges = params.filter { if case .range = $0.value { true } else { false } }
        guard ranges.count <= 1 else { throw InputError("sweep one parameter at a time (got a second range in `\(ranges[1].text)`)") }
        let swept = try ranges.first.map { r throws(InputError) in
            (r.name, try r.rangeValues(option: "--param", limit: 10_000).map(ShortDecimal.cleaned))
        }
        let fixed = params.filter { if case .range = $0.value { false } else { true } }
        guard let swept else { throw InputError("give the swept parameter as --param NAME=START:STOP:STEP") }
        return (swept.0, swept.1, try fixed.values())
    }

    func measure<T: KernelScalar>(_ spec: Spec, _ parameters: [String: Double], _: T.Type, _ swept: String, _ value: Double) throws
        -> (Row, ([Double], [Double])) {
        let kernels = try SurrogateJIT.shared.compile(spec, parameters: parameters, dtype: T.self)
        let values = spec.params.map { parameters[$0.name] ?? $0.defaultValue }
        var bound = BoundSurrogate(descriptor: SurrogateJIT.descriptor(spec), backend: .jit, parameterValues: values,
                                   mode: .train(sample: false, seed: 0), kernels: kernels.kernelSet)
        bound.flushesSubnormals = flushSubnormals
        // Shape, from the compiled kernel on the scale-free grid about the surrogate's centre (its forward's step,
        // from the spec's eval forward in Double) and about 0, the spec's parameter values added (kinks).
        let all = spec.defaults.merging(parameters) { $1 }
        let evaluator = FormulaEvaluator<Double>(params: all)
        let centre = GradientShape.centre { evaluator.evaluate(spec.forward.expr, x: $0) }
        let grid = GradientShape.grid(extra: SpecAnalysis.scales(spec, all), centre: centre)
        let gridX = grid.map { T($0) }
        let gradient = try bound.backward(gridX, y: try bound.forward(gridX, step: 0))
        let shape = GradientShape.measure(xs: grid, values: gradient.map { Double($0) }, centre: centre)
        // Curves for --plot, from the same kernels.
        let px = Self.plotXs.map { T($0) }
        let py = try bound.forward(px, step: 0)
        let curves = (py.map { Double($0) }, try bound.backward(px, y: py).map { Double($0) })
        // Accuracy of this value's formulas in this dtype (the report of `kernelgen check`).
        let element: ElementType = T.self == Float.self ? .float32 : .float64
        let dtypeName = element == .float32 ? "float32" : "float64"
        let warnings = AccuracyReport.analyse(spec, parameters: parameters).diagnostics
            .filter { $0.severity == .warning && $0.message.contains(" \(dtypeName) ") }.map(\.description)
        // Throughput of the backward on a fixed array: median, fastest and slowest of the timed runs after a warm-up.
        let x = (0..<size).map { T(-5) + T($0 % 1000) / 100 }
        let y = try bound.forward(x, step: 0)
        let g = [T](repeating: 1, count: size)
        var out = [T](repeating: 0, count: size)
        var times: [Double] = []
        try x.withUnsafeBufferPointer { xb in
            try y.withUnsafeBufferPointer { yb in
                try g.withUnsafeBufferPointer { gb in
                    try out.withUnsafeMutableBufferPointer { ob in
                        for run in 0...`repeat` {
                            let start = ContinuousClock.now
                            try bound.backward(xb, y: yb, gradOut: gb, into: ob)
                            let d = ContinuousClock.now - start
                            if run > 0 { times.append(d.seconds) }
                        }
                    }
                }
            }
        }
        times.sort()
        let median = times[times.count / 2]
        let row = Row(parameter: swept, value: value, compileMs: kernels.report.totalMs, cacheHit: kernels.report.cacheHit.rawValue,
                      elementsPerSecond: Double(size) / median, elementsPerSecondMin: Double(size) / times.last!,
                      elementsPerSecondMax: Double(size) / times.first!, centre: shape.centre, peak: shape.peak,
                      widthAtHalfMaximum: shape.widthAtHalfMaximum, integral: shape.integral, centralShare: shape.centralShare,
                      nonFinite: shape.nonFiniteRanges.isEmpty ? [] : [GradientShape.describe(shape.nonFiniteRanges)],
                      accuracyWarnings: warnings)
        return (row, curves)
    }
}

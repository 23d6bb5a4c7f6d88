import ArgumentParser
import KernelgenCommandLine
import Foundation
import SurrogateJIT
import Surrogates
import SurrogateSpec

struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep one parameter: JIT-compile per value, measure throughput and the gradient's shape.",
        discussion: """
            For each value of the swept parameter (--param NAME=START:STOP:STEP; other --param NAME=VALUE fix \
            the rest), compiles kernels specialised to it and prints the compile time, the backward's throughput \
            on a fixed array, and the figures a parameter is picked by: peak gradient, full width at half \
            maximum, integral over [-10, 10], and the share of that integral inside |x| <= 1. The shape is \
            measured with the compiled kernel itself (training mode, mean field, for stochastic surrogates).
            """)

    @Argument(help: "Surrogate name (built in, or defined by --spec).")
    var name: String

    @Option(help: "A spec file outside Specs/.")
    var spec: String?

    @Option(name: .customLong("param"), help: "NAME=START:STOP:STEP for the swept parameter (once), NAME=VALUE for fixed ones.")
    var params: [String] = []

    @Option(help: "Element type: f32 or f64.")
    var dtype: DType = .f32

    @Option(help: "Array length for the throughput measurement.")
    var size = 1 << 20

    @Flag(help: "Print a JSON array, one object per value.")
    var json = false

    struct Row: Codable {
        var parameter: String
        var value: Double
        var compileMs: Double
        var cacheHit: String
        var elementsPerSecond: Double
        var peak: Double
        var widthAtHalfMaximum: Double
        var integral: Double
        var centralShare: Double

        enum CodingKeys: String, CodingKey {
            case parameter, value, peak, integral
            case compileMs = "compile_ms", cacheHit = "cache_hit", elementsPerSecond = "elements_per_second"
            case widthAtHalfMaximum = "width_at_half_maximum", centralShare = "central_share"
        }
    }

    func run() throws {
        try ParameterArguments.checkSize(size, option: "--size")
        let spec = try JITSetup.spec(named: name, file: self.spec)
        let (swept, values, fixed) = try sweep()
        guard spec.params.contains(where: { $0.name == swept }) else {
            throw InputError("`\(spec.name)` has no parameter `\(swept)`; its parameters: \(spec.params.map(\.name).joined(separator: ", "))")
        }
        let progress = isatty(2) != 0 && values.count > 1
        var rows: [Row] = []
        for (i, value) in values.enumerated() {
            if progress { FileHandle.standardError.write(Data("\r[\(i + 1)/\(values.count)] \(swept)=\(value)   ".utf8)) }
            var parameters = fixed
            parameters[swept] = value
            do {
                rows.append(dtype == .f32 ? try measure(spec, parameters, Float.self, swept, value)
                                          : try measure(spec, parameters, Double.self, swept, value))
            } catch {
                if progress { FileHandle.standardError.write(Data("\n".utf8)) }
                Console.error("error: \(swept)=\(value): \(error)")
                throw ExitCode.failure
            }
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print("\(spec.name) \(dtype.rawValue), backward throughput on \(size) elements, shape on [-10, 10]")
        let table = TextTable(
            header: [swept, "compile ms", "cache", "G elem/s", "peak", "FWHM", "integral", "in |x|<=1"],
            rows: rows.map { r in
                [Self.number(r.value), String(format: "%.2f", r.compileMs), r.cacheHit, String(format: "%.2f", r.elementsPerSecond / 1e9),
                 String(format: "%.4g", r.peak), String(format: "%.4g", r.widthAtHalfMaximum), String(format: "%.4f", r.integral),
                 String(format: "%.1f%%", r.centralShare * 100)]
            })
        print(table.rendered)
        let total = rows.map(\.compileMs).reduce(0, +)
        print(String(format: "%d values, %.1f ms compiling in all", rows.count, total))
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e6 ? String(format: "%.1f", v) : "\(v)" }

    /// The swept parameter, its values (START to STOP inclusive, by STEP), and the fixed ones.
    func sweep() throws -> (String, [Double], [String: Double]) {
        var swept: (String, [Double])?
        var fixed: [String] = []
        for item in params {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let range = parts.count == 2 ? parts[1].split(separator: ":").map { Double($0) } : []
            if range.count == 3 {
                guard swept == nil else { throw InputError("sweep one parameter at a time (got a second range in `\(item)`)") }
                guard let start = range[0], let stop = range[1], let step = range[2], start.isFinite, stop.isFinite,
                      step.isFinite, step > 0, stop >= start else {
                    throw InputError("--param \(item): expected NAME=START:STOP:STEP with finite numbers, STEP > 0 and STOP >= START")
                }
                // Counted in Double first: a huge range must not overflow the conversion to Int.
                let count = ((stop - start) / step + 1e-9).rounded(.down) + 1
                guard count.isFinite, count <= 10_000 else {
                    throw InputError("--param \(item) gives \(count.isFinite ? "\(Int(count))" : "too many") values; expected at most 10000")
                }
                swept = (parts[0], (0..<Int(count)).map { start + Double($0) * step })
            } else {
                fixed.append(item)
            }
        }
        guard let swept else { throw InputError("give the swept parameter as --param NAME=START:STOP:STEP") }
        return (swept.0, swept.1, try ParameterArguments.parse(fixed))
    }

    func measure<T: KernelScalar>(_ spec: Spec, _ parameters: [String: Double], _: T.Type, _ swept: String, _ value: Double) throws -> Row {
        let kernels = try SurrogateJIT.shared.compile(spec, parameters: parameters, dtype: T.self)
        let values = spec.params.map { parameters[$0.name] ?? $0.defaultValue }
        let bound = BoundSurrogate(descriptor: SurrogateJIT.descriptor(spec), backend: .jit, parameterValues: values,
                                   mode: .train(sample: false, seed: 0), kernels: kernels.kernelSet)
        // Shape, from the compiled kernel on the analysis grid.
        let grid = GradientShape.grid()
        let gradient = try bound.backward(grid.map { T($0) })
        let shape = GradientShape.measure(samples: gradient.map { Double($0) })
        // Throughput of the backward on a fixed array: median of 7 timed runs after a warm-up.
        let x = (0..<size).map { T(-5) + T($0 % 1000) / 100 }
        let y = try bound.forward(x, step: 0)
        let g = [T](repeating: 1, count: size)
        var out = [T](repeating: 0, count: size)
        var times: [Double] = []
        try x.withUnsafeBufferPointer { xb in
            try y.withUnsafeBufferPointer { yb in
                try g.withUnsafeBufferPointer { gb in
                    try out.withUnsafeMutableBufferPointer { ob in
                        for run in 0..<8 {
                            let start = ContinuousClock.now
                            try bound.backward(xb, y: yb, gradOut: gb, into: ob)
                            let d = ContinuousClock.now - start
                            if run > 0 { times.append(d.seconds) }
                        }
                    }
                }
            }
        }
        let median = times.sorted()[times.count / 2]
        return Row(parameter: swept, value: value, compileMs: kernels.report.totalMs, cacheHit: kernels.report.cacheHit.rawValue,
                   elementsPerSecond: Double(size) / median, peak: shape.peak, widthAtHalfMaximum: shape.widthAtHalfMaximum,
                   integral: shape.integral, centralShare: shape.centralShare)
    }
}

import ArgumentParser
import KernelgenCommandLine
import Foundation
import SurrogateBench
import Surrogates

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure kernel throughput beside the memory roofline and a naive loop (build with -c release).",
        discussion: """
            For each surrogate, op, dtype, backend, size and thread count: the median rate in elements per second \
            over repeated runs into preallocated buffers, after a warm-up. In the same run and at the same sizes \
            and thread counts: the roofline, plain streaming loops with the memory traffic of a backward \
            (stream2r1w: two reads, one write) and a forward (stream1r1w), and the naive baseline, a scalar \
            Swift loop with Foundation's math. Run it as `swift run -c release kernelgen bench`.
            """)

    @Option(help: "Comma-separated surrogates (default: all).")
    var surrogates: String?

    @Option(help: "Comma-separated ops: forward, backward, train_forward (stochastic surrogates).")
    var ops = "forward,backward,train_forward"

    @Option(help: "Comma-separated array lengths.")
    var sizes = "4096,65536,1048576,16777216"

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Comma-separated element types: f32, f64.")
    var dtypes = "f32,f64"

    @Option(help: "Comma-separated backends: swift, c, jit.")
    var backends = "swift,c,jit"

    @Option(help: "Minimum measuring time per record, in seconds.")
    var time = 0.05

    @Option(name: .customLong("param"), help: ArgumentHelp("NAME=VALUE for the surrogates that have that parameter (repeatable); they then get no naive baseline.", valueName: "name=value"))
    var params: [ParameterArgument] = []

    @Flag(help: "Run the kernels with subnormals flushed to zero (BoundSurrogate.flushesSubnormals).")
    var flushSubnormals = false

    @Flag(help: "Print a JSON array of records.")
    var json = false

    func run() throws {
        func list<T>(_ text: String, _ parse: (String) -> T?, _ option: String, expected: String) throws -> [T] {
            let items = try text.split(separator: ",").map {
                let item = $0.trimmingCharacters(in: .whitespaces)
                guard let v = parse(item) else { throw InputError("--\(option) `\(item)`: expected \(expected)") }
                return v
            }
            guard !items.isEmpty else { throw InputError("--\(option) is empty: expected \(expected)") }
            return items
        }
        let names = try surrogates.map { try list($0, { $0 }, "surrogates", expected: "surrogate names") } ?? DispatchTable.builtin.descriptors.map(\.name)
        for name in names { _ = try DispatchTable.builtin.descriptor(name) }
        var config = BenchConfig(
            surrogates: names,
            ops: try list(ops, { BenchConfig.allOps.contains($0) ? $0 : nil }, "ops", expected: BenchConfig.allOps.joined(separator: ", ")),
            sizes: try list(sizes, { Int($0).flatMap { (1...ArraySizes.maximumElements).contains($0) ? $0 : nil } },
                            "sizes", expected: "element counts from 1 to \(ArraySizes.maximumElements)"),
            threads: try list(threads, { Int($0).flatMap { (1...256).contains($0) ? $0 : nil } }, "threads", expected: "thread counts from 1 to 256"),
            dtypes: try list(dtypes, { DType(rawValue: $0).flatMap { $0.isHalf ? nil : $0 } }, "dtypes", expected: "f32, f64"),
            backends: try list(backends, Backend.init(rawValue:), "backends", expected: "swift, c, jit"),
            minimumTime: time)
        guard time.isFinite, time > 0, time <= 60 else { throw InputError("--time \(time): expected seconds in (0, 60]") }
        config.parameters = try params.values()
        let known = Set(names.flatMap { (try? DispatchTable.builtin.descriptor($0))?.parameters.map(\.name) ?? [] })
        for name in config.parameters.keys.sorted() where !known.contains(name) {
            throw InputError("--param \(name): none of the benchmarked surrogates has this parameter; expected one of: \(known.sorted().joined(separator: ", "))")
        }
        config.flushSubnormals = flushSubnormals
        try Self.requireOptimizedBuild()
        let interactive = isatty(2) != 0
        let runner = BenchRunner(config: config) { line in
            if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8)) }
        }
        let records = try runner.run()
        let overhead = try runner.dispatchOverhead()
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(records), as: UTF8.self))
            return
        }
        print(String(format: "dispatch path: %.0f ns per call (bound surrogate, 1 element) vs %.0f ns calling the C kernel directly",
                     overhead.bound * 1e9, overhead.direct * 1e9))
        print(BenchReport(records: records).rendered)
    }
}

extension Bench {
    /// A debug build times kernels, roofline loops and baselines compiled without optimisation: its figures
    /// (e.g. 2540% of the roofline) mean nothing. Refused, unless KERNELGEN_ALLOW_UNOPTIMIZED is set (tests of
    /// the command in a debug build), and then said on standard error.
    static func requireOptimizedBuild() throws {
        guard !BuildConfiguration.cKernelsOptimized || !BuildConfiguration.swiftKernelsOptimized else { return }
        let message = "this kernelgen-tools is a debug build (kernels, roofline and baselines compiled without optimisation): its timings mean nothing"
        guard BuildConfiguration.unoptimizedAllowed else {
            throw InputError("\(message); build and run it with `swift run -c release kernelgen bench ...`")
        }
        FileHandle.standardError.write(Data("WARNING: \(message) (KERNELGEN_ALLOW_UNOPTIMIZED is set)\n".utf8))
    }
}

/// The benchmark as a table: each kernel's rate, its share of the same-run roofline, its speed-up over
/// the naive loop; the roofline itself also in GB/s.
struct BenchReport {
    var records: [BenchRecord]

    var rendered: String {
        var out = "machine: \(Self.cpuModel()), \(Parallel.cores) cores; \(Self.today())\n"
        struct Group: Hashable { var dtype: String; var n: Int; var threads: Int }
        var order: [Group] = []
        for r in records where !order.contains(Group(dtype: r.dtype, n: r.n, threads: r.threads)) {
            order.append(Group(dtype: r.dtype, n: r.n, threads: r.threads))
        }
        for group in order {
            let rows = records.filter { $0.dtype == group.dtype && $0.n == group.n && $0.threads == group.threads }
            let bytes = group.dtype == "f32" ? 4.0 : 8.0
            func roof(_ op: String) -> Double? {
                rows.first { $0.surrogate == BenchRecord.roofline && $0.op == op }?.elementsPerSecond
            }
            let r2 = roof("stream2r1w"), r1 = roof("stream1r1w")
            out += "\n\(group.dtype), n = \(group.n), \(group.threads) thread\(group.threads == 1 ? "" : "s"): roofline "
            out += String(format: "stream2r1w %.2f G/s (%.1f GB/s), stream1r1w %.2f G/s (%.1f GB/s)\n",
                          (r2 ?? 0) / 1e9, (r2 ?? 0) * 3 * bytes / 1e9, (r1 ?? 0) / 1e9, (r1 ?? 0) * 2 * bytes / 1e9)
            var table: [[String]] = []
            for r in rows where r.surrogate != BenchRecord.roofline && r.backend != "naive" {
                let roofline = r.op == "backward" ? r2 : r1
                let naive = rows.first { $0.surrogate == r.surrogate && $0.op == r.op && $0.backend == "naive" }
                table.append([r.surrogate, r.op, r.backend, String(format: "%.2f", r.elementsPerSecond / 1e9),
                              roofline.map { String(format: "%.0f%%", 100 * r.elementsPerSecond / $0) } ?? "-",
                              naive.map { String(format: "%.1fx", r.elementsPerSecond / $0.elementsPerSecond) } ?? "-"])
            }
            out += TextTable(header: ["surrogate", "op", "backend", "G elem/s", "% roofline", "vs naive"], rows: table).rendered + "\n"
        }
        return out
    }

    static func cpuModel() -> String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    }

    static func today() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}

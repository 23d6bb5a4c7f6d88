import ArgumentParser
import NameSuggestion
import KernelgenCommandLine
import Foundation
import KernelEmit
import SurrogateJIT
import Surrogates

struct Jit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jit",
        abstract: "JIT-compile a surrogate's kernels specialised to parameter values; print stage times.",
        discussion: """
            Prints the time of each stage (frontend, optimisation, code generation, load and lookup), whether \
            the kernels came from the memory or disk cache, the vector width the loops got, and with --emit \
            the C source, LLVM IR or assembly. --repeat N compiles N times in one process and reports medians \
            (without --no-cache, repeats after the first are memory-cache hits; with it, they start from clang's \
            module of the first compile, as a new parameter value for the same kernels does).
            """)

    @Argument(help: "Surrogate name (built in, or defined by --spec).")
    var name: String

    @Option(help: "A spec file outside Specs/.")
    var spec: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value, NAME=VALUE (repeatable); others take their defaults.", valueName: "name=value"))
    var params: [ParameterArgument] = []

    @Option(help: "Element type: f32 or f64.")
    var dtype: DType = .f32

    @Option(help: "Kernels to compile: comma-separated forward, backward, train_forward, train_forward_mean (default all).")
    var ops: String?

    @Option(help: "Print an artefact of the compile: c, ir or asm.")
    var emit: SurrogateJIT.Artefact?

    @Flag(help: "Compile even when the kernels are cached.")
    var noCache = false

    @Option(help: "Compile this many times and report medians.")
    var `repeat` = 1

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard (1...10_000).contains(`repeat`) else { throw InputError("--repeat \(`repeat`): expected a count from 1 to 10000") }
        let spec = try JITSetup.spec(named: name, file: self.spec)
        let values = try params.values()
        let options = SurrogateJIT.Options(useCache: !noCache, artefact: emit, ops: try Self.parseOps(ops))
        var reports: [CompileReport] = []
        var artefact: String?
        do {
            // One compile of the chosen storage type: its report and artefact.
            func compile<T: KernelStorage>(_: T.Type) throws {
                let k = try SurrogateJIT.shared.compile(spec, parameters: values, dtype: T.self, options: options)
                reports.append(k.report)
                artefact = artefact ?? k.artefact
            }
            for _ in 0..<`repeat` {
                switch dtype {
                case .f32: try compile(Float.self)
                case .f64: try compile(Double.self)
                case .bf16: try compile(BFloat16.self)
                case .f16: try compile(Float16.self)
                }
            }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
        let summary = Summary(reports)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var object = try JSONSerialization.jsonObject(with: encoder.encode(summary.median)) as! [String: Any]
            object["repeat"] = `repeat`
            object["first_total_ms"] = reports[0].totalMs
            object["first_cache_hit"] = reports[0].cacheHit.rawValue
            if let artefact { object["artefact"] = artefact }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let m = summary.median
        let parameters = spec.params.map { "\($0.name)=\(values[$0.name] ?? $0.defaultValue)" }.joined(separator: ", ")
        print("\(spec.name) \(dtype.rawValue) (\(parameters)), key \(m.key)")
        let label = `repeat` > 1 ? "median of \(`repeat`)" : "compile"
        let reused = m.frontendReused ? " (clang's module of an earlier compile reused)" : ""
        print(String(format: "%@: frontend %.3f ms%@, optimise %.3f ms, codegen %.3f ms, load+lookup %.3f ms, total %.3f ms; cache: %@",
                     label, m.frontendMs, reused, m.optimizeMs, m.codegenMs, m.lookupMs, m.totalMs, m.cacheHit.rawValue))
        if `repeat` > 1 {
            print(String(format: "first: frontend %.3f ms, total %.3f ms; cache: %@", reports[0].frontendMs, reports[0].totalMs,
                         reports[0].cacheHit.rawValue))
        }
        let widths = m.vectorWidths.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("vector width: \(m.vectorWidth) lanes (\(widths))")
        if let artefact { print(artefact) }
    }

    static func parseOps(_ text: String?) throws -> KernelOps {
        guard let text else { return .all }
        var ops: KernelOps = []
        for item in text.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let op = KernelOp(symbolName: name) else {
                let known = KernelOp.allCases.map(\.symbolName)
                throw InputError("unknown op `\(VisibleText.escaped(name))`; expected one of \(known.joined(separator: ", "))"
                                 + Suggestion.didYouMean(name, in: known))
            }
            ops.insert(KernelOps(op))
        }
        return ops
    }

    /// Medians of the timing fields over repeated compiles (other fields from the last).
    struct Summary {
        var median: CompileReport

        init(_ reports: [CompileReport]) {
            func med(_ f: (CompileReport) -> Double) -> Double {
                let v = reports.map(f).sorted()
                return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
            }
            median = reports.last! // the last one's cache hit, key, widths and whether it reused the frontend
            median.frontendMs = med(\.frontendMs)
            median.optimizeMs = med(\.optimizeMs)
            median.codegenMs = med(\.codegenMs)
            median.lookupMs = med(\.lookupMs)
            median.totalMs = med(\.totalMs)
        }
    }
}

extension SurrogateJIT.Artefact: ExpressibleByArgument {}

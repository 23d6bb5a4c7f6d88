import ArgumentParser
import KernelgenCommandLine
import NameSuggestion
import Foundation
import SurrogateJIT
import Surrogates

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a surrogate on numbers read from stdin.",
        discussion: """
            Reads lines `x` or `x grad_out` (grad_out defaults to 1) and prints `forward backward` per line, \
            where backward is grad_in. Numbers print as the shortest decimal that round-trips in the dtype; \
            non-finite values as nan, inf, -inf. In --mode train the noise of line i (from 0) uses element index i.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case train, eval }

    @Argument(help: "Surrogate name (see `kernelgen list`).")
    var name: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value, NAME=VALUE (repeatable); others take their defaults.", valueName: "name=value"))
    var params: [ParameterArgument] = []

    @Option(help: "Element type: f32 or f64.")
    var dtype: DType = .f32

    @Option(help: "Kernel backend: c, swift or jit (default c; jit with --spec).")
    var backend: Backend?

    @Option(help: "A spec file outside Specs/, loaded and JIT-compiled at run time.")
    var spec: String?

    @Option(help: "train uses a stochastic surrogate's training forward; eval the hard spike.")
    var mode: Mode = .eval

    @Flag(help: "In training, replace noise by its mean instead of sampling.")
    var meanField = false

    @Option(help: "Seed of the noise generator.")
    var seed: UInt64 = 0

    func run() throws {
        let values = try params.values()
        let backend = try JITSetup.prepare(name: name, backend: backend, spec: spec)
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let text = String(decoding: input, as: UTF8.self)
        let surrogateMode: SurrogateMode = mode == .train ? .train(sample: !meanField, seed: seed) : .eval
        do {
            switch try dtype.wide("eval") {
            case .f64: try evaluate(Double.self, text, values, surrogateMode, backend)
            default: try evaluate(Float.self, text, values, surrogateMode, backend)
            }
        } catch let error as SurrogateError {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
    }

    func evaluate<T: KernelScalar>(_: T.Type, _ text: String, _ values: [String: Double], _ mode: SurrogateMode,
                                   _ backend: Backend) throws {
        let surrogate: BoundSurrogate<T> = try DispatchTable.builtin.surrogate(name, dtype: T.self, backend: backend,
                                                                                 parameters: values, mode: mode)
        // Lines end at LF, CRLF or CR (Swift reads "\r\n" as one Character, which a split on "\n" would not break).
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        if lines.last?.isEmpty == true { lines.removeLast() }
        var xs = [T](), gs = [T]()
        xs.reserveCapacity(lines.count)
        gs.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            // A NUL ends a C string: `T("0\u{0}1")` would read 0 and drop the rest, so a field holding one is no number.
            guard (1...2).contains(fields.count), !line.unicodeScalars.contains("\u{0}"), let x = T(String(fields[0])),
                  let g = fields.count == 2 ? T(String(fields[1])) : 1 else {
                Console.error("error: stdin line \(index + 1): expected `x` or `x grad_out` (numbers), got `\(VisibleText.escaped(String(line)))`")
                throw ExitCode.failure
            }
            xs.append(x)
            gs.append(g)
        }
        let y = try surrogate.forward(xs, step: 0)
        let gradIn = try surrogate.backward(xs, y: y, gradOut: gs)
        var out = ""
        out.reserveCapacity(xs.count * 24)
        for i in xs.indices {
            out += Self.format(y[i])
            out += " "
            out += Self.format(gradIn[i])
            out += "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// Shortest round-trip decimal; `nan`, `inf`, `-inf` for non-finite values.
    static func format<T: KernelScalar>(_ v: T) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return v.description
    }
}

/// `f32`, `f64`, `bf16`, `f16`, or the names the C ABI and PyTorch use (`float32`, ..., `bfloat16`, `float16`).
extension DType: ExpressibleByArgument {
    public init?(argument: String) {
        guard let dtype = DType(rawValue: argument) ?? DType(name: argument) else { return nil }
        self = dtype
    }
}

extension DType {
    /// The float32 and float64 dtypes of a tool that does not take the half types (their kernels are float32's
    /// arithmetic, rounded once; `jit --dtype bf16` shows them).
    func wide(_ tool: String) throws -> DType {
        guard isHalf else { return self }
        throw ValidationError("--dtype \(rawValue): \(tool) runs f32 and f64 kernels; expected f32 or f64")
    }
}
extension Backend: ExpressibleByArgument {}

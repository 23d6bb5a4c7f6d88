import CStream
import SurrogateKernelsC
import Dispatch
import Foundation
import SurrogateJIT
import Surrogates

/// One measurement: elements per second of one kernel, or of the roofline (`_roofline`, backend `c`) or
/// the naive baseline (backend `naive`), at one size and thread count.
public struct BenchRecord: Codable, Sendable, Equatable {
    public var surrogate: String
    public var op: String
    public var dtype: String
    public var backend: String
    public var n: Int
    public var threads: Int
    public var elementsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case surrogate, op, dtype, backend, n, threads
        case elementsPerSecond = "elements_per_second"
    }

    public static let roofline = "_roofline"
}

public struct BenchConfig: Sendable {
    public var surrogates: [String]
    public var ops: [String]
    public var sizes: [Int]
    public var threads: [Int]
    public var dtypes: [DType]
    public var backends: [Backend]
    /// Minimum measuring time per record (seconds).
    public var minimumTime: Double
    /// Parameter values for the surrogates that have them (the others keep their defaults). A surrogate
    /// given values gets no naive baseline (those loops use the defaults).
    public var parameters: [String: Double] = [:]
    /// Run the kernels in flush-to-zero mode (`BoundSurrogate.flushesSubnormals`).
    public var flushSubnormals = false

    public init(surrogates: [String], ops: [String], sizes: [Int], threads: [Int], dtypes: [DType], backends: [Backend],
                minimumTime: Double = 0.05) {
        self.surrogates = surrogates
        self.ops = ops
        self.sizes = sizes
        self.threads = threads
        self.dtypes = dtypes
        self.backends = backends
        self.minimumTime = minimumTime
    }

    public static let allOps = ["forward", "backward", "train_forward"]
}

/// Runs the benchmark: per element type and size, buffers are allocated once (64-byte aligned) and every
/// kernel writes into them; each record is the median over repeated timed runs after a warm-up.
public struct BenchRunner {
    let config: BenchConfig
    let table: DispatchTable
    let progress: (String) -> Void

    public init(config: BenchConfig, table: DispatchTable = .builtin, progress: @escaping (String) -> Void = { _ in }) {
        self.config = config
        self.table = table
        self.progress = progress
    }

    public func run() throws -> [BenchRecord] {
        if config.backends.contains(.jit) { SurrogateJIT.shared.install(in: table) }
        var records: [BenchRecord] = []
        for dtype in config.dtypes {
            switch dtype {
            case .f32: records += try run(Float.self)
            case .f64: records += try run(Double.self)
            case .bf16, .f16: continue  // the command line takes f32 and f64 (the half types are measured from Python)
            }
        }
        return records
    }

    private func run<T: KernelScalar>(_: T.Type) throws -> [BenchRecord] {
        var records: [BenchRecord] = []
        for n in config.sizes {
            let buffers = Buffers<T>(n)
            defer { buffers.free() }
            for threads in config.threads {
                progress("\(T.dtype.rawValue) n=\(n) threads=\(threads): roofline")
                records += rooflines(buffers, threads: threads)
                for name in config.surrogates {
                    progress("\(T.dtype.rawValue) n=\(n) threads=\(threads): \(name)")
                    records += try surrogate(name, buffers, threads: threads)
                }
            }
        }
        return records
    }

    /// Seconds per call of the dispatch path (a bound surrogate's backward on one element, C backend) and
    /// of the C kernel called directly: the difference is what the table and checks cost per call.
    public func dispatchOverhead() throws -> (bound: Double, direct: Double) {
        let s: BoundSurrogate<Float> = try table.surrogate("sigmoid", backend: .c)
        let b = Buffers<Float>(1)
        defer { b.free() }
        let xb = UnsafeBufferPointer(start: b.x, count: 1), gb = UnsafeBufferPointer(start: b.g, count: 1)
        let ob = UnsafeMutableBufferPointer(start: b.out, count: 1)
        let bound = Timing.median(minimumTime: config.minimumTime) { try! s.backward(xb, gradOut: gb, into: ob) }
        let direct = Timing.median(minimumTime: config.minimumTime) { kg_sigmoid_backward_f32(b.x, nil, b.g, b.out, 1, 5) }
        return (bound, direct)
    }

    private func record<T: KernelScalar>(_ surrogate: String, _ op: String, _ backend: String, _ b: Buffers<T>, _ threads: Int,
                                         _ body: () -> Void) -> BenchRecord {
        BenchRecord(surrogate: surrogate, op: op, dtype: T.dtype.rawValue, backend: backend, n: b.n, threads: threads,
                    elementsPerSecond: Double(b.n) / Timing.median(minimumTime: config.minimumTime, body))
    }

    private func rooflines<T: KernelScalar>(_ b: Buffers<T>, threads: Int) -> [BenchRecord] {
        let (x, g, out) = (b.x, b.g, b.out)
        let two: (Int, Int) -> Void, one: (Int, Int) -> Void
        if T.self == Float.self {
            let (xf, gf, of) = (x.cast(Float.self), g.cast(Float.self), out.cast(Float.self))
            two = { s, c in kg_stream2r1w_f32(xf + s, gf + s, of + s, c) }
            one = { s, c in kg_stream1r1w_f32(xf + s, of + s, c) }
        } else {
            let (xd, gd, od) = (x.cast(Double.self), g.cast(Double.self), out.cast(Double.self))
            two = { s, c in kg_stream2r1w_f64(xd + s, gd + s, od + s, c) }
            one = { s, c in kg_stream1r1w_f64(xd + s, od + s, c) }
        }
        return [
            record(BenchRecord.roofline, "stream2r1w", "c", b, threads) { Parallel.chunks(b.n, threads: threads, two) },
            record(BenchRecord.roofline, "stream1r1w", "c", b, threads) { Parallel.chunks(b.n, threads: threads, one) },
        ]
    }

    private func surrogate<T: KernelScalar>(_ name: String, _ b: Buffers<T>, threads: Int) throws -> [BenchRecord] {
        var records: [BenchRecord] = []
        let descriptor = try table.descriptor(name)
        let (x, y, g, out, n) = (b.x, b.y, b.g, b.out, b.n)
        let parameters = config.parameters.filter { p in descriptor.parameters.contains { $0.name == p.key } }
        for op in config.ops where op != "train_forward" || descriptor.hasTrainForward {
            // Naive baseline (SpikeDE's surrogates at their default parameters only).
            switch op {
            case _ where !parameters.isEmpty:
                break
            case "forward":
                if let f = NaiveKernels.forward(name, T.self) {
                    records.append(record(name, op, "naive", b, threads) { Parallel.chunks(n, threads: threads) { s, c in f(x + s, out + s, c) } })
                }
            case "train_forward":
                if let f = NaiveKernels.trainForward(name, T.self) {
                    records.append(record(name, op, "naive", b, threads) { Parallel.chunks(n, threads: threads) { s, c in f(x + s, out + s, c) } })
                }
            default:
                if let f = NaiveKernels.backward(name, T.self) {
                    records.append(record(name, op, "naive", b, threads) {
                        Parallel.chunks(n, threads: threads) { s, c in f(x + s, y + s, g + s, out + s, c) }
                    })
                }
            }
            for backend in config.backends {
                let mode: SurrogateMode = op == "train_forward" ? .train(sample: true, seed: 1) : .eval
                var s: BoundSurrogate<T> = try table.surrogate(name, backend: backend, parameters: parameters, mode: mode)
                s.threads = threads
                s.flushesSubnormals = config.flushSubnormals
                // The backward reads the forward output of the same mode.
                if op == "backward" { try s.forward(UnsafeBufferPointer(start: x, count: n), into: UnsafeMutableBufferPointer(start: y, count: n)) }
                let xb = UnsafeBufferPointer(start: x, count: n), yb = UnsafeBufferPointer(start: y, count: n)
                let gb = UnsafeBufferPointer(start: g, count: n), ob = UnsafeMutableBufferPointer(start: out, count: n)
                let body: () -> Void = op == "backward"
                    ? { try! s.backward(xb, y: yb, gradOut: gb, into: ob) }
                    : { try! s.forward(xb, into: ob, step: 0) }
                records.append(record(name, op, s.backend.rawValue, b, threads, body))
            }
        }
        return records
    }
}

/// Arrays of one element type and size: x in [-5, 5), y, gradOut = 1, out. 64-byte aligned.
final class Buffers<T: KernelScalar> {
    let n: Int
    let x, y, g, out: UnsafeMutablePointer<T>

    init(_ n: Int) {
        self.n = n
        func make() -> UnsafeMutablePointer<T> {
            UnsafeMutableRawPointer.allocate(byteCount: max(n, 1) * MemoryLayout<T>.stride, alignment: 64).bindMemory(to: T.self, capacity: max(n, 1))
        }
        (x, y, g, out) = (make(), make(), make(), make())
        for i in 0..<n {
            x[i] = T(Double((i &* 2_654_435_761) % 10_000) / 1000 - 5)
            y[i] = 0
            g[i] = 1
            out[i] = 0
        }
    }

    func free() { for p in [x, y, g, out] { UnsafeMutableRawPointer(p).deallocate() } }
}

extension UnsafeMutablePointer {
    func cast<U>(_: U.Type) -> UnsafeMutablePointer<U> { UnsafeMutableRawPointer(self).assumingMemoryBound(to: U.self) }
}

/// Median wall time of `body`, batched so that each sample lasts at least ~100 microseconds.
enum Timing {
    static func median(minimumTime: Double, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        body() // warm-up (page faults, caches, JIT code)
        var batch = 1
        while true {
            let start = clock.now
            for _ in 0..<batch { body() }
            let elapsed = (clock.now - start).seconds
            if elapsed >= 1e-4 || batch >= 1 << 20 { break }
            batch *= 4
        }
        var samples: [Double] = []
        let begin = clock.now
        repeat {
            let start = clock.now
            for _ in 0..<batch { body() }
            samples.append((clock.now - start).seconds / Double(batch))
        } while samples.count < 5 || ((clock.now - begin).seconds < minimumTime && samples.count < 200)
        samples.sort()
        return samples[samples.count / 2]
    }
}


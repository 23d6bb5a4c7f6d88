import Foundation
import SurrogateSpec
#if canImport(Glibc)
import Glibc
#endif

/// The generated C of a set of specs, built by cc into a shared library (`-O1 -shared -fPIC`, as a user
/// would build the AOT kernels) and opened with `dlopen`. A shim of uniform signatures (parameters as an array
/// of doubles, each converted to the kernel's dtype) is compiled in, so the test calls every kernel the
/// same way whatever its parameter count.
final class AOTLibrary {
    typealias Forward32 = @convention(c) (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, UnsafePointer<Double>) -> Void
    typealias Forward64 = @convention(c) (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int, UnsafePointer<Double>) -> Void
    typealias Backward32 = @convention(c) (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, UnsafePointer<Double>) -> Void
    typealias Backward64 = @convention(c) (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int, UnsafePointer<Double>) -> Void

    private let handle: UnsafeMutableRawPointer

    /// Builds `<out>/C` with the shim into `<out>/libkg.so` and opens it; throws with cc's output on failure.
    init(cc: String, generated out: URL, specs: [Spec]) throws {
        let c = out.appendingPathComponent("C")
        let shim = c.appendingPathComponent("property_shim.c")
        try Self.shim(specs).write(to: shim, atomically: true, encoding: .utf8)
        let sources = try FileManager.default.contentsOfDirectory(atPath: c.path).filter { $0.hasSuffix(".c") }.sorted()
            .map { c.appendingPathComponent($0).path }
        let library = out.appendingPathComponent("libkg.so").path
        // -ffp-contract=off: GCC would fuse a * b + c otherwise, which the kernels' rounding contract excludes (docs/c-api.md).
        let built = try ExternalTools.run(cc, ["-std=c11", "-O1", "-shared", "-fPIC", "-ffp-contract=off", "-I", c.appendingPathComponent("include").path]
                                          + sources + ["-o", library, "-lm"])
        guard built.status == 0 else { throw Failure(description: "cc -shared failed: \(built.output.prefix(4_000))") }
        guard let h = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            throw Failure(description: "dlopen \(library): \(String(cString: dlerror()))")
        }
        handle = h
    }

    deinit { dlclose(handle) }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// `kgt_<name>_<op>_<dtype>(..., const double *p)` for each spec and kernel, calling `kg_<name>_<op>_<dtype>`.
    static func shim(_ specs: [Spec]) -> String {
        var out = "#include <stdint.h>\n#include \"kernelgen.h\"\n"
        for spec in specs {
            let names = EmittedNames(spec: spec.name)
            // The half types' arrays hold 16-bit patterns; they compute in float (parameters and a backward's y).
            for (dtype, type, compute) in [("f32", "float", "float"), ("f64", "double", "double"), ("bf16", "uint16_t", "float"), ("f16", "uint16_t", "float")] {
                let args = spec.params.indices.map { ", (\(compute))p[\($0)]" }.joined()
                for op in spec.kernelOps {
                    // The C kernel's arguments by the op's signature (`KernelOp`): arrays, then (seed, offset) when it takes a key.
                    let arrays = op.isGradient ? "const \(type) *x, const \(compute) *y, const \(type) *g, \(type) *gi" : "const \(type) *x, \(type) *y"
                    let passed = op.isGradient ? "x, y, g, gi" : "x, y"
                    let key = op.takesNoiseKey ? (", uint64_t seed, uint64_t offset", ", seed, offset") : ("", "")
                    out += "void kgt_\(spec.name)_\(op.symbolName)_\(dtype)(\(arrays), size_t n\(key.0), const double *p) { "
                        + "\(names.cKernel(op, dtype))(\(passed), n\(key.1)\(args)); }\n"
                }
            }
        }
        return out
    }

    private func symbol<F>(_ name: String, as _: F.Type) throws -> F {
        guard let s = dlsym(handle, name) else { throw Failure(description: "no symbol \(name) in the library") }
        return unsafeBitCast(s, to: F.self)
    }

    /// Eval forward (or, with `op` "train_forward_mean", the mean-field training forward) of `x`.
    func forward(_ spec: String, op: String = "forward", _ x: [Float], _ p: [Double]) throws -> [Float] {
        let f = try symbol("kgt_\(spec)_\(op)_f32", as: Forward32.self)
        var y = [Float](repeating: .nan, count: x.count)
        y.withUnsafeMutableBufferPointer { yb in f(x, yb.baseAddress!, x.count, p + [0]) }
        return y
    }

    func forward(_ spec: String, op: String = "forward", _ x: [Double], _ p: [Double]) throws -> [Double] {
        let f = try symbol("kgt_\(spec)_\(op)_f64", as: Forward64.self)
        var y = [Double](repeating: .nan, count: x.count)
        y.withUnsafeMutableBufferPointer { yb in f(x, yb.baseAddress!, x.count, p + [0]) }
        return y
    }

    typealias Train32 = @convention(c) (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, UInt64, UInt64, UnsafePointer<Double>) -> Void
    typealias Train64 = @convention(c) (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int, UInt64, UInt64, UnsafePointer<Double>) -> Void

    /// The sampling training forward of a stochastic spec with the C kernels' `(seed, offset)`.
    func trainForward(_ spec: String, _ x: [Float], seed: UInt64, offset: UInt64 = 0, _ p: [Double]) throws -> [Float] {
        let f = try symbol("kgt_\(spec)_train_forward_f32", as: Train32.self)
        var y = [Float](repeating: .nan, count: x.count)
        y.withUnsafeMutableBufferPointer { yb in f(x, yb.baseAddress!, x.count, seed, offset, p + [0]) }
        return y
    }

    func trainForward(_ spec: String, _ x: [Double], seed: UInt64, offset: UInt64 = 0, _ p: [Double]) throws -> [Double] {
        let f = try symbol("kgt_\(spec)_train_forward_f64", as: Train64.self)
        var y = [Double](repeating: .nan, count: x.count)
        y.withUnsafeMutableBufferPointer { yb in f(x, yb.baseAddress!, x.count, seed, offset, p + [0]) }
        return y
    }

    /// grad_in for `gradOut` (ones when nil).
    func backward(_ spec: String, _ x: [Float], y: [Float], _ p: [Double], gradOut: [Float]? = nil) throws -> [Float] {
        let f = try symbol("kgt_\(spec)_backward_f32", as: Backward32.self)
        var g = [Float](repeating: .nan, count: x.count)
        g.withUnsafeMutableBufferPointer { gb in f(x, y, gradOut ?? [Float](repeating: 1, count: x.count), gb.baseAddress!, x.count, p + [0]) }
        return g
    }

    func backward(_ spec: String, _ x: [Double], y: [Double], _ p: [Double], gradOut: [Double]? = nil) throws -> [Double] {
        let f = try symbol("kgt_\(spec)_backward_f64", as: Backward64.self)
        var g = [Double](repeating: .nan, count: x.count)
        g.withUnsafeMutableBufferPointer { gb in f(x, y, gradOut ?? [Double](repeating: 1, count: x.count), gb.baseAddress!, x.count, p + [0]) }
        return g
    }

    typealias TrainBackward32 = @convention(c) (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, UInt64, UInt64, UnsafePointer<Double>) -> Void
    typealias TrainBackward64 = @convention(c) (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int, UInt64, UInt64, UnsafePointer<Double>) -> Void

    /// The sampling backward (`train_backward`) of a spec whose backward draws noise, with the C kernels' `(seed, offset)`.
    func trainBackward(_ spec: String, _ x: [Float], y: [Float], gradOut: [Float], seed: UInt64, offset: UInt64 = 0, _ p: [Double]) throws -> [Float] {
        let f = try symbol("kgt_\(spec)_train_backward_f32", as: TrainBackward32.self)
        var g = [Float](repeating: .nan, count: x.count)
        g.withUnsafeMutableBufferPointer { gb in f(x, y, gradOut, gb.baseAddress!, x.count, seed, offset, p + [0]) }
        return g
    }

    func trainBackward(_ spec: String, _ x: [Double], y: [Double], gradOut: [Double], seed: UInt64, offset: UInt64 = 0, _ p: [Double]) throws -> [Double] {
        let f = try symbol("kgt_\(spec)_train_backward_f64", as: TrainBackward64.self)
        var g = [Double](repeating: .nan, count: x.count)
        g.withUnsafeMutableBufferPointer { gb in f(x, y, gradOut, gb.baseAddress!, x.count, seed, offset, p + [0]) }
        return g
    }

    // The half types (`dtype` "bf16" or "f16"): arrays of bit patterns, a backward's y in float.
    typealias ForwardHalf = @convention(c) (UnsafePointer<UInt16>, UnsafeMutablePointer<UInt16>, Int, UnsafePointer<Double>) -> Void
    typealias TrainHalf = @convention(c) (UnsafePointer<UInt16>, UnsafeMutablePointer<UInt16>, Int, UInt64, UInt64, UnsafePointer<Double>) -> Void
    typealias BackwardHalf = @convention(c) (UnsafePointer<UInt16>, UnsafePointer<Float>, UnsafePointer<UInt16>, UnsafeMutablePointer<UInt16>, Int, UnsafePointer<Double>) -> Void
    typealias TrainBackwardHalf = @convention(c) (UnsafePointer<UInt16>, UnsafePointer<Float>, UnsafePointer<UInt16>, UnsafeMutablePointer<UInt16>, Int, UInt64, UInt64, UnsafePointer<Double>) -> Void

    /// A map op (`forward`, `train_forward_mean`, `primitive`) of a half type.
    func half(_ spec: String, op: String, dtype: String, _ x: [UInt16], _ p: [Double]) throws -> [UInt16] {
        let f = try symbol("kgt_\(spec)_\(op)_\(dtype)", as: ForwardHalf.self)
        var y = [UInt16](repeating: 0xFFFF, count: x.count)
        y.withUnsafeMutableBufferPointer { yb in f(x, yb.baseAddress!, x.count, p + [0]) }
        return y
    }

    func halfTrainForward(_ spec: String, dtype: String, _ x: [UInt16], seed: UInt64, offset: UInt64 = 0, _ p: [Double]) throws -> [UInt16] {
        let f = try symbol("kgt_\(spec)_train_forward_\(dtype)", as: TrainHalf.self)
        var y = [UInt16](repeating: 0xFFFF, count: x.count)
        y.withUnsafeMutableBufferPointer { yb in f(x, yb.baseAddress!, x.count, seed, offset, p + [0]) }
        return y
    }

    func halfBackward(_ spec: String, dtype: String, _ x: [UInt16], y: [Float], gradOut: [UInt16], _ p: [Double]) throws -> [UInt16] {
        let f = try symbol("kgt_\(spec)_backward_\(dtype)", as: BackwardHalf.self)
        var g = [UInt16](repeating: 0xFFFF, count: x.count)
        g.withUnsafeMutableBufferPointer { gb in f(x, y, gradOut, gb.baseAddress!, x.count, p + [0]) }
        return g
    }

    func halfTrainBackward(_ spec: String, dtype: String, _ x: [UInt16], y: [Float], gradOut: [UInt16], seed: UInt64, offset: UInt64 = 0,
                           _ p: [Double]) throws -> [UInt16] {
        let f = try symbol("kgt_\(spec)_train_backward_\(dtype)", as: TrainBackwardHalf.self)
        var g = [UInt16](repeating: 0xFFFF, count: x.count)
        g.withUnsafeMutableBufferPointer { gb in f(x, y, gradOut, gb.baseAddress!, x.count, seed, offset, p + [0]) }
        return g
    }
}

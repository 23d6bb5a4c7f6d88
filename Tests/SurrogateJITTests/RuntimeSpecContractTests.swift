import Foundation
import Surrogates
import SurrogateSources
import SurrogateSpec
import Testing
@testable import SurrogateJIT

/// Runtime specs never alias built-ins silently; parameters must be finite in the kernels' dtype; a hostile
/// disk-cache entry is a miss, never a crash.
@Suite(.serialized) struct RuntimeSpecContractTests {
    /// A private table holding the built-in kernels, so replacing `sigmoid` leaves `.builtin` alone.
    func builtinCopy() -> DispatchTable {
        let table = DispatchTable()
        GeneratedSurrogates.register(into: table)
        return table
    }

    /// The registry `generate` wrote and the JIT's descriptor come from one function (`SurrogateDescriptor(spec:)`):
    /// equal, field by field, for every built-in spec (an `integer` flag or a primitive lost on one side fails here).
    @Test func theGeneratedDescriptorsAreTheJITsDescriptorsOfTheSameSpecs() throws {
        #expect(GeneratedSurrogates.descriptors.map(\.name) == EmbeddedSources.specs.keys.sorted())
        for generated in GeneratedSurrogates.descriptors {
            let source = try #require(EmbeddedSources.source(named: generated.name))
            let spec = try #require(SpecLoader.load(yaml: source.yaml, file: source.file).0)
            #expect(generated == SurrogateJIT.descriptor(spec), "\(generated.name)")
            #expect(generated.ops == KernelOps(spec.kernelOps), "\(generated.name)")
        }
    }

    @Test func aRuntimeSpecThatChangesABuiltinIsNeverServedByTheBuiltinKernels() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = builtinCopy()
        jit.install(in: table)
        // `sigmoid` redefined as k * x: the built-in c and swift kernels compute something else.
        try jit.load(yaml: "name: sigmoid\nsummary: not the built-in\nparams:\n  k: 2\nbackward: k * x\n", into: table)
        for backend in [Backend.c, .swift] {
            #expect(throws: SurrogateError.replacedSpec(surrogate: "sigmoid", backend: backend)) {
                let _: BoundSurrogate<Double> = try table.surrogate("sigmoid", backend: backend, parameters: ["k": 3])
            }
        }
        let s: BoundSurrogate<Double> = try table.surrogate("sigmoid", backend: .jit, parameters: ["k": 3])
        #expect(s.backend == .jit)
        #expect(try s.backward([0.5]) == [1.5])
    }

    @Test func theIdenticalBuiltinSpecKeepsItsKernels() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = builtinCopy()
        try jit.load(yaml: try #require(EmbeddedSources.specs["gaussian"]), file: "Specs/gaussian.yaml", into: table)
        let s: BoundSurrogate<Double> = try table.surrogate("gaussian", backend: .c)
        #expect(s.backend == .c)
    }

    @Test func parametersMustBeFiniteInTheKernelsDtype() throws {
        #expect(throws: SurrogateError.parameterNotRepresentable("scale", value: 1e39, dtype: .f32, surrogate: "sigmoid")) {
            let _: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("sigmoid", parameters: ["scale": 1e39])
        }
        let wide: BoundSurrogate<Double> = try DispatchTable.builtin.surrogate("sigmoid", parameters: ["scale": 1e39])
        #expect(wide.parameterValues == [1e39])
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: JITError.self) {
            _ = try jit.compile(try jit.spec(named: "sigmoid"), parameters: ["scale": 1e39], dtype: Float.self)
        }
    }

    /// A tiny sigma: `x^2 / (2 sigma^2)` must stay a division (`x^2 * (1 / (2 sigma^2))` overflows and gives NaN at 0).
    @Test func tinyParametersGiveTheTrueValue() throws {
        for backend in [Backend.c, .swift] {
            let s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("gaussian", backend: backend, parameters: ["sigma": 1e-20])
            let g = try s.backward([0])[0]
            let truth = 1 / (1e-20 * (2 * Double.pi).squareRoot())
            #expect(abs(Double(g) - truth) <= 4 * Double(Float(truth).ulp), "\(backend): \(g)")
        }
    }

    @Test func aCacheEntryWithAHugeLengthIsAMiss() {
        var bytes = Array("KGJIT1\n".utf8)
        withUnsafeBytes(of: UInt64.max.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: (UInt64(Int.max) - 3).littleEndian) { bytes += $0 }
        #expect(DiskCache.decode(bytes, material: "x") == nil)
        var second = Array("KGJIT1\n".utf8)
        withUnsafeBytes(of: UInt64(1).littleEndian) { second += $0 }
        second += Array("x".utf8)
        withUnsafeBytes(of: UInt64(1).littleEndian) { second += $0 }
        withUnsafeBytes(of: (UInt64(Int.max) - 20).littleEndian) { second += $0 }
        #expect(DiskCache.decode(second, material: "x") == nil)
    }
}

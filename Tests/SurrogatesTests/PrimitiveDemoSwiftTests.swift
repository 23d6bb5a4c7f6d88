import Surrogates
import SurrogateTestSupport
import Testing

/// The Swift kernels of the primitive-only spec (`PrimitiveDemo/PrimitiveDemoKernels.swift`, the generator's
/// output, kept fresh by `PrimitiveEndToEndTests`): its primitive and derived backward against the hand-written
/// Float80 functions.
@Suite struct PrimitiveDemoSwiftTests {
    @Test func float32() {
        let x = PrimitiveDemo.points(Float.self)
        var y = [Float](repeating: .nan, count: x.count), g = [Float](repeating: .nan, count: x.count)
        let ones = [Float](repeating: 1, count: x.count)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { PrimitiveDemoKernels.primitive(xb, into: $0, k: 2, w: 0.5) }
            ones.withUnsafeBufferPointer { ob in
                g.withUnsafeMutableBufferPointer { PrimitiveDemoKernels.backward(xb, gradOut: ob, into: $0, k: 2, w: 0.5) }
            }
        }
        let misses = PrimitiveDemo.misses(x: x, primitive: y, gradient: g, label: "swift f32")
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    @Test func float64() {
        let x = PrimitiveDemo.points(Double.self)
        var y = [Double](repeating: .nan, count: x.count), g = [Double](repeating: .nan, count: x.count)
        let ones = [Double](repeating: 1, count: x.count)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { PrimitiveDemoKernels.primitive(xb, into: $0, k: 2, w: 0.5) }
            ones.withUnsafeBufferPointer { ob in
                g.withUnsafeMutableBufferPointer { PrimitiveDemoKernels.backward(xb, gradOut: ob, into: $0, k: 2, w: 0.5) }
            }
        }
        let misses = PrimitiveDemo.misses(x: x, primitive: y, gradient: g, label: "swift f64")
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(5))")
    }

    /// The runtime refuses the call for a surrogate whose kernels have no primitive (its spec gives none).
    @Test func aSurrogateWithoutPrimitiveRefusesTheCall() throws {
        let table = DispatchTable()
        table.register(SurrogateDescriptor(name: "no_primitive", summary: "", parameters: [], hasTrainForward: false,
                                           isStochastic: false, backwardReadsY: false))
        table.register(KernelSet<Float>(forward: { _, y, n, _ in for i in 0..<n { y[i] = 1 } },
                                        backward: { _, _, _, gi, n, _ in for i in 0..<n { gi[i] = 0 } }),
                       surrogate: "no_primitive", backend: .swift)
        let s: BoundSurrogate<Float> = try table.surrogate("no_primitive", backend: .swift)
        #expect(throws: SurrogateError.noPrimitive(surrogate: "no_primitive")) { try s.primitive([1, 2]) }
        #expect(SurrogateError.noPrimitive(surrogate: "no_primitive").description
                == "`no_primitive` has no primitive (its spec gives no `primitive:` formula); expected a surrogate whose spec has one, or the forward")
    }
}

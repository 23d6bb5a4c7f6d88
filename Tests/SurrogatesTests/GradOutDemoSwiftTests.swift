import Surrogates
import SurrogateTestSupport
import Testing

/// The Swift kernels of the spec whose backward clips grad_out (`GradOutDemo/GradOutDemoKernels.swift`, the
/// generator's output, checked fresh by `GradOutBackendTests`) against `GradOutDemo.gradIn` in Float80.
@Suite struct GradOutDemoSwiftTests {
    func misses<T: KernelScalar>(_: T.Type, _ backward: (UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void) -> [String] {
        let (x, g) = GradOutDemo.inputs(T.self)
        var out = [T](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in out.withUnsafeMutableBufferPointer { backward(xb, gb, $0) } } }
        return GradOutDemo.misses(x: x, gradOut: g, gradIn: out, label: "swift \(T.self)")
    }

    @Test func float() {
        let m = misses(Float.self) { GradOutDemoKernels.backward($0, gradOut: $1, into: $2, clip: 0.5, scale: 4) }
        #expect(m.isEmpty, "\(m.count) misses: \(m.prefix(5))")
    }

    @Test func double() {
        let m = misses(Double.self) { GradOutDemoKernels.backward($0, gradOut: $1, into: $2, clip: 0.5, scale: 4) }
        #expect(m.isEmpty, "\(m.count) misses: \(m.prefix(5))")
    }
}

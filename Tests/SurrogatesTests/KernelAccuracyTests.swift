import SurrogateTestSupport
import Testing
@testable import Surrogates

/// Every surrogate, both dtypes, both backends, against the Float80 references, on the grid and edges.
@Suite struct KernelAccuracyTests {
    typealias R = Float80

    typealias Case = ReferenceCase

    static let cases: [Case] = [
        Case(name: "sigmoid", parameters: [:]) { Reference.sigmoidBackward($0, scale: 5) },
        Case(name: "sigmoid", parameters: ["scale": 0.75]) { Reference.sigmoidBackward($0, scale: 0.75) },
        Case(name: "arctan", parameters: [:]) { Reference.arctanBackward($0, scale: 2) },
        Case(name: "arctan", parameters: ["scale": 7]) { Reference.arctanBackward($0, scale: 7) },
        Case(name: "piecewise_linear", parameters: [:]) { Reference.piecewiseLinearBackward($0, gamma: 1) },
        Case(name: "piecewise_linear", parameters: ["gamma": 0.375]) { Reference.piecewiseLinearBackward($0, gamma: 0.375) },
        Case(name: "gaussian", parameters: [:]) { Reference.gaussianBackward($0, sigma: 1) },
        Case(name: "gaussian", parameters: ["sigma": 0.5]) { Reference.gaussianBackward($0, sigma: 0.5) },
        // Eval mode: y = H(x) in {0, 1}, so scale * y * (1 - y) = 0 everywhere (NaN input: y = 0).
        Case(name: "noisy_threshold", parameters: [:]) { _ in 0 },
    ]

    func check<T: KernelScalar>(_ c: Case, _: T.Type, backend: Backend) throws {
        let s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate(c.name, backend: backend, parameters: c.parameters)
        let misses = try c.misses(s).misses
        let count = misses.count, first = misses.prefix(3)
        #expect(count == 0, "\(c.name) \(T.self) \(backend): \(count) misses, first: \(first)")
    }

    @Test(arguments: cases, [Backend.c, .swift])
    func float32(_ c: Case, backend: Backend) throws { try check(c, Float.self, backend: backend) }

    @Test(arguments: cases, [Backend.c, .swift])
    func float64(_ c: Case, backend: Backend) throws { try check(c, Double.self, backend: backend) }

    /// The sigmoid backward is emitted as scale * sigmoid_grad(scale * x) (no `1 - sigmoid` to cancel), so it
    /// holds 4 ulp of its own value, also far out in the tails where the general bound's allowance would
    /// otherwise dominate (given the kernel's rounded argument `scale * x`, whose rounding the tails amplify).
    @Test(arguments: [Backend.c, .swift])
    func sigmoidBackwardWithinFourUlpOfItsValue(backend: Backend) throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            let s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("sigmoid", dtype: T.self, backend: backend, parameters: ["scale": 5])
            let x = Inputs.all(T.self)
            let g = try s.backward(x)
            for i in x.indices {
                let ref = 5 * Reference.sigmoidBackward(R(5 * x[i]), scale: 1)
                guard !ref.isNaN else { #expect(g[i].isNaN); continue }
                let ulp = R(max(T(ref).ulp, T.leastNonzeroMagnitude))
                #expect((R(g[i]) - ref).magnitude <= 4 * ulp, "\(T.self) \(backend) x = \(x[i]): \(g[i]) vs \(ref)")
            }
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// SpikeDE's stated edge behaviour, spelled out.
    @Test func ieeeEdgesAsInTheSeed() throws {
        func bound(_ name: String) throws -> BoundSurrogate<Float> { try DispatchTable.builtin.surrogate(name) }
        for name in ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold"] {
            let s = try bound(name)
            #expect(try s.forward([.nan, -0.0, 0.0, -Float.leastNonzeroMagnitude], step: 0) == [0, 1, 1, 0], "\(name)")
            #expect(try s.backward([.infinity, -.infinity]) == [0, 0], "\(name)")
        }
        #expect(try bound("sigmoid").backward([.nan])[0].isNaN)
        #expect(try bound("arctan").backward([.nan])[0].isNaN)
        #expect(try bound("gaussian").backward([.nan])[0].isNaN)
        #expect(try bound("piecewise_linear").backward([.nan, -1, 1, -1.0000001, 1.0000001]) == [0, 0.5, 0.5, 0, 0])
    }

    /// Every spec: C and Swift kernels round identically (no FP contraction on either side), so they agree bit for bit.
    @Test(arguments: SpecFiles.names)
    func backendsAgreeBitForBit(_ name: String) throws {
        func outputs<T: KernelScalar>(_: T.Type, _ backend: Backend, mode: SurrogateMode) throws -> [T] {
            var s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate(name, dtype: T.self, backend: backend)
            s.mode = mode
            let x = Inputs.all(T.self)
            let y = try s.forward(x)
            return y + (try s.backward(x, y: y))
        }
        func same<T: KernelScalar>(_ a: [T], _ b: [T]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0 == $1 && $0.sign == $1.sign || ($0.isNaN && $1.isNaN) }
        }
        for mode in [SurrogateMode.eval, .train(sample: true, seed: 42), .train(sample: false, seed: 0)] {
            #expect(same(try outputs(Float.self, .c, mode: mode), try outputs(Float.self, .swift, mode: mode)), "\(mode)")
            #expect(same(try outputs(Double.self, .c, mode: mode), try outputs(Double.self, .swift, mode: mode)), "\(mode)")
        }
    }
}

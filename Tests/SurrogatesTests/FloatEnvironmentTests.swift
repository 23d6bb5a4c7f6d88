import Testing
@testable import Surrogates

/// Flush-to-zero mode of `BoundSurrogate`: underflowing results become 0, results just above the smallest
/// normal number may too (their intermediates underflowed), every other result is the IEEE one bit for
/// bit, on every thread of a call, and the caller's own mode is left as it was.
@Suite(.enabled(if: FloatEnvironment.canFlushSubnormals))
struct FloatEnvironmentTests {
    /// x in [-4, 4): the gaussian with sigma 0.25 underflows beyond |x| ~ 3.3 (float) and ~ 9.6 never
    /// (double stays normal here), so float sees subnormal results, both halves of the array.
    static func inputs<T: KernelScalar>(_: T.Type, count: Int) -> [T] {
        (0..<count).map { T(Double($0 % 8000) / 1000 - 4) }
    }

    func check<T: KernelScalar>(_: T.Type, backend: Backend, threads: Int, count: Int) throws {
        var s: BoundSurrogate<T> = try DispatchTable.builtin.surrogate("gaussian", dtype: T.self, backend: backend, parameters: ["sigma": 0.25])
        s.threads = threads
        let x = Self.inputs(T.self, count: count)
        let ieee = try s.backward(x)
        s.flushesSubnormals = true
        #expect(!FloatEnvironment.isFlushingSubnormals)
        let flushed = try s.backward(x)
        #expect(!FloatEnvironment.isFlushingSubnormals, "the caller's mode is restored")
        if T.self == Float.self {
            #expect(ieee[..<(count / 2)].contains { $0.isSubnormal } && ieee[(count / 2)...].contains { $0.isSubnormal },
                    "the inputs must produce subnormal results in both halves for this test to mean anything")
        }
        var wrong = 0
        for i in x.indices {
            let ok: Bool
            if ieee[i].isSubnormal {
                ok = flushed[i] == 0
            } else if ieee[i].magnitude < 64 * T.leastNormalMagnitude {
                ok = flushed[i] == 0 || flushed[i] == ieee[i]
            } else {
                ok = flushed[i] == ieee[i] || (ieee[i].isNaN && flushed[i].isNaN)
            }
            if !ok { wrong += 1 }
        }
        #expect(wrong == 0, "\(T.self) \(backend) threads \(threads): \(wrong) results differ")
    }

    @Test(arguments: [Backend.c, .swift])
    func underflowingResultsBecomeZeroAndTheRestAreUnchanged(backend: Backend) throws {
        try check(Float.self, backend: backend, threads: 1, count: 8000)
        try check(Double.self, backend: backend, threads: 1, count: 8000)
    }

    /// Each worker thread of a threaded call flushes (chunks of at least `Parallel.minimumChunk`).
    @Test func everyThreadOfACallFlushes() throws {
        try check(Float.self, backend: .c, threads: 2, count: 4 * Parallel.minimumChunk)
    }

    /// A caller that flushes already keeps flushing, and an unflushed call inside it runs in its mode.
    @Test func theCallersModeIsKept() throws {
        let s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("gaussian", parameters: ["sigma": 0.25])
        FloatEnvironment.withSubnormals(flushed: true) {
            #expect(FloatEnvironment.isFlushingSubnormals)
            var flushing = s
            flushing.flushesSubnormals = true
            let y = try? flushing.backward([3.5])
            #expect(FloatEnvironment.isFlushingSubnormals)
            #expect(y == [0])
            #expect((try? s.backward([3.5])) == [0])
        }
        #expect(!FloatEnvironment.isFlushingSubnormals)
        #expect(try s.backward([3.5])[0].isSubnormal)
    }
}

import Foundation
import KernelEmit
import Surrogates
import SurrogateJIT
import SurrogateSpec
import SurrogateTestSupport
import Testing

/// bfloat16 and float16 kernels (ahead-of-time C as the package builds it, the same C built by `cc` (GCC), and the
/// JIT): each result is the float32 kernel's value rounded once to nearest even, bit for bit (NaN where it is NaN),
/// for every op of every built-in surrogate on a grid with the edges; the conversions on every half-type pattern
/// and on every class of float. The references are written here, apart from the code under test: bfloat16's nearest
/// value by comparing the two neighbours in Double, float16's by Swift's own `Float16(Float)` (compiler-rt).
@Suite(.serialized) struct HalfTypeKernelTests {
    enum Half: String, CaseIterable { case bf16, f16 }

    static func nearestBFloat16(_ f: Float) -> UInt16? { HalfReference.nearestBFloat16(f) }

    static func nearest(_ f: Float, _ half: Half) -> UInt16? {
        guard !f.isNaN else { return nil }
        return half == .bf16 ? nearestBFloat16(f) : Float16(f).bitPattern
    }

    static func value(_ bits: UInt16, _ half: Half) -> Float {
        half == .bf16 ? Float(bitPattern: UInt32(bits) << 16) : Float(Float16(bitPattern: bits))
    }

    static func isNaN(_ bits: UInt16, _ half: Half) -> Bool { value(bits, half).isNaN }

    /// Bit-for-bit misses of `got` against `expected` float32 values rounded (NaN: any NaN).
    static func misses(_ got: [UInt16], rounding expected: [Float], _ half: Half, inputs: [Float], label: String) -> [String] {
        zip(got.indices, zip(got, expected)).compactMap { i, pair in
            let (g, e) = pair
            if let want = nearest(e, half) {
                return g == want ? nil : "\(label) at x = \(inputs[i]): 0x\(String(g, radix: 16)), expected 0x\(String(want, radix: 16)) (\(e))"
            }
            return isNaN(g, half) ? nil : "\(label) at x = \(inputs[i]): 0x\(String(g, radix: 16)), expected NaN"
        }
    }

    /// Inputs each half type holds exactly: [-12, 12] in 0.01 steps and the edges (0, -0, +-inf, NaN, subnormals, the
    /// smallest normal, huge values), rounded to the type.
    static func inputs(_ half: Half) -> [UInt16] {
        var xs: [Float] = stride(from: -12, through: 12, by: 0.01).map { Float($0) }
        xs += [0, -0.0, .infinity, -.infinity, .nan, 1e-40, -1e-40, 1e-7, -1e-7, 6e-8, 1e-5, 65504, -65504, 1e30, -1e30, 3e38, -3e38,
               .leastNormalMagnitude, Float(bitPattern: 0x0001_0000)]
        return xs.map { nearest($0, half) ?? (half == .bf16 ? 0x7FC0 : 0x7E00) }
    }

    static func specs() throws -> [Spec] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let names = DispatchTable.builtin.descriptors.map(\.name)
        return try names.map { name in
            let yaml = try String(contentsOf: root.appendingPathComponent("Specs/\(name).yaml"), encoding: .utf8)
            return try #require(SpecLoader.load(yaml: yaml, file: "Specs/\(name).yaml").0)
        }
    }

    /// Every op of every built-in surrogate from the dispatch table's C kernels (clang, target clones) and the JIT's.
    @Test(arguments: [Backend.c, .jit]) func everyOpIsTheFloatKernelRoundedOnce(backend: Backend) throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        GeneratedSurrogates.register(into: table)
        jit.install(in: table)
        var misses: [String] = []
        for descriptor in table.descriptors {
            for half in Half.allCases {
                misses += try check(descriptor, half, backend: backend, table: table)
            }
        }
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(6))")
    }

    func check(_ d: SurrogateDescriptor, _ half: Half, backend: Backend, table: DispatchTable) throws -> [String] {
        switch half {
        case .bf16: try check(d, BFloat16.self, half, backend: backend, table: table)
        case .f16: try check(d, Float16.self, half, backend: backend, table: table)
        }
    }

    func check<H: KernelStorage>(_ d: SurrogateDescriptor, _: H.Type, _ half: Half, backend: Backend, table: DispatchTable) throws -> [String]
    where H.Compute == Float {
        let bits = Self.inputs(half)
        let x = bits.map { Self.value($0, half) }
        let g = x.indices.map { Self.nearest(Float($0 % 7) - 3, half)! }  // -3 ... 3
        let gw = g.map { Self.value($0, half) }
        let label = "\(d.name) \(half) \(backend)"
        var s: BoundSurrogate<H> = try table.surrogate(d.name, backend: backend)
        var f: BoundSurrogate<Float> = try table.surrogate(d.name, backend: backend)
        #expect(s.backend == backend && f.backend == backend)
        func map(_ body: (UnsafeBufferPointer<H>, UnsafeMutableBufferPointer<H>) throws -> Void) rethrows -> [UInt16] {
            var out = [UInt16](repeating: 0xFFFF, count: bits.count)
            try bits.withUnsafeBytes { xb in
                try out.withUnsafeMutableBytes { ob in
                    try body(UnsafeBufferPointer(start: xb.baseAddress!.assumingMemoryBound(to: H.self), count: bits.count),
                             UnsafeMutableBufferPointer(start: ob.baseAddress!.assumingMemoryBound(to: H.self), count: bits.count))
                }
            }
            return out
        }
        func gradient(y: [Float]?, step: UInt64) throws -> [UInt16] {
            var out = [UInt16](repeating: 0xFFFF, count: bits.count)
            try bits.withUnsafeBytes { xb in
                try g.withUnsafeBytes { gb in
                    try out.withUnsafeMutableBytes { ob in
                        let xs = UnsafeBufferPointer(start: xb.baseAddress!.assumingMemoryBound(to: H.self), count: bits.count)
                        let gs = UnsafeBufferPointer(start: gb.baseAddress!.assumingMemoryBound(to: H.self), count: bits.count)
                        let os = UnsafeMutableBufferPointer(start: ob.baseAddress!.assumingMemoryBound(to: H.self), count: bits.count)
                        if let y {
                            try y.withUnsafeBufferPointer { yb in try s.backward(xs, y: yb, gradOut: gs, into: os, step: step) }
                        } else {
                            try s.backward(xs, gradOut: gs, into: os, step: step)
                        }
                    }
                }
            }
            return out
        }
        var misses: [String] = []
        for mode in [SurrogateMode.eval, .train(sample: true, seed: 42), .train(sample: false, seed: 0)] {
            s.mode = mode
            f.mode = mode
            let wide = try f.forward(x, step: 3, offset: 0)
            misses += Self.misses(try map { try s.forward($0, into: $1, step: 3) }, rounding: wide, half, inputs: x, label: "\(label) forward \(mode)")
            // The backward reads the float32 forward output (the value before rounding), as PyTorch saves it.
            let y = d.backwardReadsY ? wide : nil
            let expected = try f.backward(x, y: y ?? x, gradOut: gw, step: 3)
            misses += Self.misses(try gradient(y: y, step: 3), rounding: expected, half, inputs: x, label: "\(label) backward \(mode)")
        }
        if d.hasPrimitive {
            misses += Self.misses(try map { try s.primitive($0, into: $1) }, rounding: try f.primitive(x), half, inputs: x, label: "\(label) primitive")
        }
        return misses
    }

    /// The same C built by `cc` (GCC here: the integer float16 conversions, no interleave pragma) as a user builds the
    /// library, against the dispatch table's float32 C kernels.
    @Test func theCLibraryBuiltByCCAgrees() throws {
        let cc = try #require(ExternalTools.find("cc") ?? ExternalTools.find("clang"), "no C compiler")
        let specs = try Self.specs()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kg-half-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try SpecSetChecks.generate(specs, into: out).isEmpty)
        let library = try AOTLibrary(cc: cc, generated: out, specs: specs)
        var misses: [String] = []
        for spec in specs {
            let d = try DispatchTable.builtin.descriptor(spec.name)
            let p = d.parameters.map(\.defaultValue)
            var f: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate(spec.name, backend: .c)
            for half in Half.allCases {
                let bits = Self.inputs(half)
                let x = bits.map { Self.value($0, half) }
                let g = x.indices.map { Self.nearest(Float($0 % 5) - 2, half)! }
                let gw = g.map { Self.value($0, half) }
                let label = "cc \(spec.name) \(half)"
                f.mode = .eval
                let y = try f.forward(x, step: 0)
                misses += Self.misses(try library.half(spec.name, op: "forward", dtype: half.rawValue, bits, p), rounding: y, half, inputs: x,
                                      label: "\(label) forward")
                misses += Self.misses(try library.halfBackward(spec.name, dtype: half.rawValue, bits, y: y, gradOut: g, p),
                                      rounding: try f.backward(x, y: y, gradOut: gw), half, inputs: x, label: "\(label) backward")
                if d.hasTrainForward {
                    f.mode = .train(sample: true, seed: 9)  // step 0 keys Philox with the seed itself, as the C kernels' seed
                    misses += Self.misses(try library.halfTrainForward(spec.name, dtype: half.rawValue, bits, seed: 9, offset: 5, p),
                                          rounding: try f.forward(x, step: 0, offset: 5), half, inputs: x, label: "\(label) train_forward")
                    f.mode = .train(sample: false, seed: 0)
                    misses += Self.misses(try library.half(spec.name, op: "train_forward_mean", dtype: half.rawValue, bits, p),
                                          rounding: try f.forward(x, step: 0), half, inputs: x, label: "\(label) train_forward_mean")
                }
                if d.hasTrainBackward {
                    f.mode = .train(sample: true, seed: 9)
                    misses += Self.misses(try library.halfTrainBackward(spec.name, dtype: half.rawValue, bits, y: y, gradOut: g, seed: 9, offset: 5, p),
                                          rounding: try f.backward(x, y: y, gradOut: gw, step: 0, offset: 5), half, inputs: x,
                                          label: "\(label) train_backward")
                }
                if d.hasPrimitive {
                    misses += Self.misses(try library.half(spec.name, op: "primitive", dtype: half.rawValue, bits, p),
                                          rounding: try f.primitive(x), half, inputs: x, label: "\(label) primitive")
                }
            }
        }
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(6))")
    }

    /// `forward: x` and `backward: x * y` in the JIT: the forward is the conversion there and back, so every one of
    /// the 65,536 patterns comes back (NaN as a NaN); the backward at x = 1 rounds the float32 y, tried on every
    /// exponent and sign with the low halves where rounding decides (ties, just below and above, NaN payloads).
    @Test func conversionsOnEveryPattern() throws {
        let yaml = "name: half_probe\nsummary: Conversions.\nforward: x\nbackward: x * y\n"
        let spec = try #require(SpecLoader.load(yaml: yaml, file: "Specs/half_probe.yaml").0)
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let every = (0...0xFFFF).map { UInt16($0) }
        var floats: [Float] = []
        for high in 0...0xFFFF as ClosedRange<UInt32> {
            for low: UInt32 in [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x1000, 0x0FFF, 0x2000] {
                floats.append(Float(bitPattern: high << 16 | low))
            }
        }
        var misses: [String] = []
        for half in Half.allCases {
            let one: UInt16 = half == .bf16 ? 0x3F80 : 0x3C00
            let (back, rounded) = half == .bf16 ? try probe(jit, spec, BFloat16.self, every, floats, one: one)
                                                : try probe(jit, spec, Float16.self, every, floats, one: one)
            for (h, b) in zip(every, back) where Self.isNaN(h, half) ? !Self.isNaN(b, half) : b != h {
                misses.append("\(half) round trip of 0x\(String(h, radix: 16)): 0x\(String(b, radix: 16))")
            }
            misses += Self.misses(rounded, rounding: floats, half, inputs: floats, label: "\(half) store")
        }
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(6))")
        // The Swift type rounds as the kernels do.
        for y in floats.prefix(200_000) where !y.isNaN {
            #expect(BFloat16(y).bitPattern == Self.nearestBFloat16(y), "BFloat16(\(y))")
        }
        #expect(BFloat16(Float.nan).floatValue.isNaN && BFloat16(-Float.nan).floatValue.sign == .minus)
    }

    func probe<H: KernelStorage>(_ jit: SurrogateJIT, _ spec: Spec, _: H.Type, _ every: [UInt16], _ floats: [Float],
                                 one: UInt16) throws -> ([UInt16], [UInt16]) where H.Compute == Float {
        let k = try jit.compile(spec, dtype: H.self).kernelSet
        var back = [UInt16](repeating: 0, count: every.count)
        every.withUnsafeBytes { xb in
            back.withUnsafeMutableBytes { ob in
                k.forward(xb.baseAddress!.assumingMemoryBound(to: H.self), ob.baseAddress!.assumingMemoryBound(to: H.self), every.count, [0])
            }
        }
        let ones = [UInt16](repeating: one, count: floats.count)
        var rounded = [UInt16](repeating: 0, count: floats.count)
        ones.withUnsafeBytes { xb in
            floats.withUnsafeBufferPointer { yb in
                rounded.withUnsafeMutableBytes { ob in
                    let x = xb.baseAddress!.assumingMemoryBound(to: H.self)
                    k.backward(x, yb.baseAddress!, x, ob.baseAddress!.assumingMemoryBound(to: H.self), floats.count, [0])
                }
            }
        }
        return (back, rounded)
    }

    /// The Swift backend has no half-type kernels: the error names the backends that do.
    @Test func swiftBackendRefusesWithTheServingBackends() throws {
        let (jit, dir) = try freshJIT()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = DispatchTable()
        GeneratedSurrogates.register(into: table)
        jit.install(in: table)
        let error = #expect(throws: SurrogateError.self) {
            let _: BoundSurrogate<BFloat16> = try table.surrogate("sigmoid", backend: .swift)
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("bf16") && text.contains("jit"), "\(text)")
    }
}

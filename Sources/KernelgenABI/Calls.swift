import Surrogates

// kg_forward, kg_train_forward, kg_train_forward_mean, kg_backward: the per-call path. A call checks its
// pointers (non-NULL unless n == 0, outputs disjoint from inputs), copies the handle's bound surrogate with the
// mode set, and runs it; it allocates nothing unless it fails.

@_cdecl("kg_forward")
public func kg_forward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?, _ n: Int,
                       _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in try Call.forward(h, x, y, n, mode: .eval, offset: 0) }
}

@_cdecl("kg_train_forward")
public func kg_train_forward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?, _ n: Int,
                             _ seed: UInt64, _ offset: UInt64, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in try Call.forward(h, x, y, n, mode: .train(sample: true, seed: seed), offset: offset) }
}

@_cdecl("kg_train_forward_mean")
public func kg_train_forward_mean(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?, _ n: Int,
                                  _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in try Call.forward(h, x, y, n, mode: .train(sample: false, seed: 0), offset: 0) }
}

/// The primitive (smooth forward): ABI version 3.
@_cdecl("kg_primitive")
public func kg_primitive(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?, _ n: Int,
                         _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in try Call.primitive(h, x, y, n) }
}

@_cdecl("kg_backward")
public func kg_backward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeRawPointer?, _ gradOut: UnsafeRawPointer?,
                        _ gradIn: UnsafeMutableRawPointer?, _ n: Int, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in try Call.backward(h, x, y, gradOut, gradIn, n) }
}

/// The sampling backward, keyed by `(seed, offset)` as the paired `kg_train_forward`: ABI version 4.
@_cdecl("kg_train_backward")
public func kg_train_backward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeRawPointer?, _ gradOut: UnsafeRawPointer?,
                              _ gradIn: UnsafeMutableRawPointer?, _ n: Int, _ seed: UInt64, _ offset: UInt64,
                              _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        try Call.backward(h, x, y, gradOut, gradIn, n, mode: .train(sample: true, seed: seed), offset: offset)
    }
}

enum Call {
    static func forward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?, _ n: Int,
                        mode: SurrogateMode, offset: UInt64) throws(ABIError) {
        func open<B: AnyBoundSurrogate>(_ b: B) throws(ABIError) {
            var s = b.bound
            s.mode = mode
            try run(s, x, y, n, offset)
        }
        try open(try Handle.from(h).current)
    }

    static func primitive(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?, _ n: Int) throws(ABIError) {
        func open<B: AnyBoundSurrogate>(_ b: B) throws(ABIError) { try runPrimitive(b.bound, x, y, n) }
        try open(try Handle.from(h).current)
    }

    private static func runPrimitive<T: KernelStorage>(_ s: BoundSurrogate<T>, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?,
                                                      _ n: Int) throws(ABIError) {
        let bytes = try byteCount(n, T.self)
        // A surrogate without a primitive is refused whatever n is (an empty call must not hide the mistake).
        guard s.descriptor.hasPrimitive else { throw ABIError(.noPrimitive(surrogate: s.descriptor.name)) }
        guard n > 0 else { return }
        let xp = try array(x, "x", n), yp = try array(y.map(UnsafeRawPointer.init), "y", n)
        try disjoint(yp, "y", from: xp, "x", bytes: bytes)
        do {
            try s.primitive(UnsafeBufferPointer(start: xp.assumingMemoryBound(to: T.self), count: n),
                            into: UnsafeMutableBufferPointer(start: y!.assumingMemoryBound(to: T.self), count: n))
        } catch {
            throw ABIError(error)
        }
    }

    /// `mode` nil: the handle's own (the mean field for a backward that draws noise).
    static func backward(_ h: OpaquePointer?, _ x: UnsafeRawPointer?, _ y: UnsafeRawPointer?, _ gradOut: UnsafeRawPointer?,
                         _ gradIn: UnsafeMutableRawPointer?, _ n: Int, mode: SurrogateMode? = nil, offset: UInt64 = 0) throws(ABIError) {
        func open<B: AnyBoundSurrogate>(_ b: B) throws(ABIError) {
            var s = b.bound
            s.mode = mode ?? s.mode
            try run(s, x, y, gradOut, gradIn, n, offset)
        }
        try open(try Handle.from(h).current)
    }

    private static func run<T: KernelStorage>(_ s: BoundSurrogate<T>, _ x: UnsafeRawPointer?, _ y: UnsafeMutableRawPointer?,
                                             _ n: Int, _ offset: UInt64) throws(ABIError) {
        let bytes = try byteCount(n, T.self)
        guard n > 0 else { return }
        let xp = try array(x, "x", n), yp = try array(y.map(UnsafeRawPointer.init), "y", n)
        try disjoint(yp, "y", from: xp, "x", bytes: bytes)
        do {
            try s.forward(UnsafeBufferPointer(start: xp.assumingMemoryBound(to: T.self), count: n),
                          into: UnsafeMutableBufferPointer(start: y!.assumingMemoryBound(to: T.self), count: n),
                          step: 0, offset: offset)  // the ABI's (seed, offset) are explicit: step 0 keys Philox with the seed itself
        } catch {
            throw ABIError(error)
        }
    }

    /// y, when read, holds `T.Compute` (float32 for the half types: the forward's value before rounding).
    private static func run<T: KernelStorage>(_ s: BoundSurrogate<T>, _ x: UnsafeRawPointer?, _ y: UnsafeRawPointer?,
                                             _ gradOut: UnsafeRawPointer?, _ gradIn: UnsafeMutableRawPointer?,
                                             _ n: Int, _ offset: UInt64) throws(ABIError) {
        let bytes = try byteCount(n, T.self)
        let readsY = s.descriptor.backwardReadsY
        guard n > 0 else { return }  // every pointer may be NULL when n == 0 (the header's rule), y included
        if readsY, y == nil {
            throw ABIError(.needsForwardOutput, "the backward of `\(s.descriptor.name)` reads the forward output y, and y is NULL; pass y (the forward's result in the same mode)")
        }
        let xp = try array(x, "x", n), gp = try array(gradOut, "grad_out", n)
        let gip = try array(gradIn.map(UnsafeRawPointer.init), "grad_in", n)
        try disjoint(gip, "grad_in", from: xp, "x", bytes: bytes)
        try disjoint(gip, "grad_in", from: gp, "grad_out", bytes: bytes)
        var yBuffer: UnsafeBufferPointer<T.Compute>?
        if readsY, let y {
            try disjoint(gip, "grad_in", bytes, from: y, "y", try byteCount(n, T.Compute.self))
            yBuffer = UnsafeBufferPointer(start: y.assumingMemoryBound(to: T.Compute.self), count: n)
        }
        do {
            try s.backward(UnsafeBufferPointer(start: xp.assumingMemoryBound(to: T.self), count: n), y: yBuffer,
                           gradOut: UnsafeBufferPointer(start: gp.assumingMemoryBound(to: T.self), count: n),
                           into: UnsafeMutableBufferPointer(start: gradIn!.assumingMemoryBound(to: T.self), count: n),
                           step: 0, offset: offset)  // explicit (seed, offset), as kg_train_forward: step 0 keys with the seed
        } catch {
            throw ABIError(error)
        }
    }

    /// n * element size, refusing counts whose bytes do not fit an address (a negative Int is a size_t >= 2^63).
    @inline(__always)
    private static func byteCount<T>(_ n: Int, _: T.Type) throws(ABIError) -> Int {
        let (bytes, overflow) = n.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard n >= 0, !overflow else {
            throw ABIError(.invalidArgument, "n is \(UInt(bitPattern: n)) elements of \(MemoryLayout<T>.stride) bytes, more than an address space holds; expected the arrays' element count")
        }
        return bytes
    }

    @inline(__always)
    private static func array(_ p: UnsafeRawPointer?, _ name: String, _ n: Int) throws(ABIError) -> UnsafeRawPointer {
        guard let p else { throw ABIError(.invalidArgument, "\(name) is NULL with n = \(n); expected \(n) elements (NULL only when n == 0)") }
        return p
    }

    @inline(__always)
    private static func disjoint(_ out: UnsafeRawPointer, _ outName: String, from input: UnsafeRawPointer, _ inName: String,
                                 bytes: Int) throws(ABIError) {
        try disjoint(out, outName, bytes, from: input, inName, bytes)
    }

    /// Arrays of different sizes (a half type's output and its float32 y).
    @inline(__always)
    private static func disjoint(_ out: UnsafeRawPointer, _ outName: String, _ outBytes: Int, from input: UnsafeRawPointer,
                                 _ inName: String, _ inBytes: Int) throws(ABIError) {
        let a = UInt(bitPattern: out), b = UInt(bitPattern: input)
        guard a >= b &+ UInt(inBytes) || b >= a &+ UInt(outBytes) else {
            let sizes = outBytes == inBytes ? "\(outBytes) bytes" : "\(outBytes) and \(inBytes) bytes"
            throw ABIError(.invalidArgument, "\(outName) overlaps \(inName) (\(sizes) at \(out) and \(input)); expected an output array separate from the inputs")
        }
    }
}

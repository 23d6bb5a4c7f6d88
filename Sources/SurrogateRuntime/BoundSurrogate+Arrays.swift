/// Array forms of `BoundSurrogate`'s operations: the same arguments in the same order as the buffer forms,
/// a new array out, and the same errors. (Float and Double: a half type's backward reads a Float `y`, which its
/// forward does not make; use the buffer forms.)
extension BoundSurrogate where T: KernelScalar {
    /// Forward of the current mode for `x` (shape `[n]`, out `[n]`, element type `T`), noise from
    /// `self.step`, which then advances by one if noise was drawn (see `BoundSurrogate`).
    /// - Throws: `SurrogateError` (no error is possible for arrays today; the signature matches `backward`).
    public mutating func forward(_ x: [T]) throws(SurrogateError) -> [T] {
        let y = try forward(x, step: step)
        if drawsNoise { step &+= 1 }
        return y
    }

    /// Forward of the current mode for `x` with noise of step `step`, element `i` at counter `offset + i`;
    /// does not change `self.step`.
    /// - Throws: `SurrogateError` (as `forward(_:)`).
    public func forward(_ x: [T], step: UInt64, offset: UInt64 = 0) throws(SurrogateError) -> [T] {
        try [T](unsafeUninitializedCapacity: x.count) { (out, count) throws(SurrogateError) in
            try x.withUnsafeBufferPointer { (xb) throws(SurrogateError) in try forward(xb, into: out, step: step, offset: offset) }
            count = x.count
        }
    }

    /// The primitive (smooth forward) of `x` (shape `[n]`, out `[n]`); see `primitive(_:into:)`.
    /// - Throws: `SurrogateError.noPrimitive` when the spec has no `primitive:`.
    public func primitive(_ x: [T]) throws(SurrogateError) -> [T] {
        try [T](unsafeUninitializedCapacity: x.count) { (out, count) throws(SurrogateError) in
            try x.withUnsafeBufferPointer { (xb) throws(SurrogateError) in try primitive(xb, into: out) }
            count = x.count
        }
    }

    /// grad_in for `x` (shape `[n]`, out `[n]`): `gradOut` defaults to ones; `y`, when the backward reads it
    /// and it is nil, is recomputed by the forward of noise step `step` (nil: the latest advancing forward's,
    /// `self.step - 1`, or 0 before any) at `offset`. A backward that draws noise samples that same step in
    /// training with sampling (see `backward(_:y:gradOut:into:step:offset:)`).
    /// - Throws: `SurrogateError.lengthMismatch` when `y` or `gradOut` is shorter than `x`.
    public func backward(_ x: [T], y: [T]? = nil, gradOut: [T]? = nil, step: UInt64? = nil,
                         offset: UInt64 = 0) throws(SurrogateError) -> [T] {
        let g = gradOut ?? [T](repeating: 1, count: x.count)
        let latest = latestStep
        var forwardOutput = y
        if descriptor.backwardReadsY, y == nil {
            forwardOutput = try forward(x, step: step ?? latest, offset: offset)
        }
        var result = [T](repeating: 0, count: x.count)
        try x.withUnsafeBufferPointer { (xb) throws(SurrogateError) in
            try g.withUnsafeBufferPointer { (gb) throws(SurrogateError) in
                try result.withUnsafeMutableBufferPointer { (rb) throws(SurrogateError) in
                    if let forwardOutput {
                        try forwardOutput.withUnsafeBufferPointer { (yb) throws(SurrogateError) in
                            try backward(xb, y: yb, gradOut: gb, into: rb, step: step ?? latest, offset: offset)
                        }
                    } else {
                        try backward(xb, gradOut: gb, into: rb, step: step ?? latest, offset: offset)
                    }
                }
            }
        }
        return result
    }
}

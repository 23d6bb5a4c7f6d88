/// The fourth word of a Philox counter, which separates the noise streams drawn under one key. A counter is
/// (element block low, block high, noise call site, stream): the training forward draws stream 0, the per-call key
/// derivation (`Philox.key(seed:step:)`) uses 1 and the sampling backward (`train_backward`) 2, so a backward
/// never repeats its forward's bits for the same key and offset, and no derived key is a draw.
public enum NoiseStream: Sendable {
    public static let trainForward: UInt32 = 0
    public static let keyDerivation: UInt32 = 1
    public static let trainBackward: UInt32 = 2
}

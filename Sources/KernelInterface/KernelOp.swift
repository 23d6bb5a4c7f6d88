/// The kernels a surrogate is emitted as: the one list of ops. The templates' per-op keys, the C symbols, the
/// PyTorch and Triton modules' function names, the JIT's `--ops`, `KernelOps` and the ABI all derive from it;
/// which ops a given spec has is `Spec.formula(for:)` (SurrogateSpec), the one place that maps an op to the
/// formula its kernel computes.
///
/// Adding an op is a case here, its formula in `Spec.formula(for:)`, and its lines in the templates.
public enum KernelOp: String, CaseIterable, Sendable, Hashable {
    /// `y = forward(x)`, the hard spike of eval (and of training when the spec has no `train_forward`).
    case forward
    /// `grad_in = grad_out * backward(x)`: the surrogate gradient (its mean field when the backward draws noise).
    case backward
    /// `y = train_forward(x)` with noise from (seed, offset): the training forward, sampled.
    case trainForward
    /// The training forward with each draw replaced by its mean (the mean field).
    case trainForwardMean
    /// The spec's `primitive`: the smooth forward whose derivative the backward is.
    case primitive
    /// The backward with its noise sampled from (seed, offset), stream `NoiseStream.trainBackward`.
    case trainBackward

    /// `train_forward`: the op's part of the C symbols (`kg_sigmoid_train_forward_f32`), the name of its function
    /// in the PyTorch and Triton modules, and its spelling in `--ops` and the ABI.
    public var symbolName: String {
        switch self {
        case .forward: "forward"
        case .backward: "backward"
        case .trainForward: "train_forward"
        case .trainForwardMean: "train_forward_mean"
        case .primitive: "primitive"
        case .trainBackward: "train_backward"
        }
    }

    /// The op named `symbolName` (`train_forward`), or nil.
    public init?(symbolName: String) {
        guard let op = Self.allCases.first(where: { $0.symbolName == symbolName }) else { return nil }
        self = op
    }

    /// `trainForward`: the key of the templates' per-op dictionaries (`emit`, `cUnused`, `readsX`, `elementC`).
    public var contextKey: String { rawValue }

    /// A gradient kernel: (x, y or nil, grad_out) -> grad_in; the others map x -> y.
    public var isGradient: Bool { self == .backward || self == .trainBackward }

    /// Takes a Philox key and a counter offset (seed, offset) after its arrays.
    public var takesNoiseKey: Bool { self == .trainForward || self == .trainBackward }

    /// The counter's fourth word of the draws this op's kernel makes.
    public var noiseStream: UInt32 { self == .trainBackward ? NoiseStream.trainBackward : NoiseStream.trainForward }
}

/// A set of ops (the ahead-of-time build emits all a spec has; the JIT may compile fewer). Bit `i` is
/// `KernelOp.allCases[i]`, so the raw values are stable as long as cases are only appended.
public struct KernelOps: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public init(_ op: KernelOp) { self.init(rawValue: 1 << KernelOp.allCases.firstIndex(of: op)!) }

    public init<S: Sequence<KernelOp>>(_ ops: S) { self.init(rawValue: ops.reduce(0) { $0 | KernelOps($1).rawValue }) }

    public static let forward = KernelOps(.forward)
    public static let backward = KernelOps(.backward)
    public static let trainForward = KernelOps(.trainForward)
    public static let trainForwardMean = KernelOps(.trainForwardMean)
    public static let primitive = KernelOps(.primitive)
    public static let trainBackward = KernelOps(.trainBackward)
    public static let all = KernelOps(KernelOp.allCases)

    public func contains(_ op: KernelOp) -> Bool { contains(KernelOps(op)) }

    /// The ops in the set, in `KernelOp.allCases` order.
    public var members: [KernelOp] { KernelOp.allCases.filter { contains($0) } }
}

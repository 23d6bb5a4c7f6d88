import Foundation
import SurrogateSpec

/// The Triton backend: one Python module per spec (`Templates/Python/triton.py.stencil`) with a `@triton.jit`
/// kernel per op and element type, from the same function table (`FormulaFunction.triton`) and rewrites as the C
/// kernels, for CUDA tensors (and CPU tensors under Triton's interpreter, `TRITON_INTERPRET=1`).
///
/// Every kernel takes its tensors as pointers to `n` contiguous elements, the parameters as `tl.constexpr`
/// (`c_<name>`: Triton compiles one kernel per value set and caches it, as the JIT specialises), and a block size
/// `BLOCK`; the sampling kernels also take the Philox key `seed` and the element counter `offset` (both uint64),
/// and draw the C kernels' bits: Philox-4x32-10 with the same counter layout, streams and uniform conversion, so
/// a sampled kernel gives the C kernel's values for the same key and offset.
///
/// The module's `KERNELS` maps `(op, dtype)` (`"forward"`, `"float32"`) to the kernel; `kernelgen.torch` launches
/// them (`backend="triton"`, and CUDA tensors by default).
public enum TritonSource {
    /// The template the module is rendered from (also embedded in `EmbeddedSources.pythonTemplates`).
    public static let template = "Python/triton.py.stencil"

    /// The module for `spec` from the templates in `templatesDirectory` (the tests' way).
    public static func render(spec: Spec, specFile: String? = nil, templatesDirectory: String) throws -> String {
        try render(spec: spec, specFile: specFile, generator: Generator(templatesDirectory: templatesDirectory))
    }

    /// The module for `spec` from a generator's templates (a folder's, or the embedded copies).
    public static func render(spec: Spec, specFile: String? = nil, generator: Generator) throws -> String {
        try generator.pythonModule(spec: spec, specFile: specFile, template: template) { file in
            let context = TritonContext(spec: spec, specFile: file)
            return ["surrogate": context, "noise": context.noise]
        }
    }
}

/// What the Triton template sees of one surrogate. Free text is raw here and written only through the Python
/// escaping filters (`pythonComment`, `pythonDoc`, `pythonString`).
public struct TritonContext: Sendable {
    public var name: String
    public var summary: String
    public var docLines: [String]
    public var specFile: String
    /// The spec's parameters (the PyTorch module's description of them: name, exact default and bounds).
    public var params: [ParameterContext]
    /// `c_alpha: tl.constexpr, ` per parameter (or empty), before `BLOCK`.
    public var constexprArgs: String
    /// The flags as Python (`True`/`False`): `hasTrainForward`, `isStochastic`, `backwardReadsY`, `hasPrimitive`,
    /// `hasTrainBackward`.
    public var flags: [String: String]
    public var kernels: [TritonKernel]
    /// Python tuples of strings: the integer parameters' names, the sampling kernels' names.
    public var integerParameters: String
    public var samplingKernels: String
    /// The clamp of u before the logistic transform, [1e-6, 1 - 1e-6] in each element type, as Triton literals:
    /// `lowF32`, `highF32`, `lowF64`, `highF64`.
    public var noise: [String: String]

    public init(spec: Spec, specFile: String) {
        name = spec.name
        summary = spec.summary
        docLines = SourceText.lines(spec.doc ?? "").map { $0.trimmingCharacters(in: .whitespaces) }
        while docLines.last?.isEmpty == true { docLines.removeLast() }
        self.specFile = specFile
        params = spec.params.enumerated().map { ParameterContext(ParameterInfo($1), index: $0) }
        constexprArgs = spec.params.map { "\(EmittedNames.tritonConstant($0.name)): tl.constexpr, " }.joined()
        let python = { (b: Bool) in b ? "True" : "False" }
        // The facts the module states are the runtime descriptor's (`SurrogateDescriptor(spec:)`).
        let d = SurrogateDescriptor(spec: spec)
        flags = ["hasTrainForward": python(d.hasTrainForward), "isStochastic": python(d.isStochastic),
                 "backwardReadsY": python(d.backwardReadsY), "hasPrimitive": python(d.hasPrimitive),
                 "hasTrainBackward": python(d.hasTrainBackward)]
        let f32 = Dialect(.triton, .float32), f64 = Dialect(.triton, .float64)
        noise = ["lowF32": f32.literal(KernelNoise.low), "highF32": f32.literal(KernelNoise.high),
                 "lowF64": f64.literal(KernelNoise.low), "highF64": f64.literal(KernelNoise.high)]
        kernels = spec.opFormulas.flatMap { kernel in
            ElementType.allCases.map { TritonKernel(kernel, element: $0, params: spec.params) }
        }
        integerParameters = Self.tuple(spec.params.filter(\.integer).map(\.name))
        samplingKernels = Self.tuple(kernels.filter(\.samples).map(\.name))
    }
}

extension TritonContext {
    /// `()`, `("a",)`, `("a", "b")`: a Python tuple of string literals.
    static func tuple(_ items: [String]) -> String {
        let literals = items.map(SourceText.pythonStringLiteral)
        return literals.count == 1 ? "(\(literals[0]),)" : "(\(literals.joined(separator: ", ")))"
    }
}

/// One `@triton.jit` kernel: an op for one element type.
public struct TritonKernel: Sendable {
    /// `forward_f32`, `train_backward_f64`, ...: the op's name (the PyTorch module's) and the element's suffix.
    public var name: String
    /// The op's name: `forward`, `backward`, `train_forward`, `train_forward_mean`, `train_backward`, `primitive`.
    public var op: String
    /// `float32` or `float64` (torch's dtype names).
    public var dtype: String
    /// `tl.float32` or `tl.float64`.
    public var elementType: String
    /// The pointer arguments before `n`: `x_ptr, out_ptr` or `x_ptr, y_ptr, g_ptr, out_ptr`.
    public var pointers: String
    public var isBackward: Bool
    public var readsY: Bool
    /// A backward that reads `grad_out` (so it is grad_in itself).
    public var readsGradOut: Bool
    /// Draws noise: takes `seed` and `offset` and computes the draws `u<site>` of `draws`.
    public var samples: Bool
    public var meanField: Bool
    /// `u0 = _kg_uniformf(seed, _kg_j, 0, 2)`: the element's U[0, 1) draw for each noise call site.
    public var draws: [String]
    /// `p_alpha = tl.full((), c_alpha, tl.float32)`: the parameters as 0-d values of the element type.
    public var params: [String]
    public var locals: [String]
    /// What the kernel stores: the expression, times `grad_out` in a backward that does not read it.
    public var result: String
    /// The formula as the spec means it (raw, written through `pythonComment`).
    public var formula: String

    init(_ kernel: OpFormula, element: ElementType, params specParams: [Parameter]) {
        let f = kernel.formula
        op = kernel.op.symbolName
        name = "\(self.op)_\(element.rawValue)"
        dtype = element == .float32 ? "float32" : "float64"
        var dialect = Dialect(.triton, element)
        dialect.inputName = "x"
        dialect.outputName = "y"
        elementType = dialect.typeName
        isBackward = kernel.op.isGradient
        pointers = isBackward ? "x_ptr, y_ptr, g_ptr, out_ptr" : "x_ptr, out_ptr"
        readsY = f.expr.readsY
        readsGradOut = f.expr.usesGradOut
        meanField = kernel.meanField
        formula = "\(f.expr)"
        let e = KernelContext.prepare(f.expr, element: element, meanField: meanField)
        var sites = Set<Int>()
        e.walk { if case .call(_, _, let site?) = $0.kind { sites.insert(site) } }
        samples = !sites.isEmpty
        dialect.noiseStream = kernel.op.noiseStream
        let suffix = element.libmSuffix
        draws = sites.sorted().map { "\(dialect.noiseBits(site: $0)) = _kg_uniform\(suffix)(seed, _kg_j, \($0), \(dialect.noiseStream))" }
        params = specParams.map {
            "\(EmittedNames.pythonParameter($0.name)) = tl.full((), \(EmittedNames.tritonConstant($0.name)), \(dialect.typeName))"
        }
        let lane = Lane(e, ExpressionPrinter(dialect))
        locals = lane.locals
        result = (isBackward && !f.expr.usesGradOut ? "grad_out * " : "") + lane.expression
    }
}

import SurrogateSpec

/// How one backend spells the pieces of a formula. The function spellings themselves come from
/// `FunctionTable` (one table for every backend); a dialect only fills in the placeholders.
///
/// `torch` is Python over PyTorch tensors (`TorchSource`): `x`, `y` and the parameters are tensors of the
/// input's dtype and device, literals are Python floats already rounded to the element type (PyTorch
/// converts a Python scalar to the tensor's dtype, exactly for such a value, and never promotes the tensor),
/// comparisons are bool tensors and become 1/0 in the input's dtype, selects are `torch.where` (both sides
/// evaluated, as everywhere), and noise site `k` reads `u<k>`, the call's one U[0, 1) draw for that site.
///
/// `triton` is Python inside a `@triton.jit` kernel (`TritonSource`): `x`, `y`, `grad_out` are blocks of the
/// element type, parameters 0-d values of it (`p_<name>`, made from the `tl.constexpr` `c_<name>`), literals
/// Python floats where Triton types them exactly (it makes a float constant float32 when its magnitude is a normal
/// float32's) and `tl.full((), v, dtype)` otherwise, float32 division `div_rn` (Triton's `/` is approximate in
/// float32 on CUDA), and noise site `k` reads `u<k>`, the element's U[0, 1) draw from the kernels' Philox stream.
public struct Dialect: Sendable {
    public enum Language: Sendable { case c, swift, torch, triton }

    public var language: Language
    public var element: ElementType
    /// Name of the local holding the element's input (`x`) and forward output (`y`).
    public var inputName = "xi"
    public var outputName = "yi"
    /// The element's incoming gradient (`grad_out` in a backward that reads it).
    public var gradOutName: String {
        gradOutOverride ?? (language == .c ? "grad_out[i]" : language == .swift ? "gradOut[i]" : "grad_out")
    }
    /// How a kernel reads it when not as a plain array element (a half-type C kernel widens it: `kg_bf16_load(...)`).
    public var gradOutOverride: String?
    /// Python dialects (PyTorch, Triton).
    var isPython: Bool { language == .torch || language == .triton }
    /// Where noise bits come from: per element (from its global index), or lane `k` of the Philox blocks
    /// `b<site>` that a whole-block loop computed once for several elements.
    public var noiseSource: NoiseSource = .element

    public enum NoiseSource: Sendable { case element, blockLane(Int) }

    /// The fourth Philox counter word of this kernel's noise (`NoiseStream`): 0 for the training forward, 2 for
    /// the sampling backward, so the two never draw the same bits for one key.
    public var noiseStream: UInt32 = NoiseStream.trainForward

    /// Triton: parameters are the kernel's `tl.constexpr` `c_<name>` (a surrogate's kernels, specialised to them), so
    /// a sum's bounds print as those; false where they are runtime values (a neuron's `p_<name>`, loaded).
    public var tritonConstexprParameters = true

    public init(_ language: Language, _ element: ElementType) {
        self.language = language
        self.element = element
    }

    var typeName: String {
        switch language {
        case .c: element.cName
        case .swift: element.swiftName
        case .torch: element == .float32 ? "_torch.float32" : "_torch.float64"
        case .triton: element == .float32 ? "tl.float32" : "tl.float64"
        }
    }

    /// Parameters print as their C name in C and Swift (Swift kernels name their arguments so too), and as
    /// the naming authority's Python name in PyTorch (the same `p_<name>`).
    public func paramName(_ p: String) -> String {
        isPython ? EmittedNames.pythonParameter(p) : EmittedNames.cParameter(p)
    }

    func literal(_ v: Double) -> String {
        let rounded = element == .float32 ? Double(Float(v)) : v
        switch language {
        case .c:
            if rounded.isNaN { return "__builtin_nan\(element.libmSuffix)(\"\")" }
            if rounded.isInfinite { return (rounded < 0 ? "-" : "") + "__builtin_inf\(element.libmSuffix)()" }
            return ExactLiteral.hex(rounded) + (element == .float32 ? "f" : "")
        case .swift:
            if rounded.isNaN { return "\(typeName).nan" }
            if rounded.isInfinite { return "(\(rounded < 0 ? "-" : "")\(typeName).infinity)" }
            return "(\(ExactLiteral.hex(rounded)) as \(typeName))"
        case .torch:
            return Self.pythonFloat(rounded)
        case .triton:
            // Triton types a float constant float32 when it is 0, inf, NaN or of a normal float32's magnitude, else
            // float64: a value exact in float32 (and in that range) is exact as a Python float in either lane.
            if !rounded.isFinite { return Self.pythonFloat(rounded) }
            let magnitude = rounded.magnitude
            let float32Typed = rounded == 0
                || (magnitude >= Double(Float.leastNormalMagnitude) && magnitude <= Double(Float.greatestFiniteMagnitude))
            if float32Typed && Double(Float(rounded)) == rounded { return Self.pythonFloat(rounded) }
            return typedLiteral(rounded)
        }
    }

    /// `tl.full((), v, <dtype>)`: a 0-d value of the element type, exact (Triton: any constant).
    func typedLiteral(_ v: Double) -> String {
        "tl.full((), \(Self.pythonFloat(element == .float32 ? Double(Float(v)) : v)), \(typeName))"
    }

    /// An exact Python float expression for `v`: `2.0`, `-0.0` for integers below 2^53 in magnitude,
    /// `float.fromhex('0x1.999999999999ap-4')` otherwise, `float('inf')`, `float('-inf')`, `float('nan')`.
    public static func pythonFloat(_ v: Double) -> String {
        if v.isNaN { return "float('nan')" }
        if v.isInfinite { return v < 0 ? "float('-inf')" : "float('inf')" }
        if v == v.rounded(), v.magnitude < 0x1p53 {
            return (v.sign == .minus ? "-" : "") + "\(Int64(v.magnitude)).0"
        }
        return "float.fromhex('\(ExactLiteral.hex(v))')"
    }

    /// The 64 random bits of noise call site `site` for the current element.
    func noiseBits(site: Int) -> String {
        switch (language, noiseSource) {
        case (.c, .element) where noiseStream != NoiseStream.trainForward:
            return "kg_noise_stream_bits\(element.libmSuffix)(seed, offset + i, \(site)u, \(noiseStream)u)"
        case (.c, .element): return "kg_noise_bits\(element.libmSuffix)(seed, offset + i, \(site)u)"
        case (.c, .blockLane(let k)): return "kg_block_bits\(element.libmSuffix)(b\(site), \(k))"
        case (.swift, .element) where noiseStream != NoiseStream.trainForward:
            return "Philox.bits(seed: seed, element: offset &+ UInt64(truncatingIfNeeded: i), site: \(site), stream: \(noiseStream), as: \(typeName).self)"
        case (.swift, .element):
            return "Philox.bits(seed: seed, element: offset &+ UInt64(truncatingIfNeeded: i), site: \(site), as: \(typeName).self)"
        case (.swift, .blockLane(let k)):
            return "Philox.bits(b\(site), lane: \(k), as: \(typeName).self)"
        case (.torch, _):
            return "u\(site)"
        // The element's U[0, 1) draw for the site, one local per stream (a neuron's backward reads both).
        case (.triton, _):
            return noiseStream == NoiseStream.trainForward ? "u\(site)" : "u\(site)_s\(noiseStream)"
        }
    }

    func spell(_ f: FormulaFunction, _ args: [String], site: Int?) -> String {
        var s: String
        switch language {
        case .c: s = f.c
        case .swift: s = f.swift
        case .torch: s = f.torch
        case .triton: s = f.triton
        }
        s = s.replacingOccurrences(of: "{f}", with: element.libmSuffix)
            .replacingOccurrences(of: "{T}", with: typeName)
            .replacingOccurrences(of: "{noise}", with: site.map(noiseBits) ?? "")
        // Replace from the highest index so `$1` is not a prefix problem for `$10` (arity <= 3 anyway).
        for (i, a) in args.enumerated().reversed() { s = s.replacingOccurrences(of: "$\(i)", with: a) }
        return s
    }

    func selectNumber(_ condition: String) -> String {
        switch language {
        case .c, .swift: return "(\(condition) ? \(literal(1)) : \(literal(0)))"
        // A bool tensor as 1/0 in the input's dtype (exact, whatever the device).
        case .torch: return "\(condition).to(\(inputName).dtype)"
        case .triton: return "\(condition).to(\(typeName))"
        }
    }
}

/// Prints an AST as a C or Swift expression of the dialect's element type. Comparisons and logic
/// print as selects, never as branches, so loops stay vectorisable.
public struct ExpressionPrinter: Sendable {
    public var dialect: Dialect

    public init(_ dialect: Dialect) { self.dialect = dialect }

    public func print(_ e: Expr) -> String {
        switch e.kind {
        case .number(let v): return dialect.literal(v)
        case .variable(.x): return dialect.inputName
        case .variable(.y): return dialect.outputName
        case .variable(.gradOut): return dialect.gradOutName
        case .param(let p): return dialect.paramName(p)
        case .constant(let c): return dialect.literal(FormulaConstant.values[c] ?? .nan)
        case .local(let name): return name
        case .index(let name):
            let k = EmittedNames.sumIndex(name)
            switch dialect.language {
            case .c: return "((\(dialect.element.cName))\(k))"
            case .swift: return "\(dialect.element.swiftName)(\(k))"
            case .torch: return k // a 0-d tensor of the input's dtype (see `Lane`)
            case .triton: return "tl.cast(\(k), \(dialect.typeName))"
            }
        case .sum:
            // `Lane` lifts every sum into a loop before printing; a sum reaching here is an emitter bug.
            preconditionFailure("sum printed as an expression: \(e)")
        case .unary(.negate, let a): return "(-\(print(a)))"
        case .unary(.plus, let a): return print(a)
        case .unary(.not, _), .binary(.less, _, _), .binary(.lessEqual, _, _), .binary(.greater, _, _),
             .binary(.greaterEqual, _, _), .binary(.equal, _, _), .binary(.notEqual, _, _),
             .binary(.and, _, _), .binary(.or, _, _):
            return dialect.selectNumber(condition(e))
        case .binary(.power, let a, let b):
            return power(a, b)
        case .binary(.divide, let a, let b) where dialect.language == .triton && dialect.element == .float32:
            return "_libdevice.div_rn(\(print(a)), \(print(b)))"
        case .binary(let op, let a, let b):
            return "(\(print(a)) \(op.rawValue) \(print(b)))"
        case .call("where", let args, _) where args.count == 3:
            if dialect.language == .torch { return torchWhere(args[0], args[1], args[2]) }
            if dialect.language == .triton { return tritonWhere(args[0], args[1], args[2]) }
            return "(\(condition(args[0])) ? \(print(args[1])) : \(print(args[2])))"
        case .call(let name, let args, let site):
            guard let f = FunctionTable.function(named: name) else { return dialect.literal(.nan) }
            return dialect.spell(f, args.map(print), site: site)
        }
    }

    /// An integer expression (the bounds of a sum: integer literals and parameters with `+ - *`, checked by the
    /// parser) in the backend's 64-bit integers: C `kg_i64`, Swift `Int64` (wrapping operators: the parser bounds
    /// every value, so nothing wraps), Python `int`. Integer parameters arrive as exact values of the element type.
    public func printInteger(_ e: Expr) -> String {
        switch e.kind {
        case .number(let v):
            let n = Int64(exactly: v) ?? 0
            switch dialect.language {
            case .c: return "((kg_i64)\(n))"
            case .swift: return "(\(n) as Int64)"
            case .torch, .triton: return "\(n)"
            }
        case .param(let p):
            switch dialect.language {
            case .c: return "((kg_i64)\(dialect.paramName(p)))"
            case .swift: return "Int64(\(dialect.paramName(p)))"
            case .torch: return "int(\(dialect.paramName(p)))"
            // The kernel's `tl.constexpr` (an int for an integer parameter), so a sum's bounds are constants.
            case .triton:
                return dialect.tritonConstexprParameters ? EmittedNames.tritonConstant(p) : "\(dialect.paramName(p)).to(tl.int64)"
            }
        case .unary(.negate, let a): return dialect.language == .swift ? "(0 &- \(printInteger(a)))" : "(-\(printInteger(a)))"
        case .unary(.plus, let a): return printInteger(a)
        case .binary(let op, let a, let b) where op == .add || op == .subtract || op == .multiply:
            let symbol = dialect.language == .swift ? "&" + op.rawValue : op.rawValue
            return "(\(printInteger(a)) \(symbol) \(printInteger(b)))"
        default:
            preconditionFailure("not an integer expression: \(e)")
        }
    }

    /// A boolean-typed expression for a truth value: comparisons print directly, numbers compare with 0.
    /// C uses `&`/`|` on the 0/1 results (no short circuit, so no branch); Swift's `&&` on pure operands
    /// is folded to a select by the optimiser.
    func condition(_ e: Expr) -> String {
        switch e.kind {
        case .binary(let op, let a, let b) where op.isBoolean && op != .and && op != .or:
            return "(\(print(a)) \(op.rawValue) \(print(b)))"
        // Triton: in 8-bit integers (its interpreter cannot combine a 0-d boolean with a block of them).
        case .binary(.and, let a, let b) where dialect.language == .triton:
            return "(((\(condition(a))).to(tl.int8) & (\(condition(b))).to(tl.int8)) != 0)"
        case .binary(.or, let a, let b) where dialect.language == .triton:
            return "(((\(condition(a))).to(tl.int8) | (\(condition(b))).to(tl.int8)) != 0)"
        case .binary(.and, let a, let b):
            return "(\(condition(a)) \(dialect.language == .swift ? "&&" : "&") \(condition(b)))"
        case .binary(.or, let a, let b):
            return "(\(condition(a)) \(dialect.language == .swift ? "||" : "|") \(condition(b)))"
        case .unary(.not, let a):
            return dialect.isPython ? "(~\(condition(a)))" : "(!\(condition(a)))"
        case .number(let v) where dialect.language == .torch:
            // A constant truth value as a bool tensor of the input's shape (a Python bool is not a tensor).
            return "_torch.full_like(\(dialect.inputName), \(v != 0 ? "True" : "False"), dtype=_torch.bool)"
        default:
            return "(\(print(e)) != \(dialect.literal(0)))"
        }
    }

    /// Whether `e` prints as a Python float rather than a tensor in the PyTorch dialect: a folded constant.
    /// Everything else reads `x`, `y`, a parameter (a 0-d tensor), a local or a draw.
    static func isPythonScalar(_ e: Expr) -> Bool {
        switch e.kind {
        case .number, .constant: return true
        default: return false
        }
    }

    /// `torch.where(c, a, b)`; when neither side is a tensor one is made a 0-d tensor of the input's dtype
    /// and device (`torch.where` of two Python floats would take the default dtype, float32).
    func torchWhere(_ c: Expr, _ a: Expr, _ b: Expr) -> String {
        var first = print(a)
        if Self.isPythonScalar(a) && Self.isPythonScalar(b) { first = "\(dialect.inputName).new_tensor(\(first))" }
        return "_torch.where(\(condition(c)), \(first), \(print(b)))"
    }

    /// `tl.where(c, a, b)`; when both sides are Python floats one is a typed 0-d value of the element type (Triton types
    /// a select of two Python floats float32, which would make what follows float32 in a float64 kernel).
    func tritonWhere(_ c: Expr, _ a: Expr, _ b: Expr) -> String {
        var first = print(a)
        if Self.isPythonScalar(a) && Self.isPythonScalar(b) {
            switch a.kind {
            case .number(let v): first = dialect.typedLiteral(v)
            case .constant(let name): first = dialect.typedLiteral(FormulaConstant.values[name] ?? .nan)
            default: break
            }
        }
        return "tl.where(\(condition(c)), \(first), \(print(b)))"
    }

    /// Small integer powers become products (exact for ^2, a few ulps at most otherwise); the rest calls pow.
    func power(_ base: Expr, _ exponent: Expr) -> String {
        if case .number(let n) = exponent.kind, n == n.rounded(), (1...4).contains(n) {
            let b = print(base)
            return "(" + Array(repeating: b, count: Int(n)).joined(separator: " * ") + ")"
        }
        switch dialect.language {
        case .c: return "__builtin_pow\(dialect.element.libmSuffix)(\(print(base)), \(print(exponent)))"
        case .swift: return "KernelMath.pow(\(print(base)), \(print(exponent)))"
        // A Python-number exponent would take torch's pow(Tensor, Scalar), which computes 0.5 and -0.5 as sqrt and
        // rsqrt (-0 -> -0, -inf -> NaN, unlike C99 pow); a 0-d tensor exponent takes the elementwise pow (C99's).
        case .torch:
            let e = Self.isPythonScalar(exponent) ? "\(dialect.inputName).new_tensor(\(print(exponent)))" : print(exponent)
            return "_torch.pow(\(print(base)), \(e))"
        // libdevice's pow is C99's; both operands in the element type (it has no mixed form).
        case .triton:
            let operand = { (e: Expr) in
                if case .number(let v) = e.kind { return dialect.typedLiteral(v) }
                if case .constant(let c) = e.kind { return dialect.typedLiteral(FormulaConstant.values[c] ?? .nan) }
                return print(e)
            }
            return "_libdevice.pow(\(operand(base)), \(operand(exponent)))"
        }
    }
}

import Foundation
import Surrogates
import SurrogateJIT

/// `kg_status` of kernelgen_abi.h (the values must match the header's).
enum ABIStatus: Int32 {
    case ok = 0
    case invalidArgument = 1
    case unknownSurrogate = 2
    case badParameter = 3
    case invalidSpec = 4
    case noKernel = 5
    case compileFailed = 6
    case needsForwardOutput = 7
    case internalError = 99
}

/// An error on its way to C: a status and the message written to `char **error`.
struct ABIError: Error {
    var status: ABIStatus
    var message: String

    init(_ status: ABIStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The runtime's errors, which already say what was asked, what is wrong and what is accepted.
    init(_ error: SurrogateError) {
        let status: ABIStatus
        switch error {
        case .unknownSurrogate, .unknownNeuron: status = .unknownSurrogate
        case .unknownParameter, .parameterOutOfBounds, .parameterNotRepresentable, .parameterNotInteger: status = .badParameter
        case .replacedSpec, .noKernel, .noPrimitive, .noNeuronKernel, .replacedNeuronSpec: status = .noKernel
        case .compileFailed: status = .compileFailed
        case .forwardOutputRequired: status = .needsForwardOutput
        case .lengthMismatch, .invalidShape: status = .invalidArgument
        }
        self.init(status, error.description)
    }

    /// The JIT's errors, with their own messages; `compiler` is the status a compile failure gets (a source that
    /// only renders, such as a Triton module, reports one as an internal error).
    init(_ error: JITError, compiler: ABIStatus = .compileFailed) {
        let status: ABIStatus
        switch error {
        case .unknownSurrogate: status = .unknownSurrogate
        case .invalidParameters: status = .badParameter
        case .invalidSpec: status = .invalidSpec
        case .compiler: status = compiler
        }
        self.init(status, error.description)
    }
}

/// `char **` out-parameters.
public typealias StringOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

enum ABI {
    /// A malloc'ed copy of `text` for the caller (freed with kg_free).
    static func copy(_ text: String) -> UnsafeMutablePointer<CChar>? { strdup(text) }

    /// Writes `value` to `out` when `out` is non-NULL.
    static func give(_ value: String, to out: StringOut?) {
        out?.pointee = copy(value)
    }

    /// Runs `body`; a thrown ABIError becomes its status and message (in `error` when non-NULL).
    @inline(__always)
    static func run(_ errorOut: StringOut?, _ body: () throws(ABIError) -> Void) -> Int32 {
        do {
            try body()
            return ABIStatus.ok.rawValue
        } catch {
            give(error.message, to: errorOut)
            return error.status.rawValue
        }
    }

    /// A required C string argument.
    /// A caller's NUL-terminated string, refused unless it is UTF-8 (never repaired: a spec text with a stray byte
    /// is an error at its line and column, as a spec file is, not a different spec with U+FFFD in it).
    static func string(_ pointer: UnsafePointer<CChar>?, _ what: String) throws(ABIError) -> String {
        guard let pointer else { throw ABIError(.invalidArgument, "\(what) is NULL; expected a NUL-terminated UTF-8 string") }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var (line, column, offset) = (1, 1, 0)
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            offset += UTF8.width(scalar)
            if scalar == "\n" { (line, column) = (line + 1, 1) } else { column += 1 }
        }
        throw ABIError(.invalidArgument, "\(what) is not UTF-8 text: an invalid byte at offset \(offset) (line \(line), column \(column)); expected a NUL-terminated UTF-8 string")
    }

    /// JSON text of an `Encodable` value (keys sorted, as `json(_:)`).
    static func json(encoding value: some Encodable) throws(ABIError) -> String {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw ABIError(.internalError, "could not encode JSON: \(error)")
        }
    }

    /// JSON text of a JSONSerialization-compatible value.
    static func json(_ value: Any) throws(ABIError) -> String {
        do {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw ABIError(.internalError, "could not encode JSON: \(error)")
        }
    }
}

import Foundation
import NameSuggestion
import Surrogates

// kg_bind, kg_release and a handle's settings and facts.

@_cdecl("kg_bind")
public func kg_bind(_ name: UnsafePointer<CChar>?, _ backend: UnsafePointer<CChar>?, _ dtype: UnsafePointer<CChar>?,
                    _ paramNames: UnsafePointer<UnsafePointer<CChar>?>?, _ paramValues: UnsafePointer<Double>?, _ count: Int,
                    _ handle: UnsafeMutablePointer<OpaquePointer?>?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        guard let handle else { throw ABIError(.invalidArgument, "handle is NULL; expected a kg_handle ** to receive the handle") }
        let name = try ABI.string(name, "name")
        let backendText = try ABI.string(backend, "backend")
        guard let chosen = Backend(rawValue: backendText) else {
            throw ABIError(.invalidArgument, "backend `\(backendText)` of `\(name)` is not one of c, swift, jit")
        }
        let dtypeText = try ABI.string(dtype, "dtype")
        let parameters = try Binding.parameters(paramNames, paramValues, count, surrogate: name)
        let start = ContinuousClock.now
        let table = Runtime.table
        let bound: any AnyBoundSurrogate
        do {
            switch DType(name: dtypeText) {
            case .f32: bound = try table.surrogate(name, dtype: Float.self, backend: chosen, parameters: parameters)
            case .f64: bound = try table.surrogate(name, dtype: Double.self, backend: chosen, parameters: parameters)
            case .bf16: bound = try table.surrogate(name, dtype: BFloat16.self, backend: chosen, parameters: parameters)
            case .f16: bound = try table.surrogate(name, dtype: Float16.self, backend: chosen, parameters: parameters)
            case nil: throw ABIError(.invalidArgument, "dtype `\(VisibleText.escaped(dtypeText))` of `\(VisibleText.escaped(name))` is not one of \(Binding.dtypeNames)")
            }
        } catch let e as SurrogateError {
            throw ABIError(e)
        } catch let e as ABIError {
            throw e
        } catch {
            throw ABIError(.internalError, "binding `\(name)`: \(error)")
        }
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        handle.pointee = Handle(bound, requestedBackend: chosen, bindMs: ms).retained()
    }
}

@_cdecl("kg_resolve_parameters")
public func kg_resolve_parameters(_ name: UnsafePointer<CChar>?, _ dtype: UnsafePointer<CChar>?,
                                  _ paramNames: UnsafePointer<UnsafePointer<CChar>?>?, _ paramValues: UnsafePointer<Double>?,
                                  _ count: Int, _ resolved: UnsafeMutablePointer<Double>?, _ capacity: Int, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let name = try ABI.string(name, "name")
        let dtypeText = try ABI.string(dtype, "dtype")
        let parameters = try Binding.parameters(paramNames, paramValues, count, surrogate: name)
        guard let dtype = DType(name: dtypeText) else {
            throw ABIError(.invalidArgument, "dtype `\(VisibleText.escaped(dtypeText))` of `\(VisibleText.escaped(name))` is not one of \(Binding.dtypeNames)")
        }
        let values: [Double]
        do throws(SurrogateError) {
            // The runtime's one check of parameter values, as kg_bind's (the table resolves catalogue names through the JIT).
            let descriptor = try Runtime.table.descriptor(name)
            // The half types compute in float32: their parameters are float32's.
            values = dtype == .f64 ? try descriptor.resolve(parameters, for: Double.self)
                                   : try descriptor.resolve(parameters, for: Float.self)
        } catch {
            throw ABIError(error)
        }
        guard !values.isEmpty else { return }
        guard let resolved, capacity >= values.count else {
            throw ABIError(.invalidArgument, "resolved holds \(capacity >= 0 ? "\(capacity)" : "too many") values (or is NULL); `\(name)` has \(values.count) parameters")
        }
        for (i, v) in values.enumerated() { resolved[i] = v }
    }
}

enum Binding {
    /// The dtypes kg_bind and kg_resolve_parameters take.
    static let dtypeNames = DType.allCases.map(\.name).joined(separator: ", ")

    /// Names and values from C, each name once.
    static func parameters(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ values: UnsafePointer<Double>?, _ count: Int,
                           surrogate: String) throws(ABIError) -> [String: Double] {
        guard count > 0 else { return [:] }
        guard count <= 1024 else { throw ABIError(.invalidArgument, "param_count of `\(surrogate)` is \(UInt(bitPattern: count)); expected at most 1024") }
        guard let names, let values else {
            throw ABIError(.invalidArgument, "param_names or param_values is NULL with param_count = \(count); expected \(count) names and values")
        }
        var result: [String: Double] = [:]
        for i in 0..<count {
            let name = try ABI.string(names[i], "param_names[\(i)]")
            guard result.updateValue(values[i], forKey: name) == nil else {
                throw ABIError(.badParameter, "parameter `\(name)` of `\(surrogate)` is given twice; expected each parameter once")
            }
        }
        return result
    }
}

@_cdecl("kg_release")
public func kg_release(_ handle: OpaquePointer?) { Handle.release(handle) }

@_cdecl("kg_handle_set_threads")
public func kg_handle_set_threads(_ h: OpaquePointer?, _ threads: Int32, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let handle = try Handle.from(h)
        guard (0...256).contains(threads) else {
            throw ABIError(.invalidArgument, "threads is \(threads); expected 0 (automatic) or a count from 1 to 256")
        }
        handle.setThreads(threads == 0 ? nil : Int(threads))
    }
}

@_cdecl("kg_handle_set_flush_subnormals")
public func kg_handle_set_flush_subnormals(_ h: OpaquePointer?, _ flush: Int32, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in try Handle.from(h).setFlushSubnormals(flush != 0) }
}

@_cdecl("kg_handle_json")
public func kg_handle_json(_ h: OpaquePointer?, _ json: StringOut?, _ error: StringOut?) -> Int32 {
    ABI.run(error) { () throws(ABIError) in
        let handle = try Handle.from(h)
        guard let json else { throw ABIError(.invalidArgument, "json is NULL; expected a char ** to receive the JSON text") }
        json.pointee = ABI.copy(try ABI.json(handle.facts))
    }
}

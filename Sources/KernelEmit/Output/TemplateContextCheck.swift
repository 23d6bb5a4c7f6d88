import Foundation
import Stencil

/// Records every template lookup of a field its context does not have. Stencil reads a missing field as nil,
/// which `{% if %}` takes for false and `{{ }}` prints as nothing, so a template that reads a field its context
/// lacks (a misspelling, a field renamed or never added) silently drops code. A generator given a check
/// (`Generator.contextCheck`) renders every template against contexts that report such lookups;
/// `TemplateContextTests` renders every template with every spec, neuron and backend that way and expects none.
public final class TemplateContextCheck: @unchecked Sendable {
    /// `C/kernels.inc.stencil: surrogate.kernels.*.integer`: each lookup of a field that does not exist.
    public var misses: Set<String> { lock.withLock { missed } }
    /// Every field name a template looked up and found (to tell fields never read from fields never reached).
    public var found: Set<String> { lock.withLock { resolved } }

    private var missed: Set<String> = []
    private var resolved: Set<String> = []
    private let lock = NSLock()

    public init() {}

    func wrap(_ context: [String: Any], template: String) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: context.map { ($0.key, wrap($0.value, path: $0.key, template: template)) })
    }

    func record(missing path: String, template: String) { _ = lock.withLock { missed.insert("\(template): \(path)") } }
    func record(found member: String) { _ = lock.withLock { resolved.insert(member) } }

    /// Scalars as they are (Stencil prints and compares them); arrays element by element; dictionaries and
    /// structs in a `CheckedValue`; optionals unwrapped (Stencil does the same).
    func wrap(_ value: Any, path: String, template: String) -> Any {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let some = mirror.children.first else { return value }
            return wrap(some.value, path: path, template: template)
        }
        switch value {
        case is String, is Bool, is Int, is Int64, is UInt32, is UInt64, is Double, is Float: return value
        case let array as [Any]:
            return array.map { wrap($0, path: "\(path).*", template: template) }
        case let dictionary as [String: Any]:
            return CheckedValue(dictionary, path: path, template: template, check: self)
        default:
            if mirror.displayStyle == .struct || mirror.displayStyle == .class {
                return CheckedValue(value, path: path, template: template, check: self)
            }
            return value
        }
    }
}

/// A context value whose fields are looked up through `TemplateContextCheck` (Stencil asks `DynamicMemberLookup`
/// values before reflecting on them).
final class CheckedValue: DynamicMemberLookup, CustomStringConvertible {
    let value: Any
    let path: String
    let template: String
    let check: TemplateContextCheck

    init(_ value: Any, path: String, template: String, check: TemplateContextCheck) {
        self.value = value
        self.path = path
        self.template = template
        self.check = check
    }

    subscript(dynamicMember member: String) -> Any? {
        let child: Any?
        if let dictionary = value as? [String: Any] {
            child = member == "count" ? dictionary.count : dictionary[member]
        } else {
            child = Mirror(reflecting: value).children.first { $0.label == member }?.value
        }
        guard let child else {
            check.record(missing: "\(path).\(member)", template: template)
            return nil
        }
        check.record(found: member)
        return check.wrap(child, path: "\(path).\(member)", template: template)
    }

    var description: String { "\(value)" }
}

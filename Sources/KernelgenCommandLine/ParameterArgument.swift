import ArgumentParser
import Foundation
import NameSuggestion

/// One `--param` (or `--sweep`) argument, the one parser of them for every command: `NAME=VALUE`, or
/// `NAME=START:STOP:STEP` where a command sweeps a parameter (`tune`, `plot --sweep`). Blanks around the name and
/// the numbers are ignored. Every text parses (`init(argument:)` never fails, so ArgumentParser's generic "invalid
/// value" never stands in for a reason); a text of neither form is `.invalid`, and the methods below, which also
/// check what depends on the command (finite values, each name once, a range where one is expected, how many values
/// a range may give), throw `InputError` saying what is wrong.
public struct ParameterArgument: ExpressibleByArgument, Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case single(Double)
        case range(start: Double, stop: Double, step: Double)
        /// Neither form: what was expected.
        case invalid(String)
    }

    public var name: String
    public var value: Value
    /// The argument as given, for messages.
    public var text: String

    public init(argument: String) {
        text = argument
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        name = parts.count == 2 ? parts[0].trimmingCharacters(in: .whitespaces) : ""
        guard parts.count == 2, !name.isEmpty else {
            value = .invalid("expected NAME=VALUE with a parameter's name before `=`")
            return
        }
        let numbers = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        switch (numbers.count, numbers.allSatisfy { $0 != nil }) {
        case (1, true): value = .single(numbers[0]!)
        case (3, true): value = .range(start: numbers[0]!, stop: numbers[1]!, step: numbers[2]!)
        default: value = .invalid("expected NAME=VALUE with a number (or NAME=START:STOP:STEP where a command sweeps)")
        }
    }

    public static var defaultCompletionKind: CompletionKind { .default }

    /// The values of a range, START + i STEP up to STOP inclusive (at most `limit`; `noun` counts them in the
    /// message: values, curves).
    public func rangeValues(option: String, limit: Int, noun: String = "values") throws(InputError) -> [Double] {
        if case .invalid(let expected) = value { throw InputError("\(option) \(VisibleText.escaped(text)): \(expected)") }
        guard case .range(let start, let stop, let step) = value else {
            throw InputError("\(option) \(text): expected NAME=START:STOP:STEP")
        }
        guard start.isFinite, stop.isFinite, step.isFinite, step > 0, stop >= start else {
            throw InputError("\(option) \(text): expected NAME=START:STOP:STEP with finite numbers, STEP > 0 and STOP >= START")
        }
        // Counted in Double first: a huge range must not overflow the conversion to Int.
        let count = ((stop - start) / step + 1e-9).rounded(.down) + 1
        guard count.isFinite, count <= Double(limit) else {
            throw InputError("\(option) \(text) gives \(count.isFinite ? "\(Int(count))" : "too many") \(noun); expected at most \(limit)")
        }
        return (0..<Int(count)).map { start + Double($0) * step }
    }
}

extension [ParameterArgument] {
    /// NAME -> VALUE: each a finite single value, each NAME once.
    public func values(option: String = "--param") throws(InputError) -> [String: Double] {
        var values: [String: Double] = [:]
        for argument in self {
            if case .invalid(let expected) = argument.value {
                throw InputError("\(option) \(VisibleText.escaped(argument.text)): \(expected)")
            }
            guard case .single(let v) = argument.value else {
                throw InputError("\(option) \(argument.text): a range here; expected NAME=VALUE")
            }
            guard v.isFinite else { throw InputError("\(option) \(argument.text): expected a finite number") }
            guard values[argument.name] == nil else {
                throw InputError("\(option) \(argument.name) is given twice; expected each parameter once")
            }
            values[argument.name] = v
        }
        return values
    }
}

import Foundation

/// Stops the program with a message when a check fails (a failing example must fail CI, in any build
/// configuration, so not `assert`).
func check(_ condition: @autoclosure () throws -> Bool, _ message: @autoclosure () -> String) rethrows {
    guard try condition() else {
        print("FAILED: \(message())")
        exit(1)
    }
}

/// Float results against Double references: within 4 ulp of the reference, or 4 float epsilons of its peak.
func close(_ got: [Float], _ expected: [Double]) -> Bool {
    let peak = expected.map(abs).max() ?? 0
    return got.count == expected.count && zip(got, expected).allSatisfy { g, e in
        abs(Double(g) - e) <= 4 * Double(Float(e).ulp) + 4 * Double(Float.ulpOfOne) * peak
    }
}

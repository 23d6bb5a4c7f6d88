import Foundation

/// A small deterministic PRNG (SplitMix64, Steele et al. 2014): the property tests need the same specs for
/// the same seed on every machine and toolchain, which `SystemRandomNumberGenerator` cannot give.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

/// The seed and size of a property run: fixed by default so CI is deterministic; `KERNELGEN_PROPERTY_SEED`
/// and `KERNELGEN_PROPERTY_CASES` explore further by hand (docs/accuracy.md, "Testing generatively").
enum PropertyRun {
    static let defaultSeed: UInt64 = 0x6B65_726E_656C_6765 // "kernelge"
    static let defaultCases = 80

    static var seed: UInt64 {
        guard let text = ProcessInfo.processInfo.environment["KERNELGEN_PROPERTY_SEED"] else { return defaultSeed }
        return UInt64(text) ?? UInt64(text.dropFirst(text.hasPrefix("0x") ? 2 : 0), radix: 16) ?? defaultSeed
    }

    static var cases: Int {
        ProcessInfo.processInfo.environment["KERNELGEN_PROPERTY_CASES"].flatMap { Int($0) }.map { max($0, 1) } ?? defaultCases
    }
}

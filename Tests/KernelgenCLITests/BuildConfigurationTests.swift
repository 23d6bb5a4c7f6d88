import Foundation
import Testing

/// A debug build (these tests' usual one) says once that its kernels are unoptimised, and `bench` refuses to
/// time them; a release build says nothing. KERNELGEN_ALLOW_UNOPTIMIZED=0 turns off the tests' opt-out.
@Suite struct BuildConfigurationTests {
    static let warning = "compiled without optimisation (a debug build)"

    @Test func unoptimisedKernelsAreReportedOnceAndBenchRefuses() throws {
        let eval = try CLI.run(["eval", "sigmoid"], stdin: "0\n1\n", environment: ["KERNELGEN_ALLOW_UNOPTIMIZED": "0"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.hasPrefix("1.0 1.25\n"))  // sigmoid at 0, scale 5: H(0) = 1, 5 / 4
        let warnings = eval.stderr.components(separatedBy: Self.warning).count - 1
        let bench = try CLI.run(["bench", "--surrogates", "arctan", "--sizes", "64", "--threads", "1", "--dtypes", "f32",
                                 "--backends", "c", "--ops", "backward", "--time", "0.001", "--json"],
                                environment: ["KERNELGEN_ALLOW_UNOPTIMIZED": "0"])
        #if DEBUG
        #expect(warnings == 1, "\(eval.stderr)")
        #expect(bench.status != 0)
        #expect(bench.stderr.contains("is a debug build"), "\(bench.stderr)")
        #expect(bench.stdout.isEmpty)
        #else
        #expect(warnings == 0, "\(eval.stderr)")
        #expect(bench.status == 0, "\(bench.stderr)")
        #endif
    }
}

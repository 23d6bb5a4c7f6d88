import Foundation
import Testing

/// Every command-line value is checked: one `Error:` line saying what was wrong and what is expected,
/// exit status 1, never a crash.
@Suite struct InputValidationTests {
    static let cases: [(arguments: [String], message: String)] = [
        (["tune", "sigmoid", "--param", "scale=0:inf:1"], "Error: --param scale=0:inf:1: expected NAME=START:STOP:STEP with finite numbers, STEP > 0 and STOP >= START\n"),
        (["tune", "sigmoid", "--param", "scale=0:1e308:1e-300"], "Error: --param scale=0:1e308:1e-300 gives too many values; expected at most 10000\n"),
        (["tune", "sigmoid", "--param", "scale=1:2:0.5", "--size", "0"], "Error: --size 0: expected an element count from 1 to 268435456\n"),
        (["jit", "sigmoid", "--repeat", "0"], "Error: --repeat 0: expected a count from 1 to 10000\n"),
        (["bench", "--sizes", "10,abc"], "Error: --sizes `abc`: expected element counts from 1 to 268435456\n"),
        (["bench", "--threads", "0"], "Error: --threads `0`: expected thread counts from 1 to 256\n"),
        (["bench", "--time=-1"], "Error: --time -1.0: expected seconds in (0, 60]\n"),
        (["bench", "--surrogates", "gaussian,sigmoid", "--param", "sigmaa=1"], "Error: --param sigmaa: none of the benchmarked surrogates has this parameter; expected one of: scale, sigma\n"),
        (["eval", "sigmoid", "--param", "scale=1", "--param", "scale=2"], "Error: --param scale is given twice; expected each parameter once\n"),
        (["eval", "sigmoid", "--param", "scale=inf"], "Error: --param scale=inf: expected a finite number\n"),
        // Every --param text parses, so the reason is ours, not ArgumentParser's "invalid value".
        (["eval", "sigmoid", "--param", "=1"], "Error: --param =1: expected NAME=VALUE with a parameter's name before `=`\n"),
        (["eval", "sigmoid", "--param", "scale=abc"], "Error: --param scale=abc: expected NAME=VALUE with a number (or NAME=START:STOP:STEP where a command sweeps)\n"),
        (["eval", "sigmoid", "--param", "scale=1:2:3"], "Error: --param scale=1:2:3: a range here; expected NAME=VALUE\n"),
        // check --param: the runtime's one check of values, and a name some checked spec has.
        (["check", "Specs/sigmoid.yaml", "--param", "scal=1"], "Error: --param scal: none of the checked specs has this parameter; did you mean `scale`?; expected one of: scale\n"),
        (["check", "Specs/sigmoid.yaml", "--param", "scale=-1"], "Error: --param: parameter `scale` of `sigmoid` is -1.0; expected a finite value in [0.0, inf]\n"),
        (["check", "Specs/sigmoid.yaml", "--param", "scale=1e39"], "Error: --param: parameter `scale` of `sigmoid` is 1e+39, which is infinite in f32; expected a magnitude of at most 3.4028235e+38\n"),
        (["eval", "sigmoid", "--spec", "Specs/gaussian.yaml"], "Error: Specs/gaussian.yaml defines `gaussian`, not `sigmoid`; expected the name the file defines\n"),
    ]

    @Test(arguments: cases.indices)
    func badValuesAreOneLineErrors(_ index: Int) throws {
        let c = Self.cases[index]
        let r = try CLI.run(c.arguments, stdin: "0\n")
        #expect(r.status == 1, "\(c.arguments)")
        #expect(r.stderr.hasSuffix(c.message), "\(c.arguments): \(r.stderr)")
    }

    /// Outside a project: what was looked for and how to point it, and `list` still knows the built-ins.
    @Test func outsideAProject() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let check = try CLI.run(["check"], in: dir)
        #expect(check.status == 1)
        #expect(check.stderr.contains("error: cannot read the spec folder `Specs` ("))
        #expect(check.stderr.contains("no such folder; expected a folder of *.yaml specs (run from the project root, or pass --specs FOLDER)"))
        #expect(!check.stderr.contains("NSCocoaErrorDomain"))
        let list = try CLI.run(["list"], in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        for name in CLI.specNames { #expect(list.stdout.contains("\n\(name) "), "\(name)") }
        let generate = try CLI.run(["generate", "--specs", CLI.root.appendingPathComponent("Specs").path], in: dir)
        #expect(generate.status == 1)
        #expect(generate.stderr.contains("error: cannot read the templates folder `Templates`"))
    }
}

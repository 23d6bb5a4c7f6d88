import Foundation
import Testing

@Suite struct CheckCommandTests {
    /// Every spec in Specs/ checks without error (SpikeDE's five and any added since), and SpikeDE's five
    /// without warning (a spec a user adds may warn: that is for its author, not a test failure).
    @Test func everySpecIsClean() throws {
        // The built-ins alone (an empty catalogue folder): the catalogue's library surrogates are not all normalised.
        let empty = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let r = try CLI.run(["check", "--catalogue-folder", empty.path])
        #expect(r.status == 0)
        #expect(CLI.specNames.count >= 5)
        // Notes (formulas the emitters rewrote into stable forms) are allowed; no error, and no warning about SpikeDE's five.
        #expect(r.stdout.hasPrefix("\(CLI.specNames.count + CLI.neuronNames.count) specs checked: 0 errors, "), "\(r.stdout)")
        let seed = ["sigmoid", "arctan", "piecewise_linear", "gaussian", "noisy_threshold"]
        for line in r.stderr.split(separator: "\n") where !line.contains(": note: ") {
            #expect(!seed.contains { line.hasPrefix("Specs/\($0).yaml:") }, "\(line)")
        }
    }

    /// `check` with no files checks Specs/ and Catalogue/ together: every catalogue spec loads with no error.
    @Test func theCatalogueChecksWithoutErrors() throws {
        let r = try CLI.run(["check"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("\(CLI.specNames.count + 48 + CLI.neuronNames.count) specs checked: 0 errors"), "\(r.stdout)")
        #expect(!r.stderr.contains(": error: "))
        let listed = try CLI.run(["list", "--catalogue"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("snntorch_fast_sigmoid  (slope=25.0)"))
        #expect(listed.stdout.contains("provenance: snnTorch 1.0.0, snntorch.surrogate.FastSigmoid"))
        #expect(listed.stdout.contains("48 catalogue surrogates"))
    }

    @Test func badSpecsReportEveryErrorWithLocationAndFail() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: first\nsummary: s\nparams:\n  scale: 1\nbackward: scael * x\n"
            .write(to: dir.appendingPathComponent("first.yaml"), atomically: true, encoding: .utf8)
        try "name: second\nsummary: s\nbackward: 1 / x\n"
            .write(to: dir.appendingPathComponent("second.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "first.yaml", "second.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr == """
            first.yaml:5:11: error: in `backward`: unknown identifier `scael`; did you mean `scale`? [unknown-identifier]
            second.yaml:3:11: warning: `backward` is NaN or infinite for x = 0.0 with the default parameters (in Double); expected finite values [non-finite-backward]
            second.yaml:3:11: warning: `backward` does not decay in its tails (-8.67362e-19 at x = -1.15292e+18) with the default parameters, so its integral over the real line diverges (9.689e-15 on the shape grid) (NaN/inf points left out); expected about 1 (a surrogate of the step's derivative is normalised) [not-normalised]
            2 specs checked: 1 error, 2 warnings

            """)
    }

    /// The language's compatibility suite (Tests/Compatibility/<version>/): every spec written against a released
    /// version still checks without error (warnings may come and go as the checks grow); the numbers are
    /// `CompatibilityTests`'.
    @Test func theCompatibilitySuiteStillChecks() throws {
        let suite = CLI.root.appendingPathComponent("Tests/Compatibility")
        let files = (FileManager.default.enumerator(at: suite, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { $0.pathExtension == "yaml" }.map { $0.path.replacingOccurrences(of: CLI.root.path + "/", with: "") }.sorted()
        #expect(files.count >= 5, "\(files)")
        let r = try CLI.run(["check"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("\(files.count) specs checked: 0 errors"), "\(r.stdout)")
    }

    /// A neuron spec (a file with a `step`) is checked as one: every error located, exit status 1; a good one passes.
    @Test func checkReadsNeuronSpecs() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: bad\nsummary: s\nparams:\n  tau: 2\nstate:\n  v: 0\nstep:\n  - v = v + x / tua\n  - s = spike(spike(v))\noutput: s\n"
            .write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "bad.yaml", CLI.root.appendingPathComponent("Neurons/lif.yaml").path], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.yaml:8:17: error: in `step`: unknown identifier `tua`; did you mean `tau`? [unknown-identifier]"), "\(r.stderr)")
        #expect(r.stderr.contains("bad.yaml:9:15: error: in `step`: `spike` inside the argument of another `spike`"), "\(r.stderr)")
        #expect(r.stderr.contains("2 specs checked: 2 errors"), "\(r.stderr)")
        let good = try CLI.run(["check", "Neurons/lif.yaml", "Neurons/alif.yaml"])
        #expect(good.status == 0 && good.stdout == "2 specs checked: 0 errors, 0 warnings\n", "\(good.stdout)\(good.stderr)")
        let listed = try CLI.run(["list", "--neurons"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("plif  (w=0.0 (learnable) v_threshold=1.0 v_reset=0.0; state: v)"), "\(listed.stdout)")
        #expect(listed.stdout.contains("\(CLI.neuronNames.count) neurons"))
    }

    @Test func listShowsParametersAndSummaries() throws {
        let r = try CLI.run(["list"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + CLI.specNames.count)
        #expect(lines[0].hasPrefix("name"))
        // One row per spec of Specs/, in name order.
        #expect(lines.dropFirst(2).map { String($0.prefix { $0 != " " }) } == CLI.specNames)
        // Columns are as wide as their longest cell (the parameters of the widest spec), so cells are compared.
        #expect(lines.contains { $0.split(separator: " ").prefix(3) == ["noisy_threshold", "scale=5.0", "stochastic"]
                                  && $0.contains("  Noisy-threshold spike") })
        #expect(lines.contains { $0.hasPrefix("piecewise_linear  gamma=1.0") })
        let functions = try CLI.run(["list", "--functions"]).stdout.split(separator: "\n").map(String.init)
        // Signatures name the arguments as the summaries and the noise means do.
        #expect(functions.contains { $0.hasPrefix("clamp(a, b, c)") && $0.hasSuffix("min(max(a, b), c): a clamped to [b, c]") })
        #expect(functions.contains { $0.hasPrefix("where(a, b, c)") && $0.hasSuffix("a != 0 ? b : c (both sides are evaluated)") })
        #expect(functions.contains { $0.hasPrefix("bernoulli(a)") && $0.contains("noise, mean clamp(a, 0, 1)") })
        #expect(functions.contains { $0.hasPrefix("logistic()") && $0.contains("noise, mean 0.0") })
        // `sum` is a construct of the parser, listed with the functions it is called like.
        #expect(functions.contains { $0.hasPrefix("sum(i, from, to, expr)") && $0.contains("construct") && $0.contains("4096 terms") })
    }
}

@Suite struct GenerateCommandTests {
    @Test func checkModeNamesStaleFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("Generated")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Generated"), to: output)
        let files = CLI.fileCount(under: output)
        let fresh = try CLI.run(["generate", "--check", "--output", output.path])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let stale = output.appendingPathComponent("C/kernelgen_gaussian.c")
        try (String(contentsOf: stale, encoding: .utf8) + "/* edited */\n").write(to: stale, atomically: true, encoding: .utf8)
        let r = try CLI.run(["generate", "--check", "--output", output.path])
        #expect(r.status == 1)
        // A user's spec in Specs/ may warn first: the line is looked for, not its position (issue 17).
        #expect(r.stderr.split(separator: "\n").contains("stale: \(output.path)/C/kernelgen_gaussian.c"), "\(r.stderr)")
        // Writing mode repairs exactly that file.
        let w = try CLI.run(["generate", "--output", output.path])
        #expect(w.stdout.hasSuffix("\(CLI.specNames.count) specs: 1 files written, \(files - 1) unchanged, 0 removed\n"))
        #expect(try CLI.run(["generate", "--check", "--output", output.path]).status == 0)
    }

    @Test func aSpecErrorStopsGeneration() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: broken\nsummary: s\nbackward: x +\n".write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["generate", "--specs", dir.path, "--output", dir.appendingPathComponent("out").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("broken.yaml:3:14: error: in `backward`: expected an expression, found the end of the formula [formula-syntax]"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    /// A new spec, written into a copy of Specs/, is generated and its C kernels compiled (with the system
    /// C compiler) and checked against the formula written here. The Swift side of a new spec is checked by
    /// CI's `generate --check` plus the build; this test covers the generator's output for a spec the
    /// package has never seen.
    @Test func newSpecEndToEnd() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let specs = dir.appendingPathComponent("Specs")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Specs"), to: specs)
        try """
            name: softsign
            summary: Fast-sigmoid (SuperSpike) surrogate.
            params:
              scale: {default: 4.0, min: 0}
            backward: scale / (2 * (1 + abs(scale * x))^2)
            """.write(to: specs.appendingPathComponent("softsign.yaml"), atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("Generated")
        let g = try CLI.run(["generate", "--specs", specs.path, "--templates", CLI.root.appendingPathComponent("Templates").path,
                             "--output", output.path])
        #expect(g.status == 0, "\(g.stderr)")
        // The committed Generated/ (for the specs present) plus the new spec's own C source, C header and Swift kernels.
        let expectedFiles = CLI.fileCount(under: CLI.root.appendingPathComponent("Generated")) + 3
        #expect(g.stdout.hasSuffix("\(CLI.specNames.count + 1) specs: \(expectedFiles) files written, 0 unchanged, 0 removed\n"))
        #expect(CLI.fileCount(under: output) == expectedFiles)
        let registry = try String(contentsOf: output.appendingPathComponent("Swift/GeneratedRegistry.swift"), encoding: .utf8)
        #expect(registry.contains("name: \"softsign\""))
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("Swift/SoftsignKernels.swift").path))

        let driver = dir.appendingPathComponent("driver.c")
        try """
            #include <stdio.h>
            #include "kernelgen.h"
            int main(void) {
                double x[5] = {-2.0, -0.25, 0.0, 0.5, 3.0}, g[5] = {1, 1, 1, 2, 1}, y[5], gi[5];
                kg_softsign_forward_f64(x, y, 5, 4.0);
                kg_softsign_backward_f64(x, NULL, g, gi, 5, 4.0);
                for (int i = 0; i < 5; ++i) printf("%.17g %.17g\\n", y[i], gi[i]);
                return 0;
            }
            """.write(to: driver, atomically: true, encoding: .utf8)
        let cFiles = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("C").path)
            .filter { $0.hasSuffix(".c") }.map { output.appendingPathComponent("C/\($0)").path }
        let binary = dir.appendingPathComponent("driver")
        let cc = try CLI.run(URL(fileURLWithPath: "/usr/bin/cc"),
                             ["-std=c99", "-O2", "-Wall", "-Werror", "-I", output.appendingPathComponent("C/include").path,
                              "-o", binary.path, driver.path] + cFiles + ["-lm"])
        #expect(cc.status == 0, "\(cc.stderr)")
        let run = try CLI.run(binary, [])
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: " ").map { Double($0)! } }
        let xs = [-2.0, -0.25, 0.0, 0.5, 3.0], gs = [1.0, 1, 1, 2, 1]
        #expect(rows.count == 5)
        for (i, row) in rows.enumerated() {
            let expected = gs[i] * 4 / (2 * (1 + abs(4 * xs[i])) * (1 + abs(4 * xs[i])))
            #expect(row[0] == (xs[i] >= 0 ? 1 : 0))
            #expect(abs(row[1] - expected) <= 1e-15 * expected)
        }
    }
}

@Suite struct EvalCommandTests {
    @Test func evaluatesLinesAndPrintsShortestRoundTrip() throws {
        let r = try CLI.run(["eval", "sigmoid", "--param", "scale=4"], stdin: "0\n-0\n1 2\nnan\ninf\n-inf\n")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0] == "1.0 1.0")
        #expect(lines[1] == "1.0 1.0")
        let s = 1 / (1 + Foundation.exp(-4.0))
        let expected = Float(2 * 4 * s * (1 - s))
        let got = Float(lines[2].split(separator: " ")[1])!
        #expect(lines[2].hasPrefix("1.0 "))
        #expect(abs(got - expected) <= 4 * expected.ulp + 4 * Float.ulpOfOne)
        #expect(lines[3...] == ["0.0 nan", "1.0 0.0", "0.0 0.0"])
    }

    /// Issue 17: CRLF and CR end lines as LF does (Swift reads "\r\n" as one Character); a NUL inside a number is an
    /// error naming the line (a C-string parse would read "0\u{0}1" as 0).
    @Test func crlfLinesAndNulInsideANumber() throws {
        let lf = try CLI.run(["eval", "sigmoid"], stdin: "0.5\n1\n-2\n")
        for text in ["0.5\r\n1\r\n-2\r\n", "0.5\r1\r-2\r", "0.5\r\n1\n-2"] {
            let r = try CLI.run(["eval", "sigmoid"], stdin: text)
            #expect(r.status == 0 && r.stdout == lf.stdout, "\(text.debugDescription): \(r.stderr)")
        }
        #expect(lf.stdout.split(separator: "\n").count == 3)
        let nul = try CLI.run(["eval", "sigmoid"], stdin: "1\n0\u{0}1\n")
        #expect(nul.status != 0)
        #expect(nul.stderr.contains("stdin line 2: expected `x` or `x grad_out` (numbers), got `0\\u{00}1`"), "\(nul.stderr)")
    }

    @Test func doublePrecisionRoundTrips() throws {
        let r = try CLI.run(["eval", "gaussian", "--dtype", "f64", "--backend", "swift"], stdin: "0.5\n")
        let value = Double(r.stdout.split(separator: " ")[1].trimmingCharacters(in: .whitespacesAndNewlines))!
        #expect(abs(value - Foundation.exp(-0.125) / (2 * Double.pi).squareRoot()) <= 4 * value.ulp)
    }

    @Test func trainingModeIsSeededAndUsesTheTrainingForward() throws {
        let input = (0..<100).map { "\(Double($0) / 50 - 1)" }.joined(separator: "\n")
        let a = try CLI.run(["eval", "noisy_threshold", "--mode", "train", "--seed", "3"], stdin: input)
        let b = try CLI.run(["eval", "noisy_threshold", "--mode", "train", "--seed", "3", "--backend", "swift"], stdin: input)
        let c = try CLI.run(["eval", "noisy_threshold", "--mode", "train", "--seed", "4"], stdin: input)
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        for line in a.stdout.split(separator: "\n") {
            let v = line.split(separator: " ").map { Float($0)! }
            #expect(v[0] > 0 && v[0] < 1)
            #expect(abs(v[1] - 5 * v[0] * (1 - v[0])) <= 4 * Float.ulpOfOne * 5)
        }
        let mean = try CLI.run(["eval", "noisy_threshold", "--mode", "train", "--mean-field"], stdin: "0\n")
        #expect(mean.stdout == "0.5 1.25\n")
    }

    @Test func malformedInputNamesTheLine() throws {
        let r = try CLI.run(["eval", "arctan"], stdin: "1\n2 3\nx\n")
        #expect(r.status == 1)
        #expect(r.stderr == "error: stdin line 3: expected `x` or `x grad_out` (numbers), got `x`\n")
        #expect(r.stdout == "")
    }

    @Test func unknownNamesAndParametersAreClearErrors() throws {
        let r = try CLI.run(["eval", "arctann"], stdin: "1\n")
        #expect(r.status == 1)
        #expect(r.stderr == "error: unknown surrogate `arctann`; did you mean `arctan`?; known: \(CLI.specNames.joined(separator: ", "))\n")
        let p = try CLI.run(["eval", "arctan", "--param", "scale=-1"], stdin: "1\n")
        #expect(p.stderr == "error: parameter `scale` of `arctan` is -1.0; expected a finite value in [0.0, inf]\n")
    }
}

/// The generator never depends on its own output: `kernelgen` links no generated kernel (so a Generated/
/// that does not compile cannot stop it from regenerating), `kernelgen-tools` does.
@Suite struct GeneratorIndependenceTests {
    @Test func kernelgenLinksNoGeneratedKernel() throws {
        let folder = CLI.executable.deletingLastPathComponent()
        let generator = try Data(contentsOf: CLI.executable)
        let tools = try Data(contentsOf: folder.appendingPathComponent("kernelgen-tools"))
        for symbol in ["kg_sigmoid_backward_f32", "SigmoidKernels"] {
            #expect(generator.range(of: Data(symbol.utf8)) == nil, "kernelgen contains \(symbol)")
            #expect(tools.range(of: Data(symbol.utf8)) != nil, "kernelgen-tools lacks \(symbol)")
        }
    }

    @Test func kernelCommandsAreHandedToTheTools() throws {
        let r = try CLI.run(["eval", "gaussian", "--dtype", "f64"], stdin: "0\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "1.0 \(1 / (2 * Double.pi).squareRoot())\n")
    }
}

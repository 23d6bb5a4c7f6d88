import Foundation
import Testing

@Suite struct JITCommandTests {
    @Test func jitReportsStagesAndTheDiskCacheServesANewProcess() throws {
        let cache = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let env = ["KERNELGEN_CACHE_DIR": cache.path]
        let first = try CLI.run(["jit", "gaussian", "--param", "sigma=0.5", "--json"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        let a = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        for field in ["frontend_ms", "optimize_ms", "codegen_ms", "lookup_ms", "total_ms"] {
            #expect((a[field] as? Double).map { $0 >= 0 } == true, "\(field)")
        }
        #expect(a["cache_hit"] as? String == "none")
        #expect((a["frontend_ms"] as? Double ?? 0) > 0)
        #expect((a["vector_width"] as? Int ?? 0) >= 4)
        let second = try CLI.run(["jit", "gaussian", "--param", "sigma=0.5", "--json"], environment: env)
        let b = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(b["cache_hit"] as? String == "disk")
        #expect(b["key"] as? String == a["key"] as? String)
        let forced = try CLI.run(["jit", "gaussian", "--param", "sigma=0.5", "--no-cache", "--repeat", "3", "--json"], environment: env)
        let c = try #require(try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as? [String: Any])
        #expect(c["cache_hit"] as? String == "none")
        #expect(c["repeat"] as? Int == 3)
    }

    /// Issue 17: asking only for ops the spec has no kernels for is an error that lists the ones it has (it
    /// compiled nothing and exited 0).
    @Test func opsTheSpecDoesNotHaveAreAnError() throws {
        let cache = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let r = try CLI.run(["jit", "sigmoid", "--ops", "train_forward"], environment: ["KERNELGEN_CACHE_DIR": cache.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("`sigmoid` has no train_forward kernel; expected one of the ops it has: forward, backward, primitive"), "\(r.stderr)")
        let ok = try CLI.run(["jit", "sigmoid", "--ops", "train_forward,backward"], environment: ["KERNELGEN_CACHE_DIR": cache.path])
        #expect(ok.status == 0, "\(ok.stderr)")  // one of them exists: compiled
    }

    /// Issue 17: a relative `XDG_CACHE_HOME` is ignored (the XDG Base Directory specification): the cache goes to
    /// `$HOME/.cache/kernelgen`, nothing is written under the working directory.
    @Test func aRelativeXDGCacheHomeIsIgnored() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let env = ["KERNELGEN_CACHE_DIR": "", "XDG_CACHE_HOME": "relative-cache", "HOME": home.path]
        let r = try CLI.run(["jit", "gaussian", "--param", "sigma=0.625", "--json"], in: home, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("relative-cache").path))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent(".cache/kernelgen").path)) ?? []
        #expect(files.contains { $0.hasSuffix(".kgjit") }, "\(files)")
        // an absolute one is used
        let absolute = home.appendingPathComponent("xdg")
        let s = try CLI.run(["jit", "gaussian", "--param", "sigma=0.625", "--json"], in: home,
                            environment: ["KERNELGEN_CACHE_DIR": "", "XDG_CACHE_HOME": absolute.path, "HOME": home.path])
        #expect(s.status == 0, "\(s.stderr)")
        let used = (try? FileManager.default.contentsOfDirectory(atPath: absolute.appendingPathComponent("kernelgen").path)) ?? []
        #expect(used.contains { $0.hasSuffix(".kgjit") }, "\(used)")
    }

    @Test func jitEmitsTheRequestedArtefact() throws {
        let cache = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let r = try CLI.run(["jit", "piecewise_linear", "--param", "gamma=0.5", "--emit", "c", "--ops", "backward"],
                            environment: ["KERNELGEN_CACHE_DIR": cache.path])
        #expect(r.status == 0, "\(r.stderr)")
        // gamma is a compile-time constant (an exact literal), not a kernel argument.
        #expect(r.stdout.contains("static float p_gamma = 0x1p-1f;"))
        #expect(r.stdout.contains("void kgj_piecewise_linear_backward_f32(const float *__restrict x, const float *__restrict y, const float *__restrict grad_out, float *__restrict grad_in, kg_size n) {"))
        #expect(r.stdout.contains("((xi >= (-p_gamma)) & (xi <= p_gamma))"))
    }

    @Test func evalWithARuntimeSpecAndTheJITBackend() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("softsign.yaml")
        try "name: softsign\nsummary: s\nparams:\n  scale: 4\nbackward: scale / (2 * (1 + abs(scale * x))^2)\n"
            .write(to: spec, atomically: true, encoding: .utf8)
        let env = ["KERNELGEN_CACHE_DIR": dir.appendingPathComponent("cache").path]
        let r = try CLI.run(["eval", "softsign", "--spec", spec.path, "--dtype", "f64"], stdin: "0\n0.5 2\n", environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "1.0 2.0\n1.0 \(2 * 4 / (2 * 3.0 * 3.0))\n")
        let jit = try CLI.run(["eval", "sigmoid", "--backend", "jit", "--param", "scale=4"], stdin: "0\n", environment: env)
        #expect(jit.stdout == "1.0 1.0\n")
        let bad = try CLI.run(["eval", "softsign", "--spec", dir.appendingPathComponent("missing.yaml").path], stdin: "0\n", environment: env)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("missing.yaml:1:1: error: cannot read the spec: no such file; expected a readable YAML file [unreadable-file]"))
    }

    @Test func tuneSweepsAParameter() throws {
        let cache = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let r = try CLI.run(["tune", "gaussian", "--param", "sigma=0.5:1.5:0.5", "--size", "4096", "--json"],
                            environment: ["KERNELGEN_CACHE_DIR": cache.path])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["value"] as? Double } == [0.5, 1.0, 1.5])
        for row in rows {
            let sigma = row["value"] as! Double
            // The normal density: peak 1/(sigma sqrt(2 pi)), FWHM 2 sqrt(2 ln 2) sigma, integral 1.
            #expect(abs(row["peak"] as! Double - 1 / (sigma * (2 * Double.pi).squareRoot())) < 1e-5)
            #expect(abs(row["width_at_half_maximum"] as! Double - 2 * (2 * log(2.0)).squareRoot() * sigma) < 2e-3)
            #expect(abs(row["integral"] as! Double - 1) < 1e-4)
            #expect(abs(row["central_share"] as! Double - erf(1 / (sigma * 2.0.squareRoot()))) < 1e-3)
            #expect((row["elements_per_second"] as! Double) > 0)
        }
        let table = try CLI.run(["tune", "gaussian", "--param", "sigma=1:2:1", "--size", "4096"], environment: ["KERNELGEN_CACHE_DIR": cache.path])
        #expect(table.stdout.contains("sigma  compile ms  cache"))
        let wrong = try CLI.run(["tune", "gaussian", "--param", "sgima=1:2:1"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("`gaussian` has no parameter `sgima`; its parameters: sigma"))
    }
}

@Suite struct BenchCommandTests {
    /// The benchmark's JSON has the records the issue names: kernels, the roofline and the naive baseline.
    @Test func benchJSONHasKernelsRooflineAndBaseline() throws {
        let cache = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let r = try CLI.run(["bench", "--surrogates", "gaussian,noisy_threshold", "--sizes", "1024", "--threads", "1",
                             "--dtypes", "f32", "--backends", "c,swift", "--time", "0.001", "--json"],
                            environment: ["KERNELGEN_CACHE_DIR": cache.path])
        #expect(r.status == 0, "\(r.stderr)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        for record in records {
            #expect(Set(record.keys) == ["surrogate", "op", "dtype", "backend", "n", "threads", "elements_per_second"])
            #expect((record["elements_per_second"] as? Double ?? 0) > 0)
        }
        func has(_ surrogate: String, _ op: String, _ backend: String) -> Bool {
            records.contains { $0["surrogate"] as? String == surrogate && $0["op"] as? String == op && $0["backend"] as? String == backend }
        }
        #expect(has("_roofline", "stream2r1w", "c") && has("_roofline", "stream1r1w", "c"))
        #expect(has("gaussian", "backward", "naive") && has("gaussian", "backward", "c") && has("gaussian", "backward", "swift"))
        #expect(has("noisy_threshold", "train_forward", "c") && !has("gaussian", "train_forward", "c"))
        let table = try CLI.run(["bench", "--surrogates", "arctan", "--sizes", "1024", "--threads", "1", "--dtypes", "f64",
                                 "--backends", "c", "--ops", "backward", "--time", "0.001"])
        #expect(table.stdout.contains("f64, n = 1024, 1 thread: roofline stream2r1w"))
        #expect(table.stdout.contains("dispatch path:"))
        let bad = try CLI.run(["bench", "--backends", "gpu"])
        #expect(bad.status != 0 && bad.stderr.contains("--backends `gpu`: expected swift, c, jit"))
    }

    /// --param applies to the surrogates that have the parameter (their naive baseline, at the defaults, is
    /// left out); --flush-subnormals runs; a malformed --param is an error.
    @Test func benchParametersAndFlushMode() throws {
        let r = try CLI.run(["bench", "--surrogates", "gaussian,arctan", "--sizes", "1024", "--threads", "1", "--dtypes", "f32",
                             "--backends", "c", "--ops", "backward", "--time", "0.001", "--param", "sigma=0.25",
                             "--flush-subnormals", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let backends = { (name: String) in Set(records.filter { $0["surrogate"] as? String == name }.compactMap { $0["backend"] as? String }) }
        #expect(backends("gaussian") == ["c"] && backends("arctan") == ["c", "naive"])
        let bad = try CLI.run(["bench", "--param", "sigma"])
        #expect(bad.status != 0 && bad.stderr.contains("Error: --param sigma: expected NAME=VALUE with a parameter's name before `=`"))
        let outOfBounds = try CLI.run(["bench", "--surrogates", "gaussian", "--sizes", "64", "--param", "sigma=-1"])
        #expect(outOfBounds.status != 0 && outOfBounds.stderr.contains("sigma"))
    }
}

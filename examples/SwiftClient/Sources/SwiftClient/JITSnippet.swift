import Foundation
import Surrogates
import SurrogateJIT

/// docs/jit.md: the snippet verbatim (between the markers), run in a temporary folder holding the
/// `my_surrogate.yaml` it loads, then checks of what it computed.
func jitSnippet() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kernelgen-swift-client-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try """
        name: my_surrogate
        summary: A triangle of half-width 1.
        params:
          width: {default: 1.0, min: 0.0}
        backward: max(0, 1 - abs(x) / width) / width
        """.write(to: folder.appendingPathComponent("my_surrogate.yaml"), atomically: true, encoding: .utf8)
    check(FileManager.default.changeCurrentDirectoryPath(folder.path), "cd \(folder.path)")

    // README snippet begins
    SurrogateJIT.shared.install(in: .builtin)                  // DispatchTable.builtin now serves backend .jit
    let s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("sigmoid", backend: .jit, parameters: ["scale": 4])

    // A spec that did not exist at build time: checked with the same diagnostics, then JIT-compiled.
    try SurrogateJIT.shared.load(specAt: "my_surrogate.yaml")
    let t: BoundSurrogate<Double> = try DispatchTable.builtin.surrogate("my_surrogate", backend: .jit)

    // Direct use, with the compile report (stage times, cache hit, vector width).
    let k = try SurrogateJIT.shared.compile(try SurrogateJIT.shared.spec(named: "gaussian"), parameters: ["sigma": 0.5], dtype: Float.self)
    print(k.report.totalMs, k.report.cacheHit, k.report.vectorWidth)
    // README snippet ends

    check(s.backend == .jit && t.backend == .jit, "both bound to JIT kernels")
    // sigmoid backward at scale 4: 4 sigmoid(4x) (1 - sigmoid(4x)); at 0: 1
    let sg = try s.backward([0, 0.5])
    let e = exp(-2.0)
    check(close(sg, [1, 4 * e / ((1 + e) * (1 + e))]), "sigmoid backward (JIT): \(sg)")
    try check(try t.backward([0, 0.5, 2]) == [1, 0.5, 0], "my_surrogate backward (JIT)")
    check(k.report.vectorWidth >= 1 && k.report.totalMs >= 0, "compile report: \(k.report.vectorWidth) lanes")
    print("JIT snippet: ok")
}

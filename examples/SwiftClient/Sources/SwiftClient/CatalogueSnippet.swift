import Foundation
import Surrogates
import SurrogateJIT

/// docs/catalogue.md: the snippet verbatim (between the markers), then checks of what it computed.
func catalogueSnippet() throws {
    // README snippet begins
    SurrogateJIT.shared.install(in: .builtin)   // catalogue names resolve on first lookup (they are not listed)
    let s: BoundSurrogate<Float> = try DispatchTable.builtin.surrogate("snntorch_fast_sigmoid", backend: .jit)
    let spec = try SurrogateJIT.shared.spec(named: "norse_heavi_tanh")   // spec.provenance
    // README snippet ends

    check(s.backend == .jit, "catalogue surrogate bound to JIT kernels")
    // snnTorch's fast sigmoid at its default slope 25: 1 / (25 |x| + 1)^2; at 0.2: 1/36
    let g = try s.backward([0, 0.2])
    check(g[0] == 1 && abs(g[1] - 1 / 36) <= 4 * Float.ulpOfOne / 36, "snntorch_fast_sigmoid backward: \(g)")
    check(spec.provenance?.hasPrefix("Norse 1.1.0") == true, "provenance: \(spec.provenance ?? "none")")
    print("Catalogue snippet: ok")
}

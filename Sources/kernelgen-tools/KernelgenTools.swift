import ArgumentParser

/// The commands that run kernels: the ahead-of-time C and Swift kernels, the JIT, the benchmark. Kept apart
/// from `kernelgen` (the generator), which must build even when Generated/ does not.
@main
struct KernelgenTools: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernelgen-tools",
        abstract: "Run kernelgen's kernels: evaluate, JIT-compile, tune and benchmark surrogates; print PyTorch modules.",
        discussion: "`kernelgen eval|jit|tune|bench ...` runs these too.",
        subcommands: [Eval.self, Jit.self, Tune.self, Bench.self, Torch.self, Triton.self])
}

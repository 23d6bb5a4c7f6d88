// The public face of kernelgen's runtime: the dispatch table (`DispatchTable.builtin`), bound surrogates,
// the typed wrappers generated from the specs (`SigmoidSurrogate`, `NoisyThresholdSurrogate`, ...) and the
// generated kernels themselves (`SigmoidKernels`, ...).
@_exported import SurrogateKernelsSwift
@_exported import SurrogateRuntime

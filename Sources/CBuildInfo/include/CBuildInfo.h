#ifndef KERNELGEN_CBUILDINFO_H
#define KERNELGEN_CBUILDINFO_H

/* 1 when this package's C targets (the C kernels among them: SwiftPM compiles every C target of a package in
 * one configuration) were compiled with optimisation (`__OPTIMIZE__`, i.e. -O1 and up), 0 at -O0 (a debug
 * build, SwiftPM's default). */
int kernelgen_c_targets_optimized(void);

#endif

#ifndef KERNELGEN_CBUILDINFO_H
#define KERNELGEN_CBUILDINFO_H

/* 1 when this package's C targets (the C kernels among them: SwiftPM compiles every C target of a package in
 * one configuration) were compiled with optimisation (`__OPTIMIZE__`, i.e. -O1 and up), 0 at -O0 (a debug
 * build, SwiftPM's default). */
int kernelgen_c_targets_optimized(void);

/* The GNU build-id of the binary this code is linked into (the library, a tool, a test bundle): the linker's hash
 * of everything it linked, so a rebuild with any change (templates, emitters, compiler flags) has another.
 * Copies at most `capacity` bytes to `out`; returns their count, 0 where there is none (no note, not ELF). */
int kernelgen_build_id(unsigned char *out, int capacity);

#endif

#ifndef KERNELGEN_FLOAT_ENVIRONMENT_H
#define KERNELGEN_FLOAT_ENVIRONMENT_H
#include <stdint.h>

/* The calling thread's floating-point control word, and its subnormal flushing (x86-64: MXCSR's
   flush-to-zero and denormals-are-zero bits; AArch64: FPCR.FZ). Elsewhere flushing is unsupported:
   kg_fenv_can_flush() is 0 and the other calls change nothing. */
int kg_fenv_can_flush(void);
/* Sets flushing for this thread and returns the previous control word, for kg_fenv_restore. */
uint64_t kg_fenv_flush_subnormals(void);
void kg_fenv_restore(uint64_t saved);
/* 1 when this thread currently flushes subnormals. */
int kg_fenv_flushing(void);

#endif

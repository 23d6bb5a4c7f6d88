/* A small C interface over clang 14 and LLVM 14 ORC: the only code in kernelgen that touches LLVM.
   C source -> LLVM module (in-process clang) -> O2 for this CPU -> object code -> a JITDylib of an LLJIT.
   Every handle is opaque; errors come back as malloc'd text (free with kgjit_free). Not thread-safe:
   the Swift side serialises calls on one engine. */
#ifndef KERNELGEN_KERNEL_JIT_H
#define KERNELGEN_KERNEL_JIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kgjit_engine kgjit_engine;
typedef struct kgjit_module kgjit_module;
typedef struct kgjit_library kgjit_library;

void kgjit_free(void *pointer);

/* "llvm 14.0.6; x86_64-pc-linux-gnu; cpu NAME; features +a,+b,...; cc1 FLAGS; pipeline ..." — what compiled
   code depends on besides its source (part of the disk cache key). */
char *kgjit_host_description(void);

kgjit_engine *kgjit_engine_create(char **error);
void kgjit_engine_dispose(kgjit_engine *engine);

/* Frontend: C source to an unoptimised LLVM module (clang's own passes disabled, O3 attributes kept). */
kgjit_module *kgjit_frontend(kgjit_engine *engine, const char *source, size_t length, char **error);
/* The module as bitcode (malloc'd; free with kgjit_free), to make modules from without the frontend. */
char *kgjit_module_bitcode(kgjit_module *module, size_t *length);
/* A module (in a context of its own) from bitcode, with the initialisers of the named floating-point globals
   (the parameters) replaced by `values`, rounded to each global's type. A name not in the module is skipped
   (clang emits only the globals some code reads). */
kgjit_module *kgjit_module_from_bitcode(const void *bitcode, size_t length, const char *const *names, const double *values,
                                        size_t count, char **error);
/* The O2 pipeline with this CPU's target machine (so the loop vectoriser runs with the right widths). */
int kgjit_optimize(kgjit_engine *engine, kgjit_module *module, char **error);
/* Widest vector (in lanes) among the values of `function`; 1 when scalar, -1 when absent. */
int kgjit_vector_width(kgjit_module *module, const char *function);
/* Textual IR of the module. */
char *kgjit_print_ir(kgjit_module *module);
/* Machine code for the module: an ELF object (assembly = 0) or assembly text (assembly = 1). */
char *kgjit_codegen(kgjit_engine *engine, kgjit_module *module, int assembly, size_t *length, char **error);
void kgjit_module_dispose(kgjit_module *module);

/* Loads an object into a JITDylib of its own (process symbols such as expf resolve against this process). */
kgjit_library *kgjit_load(kgjit_engine *engine, const void *object, size_t length, char **error);
void *kgjit_lookup(kgjit_engine *engine, kgjit_library *library, const char *symbol, char **error);
void kgjit_library_dispose(kgjit_engine *engine, kgjit_library *library);

#ifdef __cplusplus
}
#endif

#endif

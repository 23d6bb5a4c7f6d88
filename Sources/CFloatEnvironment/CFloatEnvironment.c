#include "CFloatEnvironment.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#define KG_FLUSH_BITS 0x8040u /* FTZ (bit 15) | DAZ (bit 6) */
static uint64_t read_control(void) { return _mm_getcsr(); }
static void write_control(uint64_t v) { _mm_setcsr((unsigned)v); }
#elif defined(__aarch64__)
#define KG_FLUSH_BITS (1u << 24) /* FPCR.FZ */
static uint64_t read_control(void) { uint64_t v; __asm__ volatile("mrs %0, fpcr" : "=r"(v)); return v; }
static void write_control(uint64_t v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); }
#endif

#ifdef KG_FLUSH_BITS
int kg_fenv_can_flush(void) { return 1; }
uint64_t kg_fenv_flush_subnormals(void) {
    uint64_t saved = read_control();
    if ((saved & KG_FLUSH_BITS) != KG_FLUSH_BITS) write_control(saved | KG_FLUSH_BITS);
    return saved;
}
void kg_fenv_restore(uint64_t saved) { if (read_control() != saved) write_control(saved); }
int kg_fenv_flushing(void) { return (read_control() & KG_FLUSH_BITS) == KG_FLUSH_BITS; }
#else
int kg_fenv_can_flush(void) { return 0; }
uint64_t kg_fenv_flush_subnormals(void) { return 0; }
void kg_fenv_restore(uint64_t saved) { (void)saved; }
int kg_fenv_flushing(void) { return 0; }
#endif

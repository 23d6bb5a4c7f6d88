/* Times a few kernels of the installed C library (one thread, n elements, preallocated buffers) beside a
   same-run memory roofline: plain streaming loops with a backward's traffic (2 reads, 1 write: stream2r1w)
   and a forward's (1 read, 1 write: stream1r1w). Prints one line per measurement:
       <name> <dtype> <G elements/s>
   Median of 31 timings of `reps` calls after a warm-up. Driven by bench.sh (interleaved builds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernelgen.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The roofline loops, not inlined into the timing loop; volatile sink keeps them. */
__attribute__((noinline)) static void stream2r1w_f32(const float *restrict a, const float *restrict b, float *restrict c, size_t n) { for (size_t i = 0; i < n; ++i) c[i] = a[i] * b[i]; }
__attribute__((noinline)) static void stream1r1w_f32(const float *restrict a, float *restrict c, size_t n) { for (size_t i = 0; i < n; ++i) c[i] = a[i] * 2.0f; }
__attribute__((noinline)) static void stream2r1w_f64(const double *restrict a, const double *restrict b, double *restrict c, size_t n) { for (size_t i = 0; i < n; ++i) c[i] = a[i] * b[i]; }
__attribute__((noinline)) static void stream1r1w_f64(const double *restrict a, double *restrict c, size_t n) { for (size_t i = 0; i < n; ++i) c[i] = a[i] * 2.0; }

#define RUNS 31
#define TIME(label, dtype, call)                                                  \
    do {                                                                          \
        double t[RUNS];                                                           \
        for (int w = 0; w < reps; ++w) { call; }                                  \
        for (int r = 0; r < RUNS; ++r) {                                          \
            double t0 = now();                                                    \
            for (int k = 0; k < reps; ++k) { call; }                              \
            t[r] = now() - t0;                                                    \
        }                                                                         \
        qsort(t, RUNS, sizeof t[0], cmp);                                         \
        printf("%s %s %.3f\n", label, dtype, (double)n * reps / t[RUNS / 2] / 1e9); \
    } while (0)

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 65536;
    int reps = (int)(2000000 / n) + 1;
    float *xf = malloc(n * sizeof *xf), *yf = malloc(n * sizeof *yf), *gf = malloc(n * sizeof *gf), *of = malloc(n * sizeof *of);
    double *xd = malloc(n * sizeof *xd), *yd = malloc(n * sizeof *yd), *gd = malloc(n * sizeof *gd), *od = malloc(n * sizeof *od);
    if (!xf || !yf || !gf || !of || !xd || !yd || !gd || !od) return 1;
    for (size_t i = 0; i < n; ++i) {
        double v = -5.0 + 10.0 * (double)i / (double)n;   /* x in [-5, 5), as kernelgen bench */
        xf[i] = (float)v; xd[i] = v; gf[i] = 1.0f; gd[i] = 1.0; yf[i] = 0.5f; yd[i] = 0.5;
    }
    TIME("stream2r1w", "f32", stream2r1w_f32(xf, gf, of, n));
    TIME("stream1r1w", "f32", stream1r1w_f32(xf, of, n));
    TIME("sigmoid_backward", "f32", kg_sigmoid_backward_f32(xf, NULL, gf, of, n, 5.0f));
    TIME("gaussian_backward", "f32", kg_gaussian_backward_f32(xf, NULL, gf, of, n, 1.0f));
    TIME("noisy_threshold_train_forward", "f32", kg_noisy_threshold_train_forward_f32(xf, of, n, 42, 0, 5.0f));
    TIME("stream2r1w", "f64", stream2r1w_f64(xd, gd, od, n));
    TIME("stream1r1w", "f64", stream1r1w_f64(xd, od, n));
    TIME("sigmoid_backward", "f64", kg_sigmoid_backward_f64(xd, NULL, gd, od, n, 5.0));
    TIME("gaussian_backward", "f64", kg_gaussian_backward_f64(xd, NULL, gd, od, n, 1.0));
    TIME("noisy_threshold_train_forward", "f64", kg_noisy_threshold_train_forward_f64(xd, od, n, 42, 0, 5.0));
    free(xf); free(yf); free(gf); free(of); free(xd); free(yd); free(gd); free(od);
    return 0;
}

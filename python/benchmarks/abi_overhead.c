/* The C-level cost of kernelgen's ABI: kg_backward / kg_forward through a handle against the C kernel called
   directly (kg_sigmoid_backward_f32, ...), same library, same buffers, one thread. Built and run by overhead.py;
   prints one line per measurement: "<what> <dtype> <n> <ns per call>". */
#define _POSIX_C_SOURCE 199309L
#include "kernelgen_abi.h"
#include "kernelgen_sigmoid.h" /* Generated/C/include: the kernels, which libKernelgenABI.so also exports */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Best of 7 windows of about 30 ms each: ns per call. */
#define TIME(label, dtype, n, call)                                                   \
    do {                                                                               \
        double best = 1e30;                                                            \
        for (int w = 0; w < 7; w++) {                                                  \
            long calls = 0;                                                            \
            double start = now(), elapsed;                                             \
            do {                                                                       \
                for (int k = 0; k < 16; k++) { call; }                                 \
                calls += 16;                                                           \
            } while ((elapsed = now() - start) < 0.03);                                \
            if (elapsed / calls < best) best = elapsed / calls;                        \
        }                                                                              \
        printf("%s %s %zu %.1f\n", label, dtype, (size_t)(n), best * 1e9);            \
        fflush(stdout);                                                                \
    } while (0)

int main(void) {
    const size_t sizes[] = {1, 4096, 65536, 1048576};
    const char *names[] = {"scale"};
    const double scale[] = {5.0};
    kg_handle *h32, *h64;
    if (kg_bind("sigmoid", "c", "float32", names, scale, 1, &h32, NULL) ||
        kg_bind("sigmoid", "c", "float64", names, scale, 1, &h64, NULL) ||
        kg_handle_set_threads(h32, 1, NULL) || kg_handle_set_threads(h64, 1, NULL)) {
        fprintf(stderr, "bind failed\n");
        return 1;
    }
    size_t most = sizes[3];
    float *x = malloc(most * 4), *g = malloc(most * 4), *o = malloc(most * 4);
    double *xd = malloc(most * 8), *gd = malloc(most * 8), *od = malloc(most * 8);
    for (size_t i = 0; i < most; i++) {
        x[i] = (float)((i * 2654435761u) % 10000) / 1000.0f - 5.0f;
        xd[i] = x[i];
        g[i] = 1.0f;
        gd[i] = 1.0;
    }
    for (int s = 0; s < 4; s++) {
        size_t n = sizes[s];
        TIME("kernel_backward", "float32", n, kg_sigmoid_backward_f32(x, NULL, g, o, n, 5.0f));
        TIME("abi_backward", "float32", n, kg_backward(h32, x, NULL, g, o, n, NULL));
        TIME("kernel_backward", "float64", n, kg_sigmoid_backward_f64(xd, NULL, gd, od, n, 5.0));
        TIME("abi_backward", "float64", n, kg_backward(h64, xd, NULL, gd, od, n, NULL));
        TIME("kernel_forward", "float32", n, kg_sigmoid_forward_f32(x, o, n, 5.0f));
        TIME("abi_forward", "float32", n, kg_forward(h32, x, o, n, NULL));
    }
    kg_release(h32);
    kg_release(h64);
    return 0;
}

#include "CStream.h"

/* Compiled like the kernels (clones for baseline, AVX2, AVX-512), so the comparison is like for like.
   The forward loop adds 1 so that it is not turned into memcpy (whose non-temporal stores would not be a
   plain loop). */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define KG_SANITIZED 1
#endif
#endif
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__) && !defined(KG_SANITIZED)
#define KG_STREAM __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define KG_STREAM
#endif

KG_STREAM void kg_stream2r1w_f32(const float *__restrict a, const float *__restrict b, float *__restrict c, size_t n) {
    for (size_t i = 0; i < n; ++i) c[i] = a[i] * b[i];
}

KG_STREAM void kg_stream2r1w_f64(const double *__restrict a, const double *__restrict b, double *__restrict c, size_t n) {
    for (size_t i = 0; i < n; ++i) c[i] = a[i] * b[i];
}

KG_STREAM void kg_stream1r1w_f32(const float *__restrict a, float *__restrict c, size_t n) {
    for (size_t i = 0; i < n; ++i) c[i] = a[i] + 1.0f;
}

KG_STREAM void kg_stream1r1w_f64(const double *__restrict a, double *__restrict c, size_t n) {
    for (size_t i = 0; i < n; ++i) c[i] = a[i] + 1.0;
}

/* The roofline of the benchmark: plain streaming loops with the memory traffic of a backward pass (two
   reads, one write) and of a forward pass (one read, one write), and nothing else to compute. */
#ifndef KERNELGEN_CSTREAM_H
#define KERNELGEN_CSTREAM_H

#include <stddef.h>

void kg_stream2r1w_f32(const float *__restrict a, const float *__restrict b, float *__restrict c, size_t n);
void kg_stream2r1w_f64(const double *__restrict a, const double *__restrict b, double *__restrict c, size_t n);
void kg_stream1r1w_f32(const float *__restrict a, float *__restrict c, size_t n);
void kg_stream1r1w_f64(const double *__restrict a, double *__restrict c, size_t n);

#endif

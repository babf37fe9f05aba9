#ifndef TOKENSWEEP_GEMM_H
#define TOKENSWEEP_GEMM_H

#include <stddef.h>

/*
 * c = a · bᵀ in float32, for row-major a [rows × dim] and b [cols × dim] and c [rows × cols].
 *
 * Every element of c is the same sum: the width cut into slices of GEMM_SLICE (the last may be shorter),
 * each slice a chain of fused multiply-adds from zero, s = fma(a[k], b[k], s), and the slices' sums
 * added in order. The operations are the same whatever the shape of the call, the thread count, the
 * element's place in its tile or the instruction set that ran it; so a cosine never depends on how a
 * matrix was cut into tiles, on the machine's vector width, or on whether it was computed as (i, j)
 * or mirrored from (j, i).
 */

#define GEMM_SLICE 128

typedef enum {
  GEMM_AUTO = 0,
  GEMM_PORTABLE = 1, /* plain C with fmaf: any CPU */
  GEMM_AVX2 = 2,     /* x86-64 with AVX2 and FMA */
  GEMM_AVX512 = 3,   /* x86-64 with AVX-512F */
} gemm_variant;

typedef struct {
  const float *a;
  size_t rows;
  const float *b;
  size_t cols;
  size_t dim;
  float *c;
  /* b is a and rows == cols: only the upper triangle is computed, the rest mirrored */
  int symmetric;
  int threads;
  gemm_variant variant;
} gemm_task;

/* NULL when done, else why not (the task is left undone). */
const char *gemm_run(const gemm_task *task);

/* Room for a result of `count` floats, in 2 MiB pages when it is large (see gemm-memory.c), and its release. */
float *gemm_alloc_result(size_t count);
void gemm_free_result(float *memory, size_t count);

/* Whether this CPU (and this build) can run a variant; GEMM_AUTO is the fastest that can. */
int gemm_supported(gemm_variant variant);
gemm_variant gemm_best(void);
const char *gemm_name(gemm_variant variant);

#endif

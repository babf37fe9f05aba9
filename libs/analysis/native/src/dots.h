#ifndef TOKENSWEEP_DOTS_H
#define TOKENSWEEP_DOTS_H

#include <stddef.h>
#include <stdint.h>

#include "gemm.h"

/*
 * The successive cosines of a chunk's numbers, in float64, with the bits of the JavaScript definition
 * (libs/analysis/src/compute/pooled-dots.ts). Number i's vector is the sum of its tokens' rows, each
 * float32 element widened to float64 and added in token order from +0 (the mean's direction: a cosine
 * does not see the division by the count). Its squared norm and its dot product with number i - 1's
 * vector each run in four partial sums, lane k taking the elements d ≡ k (mod 4) of the first
 * dim - dim % 4 and lane 0 the rest after them, and are added as (s0 + s1) + (s2 + s3). A number has no
 * vector when it has no token, or not exactly one under pooling `none`; a squared norm that is not
 * positive and finite counts as none; the cosine is NaN where either side has none. Four float64 lanes
 * are one AVX2 register, so vector code keeps every operation and its order; no variant uses eight
 * lanes (AVX-512), which would split each partial sum in two.
 */

typedef struct {
  const float *data; /* the matrix, rows × dim, row-major */
  size_t rows;
  size_t dim;
  const int32_t *ids;     /* the chunk's token ids, number after number */
  const int32_t *offsets; /* count + 1 of them: number i's tokens are ids[offsets[i]..offsets[i + 1]) */
  size_t count;
  int mean; /* else pooling `none` */
  double *out; /* count - 1 cosines: out[i - 1] of number i with number i - 1 */
  gemm_variant variant;
} dots_task;

/* What went wrong, if anything: DOTS_BAD_ID sets `position` to the first id outside the matrix. */
typedef enum { DOTS_OK = 0, DOTS_BAD_ID, DOTS_NO_MEMORY, DOTS_UNSUPPORTED } dots_status;

dots_status dots_run(const dots_task *task, size_t *position);

/* Whether this CPU can run a variant of the successive cosines (portable, or AVX2 with FMA); GEMM_AUTO is the fastest. */
int dots_supported(gemm_variant variant);

/*
 * One number's vector into `current` (dim values) and its squared norm's four partial sums into
 * norm[4]; with `previous` (the last number's vector, else NULL) the dot product's into dot[4].
 */
typedef void (*dots_kernel)(const float *data, size_t dim, const int32_t *ids, size_t tokens, double *current,
                            const double *previous, double norm[4], double dot[4]);

void dots_number_portable(const float *data, size_t dim, const int32_t *ids, size_t tokens, double *current,
                          const double *previous, double norm[4], double dot[4]);
#if defined(__x86_64__)
void dots_number_avx2(const float *data, size_t dim, const int32_t *ids, size_t tokens, double *current,
                      const double *previous, double norm[4], double dot[4]);
#endif

#endif

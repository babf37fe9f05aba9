#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include "kernels.h"

/* 12 rows × 32 columns: 24 accumulators in zmm registers, two of b, a broadcast folded into each FMA. */
#define MR 12
#define NR 32

__attribute__((target("avx512f"))) static void kernel(int kc, const float *ap, const float *bp, float *c, size_t ldc, int first) {
  for (int k0 = 0; k0 < kc; k0 += GEMM_SLICE) {
    __m512 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    const int end = k0 + GEMM_SLICE < kc ? k0 + GEMM_SLICE : kc;
    for (int k = k0; k < end; k++, ap += MR, bp += NR) {
      const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
      for (int r = 0; r < MR; r++) {
        const __m512 a = _mm512_set1_ps(ap[r]);
        acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
      }
    }
    const int fresh = first && k0 == 0;
    for (int r = 0; r < MR; r++) {
      float *row = c + r * ldc;
      _mm512_storeu_ps(row, fresh ? acc[r][0] : _mm512_add_ps(_mm512_loadu_ps(row), acc[r][0]));
      _mm512_storeu_ps(row + 16, fresh ? acc[r][1] : _mm512_add_ps(_mm512_loadu_ps(row + 16), acc[r][1]));
    }
  }
}

const gemm_kernel_info gemm_kernel_avx512 = {MR, NR, kernel};
#endif

#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include "kernels.h"

/* 6 rows × 16 columns: 12 accumulators in ymm registers, two of b and one broadcast of a. */
#define MR 6
#define NR 16

__attribute__((target("avx2,fma"))) static void kernel(int kc, const float *ap, const float *bp, float *c, size_t ldc, int first) {
  for (int k0 = 0; k0 < kc; k0 += GEMM_SLICE) {
    __m256 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    const int end = k0 + GEMM_SLICE < kc ? k0 + GEMM_SLICE : kc;
    for (int k = k0; k < end; k++, ap += MR, bp += NR) {
      const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
      for (int r = 0; r < MR; r++) {
        const __m256 a = _mm256_broadcast_ss(ap + r);
        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
      }
    }
    const int fresh = first && k0 == 0;
    for (int r = 0; r < MR; r++) {
      float *row = c + r * ldc;
      _mm256_storeu_ps(row, fresh ? acc[r][0] : _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]));
      _mm256_storeu_ps(row + 8, fresh ? acc[r][1] : _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]));
    }
  }
}

const gemm_kernel_info gemm_kernel_avx2 = {MR, NR, kernel};
#endif

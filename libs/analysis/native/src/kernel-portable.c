#include <math.h>
#include <stddef.h>
#include "kernels.h"

/* Plain C, one fmaf per element and step: the compiler vectorizes the column loop where it can. */
#define MR 4
#define NR 16

static void kernel(int kc, const float *ap, const float *bp, float *c, size_t ldc, int first) {
  for (int k0 = 0; k0 < kc; k0 += GEMM_SLICE) {
    float acc[MR][NR] = {{0}};
    const int end = k0 + GEMM_SLICE < kc ? k0 + GEMM_SLICE : kc;
    for (int k = k0; k < end; k++, ap += MR, bp += NR)
      for (int r = 0; r < MR; r++)
        for (int n = 0; n < NR; n++) acc[r][n] = fmaf(ap[r], bp[n], acc[r][n]);
    const int fresh = first && k0 == 0;
    for (int r = 0; r < MR; r++)
      for (int n = 0; n < NR; n++) c[r * ldc + n] = fresh ? acc[r][n] : c[r * ldc + n] + acc[r][n];
  }
}

const gemm_kernel_info gemm_kernel_portable = {MR, NR, kernel};

#ifndef TOKENSWEEP_KERNELS_H
#define TOKENSWEEP_KERNELS_H

#include "gemm.h"

/*
 * A micro-kernel computes one MR × NR tile of c from packed panels: `ap` holds kc steps of MR
 * values of a (one per row), `bp` kc steps of NR values of b (one per column). It sums the width in
 * slices of GEMM_SLICE steps, each a chain of fused multiply-adds from zero, and adds each slice's
 * sum to the tile in order: to nothing when `first`, else to what c holds (earlier passes over the
 * width, whose lengths are multiples of GEMM_SLICE). Slices cut the largest error of 768-wide dot
 * products against float64 from 1.7e-7 (one chain) to 3.6e-8, for an add per slice.
 */

typedef void (*gemm_kernel)(int kc, const float *ap, const float *bp, float *c, size_t ldc, int first);

typedef struct {
  int mr;
  int nr;
  gemm_kernel kernel;
} gemm_kernel_info;

extern const gemm_kernel_info gemm_kernel_portable;
#if defined(__x86_64__)
extern const gemm_kernel_info gemm_kernel_avx2;
extern const gemm_kernel_info gemm_kernel_avx512;
#endif

#endif

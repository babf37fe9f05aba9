#if defined(__x86_64__)
#include <immintrin.h>

#include "dots.h"

/*
 * dots_number_portable with lanes 0..3 of each partial sum in one register: each element is widened,
 * added, multiplied and accumulated by the same operations in the same order, four at a time. Up to
 * three tokens' rows are read in the same pass (the usual number); more are summed into `current`
 * first, row after row, which reads each row once instead of cutting it into steps. The target is
 * AVX2 without FMA, so no multiply and add can be fused into one rounding whatever the flags.
 */
__attribute__((target("avx2"))) void dots_number_avx2(const float *data, size_t dim, const int32_t *ids,
                                                           size_t tokens, double *current, const double *previous,
                                                           double norm[4], double dot[4]) {
  const size_t whole = dim & ~(size_t)3;
  __m256d n = _mm256_setzero_pd(), p = _mm256_setzero_pd();
  if (tokens <= 3) {
    const float *r0 = data + (size_t)ids[0] * dim;
    const float *r1 = tokens > 1 ? data + (size_t)ids[1] * dim : NULL;
    const float *r2 = tokens > 2 ? data + (size_t)ids[2] * dim : NULL;
    for (size_t d = 0; d < whole; d += 4) {
      __m256d c = _mm256_add_pd(_mm256_setzero_pd(), _mm256_cvtps_pd(_mm_loadu_ps(r0 + d)));
      if (r1) c = _mm256_add_pd(c, _mm256_cvtps_pd(_mm_loadu_ps(r1 + d)));
      if (r2) c = _mm256_add_pd(c, _mm256_cvtps_pd(_mm_loadu_ps(r2 + d)));
      _mm256_storeu_pd(current + d, c);
      n = _mm256_add_pd(n, _mm256_mul_pd(c, c));
      if (previous) p = _mm256_add_pd(p, _mm256_mul_pd(c, _mm256_loadu_pd(previous + d)));
    }
  } else {
    for (size_t d = 0; d < whole; d += 4) _mm256_storeu_pd(current + d, _mm256_setzero_pd());
    for (size_t t = 0; t < tokens; t++) {
      const float *row = data + (size_t)ids[t] * dim;
      for (size_t d = 0; d < whole; d += 4)
        _mm256_storeu_pd(current + d, _mm256_add_pd(_mm256_loadu_pd(current + d), _mm256_cvtps_pd(_mm_loadu_ps(row + d))));
    }
    for (size_t d = 0; d < whole; d += 4) {
      const __m256d c = _mm256_loadu_pd(current + d);
      n = _mm256_add_pd(n, _mm256_mul_pd(c, c));
      if (previous) p = _mm256_add_pd(p, _mm256_mul_pd(c, _mm256_loadu_pd(previous + d)));
    }
  }
  _mm256_storeu_pd(norm, n);
  _mm256_storeu_pd(dot, p);
  for (size_t d = whole; d < dim; d++) {
    double c = 0;
    for (size_t t = 0; t < tokens; t++) c += (double)data[(size_t)ids[t] * dim + d];
    current[d] = c;
    norm[0] += c * c;
    if (previous) dot[0] += c * previous[d];
  }
}
#endif

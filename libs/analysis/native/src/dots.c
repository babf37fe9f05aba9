#include "dots.h"

#include <math.h>
#include <stdlib.h>

/*
 * The JavaScript definition sums one to three tokens as x0 + x1 + x2 with missing rows read as +0, and
 * more tokens from +0; both give the values summed here from +0 but for the sign of a zero element,
 * which no sum below can see: the partial sums start at +0 and, rounding to nearest, never become -0.
 */
void dots_number_portable(const float *data, size_t dim, const int32_t *ids, size_t tokens, double *current,
                          const double *previous, double norm[4], double dot[4]) {
  const size_t whole = dim & ~(size_t)3;
  if (tokens <= 3) {
    /* the usual one to three tokens, one pass over their rows (else summed row after row); a loop for
       each count, as a test inside one would keep the compiler from vectorizing it */
    const float *r0 = data + (size_t)ids[0] * dim;
    const float *r1 = data + (size_t)ids[tokens > 1] * dim;
    const float *r2 = data + (size_t)ids[tokens > 2 ? 2 : 0] * dim;
    if (tokens == 1)
      for (size_t d = 0; d < whole; d++) current[d] = 0.0 + (double)r0[d];
    else if (tokens == 2)
      for (size_t d = 0; d < whole; d++) current[d] = (0.0 + (double)r0[d]) + (double)r1[d];
    else
      for (size_t d = 0; d < whole; d++) current[d] = ((0.0 + (double)r0[d]) + (double)r1[d]) + (double)r2[d];
  } else {
    for (size_t d = 0; d < whole; d++) current[d] = 0;
    for (size_t t = 0; t < tokens; t++) {
      const float *row = data + (size_t)ids[t] * dim;
      for (size_t d = 0; d < whole; d++) current[d] += (double)row[d];
    }
  }
  double n0 = 0, n1 = 0, n2 = 0, n3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  for (size_t d = 0; d < whole; d += 4) {
    const double c0 = current[d], c1 = current[d + 1], c2 = current[d + 2], c3 = current[d + 3];
    n0 += c0 * c0;
    n1 += c1 * c1;
    n2 += c2 * c2;
    n3 += c3 * c3;
  }
  if (previous)
    for (size_t d = 0; d < whole; d += 4) {
      p0 += current[d] * previous[d];
      p1 += current[d + 1] * previous[d + 1];
      p2 += current[d + 2] * previous[d + 2];
      p3 += current[d + 3] * previous[d + 3];
    }
  for (size_t d = whole; d < dim; d++) {
    double c = 0;
    for (size_t t = 0; t < tokens; t++) c += (double)data[(size_t)ids[t] * dim + d];
    current[d] = c;
    n0 += c * c;
    if (previous) p0 += c * previous[d];
  }
  norm[0] = n0, norm[1] = n1, norm[2] = n2, norm[3] = n3;
  dot[0] = p0, dot[1] = p1, dot[2] = p2, dot[3] = p3;
}

int dots_supported(gemm_variant variant) {
  return variant == GEMM_AUTO || variant == GEMM_PORTABLE || (variant == GEMM_AVX2 && gemm_supported(GEMM_AVX2));
}

static dots_kernel kernel_of(gemm_variant variant) {
#if defined(__x86_64__)
  if (variant == GEMM_AVX2 || (variant == GEMM_AUTO && dots_supported(GEMM_AVX2))) return dots_number_avx2;
#endif
  return dots_number_portable;
}

static double added(const double sums[4]) { return (sums[0] + sums[1]) + (sums[2] + sums[3]); }

dots_status dots_run(const dots_task *t, size_t *position) {
  if (!dots_supported(t->variant)) return DOTS_UNSUPPORTED;
  const size_t first = t->count ? (size_t)t->offsets[0] : 0, end = t->count ? (size_t)t->offsets[t->count] : 0;
  for (size_t k = first; k < end; k++)
    if (t->ids[k] < 0 || (size_t)t->ids[k] >= t->rows) {
      *position = k;
      return DOTS_BAD_ID;
    }
  if (t->count == 0) return DOTS_OK;
  const dots_kernel kernel = kernel_of(t->variant);
  double *vectors = malloc(2 * (t->dim ? t->dim : 1) * sizeof(double));
  if (!vectors) return DOTS_NO_MEMORY;
  double *current = vectors, *previous = vectors + t->dim;
  double previous_norm = 0; /* 0: the last number has no vector */
  for (size_t i = 0; i < t->count; i++) {
    const size_t tokens = (size_t)(t->offsets[i + 1] - t->offsets[i]);
    double norm = 0, cosine = NAN;
    if (tokens > 0 && (t->mean || tokens == 1)) {
      double norms[4], dots[4];
      kernel(t->data, t->dim, t->ids + t->offsets[i], tokens, current, previous_norm > 0 ? previous : NULL, norms, dots);
      const double sum = added(norms);
      norm = sum > 0 && isfinite(sum) ? sum : 0;
      if (norm > 0 && previous_norm > 0) cosine = added(dots) / (sqrt(norm) * sqrt(previous_norm));
      double *swap = previous;
      previous = current;
      current = swap;
    }
    if (i > 0) t->out[i - 1] = cosine;
    previous_norm = norm;
  }
  free(vectors);
  return DOTS_OK;
}

#ifndef TOKENSWEEP_GEMM_MEMORY_H
#define TOKENSWEEP_GEMM_MEMORY_H

#include <stddef.h>

/* A buffer of the packed matrices, kept between products (see gemm-memory.c). */
typedef struct {
  char *memory;
  size_t size;
} gemm_scratch;

/* A kept buffer of at least `size` bytes, else a new one; `memory` is NULL when out of memory. */
gemm_scratch take_scratch(size_t size);
/* Hands a buffer back, to be kept for the next product or freed. */
void give_scratch(gemm_scratch buffer);

#endif

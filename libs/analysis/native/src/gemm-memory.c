#define _GNU_SOURCE /* madvise and MADV_HUGEPAGE */
#include "gemm-memory.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "gemm.h"

#define HUGE_PAGE ((size_t)2 << 20)
/* Scratch buffers and results kept between calls: as many as products run at once, usually, and
 * at most POOL_BYTES of each (a worker keeps what its largest tiles need, not more). */
#define POOL_SLOTS 4
#define POOL_BYTES ((size_t)64 << 20)

static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/*
 * Memory. Pages touched for the first time cost a fault each, 4 KiB at a time: about 10 µs apiece
 * on a virtual machine, which for a 4096 × 4096 product (64 MiB) is longer than the arithmetic. So
 * the packed matrices live in buffers kept between calls, and both they and the results the addon
 * allocates ask for 2 MiB pages (a hint; where the kernel has transparent huge pages set to madvise
 * or always).
 */
static void advise_huge_pages(void *start, size_t bytes) {
#if defined(MADV_HUGEPAGE)
  const uintptr_t from = ((uintptr_t)start + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  const uintptr_t to = ((uintptr_t)start + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
  if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
  (void)start;
  (void)bytes;
#endif
}

/* `size` bytes (a multiple of HUGE_PAGE) aligned to a 2 MiB page, advised to be backed by them. */
static void *alloc_huge(size_t size) {
  void *memory = aligned_alloc(HUGE_PAGE, size);
  if (memory) advise_huge_pages(memory, size);
  return memory;
}

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static gemm_scratch pool[POOL_SLOTS];

/* A kept buffer of at least `size` bytes, else a new one (a kept one too small is freed for it). */
gemm_scratch take_scratch(size_t size) {
  gemm_scratch found = {0};
  pthread_mutex_lock(&pool_lock);
  for (int i = 0; i < POOL_SLOTS && !found.memory; i++)
    if (pool[i].memory && pool[i].size >= size) found = pool[i], pool[i] = (gemm_scratch){0};
  for (int i = 0; i < POOL_SLOTS && !found.memory; i++)
    if (pool[i].memory) free(pool[i].memory), pool[i] = (gemm_scratch){0};
  pthread_mutex_unlock(&pool_lock);
  if (found.memory) return found;
  found.size = round_up(size, HUGE_PAGE);
  found.memory = alloc_huge(found.size);
  return found;
}

/* Keeps `buffer` in a free slot of `slots` if the kept total stays within POOL_BYTES, else frees it. */
static void keep_or_free(gemm_scratch *slots, gemm_scratch buffer) {
  size_t kept = buffer.size;
  int free_slot = -1;
  pthread_mutex_lock(&pool_lock);
  for (int i = 0; i < POOL_SLOTS; i++) {
    kept += slots[i].size;
    if (!slots[i].memory) free_slot = i;
  }
  if (free_slot >= 0 && kept <= POOL_BYTES) slots[free_slot] = buffer, buffer = (gemm_scratch){0};
  pthread_mutex_unlock(&pool_lock);
  free(buffer.memory);
}

void give_scratch(gemm_scratch buffer) { keep_or_free(pool, buffer); }

/*
 * Results of 4 MiB and more are 2 MiB-aligned, and those handed back are kept (up to POOL_BYTES)
 * for the next result of the same size: a sweep's tiles mostly are, so most products write into pages
 * that are already there.
 */
static gemm_scratch results[POOL_SLOTS];

static int pooled_result(size_t bytes) { return bytes >= 2 * HUGE_PAGE; }

float *gemm_alloc_result(size_t count) {
  const size_t bytes = count * sizeof(float);
  if (!pooled_result(bytes)) return malloc(bytes ? bytes : 1);
  const size_t size = round_up(bytes, HUGE_PAGE);
  void *memory = NULL;
  pthread_mutex_lock(&pool_lock);
  for (int i = 0; i < POOL_SLOTS && !memory; i++)
    if (results[i].memory && results[i].size == size) memory = results[i].memory, results[i] = (gemm_scratch){0};
  pthread_mutex_unlock(&pool_lock);
  return memory ? memory : alloc_huge(size);
}

void gemm_free_result(float *memory, size_t count) {
  const size_t bytes = count * sizeof(float);
  if (pooled_result(bytes)) keep_or_free(results, (gemm_scratch){(char *)memory, round_up(bytes, HUGE_PAGE)});
  else free(memory);
}

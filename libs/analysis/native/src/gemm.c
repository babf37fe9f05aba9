#define _GNU_SOURCE /* sched_getcpu, CPU_* and pthread_attr_setaffinity_np */
#include "gemm.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm-memory.h"
#include "kernels.h"

/*
 * The blocking of BLIS and OpenBLAS, kept small. b is packed once, whole, into panels of NR
 * columns (each panel the full width, step by step: NR values per step); each thread then takes
 * blocks of MC rows of a in turn, packs them the same way in MR-row panels, and runs the micro-kernel
 * over every (row panel, column panel) pair, over the whole width at once up to KC. Slices of the width
 * small enough for the first-level cache were slower (measured at widths 768 to 4096: 256-step slices
 * 290 GFLOP/s on two cores, the whole width 340): each slice stores and reloads the tile, and the
 * prefetchers stream the panels well enough.
 */

/* Rows of a taken at a time by one thread: a multiple of every kernel's MR and NR (see mirror_strip). */
#define MC 96
/* Steps of the width per pass: wider products make more passes, each going on from the last. */
#define KC 4096
_Static_assert(KC % GEMM_SLICE == 0, "a pass over the width must end on a slice boundary");
#define MAX_THREADS 64

typedef struct {
  const gemm_task *task;
  const gemm_kernel_info *kernel;
  float *packed_b;
  size_t panels;
  atomic_size_t next_panel; /* of b, to pack */
  atomic_size_t packed;     /* panels of b packed so far */
  atomic_size_t next_block; /* of rows of a, to compute */
} shared_state;

static size_t min_size(size_t x, size_t y) { return x < y ? x : y; }
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/*
 * `count` rows of x [· × dim] as one panel: dim steps of `width` values, zeros past `count`. Done 16
 * steps at a time, so that the steps being written (at most 16 × 32 floats) stay in the first-level
 * cache while a cache line of every row is read.
 */
static void pack_panel(const float *x, size_t count, size_t width, size_t dim, float *panel) {
  const size_t STEPS = 16;
  for (size_t k0 = 0; k0 < dim; k0 += STEPS) {
    const size_t k_end = min_size(k0 + STEPS, dim);
    for (size_t r = 0; r < count; r++) {
      const float *row = x + r * dim;
      for (size_t k = k0; k < k_end; k++) panel[k * width + r] = row[k];
    }
    for (size_t k = k0; k < k_end; k++)
      for (size_t r = count; r < width; r++) panel[k * width + r] = 0.0f;
  }
}

/* Packs panels of b until none is left, then waits until the other threads have packed theirs. */
static void pack_b(shared_state *s) {
  const gemm_task *t = s->task;
  const size_t nr = (size_t)s->kernel->nr;
  for (size_t j; (j = atomic_fetch_add(&s->next_panel, 1)) < s->panels;) {
    pack_panel(t->b + j * nr * t->dim, min_size(nr, t->cols - j * nr), nr, t->dim, s->packed_b + j * nr * t->dim);
    atomic_fetch_add(&s->packed, 1);
  }
  while (atomic_load(&s->packed) < s->panels) sched_yield();
}

/* The tile at (row, col) of c, through a scratch tile where it is cut by the edge of c. */
static void run_tile(const gemm_kernel_info *kernel, int kc, const float *ap, const float *bp, float *c, size_t ldc,
                     size_t height, size_t width, int first) {
  const size_t mr = (size_t)kernel->mr, nr = (size_t)kernel->nr;
  if (height == mr && width == nr) {
    kernel->kernel(kc, ap, bp, c, ldc, first);
    return;
  }
  float tile[16 * 64]; /* room for every kernel's MR × NR */
  if (!first)
    for (size_t r = 0; r < height; r++) memcpy(tile + r * nr, c + r * ldc, width * sizeof(float));
  kernel->kernel(kc, ap, bp, tile, nr, first);
  for (size_t r = 0; r < height; r++) memcpy(c + r * ldc, tile + r * nr, width * sizeof(float));
}

/*
 * In a symmetric product, copies rows [top, top + height) right of their square on the diagonal into
 * the same columns below it, transposed, in 16 × 16 squares. Those columns of the rows below belong
 * to no other block's computed part (each block starts at its own first row, a multiple of NR), so
 * threads never write the same element.
 */
static void mirror_strip(float *c, size_t n, size_t top, size_t height) {
  const size_t SQUARE = 16;
  for (size_t x0 = top + height; x0 < n; x0 += SQUARE)
    for (size_t y0 = top; y0 < top + height; y0 += SQUARE) {
      const size_t x_end = min_size(x0 + SQUARE, n), y_end = min_size(y0 + SQUARE, top + height);
      for (size_t x = x0; x < x_end; x++)
        for (size_t y = y0; y < y_end; y++) c[x * n + y] = c[y * n + x];
    }
}

static void compute_block(shared_state *s, float *packed_a, size_t top) {
  const gemm_task *t = s->task;
  const gemm_kernel_info *kernel = s->kernel;
  const size_t mr = (size_t)kernel->mr, nr = (size_t)kernel->nr, dim = t->dim;
  const size_t height = min_size(MC, t->rows - top);
  const size_t row_panels = (height + mr - 1) / mr;
  for (size_t i = 0; i < row_panels; i++)
    pack_panel(t->a + (top + i * mr) * dim, min_size(mr, height - i * mr), mr, dim, packed_a + i * mr * dim);
  const size_t first_panel = t->symmetric ? top / nr : 0;
  for (size_t k0 = 0; k0 < dim; k0 += KC) {
    const int kc = (int)min_size(KC, dim - k0);
    for (size_t j = first_panel; j < s->panels; j++) {
      const float *bp = s->packed_b + j * nr * dim + k0 * nr;
      const size_t width = min_size(nr, t->cols - j * nr);
      for (size_t i = 0; i < row_panels; i++) {
        float *c = t->c + (top + i * mr) * t->cols + j * nr;
        run_tile(kernel, kc, packed_a + i * mr * dim + k0 * mr, bp, c, t->cols, min_size(mr, height - i * mr), width, k0 == 0);
      }
    }
  }
  if (t->symmetric) mirror_strip(t->c, t->cols, top, height);
}

static void compute_blocks(shared_state *s, float *packed_a) {
  for (size_t block; (block = atomic_fetch_add(&s->next_block, 1)) * MC < s->task->rows;) compute_block(s, packed_a, block * MC);
}

typedef struct {
  shared_state *shared;
  float *packed_a;
} thread_args;

static void *thread_main(void *arg) {
  thread_args *args = arg;
  pack_b(args->shared);
  compute_blocks(args->shared, args->packed_a);
  return NULL;
}

/*
 * Runs the product on `threads` threads: this one and up to threads - 1 more (fewer if they cannot
 * start; the work is taken in turns, so any number finishes it). The threads started here may run
 * anywhere but on the CPU this one is on: left to itself, Linux often put a new thread beside the one
 * that started it, in a process whose other threads (Node's, V8's) kept the other core busy a
 * moment, and both then shared one core for the whole product (measured in Node at N = 1024: half the
 * products took twice as long; 170-250 GFLOP/s without this, 265-280 with it, 285 in a C program).
 */
static void run_threads(thread_args *args, int threads) {
  pthread_t ids[MAX_THREADS];
  int started = 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
#if defined(__linux__)
  cpu_set_t others;
  const int here = sched_getcpu();
  if (here >= 0 && sched_getaffinity(0, sizeof others, &others) == 0 && CPU_COUNT(&others) > 1) {
    CPU_CLR(here, &others);
    pthread_attr_setaffinity_np(&attr, sizeof others, &others);
  }
#endif
  for (int i = 1; i < threads; i++, started++)
    if (pthread_create(&ids[i], &attr, thread_main, &args[i]) != 0) break;
  pthread_attr_destroy(&attr);
  thread_main(&args[0]);
  for (int i = 1; i <= started; i++) pthread_join(ids[i], NULL);
}

static const gemm_kernel_info *kernel_of(gemm_variant variant) {
  switch (variant) {
#if defined(__x86_64__)
    case GEMM_AVX512: return &gemm_kernel_avx512;
    case GEMM_AVX2: return &gemm_kernel_avx2;
#endif
    case GEMM_PORTABLE: return &gemm_kernel_portable;
    default: return NULL;
  }
}

int gemm_supported(gemm_variant variant) {
  switch (variant) {
    case GEMM_AUTO:
    case GEMM_PORTABLE: return 1;
#if defined(__x86_64__)
    case GEMM_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GEMM_AVX512: return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
  }
}

gemm_variant gemm_best(void) {
  if (gemm_supported(GEMM_AVX512)) return GEMM_AVX512;
  if (gemm_supported(GEMM_AVX2)) return GEMM_AVX2;
  return GEMM_PORTABLE;
}

const char *gemm_name(gemm_variant variant) {
  switch (variant) {
    case GEMM_AUTO: return "auto";
    case GEMM_PORTABLE: return "portable";
    case GEMM_AVX2: return "avx2";
    case GEMM_AVX512: return "avx512";
    default: return "unknown";
  }
}

const char *gemm_run(const gemm_task *task) {
  if (task->rows == 0 || task->cols == 0) return NULL;
  if (task->dim == 0) {
    memset(task->c, 0, task->rows * task->cols * sizeof(float));
    return NULL;
  }
  const gemm_variant variant = task->variant == GEMM_AUTO ? gemm_best() : task->variant;
  if (!gemm_supported(variant)) return "this CPU cannot run the requested kernel variant";
  const gemm_kernel_info *kernel = kernel_of(variant);
  shared_state shared = {.task = task, .kernel = kernel, .panels = (task->cols + kernel->nr - 1) / kernel->nr};
  const size_t blocks = (task->rows + MC - 1) / MC;
  int threads = task->threads < 1 ? 1 : task->threads > MAX_THREADS ? MAX_THREADS : task->threads;
  if ((size_t)threads > blocks) threads = (int)blocks;

  const size_t b_bytes = round_up(shared.panels * kernel->nr * task->dim * sizeof(float), 64);
  const size_t a_bytes = round_up(round_up(MC, kernel->mr) * task->dim * sizeof(float), 64);
  const gemm_scratch memory = take_scratch(b_bytes + (size_t)threads * a_bytes);
  if (!memory.memory) return "out of memory for the packed matrices";
  shared.packed_b = (float *)memory.memory;
  thread_args args[MAX_THREADS];
  for (int i = 0; i < threads; i++) args[i] = (thread_args){.shared = &shared, .packed_a = (float *)(memory.memory + b_bytes + i * a_bytes)};
  run_threads(args, threads);
  give_scratch(memory);
  return NULL;
}

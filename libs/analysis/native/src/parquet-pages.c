/* The loops of a Parquet data page: levels, values, statistics, zstd (see parquet-pages.h). */
#include "parquet-pages.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ---- */

static int reserve(pq_buffer *b, size_t extra) {
  if (b->length + extra <= b->capacity) return 1;
  size_t capacity = b->capacity ? b->capacity : 4096;
  while (capacity < b->length + extra) capacity *= 2;
  uint8_t *data = realloc(b->data, capacity);
  if (!data) return 0;
  b->data = data;
  b->capacity = capacity;
  return 1;
}

void pq_buffer_free(pq_buffer *buffer) {
  free(buffer->data);
  buffer->data = NULL;
  buffer->length = buffer->capacity = 0;
}

/* The callers reserve first; these only write. */
static void put_byte(pq_buffer *b, uint8_t byte) { b->data[b->length++] = byte; }

static void put_uleb(pq_buffer *b, uint64_t value) {
  while (value >= 0x80) {
    put_byte(b, (uint8_t)(value | 0x80));
    value >>= 7;
  }
  put_byte(b, (uint8_t)value);
}

static void put_zigzag(pq_buffer *b, int64_t value) {
  put_uleb(b, ((uint64_t)value << 1) ^ (uint64_t)(value >> 63));
}

static void put_u32_at(pq_buffer *b, size_t at, uint32_t value) {
  for (int i = 0; i < 4; i++) b->data[at + i] = (uint8_t)(value >> (8 * i));
}

static const char *OUT_OF_MEMORY = "out of memory encoding a Parquet page";

/* ---- levels: 4-byte length, then the RLE / bit-packed hybrid at bit width 1 ---- */

/* How many of levels[at..n) equal levels[at], counting at most `cap`. */
static size_t run_length(const uint8_t *levels, size_t at, size_t n, size_t cap) {
  size_t end = at + 1;
  while (end < n && end - at < cap && levels[end] == levels[at]) end++;
  return end - at;
}

/*
 * Runs of 8 or more equal levels are written as RLE runs; anything between them as bit-packed groups
 * of 8 (the last group padded with zeros, which the page's value count tells a reader to ignore).
 */
static int put_levels(pq_buffer *out, const uint8_t *levels, size_t n) {
  // at most one header (10 bytes) and one byte per 8 levels, plus one RLE run per 8 levels
  if (!reserve(out, 4 + 2 * (n / 8 + 1) + 11 * (n / 8 + 2))) return 0;
  const size_t start = out->length;
  out->length += 4;
  size_t i = 0;
  while (i < n) {
    const size_t run = run_length(levels, i, n, (size_t)-1);
    if (run >= 8) {
      put_uleb(out, (uint64_t)run << 1);
      put_byte(out, levels[i]);
      i += run;
      continue;
    }
    const size_t from = i;
    size_t groups = 0;
    do {
      i += 8;
      groups++;
    } while (i < n && run_length(levels, i, n, 8) < 8);
    put_uleb(out, (uint64_t)groups << 1 | 1);
    for (size_t g = 0; g < groups; g++) {
      uint8_t byte = 0;
      for (size_t k = 0; k < 8; k++) {
        const size_t at = from + g * 8 + k;
        if (at < n && levels[at]) byte |= (uint8_t)(1u << k);
      }
      put_byte(out, byte);
    }
  }
  put_u32_at(out, start, (uint32_t)(out->length - start - 4));
  return 1;
}

/* ---- DELTA_BINARY_PACKED: blocks of 128 values in 4 miniblocks of 32 ---- */

enum { BLOCK = 128, MINIBLOCKS = 4, MINIBLOCK = BLOCK / MINIBLOCKS };

static int bit_width(uint64_t value) {
  int width = 0;
  while (value) {
    width++;
    value >>= 1;
  }
  return width;
}

/* 32 values of `width` bits, least significant bit first (the format's bit packing). */
static void pack_miniblock(pq_buffer *out, const uint64_t *values, int width) {
  uint8_t *dst = out->data + out->length;
  memset(dst, 0, (size_t)width * MINIBLOCK / 8);
  size_t bit = 0;
  for (int k = 0; k < MINIBLOCK; k++)
    for (int b = 0; b < width;) {
      const int shift = (int)(bit & 7);
      const int take = 8 - shift < width - b ? 8 - shift : width - b;
      dst[bit >> 3] |= (uint8_t)(((values[k] >> b) & ((1u << take) - 1)) << shift);
      b += take;
      bit += (size_t)take;
    }
  out->length += (size_t)width * MINIBLOCK / 8;
}

/*
 * `values` as differences, in the arithmetic of the column's type: 32-bit columns wrap at 32 bits,
 * as their readers add the differences back.
 */
static int put_delta(pq_buffer *out, const int64_t *values, size_t n, int bits32) {
  if (!reserve(out, 40)) return 0;
  put_uleb(out, BLOCK);
  put_uleb(out, MINIBLOCKS);
  put_uleb(out, n);
  put_zigzag(out, n ? values[0] : 0);
  int64_t deltas[BLOCK];
  uint64_t packed[MINIBLOCK];
  for (size_t block = 1; block < n; block += BLOCK) {
    const size_t count = n - block < BLOCK ? n - block : BLOCK;
    int64_t min_delta = INT64_MAX;
    for (size_t k = 0; k < count; k++) {
      const uint64_t difference = (uint64_t)values[block + k] - (uint64_t)values[block + k - 1];
      deltas[k] = bits32 ? (int64_t)(int32_t)(uint32_t)difference : (int64_t)difference;
      if (deltas[k] < min_delta) min_delta = deltas[k];
    }
    int widths[MINIBLOCKS];
    for (int m = 0; m < MINIBLOCKS; m++) {
      uint64_t all = 0;
      for (size_t k = (size_t)m * MINIBLOCK; k < count && k < (size_t)(m + 1) * MINIBLOCK; k++)
        all |= bits32 ? (uint32_t)((uint32_t)deltas[k] - (uint32_t)min_delta)
                      : (uint64_t)deltas[k] - (uint64_t)min_delta;
      widths[m] = bit_width(all);
    }
    if (!reserve(out, 10 + MINIBLOCKS + MINIBLOCKS * 8 * MINIBLOCK)) return 0;
    put_zigzag(out, min_delta);
    for (int m = 0; m < MINIBLOCKS; m++) put_byte(out, (uint8_t)widths[m]);
    // miniblocks past the last value are left out (their widths are 0)
    for (int m = 0; m < MINIBLOCKS && (size_t)m * MINIBLOCK < count; m++) {
      for (size_t k = 0; k < MINIBLOCK; k++) {
        const size_t at = (size_t)m * MINIBLOCK + k;
        packed[k] = at >= count ? 0
                    : bits32    ? (uint32_t)((uint32_t)deltas[at] - (uint32_t)min_delta)
                                : (uint64_t)deltas[at] - (uint64_t)min_delta;
      }
      pack_miniblock(out, packed, widths[m]);
    }
  }
  return 1;
}

/* ---- one page ---- */

static int bit_at(const uint8_t *bits, size_t index) { return (bits[index >> 3] >> (index & 7)) & 1; }

static size_t value_size(int type) {
  switch (type) {
    case PQ_INT32:
    case PQ_FLOAT:
      return 4;
    case PQ_INT64:
    case PQ_DOUBLE:
      return 8;
    default:
      return 1;
  }
}

/*
 * min/max of the set values among leaf values [first, end) (`defined[j - first]`, NULL for all), NaN
 * left out as readers expect. Returns 0 when no value counts.
 */
#define MIN_MAX_OF(name, T, skipped)                                                              \
  static int name(const T *values, const uint8_t *defined, size_t first, size_t end, T *lo, T *hi) { \
    int any = 0;                                                                                  \
    for (size_t j = first; j < end; j++) {                                                        \
      const T v = values[j];                                                                      \
      if ((defined && !defined[j - first]) || skipped(v)) continue;                               \
      if (!any || v < *lo) *lo = v;                                                               \
      if (!any || v > *hi) *hi = v;                                                               \
      any = 1;                                                                                    \
    }                                                                                             \
    return any;                                                                                   \
  }
#define NEVER_SKIPPED(v) 0
MIN_MAX_OF(min_max_int32, int32_t, NEVER_SKIPPED)
MIN_MAX_OF(min_max_int64, int64_t, NEVER_SKIPPED)
MIN_MAX_OF(min_max_float, float, isnan)
MIN_MAX_OF(min_max_double, double, isnan)

/*
 * The page's min and max as the little-endian bytes of its type. A zero bound is written signed as
 * the format asks (min -0, max +0), so that a reader pruning on them keeps pages holding either zero.
 */
#define NOTE_MIN_MAX(T, scan)                                                           \
  do {                                                                                  \
    T lo = 0, hi = 0;                                                                   \
    facts->has_min_max = scan(c->values, defined, first, end, &lo, &hi);                \
    if (lo == 0) lo = -(T)0;                                                            \
    if (hi == 0) hi = (T)0;                                                             \
    memcpy(facts->min, &lo, sizeof(T));                                                 \
    memcpy(facts->max, &hi, sizeof(T));                                                 \
  } while (0)

static void note_min_max(const pq_column *c, const uint8_t *defined, size_t first, size_t end,
                         pq_page_facts *facts) {
  switch (c->type) {
    case PQ_INT32:
      NOTE_MIN_MAX(int32_t, min_max_int32);
      return;
    case PQ_INT64:
      NOTE_MIN_MAX(int64_t, min_max_int64);
      return;
    case PQ_FLOAT:
      NOTE_MIN_MAX(float, min_max_float);
      return;
    case PQ_DOUBLE:
      NOTE_MIN_MAX(double, min_max_double);
      return;
    case PQ_BOOLEAN:
      facts->min[0] = 1;
      for (size_t j = first; j < end; j++) {
        if (defined && !defined[j - first]) continue;
        const uint8_t v = (uint8_t)bit_at(c->values, c->bit_offset + j);
        if (v < facts->min[0]) facts->min[0] = v;
        if (v > facts->max[0]) facts->max[0] = v;
        facts->has_min_max = 1;
      }
      return;
    default:
      return; /* byte arrays: no statistics */
  }
}

static int put_values(const pq_column *c, const uint8_t *defined, size_t first, size_t end, pq_buffer *out) {
  const size_t count = end - first;
  if (c->encoding == PQ_DELTA_BINARY_PACKED) {
    int64_t *gathered = malloc((count ? count : 1) * sizeof(int64_t));
    if (!gathered) return 0;
    size_t n = 0;
    for (size_t j = first; j < end; j++)
      if (!defined || defined[j - first])
        gathered[n++] = c->type == PQ_INT32 ? ((const int32_t *)c->values)[j] : ((const int64_t *)c->values)[j];
    const int ok = put_delta(out, gathered, n, c->type == PQ_INT32);
    free(gathered);
    return ok;
  }
  if (c->type == PQ_BYTE_ARRAY) {
    const size_t bytes = (size_t)(c->offsets[end] - c->offsets[first]);
    if (!reserve(out, bytes + 4 * count)) return 0;
    for (size_t j = first; j < end; j++) {
      if (defined && !defined[j - first]) continue;
      const uint32_t length = (uint32_t)(c->offsets[j + 1] - c->offsets[j]);
      put_u32_at(out, out->length, length);
      memcpy(out->data + out->length + 4, c->data + c->offsets[j], length);
      out->length += 4 + length;
    }
    return 1;
  }
  if (c->type == PQ_BOOLEAN) {
    if (!reserve(out, count / 8 + 1)) return 0;
    uint8_t byte = 0;
    int filled = 0;
    for (size_t j = first; j < end; j++) {
      if (defined && !defined[j - first]) continue;
      byte |= (uint8_t)(bit_at(c->values, c->bit_offset + j) << filled);
      if (++filled == 8) {
        put_byte(out, byte);
        byte = 0;
        filled = 0;
      }
    }
    if (filled) put_byte(out, byte);
    return 1;
  }
  const size_t size = value_size(c->type);
  if (!reserve(out, count * size)) return 0;
  const uint8_t *values = c->values;
  if (!defined) {
    if (count) memcpy(out->data + out->length, values + first * size, count * size);
    out->length += count * size;
    return 1;
  }
  for (size_t j = first; j < end; j++)
    if (defined[j - first]) {
      memcpy(out->data + out->length, values + j * size, size);
      out->length += size;
    }
  return 1;
}

const char *pq_encode_page(const pq_column *c, pq_buffer *out, pq_page_facts *facts) {
  memset(facts, 0, sizeof(*facts));
  facts->stat_size = value_size(c->type);
  const int list = c->list_offsets != NULL;
  const size_t first = list ? (size_t)c->list_offsets[0] : 0;
  const size_t end = list ? (size_t)c->list_offsets[c->rows] : c->rows;
  uint8_t *levels = NULL, *defined = NULL;
  if (list) {
    // a required list of required items: one level entry per item, or one for an empty list
    size_t entries = end - first;
    for (size_t r = 0; r < c->rows; r++) entries += c->list_offsets[r + 1] == c->list_offsets[r];
    levels = malloc(2 * (entries ? entries : 1));
    if (!levels) return OUT_OF_MEMORY;
    uint8_t *repetition = levels, *definition = levels + entries;
    size_t e = 0;
    for (size_t r = 0; r < c->rows; r++) {
      const int32_t lo = c->list_offsets[r], hi = c->list_offsets[r + 1];
      if (lo == hi) {
        repetition[e] = 0;
        definition[e++] = 0;
      }
      for (int32_t j = lo; j < hi; j++) {
        repetition[e] = j != lo;
        definition[e++] = 1;
      }
    }
    facts->level_values = entries;
    const int ok = put_levels(out, repetition, entries) && put_levels(out, definition, entries);
    free(levels);
    if (!ok) return OUT_OF_MEMORY;
  } else {
    facts->level_values = c->rows;
    if (c->optional) {
      defined = malloc(c->rows ? c->rows : 1);
      if (!defined) return OUT_OF_MEMORY;
      for (size_t r = 0; r < c->rows; r++) {
        defined[r] = !c->validity || bit_at(c->validity, c->validity_offset + r);
        facts->nulls += !defined[r];
      }
      if (!put_levels(out, defined, c->rows)) {
        free(defined);
        return OUT_OF_MEMORY;
      }
    }
  }
  note_min_max(c, defined, first, end, facts);
  const int ok = put_values(c, defined, first, end, out);
  free(defined);
  return ok ? NULL : OUT_OF_MEMORY;
}

/* ---- zstd, from the system's library (libzstd.so.1), loaded once ---- */

static struct {
  void *(*create)(void);
  size_t (*release)(void *);
  size_t (*compress)(void *, void *, size_t, const void *, size_t, int);
  size_t (*bound)(size_t);
  unsigned (*is_error)(size_t);
  const char *(*error_name)(size_t);
  unsigned (*version)(void);
} zstd;
static pthread_once_t zstd_once = PTHREAD_ONCE_INIT;
static int zstd_ready;

static void load_zstd(void) {
  static const char *const names[] = {"libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!library) continue;
    *(void **)&zstd.create = dlsym(library, "ZSTD_createCCtx");
    *(void **)&zstd.release = dlsym(library, "ZSTD_freeCCtx");
    *(void **)&zstd.compress = dlsym(library, "ZSTD_compressCCtx");
    *(void **)&zstd.bound = dlsym(library, "ZSTD_compressBound");
    *(void **)&zstd.is_error = dlsym(library, "ZSTD_isError");
    *(void **)&zstd.error_name = dlsym(library, "ZSTD_getErrorName");
    *(void **)&zstd.version = dlsym(library, "ZSTD_versionNumber");
    if (zstd.create && zstd.release && zstd.compress && zstd.bound && zstd.is_error && zstd.error_name &&
        zstd.version) {
      zstd_ready = 1;
      return;
    }
    dlclose(library);
  }
}

unsigned pq_zstd_version(void) {
  pthread_once(&zstd_once, load_zstd);
  return zstd_ready ? zstd.version() : 0;
}

void *pq_zstd_context_new(void) {
  pthread_once(&zstd_once, load_zstd);
  return zstd_ready ? zstd.create() : NULL;
}

void pq_zstd_context_free(void *context) {
  if (context) zstd.release(context);
}

const char *pq_zstd_compress(void *context, const uint8_t *in, size_t length, int level, pq_buffer *out) {
  if (!context) return "zstd (libzstd.so.1) could not be loaded";
  const size_t bound = zstd.bound(length);
  if (!reserve(out, bound)) return OUT_OF_MEMORY;
  const size_t written = zstd.compress(context, out->data + out->length, bound, in, length, level);
  if (zstd.is_error(written)) return zstd.error_name(written);
  out->length += written;
  return NULL;
}

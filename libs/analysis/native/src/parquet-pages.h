#ifndef TOKENSWEEP_PARQUET_PAGES_H
#define TOKENSWEEP_PARQUET_PAGES_H

/*
 * The body of a Parquet column chunk's one data page (format v1), from Arrow buffers: repetition and
 * definition levels (4-byte length, then the RLE / bit-packed hybrid at bit width 1), then the
 * values (PLAIN, or DELTA_BINARY_PACKED for integers), then compressed with zstd. The file around
 * the pages (page headers, the footer in Thrift) is written by output/native-parquet.ts; these are
 * the loops over every value, which is where a part's time goes.
 *
 * What a column may be is what the analysis schemas hold: a top-level column, required or optional
 * (its nulls in an Arrow validity bitmap), or a required list of required items.
 */

#include <stddef.h>
#include <stdint.h>

/* Parquet's physical types, as the format numbers them. */
enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_FLOAT = 4, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6 };
/* The value encodings written, as the format numbers them. */
enum { PQ_PLAIN = 0, PQ_DELTA_BINARY_PACKED = 5 };

typedef struct {
  int type;     /* PQ_BOOLEAN .. PQ_BYTE_ARRAY */
  int encoding; /* PQ_PLAIN, or PQ_DELTA_BINARY_PACKED for PQ_INT32 / PQ_INT64 */
  size_t rows;  /* the column's rows (lists: one per list) */
  int optional; /* a top-level column that may hold nulls (its definition levels are written) */
  /* Fixed-width values: `values` holds one per leaf value (booleans: bits from `bit_offset`). */
  const void *values;
  size_t bit_offset;
  /* Byte arrays: value i is data[offsets[i] .. offsets[i + 1]). */
  const int32_t *offsets;
  const uint8_t *data;
  /* Optional top-level column: its validity bits from validity_offset (NULL: none is null). */
  const uint8_t *validity;
  size_t validity_offset;
  /* A list column: row r's items are leaf values list_offsets[r] .. list_offsets[r + 1]. */
  const int32_t *list_offsets;
} pq_column;

typedef struct {
  uint8_t *data;
  size_t length, capacity;
} pq_buffer;

typedef struct {
  size_t level_values; /* the page's num_values: one per row, and per further item of a list */
  size_t nulls;
  int has_min_max;     /* 0 when every value is null (or NaN), or for byte arrays */
  uint8_t min[8], max[8];
  size_t stat_size;    /* bytes of min and max: 1, 4 or 8 */
} pq_page_facts;

/* Appends the page body of `column` to `out` (uncompressed). Returns NULL or what went wrong. */
const char *pq_encode_page(const pq_column *column, pq_buffer *out, pq_page_facts *facts);

/*
 * A zstd compression context (NULL when no zstd library could be loaded), for one thread at a time:
 * the binding keeps one per JavaScript environment and frees it when the environment ends.
 */
void *pq_zstd_context_new(void);
void pq_zstd_context_free(void *context);

/* `in` compressed by zstd at `level` into `out`, with `context`. Returns NULL or what went wrong. */
const char *pq_zstd_compress(void *context, const uint8_t *in, size_t length, int level, pq_buffer *out);

/* The zstd version number of the library loaded (e.g. 10504), or 0 if none could be loaded. */
unsigned pq_zstd_version(void);

void pq_buffer_free(pq_buffer *buffer);

#endif

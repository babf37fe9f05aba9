/*
 * encodeParquetPage(type, encoding, rows, optional, values, bitOffset, offsets, data, validity,
 * validityOffset, listOffsets, level) → [page, uncompressedLength, levelValues, nulls, min, max]:
 * one column chunk's data page body (see parquet-pages.h) compressed by zstd at `level`, with the
 * page's value count (levels), its nulls, and the min and max of its values as their little-endian
 * bytes (null for byte arrays, or when no value is set). Every buffer is checked against the rows
 * and offsets it is read by, so that no call can read past one.
 *
 * zstdVersion() → the version number of the zstd library loaded, or 0 when none could be.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "napi-args.h"
#include "parquet-pages.h"

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static int is_null(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && (type == napi_null || type == napi_undefined);
}

/*
 * A Uint8Array, or null: `present` tells them apart (an empty array's data pointer may be NULL too),
 * and `data` then points at something even for an empty array.
 */
static int bytes_or_null(napi_env env, napi_value value, const uint8_t **data, size_t *length, int *present) {
  static const uint8_t nothing = 0;
  *present = !is_null(env, value);
  *data = NULL;
  *length = 0;
  if (*present && !typed_array(env, value, napi_uint8_array, (void **)data, length)) return 0;
  if (*present && !*data) *data = &nothing;
  return 1;
}

/*
 * The zstd context of this JavaScript environment (the main thread or a worker thread), made on the
 * first page and freed with the environment: a context per thread, never shared, and never outliving
 * the addon (a thread-exit destructor could run after a worker's environment has unloaded it).
 */
static void free_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pq_zstd_context_free(data);
}

static void *zstd_context(napi_env env) {
  void *context = NULL;
  if (napi_get_instance_data(env, &context) == napi_ok && context) return context;
  context = pq_zstd_context_new();
  if (context && napi_set_instance_data(env, context, free_context, NULL) != napi_ok) {
    pq_zstd_context_free(context);
    return NULL;
  }
  return context;
}

static napi_value bytes_value(napi_env env, const uint8_t *data, size_t length) {
  void *copy;
  napi_value buffer, array;
  if (napi_create_arraybuffer(env, length, &copy, &buffer) != napi_ok) return NULL;
  if (length) memcpy(copy, data, length);
  if (napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &array) != napi_ok) return NULL;
  return array;
}

/* The typed array kind that holds a fixed-width physical type's values. */
static int values_kind(int type, napi_typedarray_type *kind) {
  switch (type) {
    case PQ_INT32:
      *kind = napi_int32_array;
      return 1;
    case PQ_INT64:
      *kind = napi_bigint64_array;
      return 1;
    case PQ_FLOAT:
      *kind = napi_float32_array;
      return 1;
    case PQ_DOUBLE:
      *kind = napi_float64_array;
      return 1;
    case PQ_BOOLEAN:
      *kind = napi_uint8_array;
      return 1;
    default:
      return 0;
  }
}

/* Offsets that never go back, from offsets[from] >= 0 to offsets[to]. */
static int monotonic(const int32_t *offsets, size_t from, size_t to) {
  if (offsets[from] < 0) return 0;
  for (size_t i = from; i < to; i++)
    if (offsets[i + 1] < offsets[i]) return 0;
  return 1;
}

napi_value encode_parquet_page(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 12)
    return fail(env, "encodeParquetPage(type, encoding, rows, optional, values, bitOffset, offsets, data, validity, validityOffset, listOffsets, level) takes twelve arguments");
  pq_column c;
  memset(&c, 0, sizeof(c));
  int32_t type, encoding, level;
  bool optional;
  size_t rows, bit_offset, validity_offset;
  if (napi_get_value_int32(env, argv[0], &type) != napi_ok) return fail(env, "type must be a Parquet physical type");
  if (napi_get_value_int32(env, argv[1], &encoding) != napi_ok) return fail(env, "encoding must be a number");
  if (!whole_number(env, argv[2], &rows)) return fail(env, "rows must be a whole number");
  if (napi_get_value_bool(env, argv[3], &optional) != napi_ok) return fail(env, "optional must be a boolean");
  if (!whole_number(env, argv[5], &bit_offset)) return fail(env, "bitOffset must be a whole number");
  if (!whole_number(env, argv[9], &validity_offset)) return fail(env, "validityOffset must be a whole number");
  if (napi_get_value_int32(env, argv[11], &level) != napi_ok) return fail(env, "level must be a zstd level");
  if (type != PQ_BOOLEAN && type != PQ_INT32 && type != PQ_INT64 && type != PQ_FLOAT && type != PQ_DOUBLE &&
      type != PQ_BYTE_ARRAY)
    return fail(env, "type must be BOOLEAN, INT32, INT64, FLOAT, DOUBLE or BYTE_ARRAY");
  if (encoding != PQ_PLAIN && !(encoding == PQ_DELTA_BINARY_PACKED && (type == PQ_INT32 || type == PQ_INT64)))
    return fail(env, "encoding must be PLAIN, or DELTA_BINARY_PACKED for INT32 and INT64");
  c.type = type;
  c.encoding = encoding;
  c.rows = rows;
  c.optional = optional;
  c.bit_offset = bit_offset;
  c.validity_offset = validity_offset;

  // the leaf values the rows cover: rows themselves, or a list's items
  size_t first = 0, end = rows;
  if (!is_null(env, argv[10])) {
    size_t length;
    if (!typed_array(env, argv[10], napi_int32_array, (void **)&c.list_offsets, &length) || length < rows + 1)
      return fail(env, "listOffsets must be an Int32Array of rows + 1 offsets");
    if (!monotonic(c.list_offsets, 0, rows)) return fail(env, "listOffsets must start at 0 or more and never go back");
    if (optional) return fail(env, "a list column is written as required");
    first = (size_t)c.list_offsets[0];
    end = (size_t)c.list_offsets[rows];
  }
  size_t validity_length;
  int has_validity, has_data;
  if (!bytes_or_null(env, argv[8], &c.validity, &validity_length, &has_validity))
    return fail(env, "validity must be a Uint8Array or null");
  if (!has_validity) c.validity = NULL;
  if (has_validity && (!optional || validity_length * 8 < validity_offset + rows))
    return fail(env, "validity must be an optional column's bitmap holding validityOffset + rows bits");

  if (type == PQ_BYTE_ARRAY) {
    size_t offsets_length, data_length;
    if (!typed_array(env, argv[6], napi_int32_array, (void **)&c.offsets, &offsets_length) || offsets_length < end + 1)
      return fail(env, "offsets must be an Int32Array with an offset past every value");
    if (!monotonic(c.offsets, first, end)) return fail(env, "offsets must start at 0 or more and never go back");
    if (!bytes_or_null(env, argv[7], &c.data, &data_length, &has_data) || !has_data ||
        data_length < (size_t)c.offsets[end])
      return fail(env, "data must be a Uint8Array holding every value's bytes");
  } else {
    napi_typedarray_type kind = napi_uint8_array;
    size_t length;
    values_kind(type, &kind);
    if (!typed_array(env, argv[4], kind, (void **)&c.values, &length))
      return fail(env, "values must be the typed array of the type (Int32Array, BigInt64Array, Float32Array, Float64Array, or a Uint8Array of bits)");
    if (type == PQ_BOOLEAN ? length * 8 < bit_offset + end : length < end)
      return fail(env, "values must hold a value for every row");
  }

  pq_buffer body = {0}, page = {0};
  pq_page_facts facts;
  const char *error = pq_encode_page(&c, &body, &facts);
  if (!error) error = pq_zstd_compress(zstd_context(env), body.data, body.length, level, &page);
  napi_value result = NULL;
  if (!error) {
    napi_value items[6];
    napi_value null_value;
    napi_get_null(env, &null_value);
    items[0] = bytes_value(env, page.data, page.length);
    napi_create_double(env, (double)body.length, &items[1]);
    napi_create_double(env, (double)facts.level_values, &items[2]);
    napi_create_double(env, (double)facts.nulls, &items[3]);
    items[4] = facts.has_min_max ? bytes_value(env, facts.min, facts.stat_size) : null_value;
    items[5] = facts.has_min_max ? bytes_value(env, facts.max, facts.stat_size) : null_value;
    if (items[0] && items[4] && items[5] && napi_create_array_with_length(env, 6, &result) == napi_ok)
      for (uint32_t i = 0; i < 6; i++) napi_set_element(env, result, i, items[i]);
    else error = "cannot hand the page to JavaScript";
  }
  pq_buffer_free(&body);
  pq_buffer_free(&page);
  if (error) {
    napi_throw_error(env, NULL, error);
    return NULL;
  }
  return result;
}

napi_value zstd_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_uint32(env, pq_zstd_version(), &result);
  return result;
}

/*
 * successiveCosines(data, rows, dim, ids, offsets, pooling, out[, options]) → out: the successive
 * cosines of a chunk's numbers (see dots.h), synchronously (a chunk takes milliseconds). `data` is the
 * matrix (Float32Array, rows × dim), `ids` and `offsets` (Int32Array) the numbers' tokens as
 * tokenizeNumbers lays them out, number i's at ids[offsets[i]..offsets[i + 1]), `pooling` 'mean' or
 * 'none', `out` a Float64Array of at least offsets.length - 2 cosines, out[i - 1] for number i.
 * `options`: { variant }, 'auto' (the default), 'portable' or 'avx2'. A token id outside the matrix
 * throws an Error naming it and the row count.
 */
#include <node_api.h>
#include <stdio.h>
#include <string.h>

#include "dots.h"
#include "napi-args.h"

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

/* The variant options.variant names (GEMM_AUTO without options or without one); -1 for anything else. */
static int variant_of(napi_env env, napi_value options, gemm_variant *variant) {
  napi_valuetype type;
  bool has = false;
  napi_value value;
  char name[32];
  size_t length;
  if (napi_typeof(env, options, &type) != napi_ok) return -1;
  if (type != napi_object) return type == napi_undefined ? 0 : -1;
  if (napi_has_named_property(env, options, "variant", &has) != napi_ok) return -1;
  if (!has) return 0;
  if (napi_get_named_property(env, options, "variant", &value) != napi_ok) return -1;
  if (napi_get_value_string_utf8(env, value, name, sizeof name, &length) != napi_ok) return -1;
  for (int v = GEMM_AUTO; v <= GEMM_AVX2; v++)
    if (strcmp(name, gemm_name((gemm_variant)v)) == 0) return (*variant = (gemm_variant)v), 0;
  return -1;
}

napi_value successive_cosines(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7)
    return fail(env, "successiveCosines(data, rows, dim, ids, offsets, pooling, out[, options]) takes at least seven arguments");
  void *data, *ids, *offsets, *out;
  size_t data_length, ids_length, offsets_length, out_length, rows, dim;
  if (!typed_array(env, argv[0], napi_float32_array, &data, &data_length)) return fail(env, "data must be a Float32Array");
  if (!whole_number(env, argv[1], &rows)) return fail(env, "rows must be a whole number");
  if (!whole_number(env, argv[2], &dim)) return fail(env, "dim must be a whole number");
  if (rows > 0 && dim > data_length / rows) return fail(env, "data is shorter than rows × dim");
  if (!typed_array(env, argv[3], napi_int32_array, &ids, &ids_length)) return fail(env, "ids must be an Int32Array");
  if (!typed_array(env, argv[4], napi_int32_array, &offsets, &offsets_length)) return fail(env, "offsets must be an Int32Array");
  char pooling[8];
  size_t pooling_length;
  if (napi_get_value_string_utf8(env, argv[5], pooling, sizeof pooling, &pooling_length) != napi_ok ||
      (strcmp(pooling, "mean") != 0 && strcmp(pooling, "none") != 0))
    return fail(env, "pooling must be 'mean' or 'none'");
  if (!typed_array(env, argv[6], napi_float64_array, &out, &out_length)) return fail(env, "out must be a Float64Array");
  gemm_variant variant = GEMM_AUTO;
  if (argc > 7 && variant_of(env, argv[7], &variant) != 0) return fail(env, "options.variant must be one of auto, portable, avx2");
  if (!dots_supported(variant)) return fail(env, "this CPU cannot run the requested variant");

  const int32_t *offset = offsets;
  const size_t count = offsets_length ? offsets_length - 1 : 0;
  if (count > 1 && out_length < count - 1) return fail(env, "out is shorter than the numbers but one");
  for (size_t i = 0; i < count; i++)
    if (offset[i] < 0 || offset[i + 1] < offset[i]) return fail(env, "offsets must rise from 0 or more");
  if (count > 0 && (size_t)offset[count] > ids_length) return fail(env, "offsets point past the end of ids");

  const dots_task task = {data, rows, dim, ids, offset, count, strcmp(pooling, "mean") == 0, out, variant};
  size_t position = 0;
  switch (dots_run(&task, &position)) {
    case DOTS_OK: return argv[6];
    case DOTS_BAD_ID: {
      char message[160];
      snprintf(message, sizeof message,
               "token id %d is outside the embedding matrix (%zu rows); tokenizer and weights do not match",
               (int)((const int32_t *)ids)[position], rows);
      napi_throw_error(env, NULL, message);
      return NULL;
    }
    case DOTS_NO_MEMORY: return fail(env, "out of memory for the successive cosines");
    default: return fail(env, "this CPU cannot run the requested variant");
  }
}

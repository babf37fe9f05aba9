/*
 * createNumberBpe(globalIds, tokenBytes, tokenEnds, charLocal, mergeKeys, mergeRanks, mergeResults,
 * ignoreMerges, splits) → a tokenizer (an external value) over copies of NumberBpe's tables (see
 * number-bpe.h); `splits` is an Int32Array of (digits per piece, 0 for no limit; 1 if one space joins
 * the digits after it) per split rule.
 *
 * encodeNumbers(tokenizer, values, format) → [offsets, ids, textEnds, text]: the numbers of `values`
 * (a Float64Array of safe integers) formatted as `format` (0 plain, 1 space, 2 comma) and tokenized,
 * synchronously (a chunk takes a few milliseconds): number i's ids at ids[offsets[i]..offsets[i + 1]),
 * its text's bytes at text[textEnds[i]..textEnds[i + 1]). A value that is not a safe integer throws a
 * RangeError naming it.
 */
#include <node_api.h>
#include <stdio.h>
#include <string.h>

#include "napi-args.h"
#include "number-bpe.h"

/* Marks the externals createNumberBpe makes, so that encodeNumbers takes no other. */
static const napi_type_tag NUMBER_BPE_TAG = {0x8f1c2a6d4b7e3905ULL, 0x2d94e0b7c61a5f83ULL};

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static void free_bpe(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  number_bpe_free(data);
}

napi_value create_number_bpe(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 9)
    return fail(env, "createNumberBpe(globalIds, tokenBytes, tokenEnds, charLocal, mergeKeys, mergeRanks, mergeResults, ignoreMerges, splits) takes nine arguments");
  void *global_ids, *token_bytes, *token_ends, *char_local, *keys, *ranks, *results, *splits;
  size_t locals, token_length, ends_length, char_length, capacity, ranks_length, results_length, split_length;
  if (!typed_array(env, argv[0], napi_int32_array, &global_ids, &locals)) return fail(env, "globalIds must be an Int32Array");
  if (!typed_array(env, argv[1], napi_uint8_array, &token_bytes, &token_length)) return fail(env, "tokenBytes must be a Uint8Array");
  if (!typed_array(env, argv[2], napi_int32_array, &token_ends, &ends_length) || ends_length != locals)
    return fail(env, "tokenEnds must be an Int32Array with one end per token");
  if (!typed_array(env, argv[3], napi_int32_array, &char_local, &char_length) || char_length != 128)
    return fail(env, "charLocal must be an Int32Array of 128");
  if (!typed_array(env, argv[4], napi_int32_array, &keys, &capacity) || capacity == 0 || (capacity & (capacity - 1)))
    return fail(env, "mergeKeys must be an Int32Array whose length is a power of two");
  if (!typed_array(env, argv[5], napi_int32_array, &ranks, &ranks_length) || ranks_length != capacity)
    return fail(env, "mergeRanks must be an Int32Array as long as mergeKeys");
  if (!typed_array(env, argv[6], napi_int32_array, &results, &results_length) || results_length != capacity)
    return fail(env, "mergeResults must be an Int32Array as long as mergeKeys");
  bool ignore_merges;
  if (napi_get_value_bool(env, argv[7], &ignore_merges) != napi_ok) return fail(env, "ignoreMerges must be a boolean");
  if (!typed_array(env, argv[8], napi_int32_array, &splits, &split_length) || split_length % 2 || split_length > 16)
    return fail(env, "splits must be an Int32Array of up to eight (digits per piece, space joins digits) pairs");

  const int32_t *ends = token_ends, *local_of = char_local, *merged = results;
  for (size_t t = 0; t < locals; t++)
    if (ends[t] < (t ? ends[t - 1] : 0) + 1 || (size_t)ends[t] > token_length)
      return fail(env, "tokenEnds must rise by at least one within tokenBytes");
  for (size_t c = 0; c < 128; c++)
    if (local_of[c] < -1 || local_of[c] >= (int32_t)locals) return fail(env, "charLocal holds an id that is no token");
  for (const char *c = " ,-0123456789"; *c; c++)
    if (local_of[(unsigned char)*c] < 0) return fail(env, "charLocal has no token for a character of numbers");
  size_t empty = 0;
  for (size_t s = 0; s < capacity; s++) {
    if (((const int32_t *)keys)[s] == 0) empty++;
    else if (merged[s] < 0 || merged[s] >= (int32_t)locals) return fail(env, "mergeResults holds an id that is no token");
  }
  /* a lookup ends at an empty slot: a table without one would never end */
  if (empty == 0) return fail(env, "mergeKeys has no empty slot");

  number_split_rule rules[8];
  const int32_t *pairs = splits;
  for (size_t s = 0; s < split_length / 2; s++) {
    if (pairs[2 * s] < 0) return fail(env, "splits: digits per piece must be 0 (no limit) or more");
    rules[s].digits_per_piece = pairs[2 * s];
    rules[s].space_joins_digits = pairs[2 * s + 1] != 0;
  }
  const number_bpe_tables tables = {locals, global_ids, token_bytes, token_ends, char_local, capacity, keys, ranks,
                                    results, ignore_merges, split_length / 2, rules};
  number_bpe *bpe = number_bpe_create(&tables);
  if (!bpe) return fail(env, "out of memory for the number tokenizer");
  napi_value external;
  if (napi_create_external(env, bpe, free_bpe, NULL, &external) != napi_ok) {
    number_bpe_free(bpe);
    return fail(env, "cannot hand the number tokenizer to JavaScript");
  }
  if (napi_type_tag_object(env, external, &NUMBER_BPE_TAG) != napi_ok)
    return fail(env, "cannot tag the number tokenizer");
  return external;
}

/* A new typed array of `type` holding a copy of `bytes`. */
static napi_status copied_array(napi_env env, napi_typedarray_type type, const void *data, size_t count,
                                size_t element, napi_value *result) {
  void *memory;
  napi_value buffer;
  napi_status status = napi_create_arraybuffer(env, count * element, &memory, &buffer);
  if (status != napi_ok) return status;
  if (count) memcpy(memory, data, count * element);
  return napi_create_typedarray(env, type, count, buffer, 0, result);
}

napi_value encode_numbers(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3)
    return fail(env, "encodeNumbers(tokenizer, values, format) takes three arguments");
  napi_valuetype type;
  void *handle;
  bool tagged = false;
  if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external ||
      napi_check_object_type_tag(env, argv[0], &NUMBER_BPE_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], &handle) != napi_ok)
    return fail(env, "tokenizer must be what createNumberBpe returned");
  void *values;
  size_t count, format;
  if (!typed_array(env, argv[1], napi_float64_array, &values, &count)) return fail(env, "values must be a Float64Array");
  if (!whole_number(env, argv[2], &format) || format > NUMBER_COMMA) return fail(env, "format must be 0, 1 or 2");

  number_bpe_batch batch;
  size_t failed_at = 0;
  switch (number_bpe_encode(handle, values, count, (number_format)format, &batch, &failed_at)) {
    case NUMBER_BPE_OK: break;
    case NUMBER_BPE_NOT_SAFE_INTEGER: {
      char message[160];
      snprintf(message, sizeof message, "value %.17g (at %zu) is not an integer from -(2^53 - 1) to 2^53 - 1",
               ((const double *)values)[failed_at], failed_at);
      return fail(env, message);
    }
    default: return fail(env, "out of memory for the numbers' tokens");
  }
  napi_value result, offsets, ids, text_ends, text;
  if (copied_array(env, napi_int32_array, batch.offsets, count + 1, sizeof(int32_t), &offsets) != napi_ok ||
      copied_array(env, napi_int32_array, batch.ids, batch.id_count, sizeof(int32_t), &ids) != napi_ok ||
      copied_array(env, napi_int32_array, batch.text_ends, count + 1, sizeof(int32_t), &text_ends) != napi_ok ||
      copied_array(env, napi_uint8_array, batch.text, batch.text_length, 1, &text) != napi_ok ||
      napi_create_array_with_length(env, 4, &result) != napi_ok || napi_set_element(env, result, 0, offsets) != napi_ok ||
      napi_set_element(env, result, 1, ids) != napi_ok || napi_set_element(env, result, 2, text_ends) != napi_ok ||
      napi_set_element(env, result, 3, text) != napi_ok)
    return fail(env, "cannot hand the numbers' tokens to JavaScript");
  return result;
}

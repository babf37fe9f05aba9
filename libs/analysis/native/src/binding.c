/*
 * multiplyTransposed(a, rows, b, cols, dim, out, options) → Promise<Float32Array>: a · bᵀ (see
 * gemm.h), run off the JS thread, into `out` or, when `out` is null, into a new array whose memory
 * the addon allocates (in 2 MiB pages when large: see gemm.c). `options`: { threads, variant }, the
 * variant 'auto' (the default), 'portable', 'avx2' or 'avx512'. When `b` is `a` (the same array) and
 * rows == cols the product is computed as symmetric. variants() → { best, supported[] }; slice: the
 * steps of the width each chain of fused multiply-adds runs over (GEMM_SLICE). successiveCosines: see
 * binding-dots.c. writeFileDurably: see binding-file.c. createNumberBpe, encodeNumbers: see
 * binding-bpe.c. encodeParquetPage, zstdVersion: see binding-parquet.c.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "napi-args.h"

/* successiveCosines (binding-dots.c) */
napi_value successive_cosines(napi_env env, napi_callback_info info);
/* writeFileDurably (binding-file.c) */
napi_value write_file_durably(napi_env env, napi_callback_info info);
/* createNumberBpe and encodeNumbers (binding-bpe.c) */
napi_value create_number_bpe(napi_env env, napi_callback_info info);
napi_value encode_numbers(napi_env env, napi_callback_info info);
/* encodeParquetPage and zstdVersion (binding-parquet.c) */
napi_value encode_parquet_page(napi_env env, napi_callback_info info);
napi_value zstd_version(napi_env env, napi_callback_info info);
napi_value advise_huge_pages(napi_env env, napi_callback_info info);

#define CHECK(env, call)                                          \
  do {                                                            \
    if ((call) != napi_ok) {                                      \
      napi_throw_error((env), NULL, "native gemm: " #call " failed"); \
      return NULL;                                                \
    }                                                             \
  } while (0)

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref refs[3]; /* a, b and out, held until the product is done */
  gemm_task task;
  int owns_result;
  const char *error;
} job;

static int float32_array(napi_env env, napi_value value, float **data, size_t *length) {
  return typed_array(env, value, napi_float32_array, (void **)data, length);
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static void free_result(napi_env env, void *data, void *hint) {
  (void)env;
  gemm_free_result(data, (size_t)(uintptr_t)hint);
}

/* The product as a Float32Array: `out` itself, or a new array over the memory the addon allocated. */
static napi_status result_array(napi_env env, job *j, napi_value *result) {
  if (!j->owns_result) return napi_get_reference_value(env, j->refs[2], result);
  const size_t count = j->task.rows * j->task.cols;
  napi_value buffer;
  // the memory is the array buffer's from here, or still the job's (freed by complete) if it cannot be made
  napi_status status = napi_create_external_arraybuffer(env, j->task.c, count * sizeof(float), free_result, (void *)(uintptr_t)count, &buffer);
  if (status != napi_ok) return status;
  j->owns_result = 0;
  return napi_create_typedarray(env, napi_float32_array, count, buffer, 0, result);
}

static void execute(napi_env env, void *data) {
  (void)env;
  job *j = data;
  j->error = gemm_run(&j->task);
}

static void complete(napi_env env, napi_status status, void *data) {
  job *j = data;
  napi_value result;
  if (status != napi_ok) j->error = "the product was cancelled";
  if (!j->error && result_array(env, j, &result) != napi_ok) j->error = "cannot hand the product to JavaScript";
  if (j->error) {
    napi_value message;
    napi_create_string_utf8(env, j->error, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, j->deferred, result);
  } else {
    napi_resolve_deferred(env, j->deferred, result);
  }
  if (j->owns_result) gemm_free_result(j->task.c, j->task.rows * j->task.cols);
  for (int i = 0; i < 3; i++)
    if (j->refs[i]) napi_delete_reference(env, j->refs[i]);
  napi_delete_async_work(env, j->work);
  free(j);
}

static gemm_variant variant_named(const char *name) {
  for (int v = GEMM_AUTO; v <= GEMM_AVX512; v++)
    if (strcmp(name, gemm_name((gemm_variant)v)) == 0) return (gemm_variant)v;
  return (gemm_variant)-1;
}

static napi_value multiply_transposed(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return fail(env, "multiplyTransposed(a, rows, b, cols, dim, out[, options]) takes at least six arguments");
  float *a, *b, *out = NULL;
  size_t a_length, b_length, out_length = 0, rows, cols, dim;
  if (!float32_array(env, argv[0], &a, &a_length)) return fail(env, "a must be a Float32Array");
  if (!float32_array(env, argv[2], &b, &b_length)) return fail(env, "b must be a Float32Array");
  napi_valuetype out_type;
  CHECK(env, napi_typeof(env, argv[5], &out_type));
  const int new_result = out_type == napi_null || out_type == napi_undefined;
  if (!new_result && !float32_array(env, argv[5], &out, &out_length)) return fail(env, "out must be a Float32Array or null");
  if (!whole_number(env, argv[1], &rows)) return fail(env, "rows must be a whole number");
  if (!whole_number(env, argv[3], &cols)) return fail(env, "cols must be a whole number");
  if (!whole_number(env, argv[4], &dim)) return fail(env, "dim must be a whole number");
  if (rows > 0 && dim > a_length / rows) return fail(env, "a is shorter than rows × dim");
  if (cols > 0 && dim > b_length / cols) return fail(env, "b is shorter than cols × dim");
  if (!new_result && rows > 0 && cols > out_length / rows) return fail(env, "out is shorter than rows × cols");
  if (rows > 2147483647 || cols > 2147483647 || dim > 2147483647) return fail(env, "rows, cols and dim must each be below 2^31");

  size_t threads = 1;
  gemm_variant variant = GEMM_AUTO;
  napi_valuetype options_type = napi_undefined;
  if (argc > 6) CHECK(env, napi_typeof(env, argv[6], &options_type));
  if (options_type == napi_object) {
    bool has;
    napi_value value;
    CHECK(env, napi_has_named_property(env, argv[6], "threads", &has));
    if (has) {
      CHECK(env, napi_get_named_property(env, argv[6], "threads", &value));
      if (!whole_number(env, value, &threads) || threads < 1 || threads > 64) return fail(env, "threads must be a whole number from 1 to 64");
    }
    CHECK(env, napi_has_named_property(env, argv[6], "variant", &has));
    if (has) {
      char name[32];
      size_t length;
      CHECK(env, napi_get_named_property(env, argv[6], "variant", &value));
      if (napi_get_value_string_utf8(env, value, name, sizeof name, &length) != napi_ok) return fail(env, "variant must be a string");
      variant = variant_named(name);
      if ((int)variant < 0) return fail(env, "variant must be one of auto, portable, avx2, avx512");
      if (!gemm_supported(variant)) return fail(env, "this CPU cannot run the requested kernel variant");
    }
  }

  job *j = calloc(1, sizeof(job));
  if (!j) return fail(env, "out of memory");
  if (new_result && !(out = gemm_alloc_result(rows * cols))) {
    free(j);
    return fail(env, "out of memory for the product");
  }
  j->owns_result = new_result;
  j->task = (gemm_task){a, rows, b, cols, dim, out, a == b && rows == cols, (int)threads, variant};
  napi_value promise, name;
  CHECK(env, napi_create_promise(env, &j->deferred, &promise));
  const int arrays[3] = {0, 2, 5};
  for (int i = 0; i < (new_result ? 2 : 3); i++) CHECK(env, napi_create_reference(env, argv[arrays[i]], 1, &j->refs[i]));
  CHECK(env, napi_create_string_utf8(env, "tokensweep:gemm", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, execute, complete, j, &j->work));
  CHECK(env, napi_queue_async_work(env, j->work));
  return promise;
}

static napi_value variants(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, best, supported, name;
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_string_utf8(env, gemm_name(gemm_best()), NAPI_AUTO_LENGTH, &best));
  CHECK(env, napi_set_named_property(env, result, "best", best));
  CHECK(env, napi_create_array(env, &supported));
  uint32_t count = 0;
  for (int v = GEMM_PORTABLE; v <= GEMM_AVX512; v++) {
    if (!gemm_supported((gemm_variant)v)) continue;
    CHECK(env, napi_create_string_utf8(env, gemm_name((gemm_variant)v), NAPI_AUTO_LENGTH, &name));
    CHECK(env, napi_set_element(env, supported, count++, name));
  }
  CHECK(env, napi_set_named_property(env, result, "supported", supported));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value slice;
  if (napi_create_uint32(env, GEMM_SLICE, &slice) != napi_ok) return NULL;
  const napi_property_descriptor properties[] = {
      {"multiplyTransposed", NULL, multiply_transposed, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"variants", NULL, variants, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"successiveCosines", NULL, successive_cosines, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"writeFileDurably", NULL, write_file_durably, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"createNumberBpe", NULL, create_number_bpe, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"encodeNumbers", NULL, encode_numbers, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"encodeParquetPage", NULL, encode_parquet_page, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"zstdVersion", NULL, zstd_version, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"adviseHugePages", NULL, advise_huge_pages, NULL, NULL, NULL, napi_default_jsproperty, NULL},
      {"slice", NULL, NULL, NULL, NULL, slice, napi_default_jsproperty, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}

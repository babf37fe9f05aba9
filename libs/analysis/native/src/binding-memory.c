/*
 * adviseHugePages(view) → boolean: asks the kernel to back the 2 MiB-aligned interior of a typed
 * array's memory with 2 MiB pages (madvise MADV_HUGEPAGE), before that memory is first written. A
 * matrix read into fresh memory otherwise takes a page fault for every 4 KiB it fills: ~38,000 for
 * a 154 MB matrix, most of the read's cost. A hint only: true if the kernel took it, false where it
 * has no transparent huge pages (or they are off) or the view is smaller than a huge page.
 */
#define _GNU_SOURCE /* madvise and MADV_HUGEPAGE */
#include <node_api.h>
#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

napi_value advise_huge_pages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_typed = false;
  void *data = NULL;
  size_t length = 0, element = 1;
  napi_typedarray_type type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "adviseHugePages(view): view must be a typed array");
    return NULL;
  }
  switch (type) {
    case napi_int16_array:
    case napi_uint16_array:
      element = 2;
      break;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      element = 4;
      break;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      element = 8;
      break;
    default:
      element = 1;
  }
  int advised = 0;
#if defined(MADV_HUGEPAGE)
  const uintptr_t from = ((uintptr_t)data + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  const uintptr_t to = ((uintptr_t)data + length * element) & ~(HUGE_PAGE - 1);
  advised = to > from && madvise((void *)from, to - from, MADV_HUGEPAGE) == 0;
#endif
  napi_value result;
  napi_get_boolean(env, advised, &result);
  return result;
}

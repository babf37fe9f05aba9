#ifndef TOKENSWEEP_NAPI_ARGS_H
#define TOKENSWEEP_NAPI_ARGS_H

#include <node_api.h>
#include <stddef.h>

/* The data and element count of `value` if it is a typed array of `type`; 0 if it is not. */
static inline int typed_array(napi_env env, napi_value value, napi_typedarray_type type, void **data, size_t *length) {
  bool is_typed;
  napi_typedarray_type actual;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, &actual, length, data, NULL, NULL) != napi_ok) return 0;
  return actual == type;
}

/* `value` as a size_t if it is a whole number from 0 to 2^53 - 1; 0 if it is not. */
static inline int whole_number(napi_env env, napi_value value, size_t *out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) return 0;
  if (!(number >= 0) || number > 9007199254740991.0 || number != (double)(size_t)number) return 0;
  *out = (size_t)number;
  return 1;
}

#endif

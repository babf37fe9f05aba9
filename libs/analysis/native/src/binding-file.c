/*
 * writeFileDurably(temp, target, bytes) → Promise<number>: writes `bytes` to the path `temp`, syncs
 * it to disk, closes it and renames it to `target`, all in one task of libuv's pool, so that a chunk
 * thread goes on encoding its next part while the disk takes the last one. The promise resolves with
 * the byte count; on any failure the temporary file is removed and the promise rejects with an Error
 * shaped as Node's own fs errors are ("EFBIG: file too large, write"), with `code` and `syscall`.
 */
#define _GNU_SOURCE /* O_CLOEXEC, and the pthread types uv.h names */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "napi-args.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref bytes_ref; /* the bytes, held until they are written */
  const unsigned char *bytes;
  size_t length;
  char *temp;
  char *target;
  int error;           /* errno of the step that failed, 0 if none */
  const char *syscall; /* that step */
} write_job;

static int write_all(int fd, const unsigned char *bytes, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, bytes, length);
    if (written < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    bytes += written;
    length -= (size_t)written;
  }
  return 0;
}

static void execute_write(napi_env env, void *data) {
  (void)env;
  write_job *j = data;
  int fd = open(j->temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    j->error = errno;
    j->syscall = "open";
    return;
  }
  const char *failed = NULL;
  if (write_all(fd, j->bytes, j->length) != 0) failed = "write";
  else if (fsync(fd) != 0) failed = "fsync";
  int error = failed ? errno : 0;
  if (close(fd) != 0 && !failed) {
    failed = "close";
    error = errno;
  }
  if (!failed && rename(j->temp, j->target) != 0) {
    failed = "rename";
    error = errno;
  }
  if (failed) {
    unlink(j->temp);
    j->error = error;
    j->syscall = failed;
  }
}

/* An Error as Node's fs makes them: "CODE: description, syscall 'path'", with code, errno and syscall. */
static napi_value fs_error(napi_env env, const write_job *j) {
  const char *code = uv_err_name(uv_translate_sys_error(j->error));
  const char *description = uv_strerror(uv_translate_sys_error(j->error));
  const int names_path = strcmp(j->syscall, "open") == 0 || strcmp(j->syscall, "rename") == 0;
  const char *path = strcmp(j->syscall, "rename") == 0 ? j->target : j->temp;
  size_t size = strlen(code) + strlen(description) + strlen(j->syscall) + strlen(path) + 16;
  char *text = malloc(size);
  napi_value message, error, value;
  if (!text) {
    napi_create_string_utf8(env, "out of memory", NAPI_AUTO_LENGTH, &message);
  } else {
    if (names_path) snprintf(text, size, "%s: %s, %s '%s'", code, description, j->syscall, path);
    else snprintf(text, size, "%s: %s, %s", code, description, j->syscall);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
    free(text);
  }
  napi_create_error(env, NULL, message, &error);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "code", value);
  napi_create_string_utf8(env, j->syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  napi_create_int32(env, -j->error, &value);
  napi_set_named_property(env, error, "errno", value);
  return error;
}

static void free_job(napi_env env, write_job *j) {
  if (j->bytes_ref) napi_delete_reference(env, j->bytes_ref);
  free(j->temp);
  free(j->target);
  free(j);
}

static void complete_write(napi_env env, napi_status status, void *data) {
  write_job *j = data;
  napi_value result;
  if (status != napi_ok) {
    napi_value message;
    napi_create_string_utf8(env, "the write was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, j->deferred, result);
  } else if (j->error) {
    napi_reject_deferred(env, j->deferred, fs_error(env, j));
  } else {
    napi_create_double(env, (double)j->length, &result);
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  free_job(env, j);
}

/* A JS string as a new NUL-terminated UTF-8 copy, or NULL. */
static char *string_copy(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *copy = malloc(length + 1);
  if (copy && napi_get_value_string_utf8(env, value, copy, length + 1, &length) != napi_ok) {
    free(copy);
    return NULL;
  }
  return copy;
}

static napi_value throw_type_error(napi_env env, const char *text) {
  napi_throw_type_error(env, NULL, text);
  return NULL;
}

napi_value write_file_durably(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3)
    return throw_type_error(env, "writeFileDurably(temp, target, bytes) takes three arguments");
  void *bytes;
  size_t length;
  if (!typed_array(env, argv[2], napi_uint8_array, &bytes, &length)) return throw_type_error(env, "bytes must be a Uint8Array");
  write_job *j = calloc(1, sizeof(write_job));
  if (!j) return throw_type_error(env, "out of memory");
  j->temp = string_copy(env, argv[0]);
  j->target = string_copy(env, argv[1]);
  j->bytes = bytes;
  j->length = length;
  napi_value promise, name;
  if (!j->temp || !j->target || napi_create_reference(env, argv[2], 1, &j->bytes_ref) != napi_ok) {
    free_job(env, j);
    return throw_type_error(env, "temp and target must be strings");
  }
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "tokensweep:write", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute_write, complete_write, j, &j->work) != napi_ok) {
    free_job(env, j);
    napi_throw_error(env, NULL, "native write: cannot queue the write");
    return NULL;
  }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_delete_async_work(env, j->work);
    free_job(env, j);
    napi_throw_error(env, NULL, "native write: cannot queue the write");
    return NULL;
  }
  return promise;
}

/* Error values: see error.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int hk_error_makev(hk_error_t **err, int errnum, const char *fmt, va_list ap)
{
  char *msg = NULL;
  int n;

  if (err == NULL || *err != NULL)
    return -1;
  n = vasprintf(&msg, fmt, ap);
  if (n < 0)
    msg = NULL;
  if (msg && errnum) {
    char *full = NULL;
    if (asprintf(&full, "%s: %s", msg, strerror(errnum)) >= 0) {
      free(msg);
      msg = full;
    }
  }
  *err = calloc(1, sizeof(**err));
  if (*err == NULL) {
    /* Out of memory while reporting: keep the errno at least. */
    static hk_error_t oom = {ENOMEM, NULL};
    free(msg);
    *err = &oom;
    return -1;
  }
  (*err)->code = errnum;
  (*err)->msg = msg ? msg : strdup("out of memory");
  return -1;
}

int hk_error_make(hk_error_t **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  hk_error_makev(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int hk_error_plain(hk_error_t **err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  hk_error_makev(err, 0, fmt, ap);
  va_end(ap);
  if (err && *err && (*err)->msg)
    (*err)->code = code;
  return -1;
}

int hk_error_wrap(hk_error_t **err, const char *fmt, ...)
{
  char *ctx = NULL, *full = NULL;
  va_list ap;

  if (err == NULL || *err == NULL || (*err)->msg == NULL)
    return -1;
  va_start(ap, fmt);
  if (vasprintf(&ctx, fmt, ap) < 0)
    ctx = NULL;
  va_end(ap);
  if (ctx && asprintf(&full, "%s: %s", ctx, (*err)->msg) >= 0) {
    free((*err)->msg);
    (*err)->msg = full;
  }
  free(ctx);
  return -1;
}

void hk_error_free(hk_error_t *err)
{
  if (err == NULL || err->msg == NULL) /* the static OOM error has msg NULL */
    return;
  free(err->msg);
  free(err);
}

/* The one error contract of husk: a failing function returns -1 and fills
 * *err with the errno and a message naming the operation and the path.
 * Callers add context with hk_error_wrap() as the error travels up; only the
 * CLI prints it. */
#ifndef HK_ERROR_H
#define HK_ERROR_H

#include <stdarg.h>

typedef struct hk_error {
  int code; /* errno value, 0 when the failure has no errno */
  char *msg;
} hk_error_t;

/* Set *err (if err is non-NULL and *err is still empty) and return -1.  When
 * errnum is non-zero, ": strerror(errnum)" is appended. */
int hk_error_make(hk_error_t **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hk_error_makev(hk_error_t **err, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Like hk_error_make, but the message is complete as given: the code is
 * recorded without appending strerror (for errors that are not a failed
 * system call, such as "container \"x\" already exists"). */
int hk_error_plain(hk_error_t **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message of *err with "context: " and return -1. */
int hk_error_wrap(hk_error_t **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void hk_error_free(hk_error_t *err);

static inline void hk_error_freep(hk_error_t **err)
{
  if (*err)
    hk_error_free(*err);
}

#define _cleanup_error_ __attribute__((cleanup(hk_error_freep)))

#endif

/* Logging to the --log sink (stderr by default), as text or as the JSON lines
 * engines read ({"level":"error","msg":"...","time":"..."}).  The library
 * logs debug and warning lines here; the CLI logs the final error. */
#ifndef HK_LOG_H
#define HK_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum hk_log_level { HK_LOG_ERROR, HK_LOG_WARNING, HK_LOG_INFO, HK_LOG_DEBUG };

/* fd < 0 means stderr.  json selects the JSON line format. */
void hk_log_init(int fd, bool json, bool debug);
bool hk_log_debug_enabled(void);
int hk_log_fd(void);
bool hk_log_is_json(void);
void hk_log(enum hk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The line hk_log would write, not written (malloc'd). */
char *hk_log_line(enum hk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define hk_debug(...)                                                                              \
  do {                                                                                             \
    if (hk_log_debug_enabled())                                                                    \
      hk_log(HK_LOG_DEBUG, __VA_ARGS__);                                                           \
  } while (0)
#define hk_warn(...) hk_log(HK_LOG_WARNING, __VA_ARGS__)

/* Write s to buf as the body of a JSON string (no quotes), always valid
 * UTF-8 (U+FFFD for bytes that are not) and NUL-terminated; returns the
 * number of bytes written, truncating at size (never mid-sequence). */
size_t hk_json_escape(char *buf, size_t size, const char *s);

/* The current time as RFC 3339 with nanoseconds in UTC. */
void hk_time_rfc3339(char *buf, size_t size);

/* The length of the UTF-8 sequence at p (1 to 4), or 0 when it is not one
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
size_t hk_utf8_len(const unsigned char *p);

#endif

/* Log sink: see log.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utils.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug;

void hk_log_init(int fd, bool json, bool debug)
{
  log_fd = fd;
  log_json = json;
  log_debug = debug;
}

bool hk_log_debug_enabled(void)
{
  return log_debug;
}

int hk_log_fd(void)
{
  return log_fd < 0 ? 2 : log_fd;
}

bool hk_log_is_json(void)
{
  return log_json;
}

/* UTC from the clock by arithmetic: glibc's gmtime_r() first loads the
 * time zone (reads /etc/localtime), which UTC does not need.  Days to a
 * civil date as in the proleptic Gregorian calendar (eras of 400 years). */
void hk_time_rfc3339(char *buf, size_t size)
{
  struct timespec ts;
  long long days, secs, era, doe, yoe, doy, mp, y, m, d;

  clock_gettime(CLOCK_REALTIME, &ts);
  days = ts.tv_sec / 86400;
  secs = ts.tv_sec % 86400;
  if (secs < 0) {
    secs += 86400;
    days--;
  }
  days += 719468; /* from 1970-01-01 to 0000-03-01 */
  era = (days >= 0 ? days : days - 146096) / 146097;
  doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
  snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600,
           secs / 60 % 60, secs % 60, ts.tv_nsec);
}

size_t hk_utf8_len(const unsigned char *p)
{
  unsigned cp;
  size_t n;

  if (p[0] < 0x80)
    return 1;
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    n = 2, cp = p[0] & 0x1f;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    n = 3, cp = p[0] & 0x0f;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    n = 4, cp = p[0] & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    return 0;
  return n;
}

/* JSON text is UTF-8, and messages carry bytes from outside (a hook's
 * output, a path): a byte that is not UTF-8 becomes U+FFFD, and truncation
 * never cuts a sequence or an escape in half. */
size_t hk_json_escape(char *buf, size_t size, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t o = 0;

  if (size == 0)
    return 0;
  while (*p) {
    char tmp[8];
    size_t n = hk_utf8_len(p), t = 0;
    if (n == 0) {
      t = (size_t)snprintf(tmp, sizeof(tmp), "\\ufffd");
      n = 1;
    } else if (n > 1) {
      memcpy(tmp, p, n);
      t = n;
    } else if (*p == '"' || *p == '\\') {
      tmp[t++] = '\\';
      tmp[t++] = (char)*p;
    } else if (*p == '\n' || *p == '\t') {
      tmp[t++] = '\\';
      tmp[t++] = *p == '\n' ? 'n' : 't';
    } else if (*p < 0x20 || *p == 0x7f) {
      t = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
    } else {
      tmp[t++] = (char)*p;
    }
    if (o + t >= size)
      break;
    memcpy(buf + o, tmp, t);
    o += t;
    p += n;
  }
  buf[o] = '\0';
  return o;
}

static const char *level_name(enum hk_log_level level)
{
  static const char *const names[] = {"error", "warning", "info", "debug"};
  return names[level];
}

/* One line as the log wants it: JSON, the --log file's text, or stderr's. */
static int render(char *line, size_t size, enum hk_log_level level, const char *msg)
{
  char now[48];
  int n;

  hk_time_rfc3339(now, sizeof(now));
  if (log_json) {
    char esc[4096 + 16];
    hk_json_escape(esc, sizeof(esc), msg);
    n = snprintf(line, size, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                 level_name(level), esc, now);
  } else if (log_fd >= 0) {
    n = snprintf(line, size, "%s %s: %s\n", now, level_name(level), msg);
  } else {
    n = snprintf(line, size, "husk: %s%s%s\n", level == HK_LOG_ERROR ? "" : level_name(level),
                 level == HK_LOG_ERROR ? "" : ": ", msg);
  }
  return n > (int)size - 1 ? (int)size - 1 : n;
}

__attribute__((format(printf, 4, 0))) static int vrender(char *line, size_t size,
                                                         enum hk_log_level level, const char *fmt,
                                                         va_list ap)
{
  char msg[4096];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  return render(line, size, level, msg);
}

void hk_log(enum hk_log_level level, const char *fmt, ...)
{
  char line[8192];
  va_list ap;
  int n;

  if (level == HK_LOG_DEBUG && !log_debug)
    return;
  va_start(ap, fmt);
  n = vrender(line, sizeof(line), level, fmt, ap);
  va_end(ap);
  hk_write_all(hk_log_fd(), line, n);
}

char *hk_log_line(enum hk_log_level level, const char *fmt, ...)
{
  char line[8192];
  va_list ap;

  va_start(ap, fmt);
  vrender(line, sizeof(line), level, fmt, ap);
  va_end(ap);
  return hk_xstrdup(line);
}

/* libFuzzer target: messages as JSON log lines (--log-format json).
 *
 * Messages carry bytes husk does not choose: a hook's output (what a hook
 * "says" reaches the error message), paths from config.json and the
 * command line.  hk_json_escape must always give the body of a valid JSON
 * string: UTF-8 (U+FFFD for bytes that are not), no raw control
 * characters, every quote and backslash escaped, NUL-terminated within
 * the buffer, truncated only between whole characters.  With room enough,
 * a valid UTF-8 message decodes back to itself.
 *
 * The first input byte picks the buffer size (1..256); the rest is the
 * message, up to its first NUL. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libcontainer/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool all_utf8(const unsigned char *s)
{
  for (size_t n; *s; s += n)
    if ((n = hk_utf8_len(s)) == 0)
      return false;
  return true;
}

static int hex(unsigned char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Check `esc` as a JSON string body and decode it into `out` (code points
 * below 0x80 from \u escapes, U+FFFD as its UTF-8 bytes). */
static void check_and_decode(const unsigned char *esc, size_t len, char *out)
{
  size_t o = 0;

  if (!all_utf8(esc))
    abort();
  for (size_t i = 0; i < len; i++) {
    unsigned char c = esc[i];
    if (c < 0x20 || c == '"')
      abort();
    if (c != '\\') {
      out[o++] = (char)c;
      continue;
    }
    c = esc[++i];
    if (c == '"' || c == '\\') {
      out[o++] = (char)c;
    } else if (c == 'n') {
      out[o++] = '\n';
    } else if (c == 't') {
      out[o++] = '\t';
    } else if (c == 'u') {
      int v = 0;
      for (int k = 1; k <= 4; k++) {
        int h = hex(esc[i + k]);
        if (h < 0)
          abort();
        v = v << 4 | h;
      }
      i += 4;
      if (v == 0xfffd) {
        memcpy(out + o, "\xef\xbf\xbd", 3);
        o += 3;
      } else if (v < 0x80) {
        out[o++] = (char)v;
      } else {
        abort();
      }
    } else {
      abort();
    }
  }
  out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t bufsize, len, mlen, n;
  char *msg, *buf, *big, *back;

  if (size < 1)
    return 0;
  bufsize = (size_t)data[0] + 1;
  mlen = size - 1;
  msg = malloc(mlen + 1);
  memcpy(msg, data + 1, mlen);
  msg[mlen] = '\0';
  mlen = strlen(msg);

  /* A buffer that may be too small: a valid, NUL-terminated prefix. */
  buf = malloc(bufsize);
  len = hk_json_escape(buf, bufsize, msg);
  if (len >= bufsize || buf[len] != '\0' || strlen(buf) != len)
    abort();
  back = malloc(len + 1);
  check_and_decode((const unsigned char *)buf, len, back);
  free(back);

  /* Room for anything (6 bytes per input byte at most): all of it. */
  big = malloc(6 * mlen + 1);
  n = hk_json_escape(big, 6 * mlen + 1, msg);
  if (strncmp(big, buf, len) != 0)
    abort();
  back = malloc(n + 1);
  check_and_decode((const unsigned char *)big, n, back);
  if (all_utf8((const unsigned char *)msg) && strcmp(back, msg) != 0)
    abort();
  free(back);
  free(big);
  free(buf);
  free(msg);
  return 0;
}

/* The yajl_gen wrapper of the oci-specs writers (see json.h): the first
 * generator failure is kept and reported once, at hk_jgen_finish. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "libcontainer/utils.h"
#include "oci-specs/json.h"

struct hk_jgen_s {
  yajl_gen g;
  yajl_gen_status status; /* the first failure */
};

static void check(hk_jgen g, yajl_gen_status s)
{
  if (g->status == yajl_gen_status_ok)
    g->status = s;
}

hk_jgen hk_jgen_new(const char *indent)
{
  hk_jgen g = hk_xmalloc0(sizeof(*g));

  g->g = yajl_gen_alloc(NULL);
  if (g->g == NULL)
    abort(); /* out of memory, as hk_xmalloc0 */
  yajl_gen_config(g->g, yajl_gen_validate_utf8, 1);
  if (indent) {
    yajl_gen_config(g->g, yajl_gen_beautify, 1);
    yajl_gen_config(g->g, yajl_gen_indent_string, indent);
  }
  return g;
}

void hk_jgen_free(hk_jgen g)
{
  if (g == NULL)
    return;
  yajl_gen_free(g->g);
  free(g);
}

static const char *gen_status_str(yajl_gen_status s)
{
  switch (s) {
  case yajl_gen_invalid_string:
    return "invalid UTF-8 in a string";
  case yajl_max_depth_exceeded:
    return "nesting too deep";
  case yajl_gen_invalid_number:
    return "invalid number";
  default:
    return "internal generator error";
  }
}

int hk_jgen_finish(hk_jgen g, const char *what, char **out, size_t *len, hk_error_t **err)
{
  const unsigned char *buf;
  size_t n;
  char *s;

  if (g->status != yajl_gen_status_ok) {
    int ret = hk_error_make(err, 0, "write %s: %s", what, gen_status_str(g->status));
    hk_jgen_free(g);
    return ret;
  }
  yajl_gen_get_buf(g->g, &buf, &n);
  s = hk_xmalloc0(n + 1);
  memcpy(s, buf, n);
  hk_jgen_free(g);
  *out = s;
  if (len)
    *len = n;
  return 0;
}

void hk_jgen_str(hk_jgen g, const char *s)
{
  check(g, yajl_gen_string(g->g, (const unsigned char *)s, strlen(s)));
}

void hk_jgen_key(hk_jgen g, const char *key)
{
  hk_jgen_str(g, key);
}

void hk_jgen_key_str(hk_jgen g, const char *key, const char *value)
{
  hk_jgen_key(g, key);
  hk_jgen_str(g, value ? value : "");
}

void hk_jgen_key_bool(hk_jgen g, const char *key, bool value)
{
  hk_jgen_key(g, key);
  check(g, yajl_gen_bool(g->g, value));
}

void hk_jgen_key_int(hk_jgen g, const char *key, int64_t value)
{
  hk_jgen_key(g, key);
  check(g, yajl_gen_integer(g->g, value));
}

void hk_jgen_key_uint(hk_jgen g, const char *key, uint64_t value)
{
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%" PRIu64, value);

  hk_jgen_key(g, key);
  check(g, yajl_gen_number(g->g, buf, n));
}

void hk_jgen_key_strv(hk_jgen g, const char *key, const char *const *v)
{
  hk_jgen_key(g, key);
  hk_jgen_array_open(g);
  for (; v && *v; v++)
    hk_jgen_str(g, *v);
  hk_jgen_array_close(g);
}

void hk_jgen_key_kv(hk_jgen g, const char *key, const struct hk_kv_list *kv)
{
  hk_jgen_key(g, key);
  hk_jgen_map_open(g);
  for (size_t i = 0; i < kv->len; i++)
    hk_jgen_key_str(g, kv->items[i].key, kv->items[i].value);
  hk_jgen_map_close(g);
}

void hk_jgen_map_open(hk_jgen g)
{
  check(g, yajl_gen_map_open(g->g));
}

void hk_jgen_map_close(hk_jgen g)
{
  check(g, yajl_gen_map_close(g->g));
}

void hk_jgen_array_open(hk_jgen g)
{
  check(g, yajl_gen_array_open(g->g));
}

void hk_jgen_array_close(hk_jgen g)
{
  check(g, yajl_gen_array_close(g->g));
}

void hk_jgen_uint(hk_jgen g, uint64_t value)
{
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%" PRIu64, value);

  check(g, yajl_gen_number(g->g, buf, n));
}

void hk_jgen_int(hk_jgen g, int64_t value)
{
  check(g, yajl_gen_integer(g->g, value));
}

void hk_jgen_null(hk_jgen g)
{
  check(g, yajl_gen_null(g->g));
}

void hk_jgen_number(hk_jgen g, const char *digits)
{
  check(g, yajl_gen_number(g->g, digits, strlen(digits)));
}

/* JSON plumbing for the oci-specs readers and writers: parsing untrusted
 * documents within the limits of spec.h, typed field access that tracks the
 * JSON path for error messages (the writers' yajl_gen wrapper is jgen.c).
 *
 * A document is read in three passes: a byte scan (NUL bytes, nesting depth,
 * because yajl_tree_free recurses), a yajl validation pass without a tree
 * (syntax with line numbers, array lengths, NULs inside strings), and only
 * then yajl_tree_parse, which can no longer fail on its input. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "libcontainer/utils.h"
#include "oci-specs/json.h"

/* ---- document parsing ---- */

#define HK_STR_(x) #x
#define HK_STR(x)  HK_STR_(x)

static unsigned line_at(const char *json, size_t off)
{
  unsigned line = 1;
  for (size_t i = 0; i < off; i++)
    if (json[i] == '\n')
      line++;
  return line;
}

/* Cheap pre-scan: refuse NUL bytes and excessive nesting before any yajl
 * code runs, honouring strings so brackets inside them do not count. */
static int prescan(const char *json, size_t len, const char *doc, hk_error_t **err)
{
  bool in_string = false, escaped = false;
  unsigned depth = 0;

  for (size_t i = 0; i < len; i++) {
    char ch = json[i];
    if (ch == '\0')
      return hk_error_make(err, 0, "%s: line %u: NUL byte in document", doc, line_at(json, i));
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (ch == '\\')
        escaped = true;
      else if (ch == '"')
        in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > HK_SPEC_MAX_DEPTH)
        return hk_error_make(err, 0, "%s: line %u: nesting deeper than %d levels", doc,
                             line_at(json, i), HK_SPEC_MAX_DEPTH);
    } else if ((ch == '}' || ch == ']') && depth > 0) {
      depth--;
    }
  }
  return 0;
}

struct validate_state {
  unsigned depth;
  bool in_array[HK_SPEC_MAX_DEPTH + 1];
  size_t count[HK_SPEC_MAX_DEPTH + 1];
  const char *msg; /* why a callback cancelled the parse */
};

static int count_value(struct validate_state *st)
{
  if (st->depth > 0 && st->in_array[st->depth - 1] &&
      ++st->count[st->depth - 1] > HK_SPEC_MAX_ARRAY) {
    st->msg = "array longer than " HK_STR(HK_SPEC_MAX_ARRAY) " elements";
    return 0;
  }
  return 1;
}

static int open_container(struct validate_state *st, bool array)
{
  if (!count_value(st))
    return 0;
  if (st->depth >= HK_SPEC_MAX_DEPTH) {
    st->msg = "nesting deeper than " HK_STR(HK_SPEC_MAX_DEPTH) " levels";
    return 0;
  }
  st->in_array[st->depth] = array;
  st->count[st->depth] = 0;
  st->depth++;
  return 1;
}

static int v_null(void *ctx)
{
  return count_value(ctx);
}

static int v_bool(void *ctx, int b)
{
  return count_value(ctx);
}

static int v_number(void *ctx, const char *s, size_t len)
{
  return count_value(ctx);
}

static int v_string(void *ctx, const unsigned char *s, size_t len)
{
  struct validate_state *st = ctx;
  if (memchr(s, '\0', len)) {
    st->msg = "string contains a NUL character";
    return 0;
  }
  return count_value(st);
}

static int v_key(void *ctx, const unsigned char *s, size_t len)
{
  struct validate_state *st = ctx;
  if (memchr(s, '\0', len)) {
    st->msg = "key contains a NUL character";
    return 0;
  }
  return 1;
}

static int v_start_map(void *ctx)
{
  return open_container(ctx, false);
}

static int v_start_array(void *ctx)
{
  return open_container(ctx, true);
}

static int v_end(void *ctx)
{
  struct validate_state *st = ctx;
  if (st->depth > 0)
    st->depth--;
  return 1;
}

static const yajl_callbacks validate_callbacks = {
    .yajl_null = v_null,
    .yajl_boolean = v_bool,
    .yajl_number = v_number, /* raw text: no "integer overflow" on big values */
    .yajl_string = v_string,
    .yajl_start_map = v_start_map,
    .yajl_map_key = v_key,
    .yajl_end_map = v_end,
    .yajl_start_array = v_start_array,
    .yajl_end_array = v_end,
};

/* yajl says "lexical error: invalid char in json text.\n"; keep the part
 * after the colon, without the newline and the full stop. */
static char *yajl_reason(yajl_handle h)
{
  unsigned char *raw = yajl_get_error(h, 0, NULL, 0);
  const char *s = raw ? strchr((char *)raw, ':') : NULL;
  char *reason = hk_xstrdup(s ? s + 2 : "invalid JSON");
  size_t n = strlen(reason);

  while (n > 0 && (reason[n - 1] == '\n' || reason[n - 1] == '.'))
    reason[--n] = '\0';
  if (raw)
    yajl_free_error(h, raw);
  return reason;
}

static int validate(const char *json, size_t len, const char *doc, hk_error_t **err)
{
  struct validate_state st = {0};
  yajl_handle h = yajl_alloc(&validate_callbacks, NULL, &st);
  yajl_status status;
  size_t off;
  int ret = 0;

  if (h == NULL)
    return hk_error_make(err, ENOMEM, "%s: parse", doc);
  status = yajl_parse(h, (const unsigned char *)json, len);
  if (status != yajl_status_ok) {
    off = yajl_get_bytes_consumed(h);
  } else {
    status = yajl_complete_parse(h); /* fails on a truncated document */
    off = len;
  }
  if (off > len)
    off = len;
  if (status == yajl_status_client_canceled) {
    ret = hk_error_make(err, 0, "%s: line %u: %s", doc, line_at(json, off), st.msg);
  } else if (status != yajl_status_ok) {
    _cleanup_free_ char *reason = yajl_reason(h);
    ret = hk_error_make(err, 0, "%s: line %u: parse error: %s", doc, line_at(json, off), reason);
  }
  yajl_free(h);
  return ret;
}

int hk_json_open(struct hk_jctx *c, const char *json, size_t len, const char *doc, hk_error_t **err,
                 hk_jval *root)
{
  _cleanup_free_ char *copy = NULL;
  char ebuf[256];
  hk_jval v;

  memset(c, 0, sizeof(*c));
  c->doc = doc;
  c->err = err;
  *root = NULL;
  if (len > HK_SPEC_MAX_FILE_SIZE)
    return hk_error_make(err, 0, "%s: document larger than %u bytes", doc, HK_SPEC_MAX_FILE_SIZE);
  if (prescan(json, len, doc, err) < 0 || validate(json, len, doc, err) < 0)
    return -1;
  copy = hk_xmalloc0(len + 1);
  memcpy(copy, json, len);
  v = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
  if (v == NULL) /* only out of memory is left at this point */
    return hk_error_make(err, ENOMEM, "%s: parse", doc);
  if (!YAJL_IS_OBJECT(v)) {
    yajl_tree_free(v);
    return hk_error_make(err, 0, "%s: expected an object", doc);
  }
  if (hk_json_expect_object(c, v) < 0) {
    yajl_tree_free(v);
    return -1;
  }
  *root = v;
  return 0;
}

void hk_json_done(struct hk_jctx *c, hk_jval root)
{
  yajl_tree_free(root);
  free(c->path);
  c->path = NULL;
  c->len = c->cap = 0;
}

/* ---- paths and errors ---- */

static void path_append(struct hk_jctx *c, const char *s, size_t n)
{
  if (c->len + n + 1 > c->cap) {
    c->cap = (c->len + n + 1) * 2;
    c->path = hk_xrealloc(c->path, c->cap);
  }
  memcpy(c->path + c->len, s, n);
  c->len += n;
  c->path[c->len] = '\0';
}

static bool is_identifier(const char *s)
{
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
}

size_t hk_json_push_key(struct hk_jctx *c, const char *key)
{
  size_t mark = c->len;

  if (is_identifier(key)) {
    if (c->len > 0)
      path_append(c, ".", 1);
    path_append(c, key, strlen(key));
    return mark;
  }
  path_append(c, "[\"", 2);
  for (const char *p = key; *p; p++) {
    char esc[8];
    unsigned char ch = *p;
    if (ch == '"' || ch == '\\') {
      esc[0] = '\\';
      esc[1] = ch;
      path_append(c, esc, 2);
    } else if (ch < 0x20) {
      snprintf(esc, sizeof(esc), "\\u%04x", ch);
      path_append(c, esc, 6);
    } else {
      path_append(c, p, 1);
    }
  }
  path_append(c, "\"]", 2);
  return mark;
}

size_t hk_json_push_index(struct hk_jctx *c, size_t i)
{
  char buf[32];
  size_t mark = c->len;
  int n = snprintf(buf, sizeof(buf), "[%zu]", i);
  path_append(c, buf, n);
  return mark;
}

void hk_json_pop(struct hk_jctx *c, size_t mark)
{
  c->len = mark;
  if (c->path)
    c->path[mark] = '\0';
}

int hk_json_error(struct hk_jctx *c, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  va_list ap;

  va_start(ap, fmt);
  if (vasprintf(&msg, fmt, ap) < 0)
    msg = NULL;
  va_end(ap);
  if (c->len > 0)
    return hk_error_make(c->err, 0, "%s: %s: %s", c->doc, c->path, msg ? msg : "invalid");
  return hk_error_make(c->err, 0, "%s: %s", c->doc, msg ? msg : "invalid");
}

/* ---- typed access ---- */

static int cmp_keys(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int hk_json_expect_object(struct hk_jctx *c, hk_jval v)
{
  _cleanup_free_ const char **keys = NULL;
  size_t n;

  if (!YAJL_IS_OBJECT(v))
    return hk_json_error(c, "expected an object");
  n = v->u.object.len;
  if (n < 2)
    return 0;
  keys = hk_xmalloc0(n * sizeof(*keys));
  memcpy(keys, v->u.object.keys, n * sizeof(*keys));
  qsort(keys, n, sizeof(*keys), cmp_keys);
  for (size_t i = 1; i < n; i++)
    if (strcmp(keys[i - 1], keys[i]) == 0)
      return hk_json_error(c, "duplicate key \"%s\"", keys[i]);
  return 0;
}

hk_jval hk_json_get(hk_jval obj, const char *key)
{
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp(obj->u.object.keys[i], key) == 0)
      return YAJL_IS_NULL(obj->u.object.values[i]) ? NULL : obj->u.object.values[i];
  return NULL;
}

static int read_string(struct hk_jctx *c, hk_jval v, char **out)
{
  if (!YAJL_IS_STRING(v))
    return hk_json_error(c, "expected a string");
  free(*out);
  *out = hk_xstrdup(v->u.string);
  return 0;
}

int hk_json_string(struct hk_jctx *c, hk_jval obj, const char *key, char **out)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark;
  int ret;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  ret = read_string(c, v, out);
  hk_json_pop(c, mark);
  return ret;
}

int hk_json_bool(struct hk_jctx *c, hk_jval obj, const char *key, bool *out, bool *has)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark;

  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
    mark = hk_json_push_key(c, key);
    hk_json_error(c, "expected a boolean");
    hk_json_pop(c, mark);
    return -1;
  }
  *out = YAJL_IS_TRUE(v);
  if (has)
    *has = true;
  return 0;
}

/* Integers are read from the number's text: yajl keeps values above
 * INT64_MAX only as doubles, and fractions or exponents are refused. */
static int integer_text(struct hk_jctx *c, hk_jval v, const char **text)
{
  const char *r;

  if (!YAJL_IS_NUMBER(v) || (r = YAJL_GET_NUMBER(v)) == NULL || strpbrk(r, ".eE"))
    return hk_json_error(c, "expected an integer");
  *text = r;
  return 0;
}

static int read_uint(struct hk_jctx *c, hk_jval v, uint64_t max, uint64_t *out)
{
  const char *text = NULL;
  unsigned long long u;

  if (integer_text(c, v, &text) < 0)
    return -1;
  if (text[0] == '-') {
    if (strspn(text + 1, "0") != strlen(text + 1))
      return hk_json_error(c, "out of range (0..%" PRIu64 ")", max);
    *out = 0;
    return 0;
  }
  errno = 0;
  u = strtoull(text, NULL, 10);
  if (errno == ERANGE || u > max)
    return hk_json_error(c, "out of range (0..%" PRIu64 ")", max);
  *out = u;
  return 0;
}

static int read_int(struct hk_jctx *c, hk_jval v, int64_t min, int64_t max, int64_t *out)
{
  const char *text = NULL;
  long long i;

  if (integer_text(c, v, &text) < 0)
    return -1;
  errno = 0;
  i = strtoll(text, NULL, 10);
  if (errno == ERANGE || i < min || i > max)
    return hk_json_error(c, "out of range (%" PRId64 "..%" PRId64 ")", min, max);
  *out = i;
  return 0;
}

int hk_json_uint(struct hk_jctx *c, hk_jval obj, const char *key, uint64_t max, uint64_t *out,
                 bool *has)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark;
  int ret;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  ret = read_uint(c, v, max, out);
  hk_json_pop(c, mark);
  if (ret == 0 && has)
    *has = true;
  return ret;
}

int hk_json_int(struct hk_jctx *c, hk_jval obj, const char *key, int64_t min, int64_t max,
                int64_t *out, bool *has)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark;
  int ret;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  ret = read_int(c, v, min, max, out);
  hk_json_pop(c, mark);
  if (ret == 0 && has)
    *has = true;
  return ret;
}

int hk_json_u32(struct hk_jctx *c, hk_jval obj, const char *key, uint32_t *out, bool *has)
{
  uint64_t u = *out;
  int ret = hk_json_uint(c, obj, key, UINT32_MAX, &u, has);
  *out = u;
  return ret;
}

int hk_json_u16(struct hk_jctx *c, hk_jval obj, const char *key, uint16_t *out, bool *has)
{
  uint64_t u = *out;
  int ret = hk_json_uint(c, obj, key, UINT16_MAX, &u, has);
  *out = u;
  return ret;
}

int hk_json_u64(struct hk_jctx *c, hk_jval obj, const char *key, uint64_t *out, bool *has)
{
  return hk_json_uint(c, obj, key, UINT64_MAX, out, has);
}

int hk_json_i32(struct hk_jctx *c, hk_jval obj, const char *key, int32_t *out, bool *has)
{
  int64_t i = *out;
  int ret = hk_json_int(c, obj, key, INT32_MIN, INT32_MAX, &i, has);
  *out = i;
  return ret;
}

int hk_json_i64(struct hk_jctx *c, hk_jval obj, const char *key, int64_t *out, bool *has)
{
  return hk_json_int(c, obj, key, INT64_MIN, INT64_MAX, out, has);
}

static int expect_array(struct hk_jctx *c, hk_jval v)
{
  if (!YAJL_IS_ARRAY(v))
    return hk_json_error(c, "expected an array");
  if (v->u.array.len > HK_SPEC_MAX_ARRAY)
    return hk_json_error(c, "more than %d elements", HK_SPEC_MAX_ARRAY);
  return 0;
}

static int read_strv(struct hk_jctx *c, hk_jval v, struct hk_strv *out)
{
  size_t n;

  if (expect_array(c, v) < 0)
    return -1;
  n = v->u.array.len;
  hk_json_strv_clear(out);
  out->v = hk_xmalloc0((n + 1) * sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    size_t mark = hk_json_push_index(c, i);
    int ret = read_string(c, v->u.array.values[i], &out->v[i]);
    hk_json_pop(c, mark);
    if (ret < 0)
      return -1;
    out->len = i + 1;
  }
  return 0;
}

int hk_json_strv(struct hk_jctx *c, hk_jval obj, const char *key, struct hk_strv *out, bool *has)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark;
  int ret;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  ret = read_strv(c, v, out);
  hk_json_pop(c, mark);
  if (ret == 0 && has)
    *has = true;
  return ret;
}

int hk_json_object(struct hk_jctx *c, hk_jval obj, const char *key, hk_jval *out)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark;
  int ret;

  *out = NULL;
  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  ret = hk_json_expect_object(c, v);
  hk_json_pop(c, mark);
  if (ret == 0)
    *out = v;
  return ret;
}

int hk_json_kv(struct hk_jctx *c, hk_jval obj, const char *key, struct hk_kv_list *out)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark, n;
  int ret = 0;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  if (hk_json_expect_object(c, v) < 0) {
    hk_json_pop(c, mark);
    return -1;
  }
  n = v->u.object.len;
  hk_json_kv_clear(out);
  out->items = hk_xmalloc0(n * sizeof(*out->items));
  for (size_t i = 0; i < n && ret == 0; i++) {
    size_t m = hk_json_push_key(c, v->u.object.keys[i]);
    ret = read_string(c, v->u.object.values[i], &out->items[i].value);
    hk_json_pop(c, m);
    if (ret == 0) {
      out->items[i].key = hk_xstrdup(v->u.object.keys[i]);
      out->len = i + 1;
    }
  }
  hk_json_pop(c, mark);
  return ret;
}

/* Store a freshly allocated array in a caller's `T *` field.  memcpy keeps
 * this free of aliasing questions. */
static void *store_items(void *itemsp, size_t size, size_t n)
{
  void *items = hk_xmalloc0(n * size);
  memcpy(itemsp, &items, sizeof(items));
  return items;
}

int hk_json_array(struct hk_jctx *c, hk_jval obj, const char *key, size_t size, hk_json_elem_fn fn,
                  void *itemsp, size_t *len, bool *has)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark, n;
  char *items;
  int ret = 0;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  if (expect_array(c, v) < 0) {
    hk_json_pop(c, mark);
    return -1;
  }
  n = v->u.array.len;
  items = store_items(itemsp, size, n);
  *len = n; /* zeroed elements are safe to free */
  for (size_t i = 0; i < n && ret == 0; i++) {
    size_t m = hk_json_push_index(c, i);
    ret = hk_json_expect_object(c, v->u.array.values[i]);
    if (ret == 0)
      ret = fn(c, v->u.array.values[i], items + i * size);
    hk_json_pop(c, m);
  }
  hk_json_pop(c, mark);
  if (ret == 0 && has)
    *has = true;
  return ret;
}

int hk_json_section(struct hk_jctx *c, hk_jval obj, const char *key, hk_json_elem_fn fn, void *data,
                    bool *has)
{
  hk_jval v;
  size_t mark;
  int ret;

  if (hk_json_object(c, obj, key, &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  if (has)
    *has = true;
  mark = hk_json_push_key(c, key);
  ret = fn(c, v, data);
  hk_json_pop(c, mark);
  return ret;
}

int hk_json_u32_array(struct hk_jctx *c, hk_jval obj, const char *key, uint32_t **out, size_t *len)
{
  hk_jval v = hk_json_get(obj, key);
  size_t mark, n;
  int ret = 0;

  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  ret = expect_array(c, v);
  if (ret == 0) {
    n = v->u.array.len;
    free(*out);
    *out = hk_xmalloc0(n * sizeof(uint32_t));
    *len = n;
    for (size_t i = 0; i < n && ret == 0; i++) {
      size_t m = hk_json_push_index(c, i);
      uint64_t u = 0;
      ret = read_uint(c, v->u.array.values[i], UINT32_MAX, &u);
      (*out)[i] = u;
      hk_json_pop(c, m);
    }
  }
  hk_json_pop(c, mark);
  return ret;
}

int hk_json_map(struct hk_jctx *c, hk_jval obj, const char *key, size_t size, hk_json_entry_fn fn,
                void *itemsp, size_t *len)
{
  hk_jval v;
  size_t mark, n;
  char *items;
  int ret;

  if (hk_json_object(c, obj, key, &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  mark = hk_json_push_key(c, key);
  n = v->u.object.len;
  items = store_items(itemsp, size, n);
  *len = n;
  ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    size_t m = hk_json_push_key(c, v->u.object.keys[i]);
    ret = hk_json_expect_object(c, v->u.object.values[i]);
    if (ret == 0)
      ret = fn(c, v->u.object.keys[i], v->u.object.values[i], items + i * size);
    hk_json_pop(c, m);
  }
  hk_json_pop(c, mark);
  return ret;
}

void hk_json_strv_clear(struct hk_strv *v)
{
  hk_strv_free(v->v);
  v->v = NULL;
  v->len = 0;
}

void hk_json_kv_clear(struct hk_kv_list *kv)
{
  for (size_t i = 0; i < kv->len; i++) {
    free(kv->items[i].key);
    free(kv->items[i].value);
  }
  free(kv->items);
  kv->items = NULL;
  kv->len = 0;
}

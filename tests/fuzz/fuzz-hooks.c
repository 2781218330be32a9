/* libFuzzer target: what husk writes for others to read -- the state a
 * hook gets on its stdin, and the container process state a seccomp agent
 * gets with the listener descriptor.
 *
 * The input is split at NUL bytes into strings: the id, bundle, status
 * and ociVersion of a state (the rest of a hook's state view), then
 * annotation keys and values, which are also the fds names of a process
 * state.  Whatever the strings, the writers either succeed with a document
 * that parses back to the same values, or fail with a message -- and fail
 * only when a string is not UTF-8 (JSON cannot carry it). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-specs/json.h"
#include "oci-specs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRINGS 64

static bool utf8_valid(const unsigned char *s)
{
  while (*s) {
    unsigned c = *s, n, cp;
    if (c < 0x80) {
      s++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf)
      n = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      n = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      n = 3, cp = c & 0x07;
    else
      return false;
    for (unsigned i = 1; i <= n; i++) {
      if ((s[i] & 0xc0) != 0x80)
        return false;
      cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    s += n + 1;
  }
  return true;
}

static bool same(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void check_state(const struct hk_state *st, bool all_utf8)
{
  struct hk_state *back = NULL;
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len;

  if (hk_state_to_json(st, false, false, &json, &len, &err) < 0) {
    if (all_utf8 || err == NULL || err->msg == NULL)
      abort();
    hk_error_free(err);
    return;
  }
  if (hk_state_parse(json, len, "hook state", &back, &err) < 0)
    abort();
  if (!same(st->id, back->id) || !same(st->bundle, back->bundle) ||
      !same(st->status, back->status) ||
      !same(st->oci_version ? st->oci_version : HK_OCI_VERSION, back->oci_version) ||
      st->pid != back->pid || st->annotations.len != back->annotations.len)
    abort();
  for (size_t i = 0; i < st->annotations.len; i++)
    if (!same(st->annotations.items[i].key, back->annotations.items[i].key) ||
        !same(st->annotations.items[i].value, back->annotations.items[i].value))
      abort();
  hk_state_free(back);
  free(json);
}

/* The process state has no reader in husk: it must at least be JSON that
 * husk's own reader accepts as a document. */
static void check_process_state(const char *const *fds, const char *metadata,
                                const struct hk_state *st, bool all_utf8)
{
  hk_error_t *err = NULL;
  struct hk_jctx c;
  hk_jval root;
  char *json = NULL;
  size_t len;

  if (hk_process_state_to_json(fds, st->pid, metadata, st, &json, &len, &err) < 0) {
    if (all_utf8 || err == NULL || err->msg == NULL)
      abort();
    hk_error_free(err);
    return;
  }
  if (hk_json_open(&c, json, len, "process state", &err, &root) < 0)
    abort();
  hk_json_done(&c, root);
  free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *buf = malloc(size + 1), *str[MAX_STRINGS];
  const char *fds[MAX_STRINGS + 1];
  struct hk_kv kv[MAX_STRINGS / 2];
  struct hk_state st = {0};
  size_t n = 0, nfds = 0;
  bool all_utf8 = true;

  memcpy(buf, data, size);
  buf[size] = '\0';
  for (char *p = buf; p <= buf + size && n < MAX_STRINGS; p += strlen(p) + 1) {
    str[n++] = p;
    all_utf8 = all_utf8 && utf8_valid((const unsigned char *)p);
  }
  st.id = n > 0 ? str[0] : "";
  st.bundle = n > 1 ? str[1] : "";
  st.status = n > 2 ? str[2] : "creating";
  st.oci_version = n > 3 ? str[3] : NULL;
  st.pid = (int)(size * 7919 % 4194304);
  for (size_t i = 4; i + 1 < n; i += 2) {
    bool dup = false;
    /* Annotations come from config.json, whose reader refuses duplicate
     * keys: so does the state's. */
    for (size_t j = 0; j < st.annotations.len && !dup; j++)
      dup = strcmp(kv[j].key, str[i]) == 0;
    fds[nfds++] = str[i];
    if (dup)
      continue;
    kv[st.annotations.len].key = str[i];
    kv[st.annotations.len++].value = str[i + 1];
  }
  fds[nfds] = NULL;
  st.annotations.items = kv;
  check_state(&st, all_utf8);
  check_process_state(fds, n > 4 ? str[4] : "", &st, all_utf8);
  free(buf);
  return 0;
}

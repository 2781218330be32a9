/* Internal to oci-specs/: walking a yajl tree with JSON-path tracking so that
 * every error names the document and the exact field, and small yajl_gen
 * helpers for the writers.  yajl types are only forward-declared here so no
 * header outside the .c files of oci-specs/ needs yajl. */
#ifndef HK_OCI_JSON_H
#define HK_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-specs/spec.h"

struct yajl_val_s;
typedef struct yajl_val_s *hk_jval;
typedef struct hk_jgen_s *hk_jgen; /* a yajl_gen with its first error */

/* A reading context: the document name, the path of the value being read
 * ("process.args[0]"), and where errors go. */
struct hk_jctx {
  const char *doc;
  hk_error_t **err;
  char *path;
  size_t len, cap;
};

/* Parse a whole document with the limits of spec.h; on success *root is an
 * object to release with hk_json_done(). */
int hk_json_open(struct hk_jctx *c, const char *json, size_t len, const char *doc, hk_error_t **err,
                 hk_jval *root);
void hk_json_done(struct hk_jctx *c, hk_jval root);

/* Path bookkeeping: push returns the old length to pass to pop. */
size_t hk_json_push_key(struct hk_jctx *c, const char *key);
size_t hk_json_push_index(struct hk_jctx *c, size_t i);
void hk_json_pop(struct hk_jctx *c, size_t mark);

/* "<doc>: <path>: <message>" */
int hk_json_error(struct hk_jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Check that v (at the current path) is an object without duplicate keys. */
int hk_json_expect_object(struct hk_jctx *c, hk_jval v);

/* Lookups in an object: NULL when the key is absent or null. */
hk_jval hk_json_get(hk_jval obj, const char *key);

/* Typed field readers.  Each looks `key` up in `obj`; an absent or null
 * field leaves the output untouched and *has (if given) false. */
int hk_json_string(struct hk_jctx *c, hk_jval obj, const char *key, char **out);
int hk_json_bool(struct hk_jctx *c, hk_jval obj, const char *key, bool *out, bool *has);
int hk_json_uint(struct hk_jctx *c, hk_jval obj, const char *key, uint64_t max, uint64_t *out,
                 bool *has);
int hk_json_int(struct hk_jctx *c, hk_jval obj, const char *key, int64_t min, int64_t max,
                int64_t *out, bool *has);
int hk_json_u32(struct hk_jctx *c, hk_jval obj, const char *key, uint32_t *out, bool *has);
int hk_json_u16(struct hk_jctx *c, hk_jval obj, const char *key, uint16_t *out, bool *has);
int hk_json_u64(struct hk_jctx *c, hk_jval obj, const char *key, uint64_t *out, bool *has);
int hk_json_i32(struct hk_jctx *c, hk_jval obj, const char *key, int32_t *out, bool *has);
int hk_json_i64(struct hk_jctx *c, hk_jval obj, const char *key, int64_t *out, bool *has);
int hk_json_strv(struct hk_jctx *c, hk_jval obj, const char *key, struct hk_strv *out, bool *has);
/* An object of strings to strings (annotations, sysctl, unified). */
int hk_json_kv(struct hk_jctx *c, hk_jval obj, const char *key, struct hk_kv_list *out);
/* A nested object: *out is NULL when absent. */
int hk_json_object(struct hk_jctx *c, hk_jval obj, const char *key, hk_jval *out);

/* An array of objects read by `fn` into a zeroed array of `size`-byte
 * elements.  itemsp is the address of the caller's `T *` field; the array
 * is stored there and in *len before the elements are read, so on error
 * the caller's free function releases what was read. */
typedef int (*hk_json_elem_fn)(struct hk_jctx *c, hk_jval v, void *elem);
int hk_json_array(struct hk_jctx *c, hk_jval obj, const char *key, size_t size, hk_json_elem_fn fn,
                  void *itemsp, size_t *len, bool *has);

/* A nested object read by `fn` (with the path pushed); *has (if given) is
 * set when the object is present. */
int hk_json_section(struct hk_jctx *c, hk_jval obj, const char *key, hk_json_elem_fn fn, void *data,
                    bool *has);

/* An array of uint32 (additionalGids). */
int hk_json_u32_array(struct hk_jctx *c, hk_jval obj, const char *key, uint32_t **out, size_t *len);

/* An object whose keys are names (netDevices, rdma): fn gets each key. */
typedef int (*hk_json_entry_fn)(struct hk_jctx *c, const char *key, hk_jval v, void *elem);
int hk_json_map(struct hk_jctx *c, hk_jval obj, const char *key, size_t size, hk_json_entry_fn fn,
                void *itemsp, size_t *len);

void hk_json_strv_clear(struct hk_strv *v);
void hk_json_kv_clear(struct hk_kv_list *kv);

/* ---- writing ---- */

/* indent NULL: compact output. */
hk_jgen hk_jgen_new(const char *indent);
void hk_jgen_free(hk_jgen g);
/* Hand the generated text over as a malloc'd, NUL-terminated string. */
int hk_jgen_finish(hk_jgen g, const char *what, char **out, size_t *len, hk_error_t **err);
/* The first failure sticks in the generator and surfaces at
 * hk_jgen_finish, so the writers need no check after every call. */
void hk_jgen_key(hk_jgen g, const char *key);
void hk_jgen_str(hk_jgen g, const char *s);
void hk_jgen_key_str(hk_jgen g, const char *key, const char *value);
void hk_jgen_key_bool(hk_jgen g, const char *key, bool value);
void hk_jgen_key_int(hk_jgen g, const char *key, int64_t value);
void hk_jgen_key_uint(hk_jgen g, const char *key, uint64_t value);
void hk_jgen_key_strv(hk_jgen g, const char *key, const char *const *v);
void hk_jgen_key_kv(hk_jgen g, const char *key, const struct hk_kv_list *kv);
void hk_jgen_map_open(hk_jgen g);
void hk_jgen_map_close(hk_jgen g);
void hk_jgen_array_open(hk_jgen g);
void hk_jgen_array_close(hk_jgen g);
/* Values without a key (array elements, or after hk_jgen_key). */
void hk_jgen_uint(hk_jgen g, uint64_t value);
void hk_jgen_int(hk_jgen g, int64_t value);
void hk_jgen_null(hk_jgen g);
/* A number given as text: the caller checks it is one. */
void hk_jgen_number(hk_jgen g, const char *digits);

#endif

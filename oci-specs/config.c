/* config.json: the top level (ociVersion, root, hostname, mounts, hooks,
 * annotations) and the entry points hk_spec_parse/load/free.  The process
 * and linux sections live in process.c and linux.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libcontainer/utils.h"
#include "oci-specs/readers.h"

int hk_spec_read_id_mapping(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_id_mapping *m = elem;

  if (hk_json_u32(c, v, "containerID", &m->container_id, NULL) < 0 ||
      hk_json_u32(c, v, "hostID", &m->host_id, NULL) < 0 ||
      hk_json_u32(c, v, "size", &m->size, NULL) < 0)
    return -1;
  return 0;
}

static int read_root(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_root *r = data;

  if (hk_json_string(c, v, "path", &r->path) < 0 ||
      hk_json_bool(c, v, "readonly", &r->readonly, NULL) < 0)
    return -1;
  return 0;
}

static int read_mount(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_mount *m = elem;

  if (hk_json_string(c, v, "destination", &m->destination) < 0 ||
      hk_json_string(c, v, "source", &m->source) < 0 ||
      hk_json_string(c, v, "type", &m->type) < 0 ||
      hk_json_strv(c, v, "options", &m->options, NULL) < 0 ||
      hk_json_array(c, v, "uidMappings", sizeof(struct hk_id_mapping), hk_spec_read_id_mapping,
                    &m->uid_mappings, &m->uid_mappings_len, NULL) < 0 ||
      hk_json_array(c, v, "gidMappings", sizeof(struct hk_id_mapping), hk_spec_read_id_mapping,
                    &m->gid_mappings, &m->gid_mappings_len, NULL) < 0)
    return -1;
  return 0;
}

static int read_hook(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_hook *h = elem;
  int64_t timeout = 0;

  if (hk_json_string(c, v, "path", &h->path) < 0 ||
      hk_json_strv(c, v, "args", &h->args, NULL) < 0 ||
      hk_json_strv(c, v, "env", &h->env, NULL) < 0 ||
      hk_json_int(c, v, "timeout", 1, INT32_MAX, &timeout, &h->has_timeout) < 0)
    return -1;
  h->timeout = (int32_t)timeout;
  return 0;
}

static int read_hook_list(struct hk_jctx *c, hk_jval obj, const char *key, struct hk_hook_list *l)
{
  return hk_json_array(c, obj, key, sizeof(struct hk_hook), read_hook, &l->items, &l->len, NULL);
}

static int read_hooks(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_hooks *h = data;

  if (read_hook_list(c, v, "prestart", &h->prestart) < 0 ||
      read_hook_list(c, v, "createRuntime", &h->create_runtime) < 0 ||
      read_hook_list(c, v, "createContainer", &h->create_container) < 0 ||
      read_hook_list(c, v, "startContainer", &h->start_container) < 0 ||
      read_hook_list(c, v, "poststart", &h->poststart) < 0 ||
      read_hook_list(c, v, "poststop", &h->poststop) < 0)
    return -1;
  return 0;
}

static int read_process_section(struct hk_jctx *c, hk_jval v, void *data)
{
  return hk_spec_read_process(c, v, data);
}

static int read_linux_section(struct hk_jctx *c, hk_jval v, void *data)
{
  return hk_spec_read_linux(c, v, data);
}

static int read_spec(struct hk_jctx *c, hk_jval root, struct hk_spec *s)
{
  if (hk_json_string(c, root, "ociVersion", &s->oci_version) < 0 ||
      hk_json_section(c, root, "process", read_process_section, &s->process, &s->has_process) < 0 ||
      hk_json_section(c, root, "root", read_root, &s->root, &s->has_root) < 0 ||
      hk_json_string(c, root, "hostname", &s->hostname) < 0 ||
      hk_json_string(c, root, "domainname", &s->domainname) < 0 ||
      hk_json_array(c, root, "mounts", sizeof(struct hk_mount), read_mount, &s->mounts,
                    &s->mounts_len, NULL) < 0 ||
      hk_json_section(c, root, "hooks", read_hooks, &s->hooks, &s->has_hooks) < 0 ||
      hk_json_kv(c, root, "annotations", &s->annotations) < 0 ||
      hk_json_section(c, root, "linux", read_linux_section, &s->linux_, &s->has_linux) < 0)
    return -1;
  return 0;
}

int hk_spec_parse(const char *json, size_t len, const char *name, struct hk_spec **out,
                  hk_error_t **err)
{
  struct hk_jctx c;
  hk_jval root;
  struct hk_spec *s;
  int ret;

  *out = NULL;
  if (hk_json_open(&c, json, len, name, err, &root) < 0)
    return -1;
  s = hk_xmalloc0(sizeof(*s));
  ret = read_spec(&c, root, s);
  hk_json_done(&c, root);
  if (ret < 0) {
    hk_spec_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

int hk_spec_load(const char *path, struct hk_spec **out, hk_error_t **err)
{
  _cleanup_free_ char *data = NULL;
  size_t len = 0;

  *out = NULL;
  if (hk_read_file(path, HK_SPEC_MAX_FILE_SIZE, &data, &len, err) < 0)
    return -1;
  return hk_spec_parse(data, len, path, out, err);
}

static void clear_hook_list(struct hk_hook_list *l)
{
  for (size_t i = 0; i < l->len; i++) {
    free(l->items[i].path);
    hk_json_strv_clear(&l->items[i].args);
    hk_json_strv_clear(&l->items[i].env);
  }
  free(l->items);
}

static void clear_mounts(struct hk_mount *m, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(m[i].destination);
    free(m[i].source);
    free(m[i].type);
    hk_json_strv_clear(&m[i].options);
    free(m[i].uid_mappings);
    free(m[i].gid_mappings);
  }
  free(m);
}

void hk_spec_free(struct hk_spec *s)
{
  if (s == NULL)
    return;
  free(s->oci_version);
  hk_spec_clear_process(&s->process);
  free(s->root.path);
  free(s->hostname);
  free(s->domainname);
  clear_mounts(s->mounts, s->mounts_len);
  clear_hook_list(&s->hooks.prestart);
  clear_hook_list(&s->hooks.create_runtime);
  clear_hook_list(&s->hooks.create_container);
  clear_hook_list(&s->hooks.start_container);
  clear_hook_list(&s->hooks.poststart);
  clear_hook_list(&s->hooks.poststop);
  hk_json_kv_clear(&s->annotations);
  hk_spec_clear_linux(&s->linux_);
  free(s);
}

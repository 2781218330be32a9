/* config.json's `linux` section, apart from resources (resources.c) and
 * seccomp (seccomp.c).  The closed enumerations of the spec (namespace and
 * device types) are checked here; other semantics are left to libcontainer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libcontainer/utils.h"
#include "oci-specs/readers.h"

static const char *const namespace_types[] = {"pid", "network", "mount",  "ipc",
                                              "uts", "user",    "cgroup", "time"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0)
      return true;
  return false;
}

static int read_namespace(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_namespace *ns = elem;
  size_t mark;
  int ret = 0;

  if (hk_json_string(c, v, "type", &ns->type) < 0 || hk_json_string(c, v, "path", &ns->path) < 0)
    return -1;
  mark = hk_json_push_key(c, "type");
  if (ns->type == NULL)
    ret = hk_json_error(c, "missing namespace type");
  else if (!in_list(ns->type, namespace_types, HK_ARRAY_SIZE(namespace_types)))
    ret = hk_json_error(c, "unknown namespace type \"%s\"", ns->type);
  hk_json_pop(c, mark);
  return ret;
}

/* Each namespace type may be listed once: a second entry would be ambiguous. */
static int check_namespace_duplicates(struct hk_jctx *c, const struct hk_linux *l)
{
  for (size_t i = 1; i < l->namespaces_len; i++) {
    for (size_t j = 0; j < i; j++) {
      if (strcmp(l->namespaces[i].type, l->namespaces[j].type) == 0) {
        size_t mark = hk_json_push_key(c, "namespaces");
        hk_json_push_index(c, i);
        hk_json_push_key(c, "type");
        hk_json_error(c, "namespace type \"%s\" listed twice", l->namespaces[i].type);
        hk_json_pop(c, mark);
        return -1;
      }
    }
  }
  return 0;
}

static int read_time_offset(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_time_offset *t = data;

  if (hk_json_i64(c, v, "secs", &t->secs, NULL) < 0 ||
      hk_json_u32(c, v, "nanosecs", &t->nanosecs, NULL) < 0)
    return -1;
  return 0;
}

static int read_time_offsets(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_time_offsets *t = data;

  if (hk_json_section(c, v, "monotonic", read_time_offset, &t->monotonic, &t->has_monotonic) < 0 ||
      hk_json_section(c, v, "boottime", read_time_offset, &t->boottime, &t->has_boottime) < 0)
    return -1;
  return 0;
}

static int read_device(struct hk_jctx *c, hk_jval v, void *elem)
{
  static const char *const types[] = {"c", "b", "u", "p"};
  struct hk_device *d = elem;
  size_t mark;
  int ret = 0;

  if (hk_json_string(c, v, "type", &d->type) < 0 || hk_json_string(c, v, "path", &d->path) < 0 ||
      hk_json_i64(c, v, "major", &d->major, NULL) < 0 ||
      hk_json_i64(c, v, "minor", &d->minor, NULL) < 0 ||
      hk_json_u32(c, v, "fileMode", &d->file_mode, &d->has_file_mode) < 0 ||
      hk_json_u32(c, v, "uid", &d->uid, &d->has_uid) < 0 ||
      hk_json_u32(c, v, "gid", &d->gid, &d->has_gid) < 0)
    return -1;
  mark = hk_json_push_key(c, "type");
  if (d->type == NULL)
    ret = hk_json_error(c, "missing device type");
  else if (!in_list(d->type, types, HK_ARRAY_SIZE(types)))
    ret = hk_json_error(c, "unknown device type \"%s\"", d->type);
  hk_json_pop(c, mark);
  return ret;
}

static int read_net_device(struct hk_jctx *c, const char *key, hk_jval v, void *elem)
{
  struct hk_net_device *d = elem;

  d->host_name = hk_xstrdup(key);
  return hk_json_string(c, v, "name", &d->name);
}

static int read_intel_rdt(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_intel_rdt *r = data;

  if (hk_json_string(c, v, "closID", &r->clos_id) < 0 ||
      hk_json_string(c, v, "l3CacheSchema", &r->l3_cache_schema) < 0 ||
      hk_json_string(c, v, "memBwSchema", &r->mem_bw_schema) < 0 ||
      hk_json_strv(c, v, "schemata", &r->schemata, NULL) < 0 ||
      hk_json_bool(c, v, "enableMonitoring", &r->enable_monitoring, NULL) < 0 ||
      hk_json_bool(c, v, "enableCMT", &r->enable_cmt, NULL) < 0 ||
      hk_json_bool(c, v, "enableMBM", &r->enable_mbm, NULL) < 0)
    return -1;
  return 0;
}

static int read_memory_policy(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_memory_policy *m = data;

  if (hk_json_string(c, v, "mode", &m->mode) < 0 || hk_json_string(c, v, "nodes", &m->nodes) < 0 ||
      hk_json_strv(c, v, "flags", &m->flags, NULL) < 0)
    return -1;
  return 0;
}

static int read_personality(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_personality *p = data;

  if (hk_json_string(c, v, "domain", &p->domain) < 0 ||
      hk_json_strv(c, v, "flags", &p->flags, NULL) < 0)
    return -1;
  return 0;
}

static int read_resources_section(struct hk_jctx *c, hk_jval v, void *data)
{
  return hk_spec_read_resources(c, v, data);
}

static int read_seccomp_section(struct hk_jctx *c, hk_jval v, void *data)
{
  return hk_spec_read_seccomp(c, v, data);
}

int hk_spec_read_linux(struct hk_jctx *c, hk_jval v, struct hk_linux *l)
{
  if (hk_json_array(c, v, "namespaces", sizeof(struct hk_namespace), read_namespace, &l->namespaces,
                    &l->namespaces_len, NULL) < 0 ||
      check_namespace_duplicates(c, l) < 0 ||
      hk_json_array(c, v, "uidMappings", sizeof(struct hk_id_mapping), hk_spec_read_id_mapping,
                    &l->uid_mappings, &l->uid_mappings_len, NULL) < 0 ||
      hk_json_array(c, v, "gidMappings", sizeof(struct hk_id_mapping), hk_spec_read_id_mapping,
                    &l->gid_mappings, &l->gid_mappings_len, NULL) < 0 ||
      hk_json_section(c, v, "timeOffsets", read_time_offsets, &l->time_offsets,
                      &l->has_time_offsets) < 0 ||
      hk_json_array(c, v, "devices", sizeof(struct hk_device), read_device, &l->devices,
                    &l->devices_len, NULL) < 0 ||
      hk_json_map(c, v, "netDevices", sizeof(struct hk_net_device), read_net_device,
                  &l->net_devices, &l->net_devices_len) < 0 ||
      hk_json_string(c, v, "cgroupsPath", &l->cgroups_path) < 0 ||
      hk_json_section(c, v, "resources", read_resources_section, &l->resources, &l->has_resources) <
          0 ||
      hk_json_string(c, v, "rootfsPropagation", &l->rootfs_propagation) < 0 ||
      hk_json_section(c, v, "seccomp", read_seccomp_section, &l->seccomp, &l->has_seccomp) < 0 ||
      hk_json_kv(c, v, "sysctl", &l->sysctl) < 0 ||
      hk_json_strv(c, v, "maskedPaths", &l->masked_paths, &l->has_masked_paths) < 0 ||
      hk_json_strv(c, v, "readonlyPaths", &l->readonly_paths, &l->has_readonly_paths) < 0 ||
      hk_json_string(c, v, "mountLabel", &l->mount_label) < 0 ||
      hk_json_section(c, v, "intelRdt", read_intel_rdt, &l->intel_rdt, &l->has_intel_rdt) < 0 ||
      hk_json_section(c, v, "memoryPolicy", read_memory_policy, &l->memory_policy,
                      &l->has_memory_policy) < 0 ||
      hk_json_section(c, v, "personality", read_personality, &l->personality, &l->has_personality) <
          0)
    return -1;
  return 0;
}

void hk_spec_clear_linux(struct hk_linux *l)
{
  for (size_t i = 0; i < l->namespaces_len; i++) {
    free(l->namespaces[i].type);
    free(l->namespaces[i].path);
  }
  free(l->namespaces);
  free(l->uid_mappings);
  free(l->gid_mappings);
  for (size_t i = 0; i < l->devices_len; i++) {
    free(l->devices[i].type);
    free(l->devices[i].path);
  }
  free(l->devices);
  for (size_t i = 0; i < l->net_devices_len; i++) {
    free(l->net_devices[i].host_name);
    free(l->net_devices[i].name);
  }
  free(l->net_devices);
  free(l->cgroups_path);
  hk_spec_clear_resources(&l->resources);
  free(l->rootfs_propagation);
  hk_spec_clear_seccomp(&l->seccomp);
  hk_json_kv_clear(&l->sysctl);
  hk_json_strv_clear(&l->masked_paths);
  hk_json_strv_clear(&l->readonly_paths);
  free(l->mount_label);
  free(l->intel_rdt.clos_id);
  free(l->intel_rdt.l3_cache_schema);
  free(l->intel_rdt.mem_bw_schema);
  hk_json_strv_clear(&l->intel_rdt.schemata);
  free(l->memory_policy.mode);
  free(l->memory_policy.nodes);
  hk_json_strv_clear(&l->memory_policy.flags);
  free(l->personality.domain);
  hk_json_strv_clear(&l->personality.flags);
  memset(l, 0, sizeof(*l));
}

/* linux.resources: the cgroup limits, read from config.json and from the
 * document of `update --resources`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libcontainer/utils.h"
#include "oci-specs/readers.h"

static int read_device_rule(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_device_cgroup *d = elem;

  if (hk_json_bool(c, v, "allow", &d->allow, NULL) < 0 ||
      hk_json_string(c, v, "type", &d->type) < 0 ||
      hk_json_i64(c, v, "major", &d->major, &d->has_major) < 0 ||
      hk_json_i64(c, v, "minor", &d->minor, &d->has_minor) < 0 ||
      hk_json_string(c, v, "access", &d->access) < 0)
    return -1;
  return 0;
}

static int read_memory(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_memory *m = data;

  if (hk_json_i64(c, v, "limit", &m->limit, &m->has_limit) < 0 ||
      hk_json_i64(c, v, "reservation", &m->reservation, &m->has_reservation) < 0 ||
      hk_json_i64(c, v, "swap", &m->swap, &m->has_swap) < 0 ||
      hk_json_i64(c, v, "kernel", &m->kernel, &m->has_kernel) < 0 ||
      hk_json_i64(c, v, "kernelTCP", &m->kernel_tcp, &m->has_kernel_tcp) < 0 ||
      hk_json_u64(c, v, "swappiness", &m->swappiness, &m->has_swappiness) < 0 ||
      hk_json_bool(c, v, "disableOOMKiller", &m->disable_oom_killer, &m->has_disable_oom_killer) <
          0 ||
      hk_json_bool(c, v, "useHierarchy", &m->use_hierarchy, &m->has_use_hierarchy) < 0 ||
      hk_json_bool(c, v, "checkBeforeUpdate", &m->check_before_update,
                   &m->has_check_before_update) < 0)
    return -1;
  return 0;
}

static int read_cpu(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_cpu *p = data;

  if (hk_json_u64(c, v, "shares", &p->shares, &p->has_shares) < 0 ||
      hk_json_i64(c, v, "quota", &p->quota, &p->has_quota) < 0 ||
      hk_json_u64(c, v, "burst", &p->burst, &p->has_burst) < 0 ||
      hk_json_u64(c, v, "period", &p->period, &p->has_period) < 0 ||
      hk_json_i64(c, v, "realtimeRuntime", &p->realtime_runtime, &p->has_realtime_runtime) < 0 ||
      hk_json_u64(c, v, "realtimePeriod", &p->realtime_period, &p->has_realtime_period) < 0 ||
      hk_json_string(c, v, "cpus", &p->cpus) < 0 || hk_json_string(c, v, "mems", &p->mems) < 0 ||
      hk_json_i64(c, v, "idle", &p->idle, &p->has_idle) < 0)
    return -1;
  return 0;
}

static int read_pids(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_resources *r = data;
  return hk_json_i64(c, v, "limit", &r->pids_limit, &r->has_pids_limit);
}

static int read_weight_device(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_weight_device *w = elem;

  if (hk_json_i64(c, v, "major", &w->major, NULL) < 0 ||
      hk_json_i64(c, v, "minor", &w->minor, NULL) < 0 ||
      hk_json_u16(c, v, "weight", &w->weight, &w->has_weight) < 0 ||
      hk_json_u16(c, v, "leafWeight", &w->leaf_weight, &w->has_leaf_weight) < 0)
    return -1;
  return 0;
}

static int read_throttle_device(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_throttle_device *t = elem;

  if (hk_json_i64(c, v, "major", &t->major, NULL) < 0 ||
      hk_json_i64(c, v, "minor", &t->minor, NULL) < 0 ||
      hk_json_u64(c, v, "rate", &t->rate, NULL) < 0)
    return -1;
  return 0;
}

static int read_throttle_list(struct hk_jctx *c, hk_jval v, const char *key,
                              struct hk_throttle_list *l)
{
  return hk_json_array(c, v, key, sizeof(struct hk_throttle_device), read_throttle_device,
                       &l->items, &l->len, NULL);
}

static int read_block_io(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_block_io *b = data;

  if (hk_json_u16(c, v, "weight", &b->weight, &b->has_weight) < 0 ||
      hk_json_u16(c, v, "leafWeight", &b->leaf_weight, &b->has_leaf_weight) < 0 ||
      hk_json_array(c, v, "weightDevice", sizeof(struct hk_weight_device), read_weight_device,
                    &b->weight_device, &b->weight_device_len, NULL) < 0 ||
      read_throttle_list(c, v, "throttleReadBpsDevice", &b->throttle_read_bps) < 0 ||
      read_throttle_list(c, v, "throttleWriteBpsDevice", &b->throttle_write_bps) < 0 ||
      read_throttle_list(c, v, "throttleReadIOPSDevice", &b->throttle_read_iops) < 0 ||
      read_throttle_list(c, v, "throttleWriteIOPSDevice", &b->throttle_write_iops) < 0)
    return -1;
  return 0;
}

static int read_hugepage_limit(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_hugepage_limit *h = elem;

  if (hk_json_string(c, v, "pageSize", &h->page_size) < 0 ||
      hk_json_u64(c, v, "limit", &h->limit, NULL) < 0)
    return -1;
  return 0;
}

static int read_net_priority(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_net_priority *p = elem;

  if (hk_json_string(c, v, "name", &p->name) < 0 ||
      hk_json_u32(c, v, "priority", &p->priority, NULL) < 0)
    return -1;
  return 0;
}

static int read_network(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_network *n = data;

  if (hk_json_u32(c, v, "classID", &n->class_id, &n->has_class_id) < 0 ||
      hk_json_array(c, v, "priorities", sizeof(struct hk_net_priority), read_net_priority,
                    &n->priorities, &n->priorities_len, NULL) < 0)
    return -1;
  return 0;
}

static int read_rdma(struct hk_jctx *c, const char *key, hk_jval v, void *elem)
{
  struct hk_rdma *r = elem;

  r->device = hk_xstrdup(key);
  if (hk_json_u32(c, v, "hcaHandles", &r->hca_handles, &r->has_hca_handles) < 0 ||
      hk_json_u32(c, v, "hcaObjects", &r->hca_objects, &r->has_hca_objects) < 0)
    return -1;
  return 0;
}

int hk_spec_read_resources(struct hk_jctx *c, hk_jval v, struct hk_resources *r)
{
  if (hk_json_array(c, v, "devices", sizeof(struct hk_device_cgroup), read_device_rule, &r->devices,
                    &r->devices_len, NULL) < 0 ||
      hk_json_section(c, v, "memory", read_memory, &r->memory, &r->has_memory) < 0 ||
      hk_json_section(c, v, "cpu", read_cpu, &r->cpu, &r->has_cpu) < 0 ||
      hk_json_section(c, v, "pids", read_pids, r, &r->has_pids) < 0 ||
      hk_json_section(c, v, "blockIO", read_block_io, &r->block_io, &r->has_block_io) < 0 ||
      hk_json_array(c, v, "hugepageLimits", sizeof(struct hk_hugepage_limit), read_hugepage_limit,
                    &r->hugepage_limits, &r->hugepage_limits_len, NULL) < 0 ||
      hk_json_section(c, v, "network", read_network, &r->network, &r->has_network) < 0 ||
      hk_json_map(c, v, "rdma", sizeof(struct hk_rdma), read_rdma, &r->rdma, &r->rdma_len) < 0 ||
      hk_json_kv(c, v, "unified", &r->unified) < 0)
    return -1;
  return 0;
}

void hk_spec_clear_resources(struct hk_resources *r)
{
  for (size_t i = 0; i < r->devices_len; i++) {
    free(r->devices[i].type);
    free(r->devices[i].access);
  }
  free(r->devices);
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->block_io.weight_device);
  free(r->block_io.throttle_read_bps.items);
  free(r->block_io.throttle_write_bps.items);
  free(r->block_io.throttle_read_iops.items);
  free(r->block_io.throttle_write_iops.items);
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  for (size_t i = 0; i < r->network.priorities_len; i++)
    free(r->network.priorities[i].name);
  free(r->network.priorities);
  for (size_t i = 0; i < r->rdma_len; i++)
    free(r->rdma[i].device);
  free(r->rdma);
  hk_json_kv_clear(&r->unified);
  memset(r, 0, sizeof(*r));
}

int hk_resources_parse(const char *json, size_t len, const char *name, struct hk_resources **out,
                       hk_error_t **err)
{
  struct hk_jctx c;
  hk_jval root;
  struct hk_resources *r;
  int ret;

  *out = NULL;
  if (hk_json_open(&c, json, len, name, err, &root) < 0)
    return -1;
  r = hk_xmalloc0(sizeof(*r));
  ret = hk_spec_read_resources(&c, root, r);
  hk_json_done(&c, root);
  if (ret < 0) {
    hk_resources_free(r);
    return -1;
  }
  *out = r;
  return 0;
}

void hk_resources_free(struct hk_resources *r)
{
  if (r == NULL)
    return;
  hk_spec_clear_resources(r);
  free(r);
}

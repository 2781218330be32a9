/* The JSON of `husk events` and `husk ps --format json`, key for key as
 * runc 1.1 prints them (types/events.go there).  runc encodes Go structs,
 * so the layout follows Go's rules: fields in declaration order, map keys
 * sorted, and a field tagged omitempty left out when it is zero or an empty
 * list.  Which fields are omitempty is spelled out below, at each one.
 *
 * The statistics themselves come from libcontainer/cgroups.h; this file
 * only writes them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libcontainer/cgroups.h"
#include "libcontainer/utils.h"
#include "oci-specs/json.h"
#include "oci-specs/stats.h"

/* omitempty for numbers */
static void opt_uint(hk_jgen g, const char *key, uint64_t v)
{
  if (v)
    hk_jgen_key_uint(g, key, v);
}

static void opt_u64_list(hk_jgen g, const char *key, const uint64_t *v, size_t n)
{
  if (n == 0)
    return;
  hk_jgen_key(g, key);
  hk_jgen_array_open(g);
  for (size_t i = 0; i < n; i++)
    hk_jgen_uint(g, v[i]);
  hk_jgen_array_close(g);
}

static void opt_u16_list(hk_jgen g, const char *key, const uint16_t *v, size_t n)
{
  if (n == 0)
    return;
  hk_jgen_key(g, key);
  hk_jgen_array_open(g);
  for (size_t i = 0; i < n; i++)
    hk_jgen_uint(g, v[i]);
  hk_jgen_array_close(g);
}

static void cpu(hk_jgen g, const struct hk_cgroup_stats *st)
{
  hk_jgen_key(g, "cpu");
  hk_jgen_map_open(g);
  hk_jgen_key(g, "usage");
  hk_jgen_map_open(g);
  opt_uint(g, "total", st->cpu_total);
  opt_u64_list(g, "percpu", st->cpu_percpu, st->cpu_percpu_len);
  opt_u64_list(g, "percpu_kernel", st->cpu_percpu_kernel, st->cpu_percpu_kernel_len);
  opt_u64_list(g, "percpu_user", st->cpu_percpu_user, st->cpu_percpu_user_len);
  hk_jgen_key_uint(g, "kernel", st->cpu_kernel);
  hk_jgen_key_uint(g, "user", st->cpu_user);
  hk_jgen_map_close(g);
  hk_jgen_key(g, "throttling");
  hk_jgen_map_open(g);
  opt_uint(g, "periods", st->throttling_periods);
  opt_uint(g, "throttledPeriods", st->throttled_periods);
  opt_uint(g, "throttledTime", st->throttled_time);
  hk_jgen_map_close(g);
  hk_jgen_map_close(g);
}

static void cpuset(hk_jgen g, const struct hk_cg_cpuset_stats *c)
{
  hk_jgen_key(g, "cpuset");
  hk_jgen_map_open(g);
  opt_u16_list(g, "cpus", c->cpus, c->cpus_len);
  hk_jgen_key_uint(g, "cpu_exclusive", c->cpu_exclusive);
  opt_u16_list(g, "mems", c->mems, c->mems_len);
  hk_jgen_key_uint(g, "mem_hardwall", c->mem_hardwall);
  hk_jgen_key_uint(g, "mem_exclusive", c->mem_exclusive);
  hk_jgen_key_uint(g, "memory_migrate", c->memory_migrate);
  hk_jgen_key_uint(g, "memory_spread_page", c->memory_spread_page);
  hk_jgen_key_uint(g, "memory_spread_slab", c->memory_spread_slab);
  hk_jgen_key_uint(g, "memory_pressure", c->memory_pressure);
  hk_jgen_key_uint(g, "sched_load_balance", c->sched_load_balance);
  hk_jgen_key_int(g, "sched_relax_domain_level", c->sched_relax_domain_level);
  hk_jgen_map_close(g);
}

static void memory_entry(hk_jgen g, const char *key, const struct hk_cg_memory_entry *e)
{
  hk_jgen_key(g, key);
  hk_jgen_map_open(g);
  hk_jgen_key_uint(g, "limit", e->limit);
  opt_uint(g, "usage", e->usage);
  opt_uint(g, "max", e->max);
  hk_jgen_key_uint(g, "failcnt", e->failcnt);
  hk_jgen_map_close(g);
}

static bool is_uint(const char *s)
{
  return s && *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 20;
}

static int cmp_kv_key(const void *a, const void *b)
{
  const struct hk_kv *x = *(const struct hk_kv *const *)a, *y = *(const struct hk_kv *const *)b;
  return strcmp(x->key, y->key);
}

/* memory.stat as a map of numbers, keys sorted (a Go map[string]uint64);
 * a value that is not a number is left out. */
static void memory_raw(hk_jgen g, const struct hk_kv_list *raw)
{
  _cleanup_free_ const struct hk_kv **v = NULL;
  size_t n = 0;

  if (raw->len == 0)
    return;
  v = hk_xmalloc0(raw->len * sizeof(*v));
  for (size_t i = 0; i < raw->len; i++)
    if (raw->items[i].key && is_uint(raw->items[i].value))
      v[n++] = &raw->items[i];
  if (n == 0)
    return;
  qsort(v, n, sizeof(*v), cmp_kv_key);
  hk_jgen_key(g, "raw");
  hk_jgen_map_open(g);
  for (size_t i = 0; i < n; i++) {
    hk_jgen_key(g, v[i]->key);
    hk_jgen_number(g, v[i]->value);
  }
  hk_jgen_map_close(g);
}

static void memory(hk_jgen g, const struct hk_cgroup_stats *st)
{
  hk_jgen_key(g, "memory");
  hk_jgen_map_open(g);
  opt_uint(g, "cache", st->memory_cache);
  memory_entry(g, "usage", &st->memory_usage);
  memory_entry(g, "swap", &st->memory_swap);
  memory_entry(g, "kernel", &st->memory_kernel);
  memory_entry(g, "kernelTCP", &st->memory_kernel_tcp);
  memory_raw(g, &st->memory_raw);
  hk_jgen_map_close(g);
}

static void blkio_list(hk_jgen g, const char *key, const struct hk_cg_blkio_list *l)
{
  if (l->len == 0)
    return;
  hk_jgen_key(g, key);
  hk_jgen_array_open(g);
  for (size_t i = 0; i < l->len; i++) {
    const struct hk_cg_blkio_entry *e = &l->items[i];
    hk_jgen_map_open(g);
    opt_uint(g, "major", e->major);
    opt_uint(g, "minor", e->minor);
    if (e->op[0])
      hk_jgen_key_str(g, "op", e->op);
    opt_uint(g, "value", e->value);
    hk_jgen_map_close(g);
  }
  hk_jgen_array_close(g);
}

static void blkio(hk_jgen g, const struct hk_cgroup_stats *st)
{
  hk_jgen_key(g, "blkio");
  hk_jgen_map_open(g);
  blkio_list(g, "ioServiceBytesRecursive", &st->io_service_bytes);
  blkio_list(g, "ioServicedRecursive", &st->io_serviced);
  blkio_list(g, "ioQueueRecursive", &st->io_queued);
  blkio_list(g, "ioServiceTimeRecursive", &st->io_service_time);
  blkio_list(g, "ioWaitTimeRecursive", &st->io_wait_time);
  blkio_list(g, "ioMergedRecursive", &st->io_merged);
  blkio_list(g, "ioTimeRecursive", &st->io_time);
  blkio_list(g, "sectorsRecursive", &st->sectors);
  hk_jgen_map_close(g);
}

static int cmp_hugetlb(const void *a, const void *b)
{
  const struct hk_cg_hugetlb *x = *(const struct hk_cg_hugetlb *const *)a;
  const struct hk_cg_hugetlb *y = *(const struct hk_cg_hugetlb *const *)b;
  return strcmp(x->size, y->size);
}

static void hugetlb(hk_jgen g, const struct hk_cgroup_stats *st)
{
  _cleanup_free_ const struct hk_cg_hugetlb **v = NULL;

  hk_jgen_key(g, "hugetlb");
  hk_jgen_map_open(g);
  if (st->hugetlb_len) {
    v = hk_xmalloc0(st->hugetlb_len * sizeof(*v));
    for (size_t i = 0; i < st->hugetlb_len; i++)
      v[i] = &st->hugetlb[i];
    qsort(v, st->hugetlb_len, sizeof(*v), cmp_hugetlb);
    for (size_t i = 0; i < st->hugetlb_len; i++) {
      hk_jgen_key(g, v[i]->size);
      hk_jgen_map_open(g);
      opt_uint(g, "usage", v[i]->usage);
      opt_uint(g, "max", v[i]->max);
      hk_jgen_key_uint(g, "failcnt", v[i]->failcnt);
      hk_jgen_map_close(g);
    }
  }
  hk_jgen_map_close(g);
}

static void stats(hk_jgen g, const struct hk_cgroup_stats *st)
{
  hk_jgen_map_open(g);
  cpu(g, st);
  cpuset(g, &st->cpuset);
  memory(g, st);
  hk_jgen_key(g, "pids");
  hk_jgen_map_open(g);
  opt_uint(g, "current", st->pids_current);
  opt_uint(g, "limit", st->pids_limit);
  hk_jgen_map_close(g);
  blkio(g, st);
  hugetlb(g, st);
  /* Intel RDT (resctrl) and network statistics: husk gathers neither;
   * runc prints an empty object and null when it has none. */
  hk_jgen_key(g, "intel_rdt");
  hk_jgen_map_open(g);
  hk_jgen_map_close(g);
  hk_jgen_key(g, "network_interfaces");
  hk_jgen_null(g);
  hk_jgen_map_close(g);
}

int hk_event_to_json(const char *type, const char *id, const struct hk_cgroup_stats *st, char **out,
                     size_t *len, hk_error_t **err)
{
  hk_jgen g = hk_jgen_new(NULL);

  hk_jgen_map_open(g);
  hk_jgen_key_str(g, "type", type);
  hk_jgen_key_str(g, "id", id);
  if (st) {
    hk_jgen_key(g, "data");
    stats(g, st);
  }
  hk_jgen_map_close(g);
  return hk_jgen_finish(g, "event", out, len, err);
}

int hk_pids_to_json(const pid_t *pids, size_t n, char **out, size_t *len, hk_error_t **err)
{
  hk_jgen g = hk_jgen_new(NULL);

  hk_jgen_array_open(g);
  for (size_t i = 0; i < n; i++)
    hk_jgen_int(g, pids[i]);
  hk_jgen_array_close(g);
  return hk_jgen_finish(g, "process list", out, len, err);
}
